package templates

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedCodeIsCurrent regenerates every .templ file in a scratch copy
// of the module and compares the result with the committed _templ.go file,
// so that a template edited without "go tool templ generate" fails the tests
// instead of shipping the old page.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the templ generator")
	}
	files, err := filepath.Glob("*.templ")
	if err != nil || len(files) == 0 {
		t.Fatalf("no .templ files found (err %v)", err)
	}
	// The generator records paths relative to where it runs, so the copy
	// keeps the module layout: go.mod, go.sum and web/templates/*.templ.
	root := t.TempDir()
	dir := filepath.Join(root, "web", "templates")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		copyFile(t, filepath.Join("..", "..", f), filepath.Join(root, f))
	}
	for _, f := range files {
		copyFile(t, f, filepath.Join(dir, f))
	}
	cmd := exec.Command("go", "tool", "templ", "generate")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("templ generate: %v\n%s", err, out)
	}
	for _, f := range files {
		gen := f[:len(f)-len(".templ")] + "_templ.go"
		want, err := os.ReadFile(filepath.Join(dir, gen))
		if err != nil {
			t.Fatalf("generated %s: %v", gen, err)
		}
		got, err := os.ReadFile(gen)
		if err != nil {
			t.Fatalf("read committed %s: %v", gen, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go tool templ generate", gen)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatalf("read %s: %v", from, err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatalf("write %s: %v", to, err)
	}
}

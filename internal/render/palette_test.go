package render

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// dashboardCSS is the stylesheet whose --t-<type> properties are the one
// source of the per-type colours (the canvas and the legend read them).
const dashboardCSS = "../../web/static/style.css"

var typeVar = regexp.MustCompile(`--t-([a-z]+)\s*:\s*([^;]+);`)

// cssTypeColours reads the --t-<type> colours of the light theme (the first
// :root block) and of the dark one (the :root block inside the
// prefers-color-scheme: dark media query).
func cssTypeColours(t *testing.T, css string) (light, dark map[string]string) {
	t.Helper()
	block := func(from int) string {
		i := strings.Index(css[from:], ":root")
		if i < 0 {
			t.Fatalf("%s: no :root block after byte %d", dashboardCSS, from)
		}
		start := from + i
		end := strings.IndexByte(css[start:], '}')
		if end < 0 {
			t.Fatalf("%s: unterminated :root block at byte %d", dashboardCSS, start)
		}
		return css[start : start+end]
	}
	read := func(b string) map[string]string {
		m := map[string]string{}
		for _, g := range typeVar.FindAllStringSubmatch(b, -1) {
			m[g[1]] = strings.ToLower(strings.TrimSpace(g[2]))
		}
		return m
	}
	d := strings.Index(css, "prefers-color-scheme: dark")
	if d < 0 {
		t.Fatalf("%s: no dark theme (prefers-color-scheme: dark)", dashboardCSS)
	}
	return read(block(0)), read(block(d))
}

// TestPaletteMatchesDashboard fails when the SVG's per-type colours drift
// from the dashboard's: the stylesheet is the source, the palette in
// svg.go its copy. Change both together.
func TestPaletteMatchesDashboard(t *testing.T) {
	b, err := os.ReadFile(dashboardCSS)
	if err != nil {
		t.Fatal(err)
	}
	light, dark := cssTypeColours(t, string(b))
	if len(palette) != len(model.Types) || len(light) != len(model.Types) || len(dark) != len(model.Types) {
		t.Errorf("%d types in the palette, %d light and %d dark in %s; want %d each (model.Types)",
			len(palette), len(light), len(dark), dashboardCSS, len(model.Types))
	}
	for i, p := range palette {
		if i < len(model.Types) && p.t != model.Types[i] {
			t.Errorf("palette[%d] is %s, want %s: the legend lists types in model.Types order", i, p.t, model.Types[i])
		}
		if got := light[string(p.t)]; got != p.light {
			t.Errorf("%s light: %s says %s, the SVG palette %s", p.t, dashboardCSS, got, p.light)
		}
		if got := dark[string(p.t)]; got != p.dark {
			t.Errorf("%s dark: %s says %s, the SVG palette %s", p.t, dashboardCSS, got, p.dark)
		}
	}
	// And the SVG draws with them: outlines in the colour, in each theme.
	lightCSS, darkCSS, ok := strings.Cut(style, "@media (prefers-color-scheme:dark)")
	if !ok {
		t.Fatal("the SVG stylesheet has no dark theme")
	}
	for _, p := range palette {
		if want := ".t-" + string(p.t) + " rect,.t-" + string(p.t) + " path{fill:" + tint(p.light, lightNodeBg, fileTint) + ";stroke:" + p.light + "}"; !strings.Contains(lightCSS, want) {
			t.Errorf("light SVG style lacks %q", want)
		}
		if want := "stroke:" + p.dark + "}"; !strings.Contains(darkCSS, ".t-"+string(p.t)) || !strings.Contains(darkCSS, want) {
			t.Errorf("dark SVG style lacks %q for %s", want, p.t)
		}
	}
}

func TestTint(t *testing.T) {
	tests := []struct {
		c, bg string
		a     float64
		want  string
	}{
		{"#8250df", "#ffffff", 0, "#ffffff"},
		{"#8250df", "#ffffff", 1, "#8250df"},
		{"#000000", "#ffffff", 0.5, "#808080"},
		{"#0969da", "#ffffff", 0.14, "#ddeafa"},
	}
	for _, tc := range tests {
		if got := tint(tc.c, tc.bg, tc.a); got != tc.want {
			t.Errorf("tint(%s, %s, %v) = %s, want %s", tc.c, tc.bg, tc.a, got, tc.want)
		}
	}
}

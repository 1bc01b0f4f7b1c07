package collect

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/zoo"
)

func TestHoldZoo(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HOLD_N"))
	if n == 0 {
		t.Skip()
	}
	zoo.Containers(t, n)
	os.WriteFile("/tmp/zoo-ready", nil, 0o644)
	time.Sleep(60 * time.Second)
}

package layout

import (
	"strconv"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

func TestAppendUint(t *testing.T) {
	vals := []uint64{0, 1, 9, 10, 99, 100, 101, 999, 1000, 4026531837, 1<<64 - 1, 1 << 63, 12345678901234567890}
	for p := uint64(1); p <= 1e19; p *= 10 {
		vals = append(vals, p-1, p, p+1)
		if p == 1e19 {
			break
		}
	}
	for i := range 64 {
		vals = append(vals, 1<<i, 1<<i-1)
	}
	for _, v := range vals {
		if got, want := string(appendUint([]byte("x"), v)), "x"+strconv.FormatUint(v, 10); got != want {
			t.Errorf("%d: %q, want %q", v, got, want)
		}
	}
}

func TestRankMatchesModel(t *testing.T) {
	for _, ty := range append(model.Types, "bogus", "") {
		if rank(ty) != ty.Rank() {
			t.Errorf("%q: rank %d, model %d", ty, rank(ty), ty.Rank())
		}
	}
}

func TestCountRunes(t *testing.T) {
	for _, n := range []int{0, 7, 10, 999, 1000, 12345, 999999, 1000000} {
		if got, want := countRunes(n), len(appendThousands(nil, n)); got != want {
			t.Errorf("countRunes(%d) = %d, want %d", n, got, want)
		}
	}
}

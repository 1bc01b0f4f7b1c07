package layout

import (
	"strconv"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

func TestAppendUint(t *testing.T) {
	for _, v := range []uint64{0, 1, 9, 10, 99, 100, 101, 999, 1000, 4026531837, 1<<64 - 1, 1 << 63, 12345678901234567890} {
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

package render

import (
	"strings"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

// TestForChildrenHolder: a namespace held only through a process's
// *_for_children link names the link of its own type, in the text tree and
// in the SVG tooltip, so that a person knows which file in /proc/PID/ns to
// look at.
func TestForChildrenHolder(t *testing.T) {
	tests := []struct {
		typ  model.NSType
		want string
	}{
		{model.PID, "no process: held as the pid_for_children namespace of pid 42"},
		{model.Time, "no process: held as the time_for_children namespace of pid 42"},
	}
	for _, tc := range tests {
		t.Run(string(tc.typ), func(t *testing.T) {
			s := &model.Snapshot{
				Taken: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), Host: "box", Kernel: "6.18.0", Root: 1,
				Namespaces: map[model.NSID]*model.Namespace{
					1: {ID: 1, Type: model.User, Inode: 4026531837, Procs: []int{42}, Leader: 42},
					2: {ID: 2, Type: tc.typ, Inode: 4026532900, Owner: 1,
						HeldBy: []model.Holder{{Kind: model.HeldByChildren, PID: 42}}},
				},
				Processes: map[int]*model.Process{42: {PID: 42, Comm: "unshare"}},
			}
			r := layout.Compute(s, layout.Options{})
			txt := string(renderText(t, s, r))
			if !strings.Contains(txt, "["+tc.want+"]") {
				t.Errorf("text lacks %q:\n%s", tc.want, txt)
			}
			f := checkSVG(t, renderSVG(t, s, r, SVGOptions{}))
			if !strings.Contains(f.text, tc.want) {
				t.Errorf("SVG tooltips lack %q:\n%s", tc.want, f.text)
			}
			if strings.Contains(txt+f.text, "*_for_children") {
				t.Error("the placeholder *_for_children is still printed")
			}
		})
	}
}

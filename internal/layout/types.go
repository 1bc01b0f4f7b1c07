// Package layout places the namespace forest on a plane, once, on the
// server, so that the browser, the SVG export and every client draw the same
// picture and the picture holds still while containers churn. It is pure: it
// reads a model.Snapshot and makes no system calls.
package layout

import (
	"strconv"
	"strings"

	"github.com/nsweb/nsweb/internal/model"
)

// View names a way of seeing the forest.
type View string

// The views nsweb draws.
const (
	// Owner is the picture from the kernel discussion that gave us the
	// namespace ioctls: user namespaces are directories and every other
	// namespace is a file in the user namespace that owns it.
	Owner View = "owner"
	// PIDTree is the hierarchy of PID namespaces.
	PIDTree View = "pid"
	// Network shows the network namespaces alone, each under the user
	// namespace that owns it (drawn only as that frame) and grouped by
	// container and pod as in the owner view, so that a container keeps
	// its place when the user switches views; the wiring between them is
	// drawn over it (GET /api/v1/wiring).
	Network View = "network"
)

// Valid reports whether v names a view nsweb knows, so that request input can
// be checked with a clear error.
func (v View) Valid() bool { return v == Owner || v == PIDTree || v == Network }

// Orientation is the direction in which the tree grows.
type Orientation string

// The orientations the layout supports.
const (
	TopDown   Orientation = "top-down"
	LeftRight Orientation = "left-right"
)

// NodeKind says how a node is drawn.
type NodeKind string

// The node kinds.
const (
	Dir  NodeKind = "dir"  // a user namespace (owner view) or a PID namespace (pid view) that can have children
	File NodeKind = "file" // any other namespace
	// Group is a folded run of sibling files of one type, or of more
	// than the fold threshold sibling Container or Pod nodes (see
	// Node.Folds).
	Group NodeKind = "group"
	// Container holds the namespaces that one container alone uses
	// (Options.Group).
	Container NodeKind = "container"
	// Pod holds the containers of one Kubernetes pod and the namespaces
	// only they share (Options.Group = GroupPod).
	Pod NodeKind = "pod"
)

// Grouping says whether the owner view gathers namespaces by what uses them.
// People think of a host as its containers, not as a heap of namespaces,
// so servers group by container unless asked not to.
type Grouping string

// The groupings the layout supports.
const (
	// GroupNone shows namespaces where their owner puts them.
	GroupNone Grouping = "none"
	// GroupContainer puts the namespaces that exactly one container uses
	// under a Container node in their owner's Dir.
	GroupContainer Grouping = "container"
	// GroupPod groups like GroupContainer and also gathers the Container
	// nodes of one Kubernetes pod, and the namespaces only that pod's
	// containers share (its network, IPC and UTS namespaces), under a
	// Pod node.
	GroupPod Grouping = "pod"
)

// DefaultGrouping is the grouping of a request that names none (server and
// CLI). The zero Options, by contrast, do not group: Compute treats an
// empty Grouping as GroupNone.
const DefaultGrouping = GroupContainer

// ParseGrouping checks a grouping given by a person or a request: "" gives
// DefaultGrouping, an unknown value an *OptionError naming the choices.
func ParseGrouping(s string) (Grouping, error) {
	switch g := Grouping(s); g {
	case "":
		return DefaultGrouping, nil
	case GroupNone, GroupContainer, GroupPod:
		return g, nil
	}
	return "", &OptionError{Field: "group", Value: s, Want: []string{string(GroupNone), string(GroupContainer), string(GroupPod)}}
}

// Options are the inputs of a layout besides the snapshot. Folding and
// filtering are inputs, so every consumer that passes the same options gets
// the same picture.
type Options struct {
	View        View
	Orientation Orientation
	// FoldThreshold is the number of sibling files of one type, or of
	// sibling Container nodes (Pod nodes), above which they fold into a
	// group node. 0 means DefaultFoldThreshold; a negative value never
	// folds.
	FoldThreshold int
	// Expanded holds the IDs of group nodes the user opened.
	Expanded map[string]bool
	// Keep selects namespaces to show; nil shows all. Ancestors of a kept
	// namespace are shown too, so that it stays in context.
	Keep func(*model.Namespace) bool
	// Group gathers namespaces under Container and Pod nodes in the owner
	// and network views; "" means GroupNone. The PID view ignores it: its nodes are
	// PID namespaces, which nest, and a container's place in that tree is
	// already one subtree.
	Group Grouping
	// tidyTree places the nodes with the tidy tree of the layouts before
	// pack (every child one layer below its parent, all children of a
	// node in one row), for benchmarks and tests that compare the two.
	tidyTree bool
}

// Check reports, as an error a request handler can return, whether the
// options name a view and orientation the layout knows. Compute itself
// falls back to defaults instead of failing.
func (o Options) Check() error {
	if o.View != "" && !o.View.Valid() {
		return &OptionError{Field: "view", Value: string(o.View)}
	}
	if o.Orientation != "" && o.Orientation != TopDown && o.Orientation != LeftRight {
		return &OptionError{Field: "orientation", Value: string(o.Orientation)}
	}
	if o.Group != "" {
		if _, err := ParseGrouping(string(o.Group)); err != nil {
			return err
		}
	}
	return nil
}

// OptionError says which option had a value the layout does not know.
type OptionError struct {
	Field string   // "view", "orientation" or "group"
	Value string   // the value given
	Want  []string // the values allowed, when the message should list them
}

// Error names the option and quotes the value, so that a bad query string is
// visible in the message as sent.
func (e *OptionError) Error() string {
	msg := "layout: unknown " + e.Field + " " + strconv.Quote(e.Value)
	if len(e.Want) > 0 {
		msg += " (want " + strings.Join(e.Want, ", ") + ")"
	}
	return msg
}

// DefaultFoldThreshold is the fan-out above which siblings fold when the
// options do not say.
const DefaultFoldThreshold = 50

// Node is one placed box. X and Y are its top-left corner.
type Node struct {
	ID     string       `json:"id"` // "ns:<NSID>" or a group ID
	Kind   NodeKind     `json:"kind"`
	Type   model.NSType `json:"type"`
	NS     model.NSID   `json:"ns,omitempty"` // 0 for groups
	Label  string       `json:"label"`
	Parent string       `json:"parent,omitempty"`
	Count  int          `json:"count,omitempty"` // namespaces, containers or pods folded into a group
	X      float64      `json:"x"`
	Y      float64      `json:"y"`
	W      float64      `json:"w"`
	H      float64      `json:"h"`
}

// Edge joins a parent node to a child node.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Result is a laid-out view. Nodes are in depth-first pre-order, so a parent
// always comes before its children.
type Result struct {
	View        View        `json:"view"`
	Orientation Orientation `json:"orientation"`
	Nodes       []Node      `json:"nodes"`
	Edges       []Edge      `json:"edges"`
	Width       float64     `json:"width"`
	Height      float64     `json:"height"`
	// Folds says what each Group node hides, so that a consumer can tell
	// which group holds a namespace, container or pod that has no node of
	// its own: the stream reports what starts or ends inside a folded
	// group, where no node is added or removed and only a count changes.
	// Kept out of the JSON: a picture does not need it.
	Folds []Fold `json:"-"`
	// pinned holds the IDs of the nodes that never fold (see
	// builder.pinned), for Hiding.
	pinned map[string]bool
}

// Fold is what one Group node hides.
type Fold struct {
	ID   string       // the group node's ID
	What NodeKind     // File, Dir, Container or Pod, as Node.Folds says
	NS   []model.NSID // File, Dir: the folded namespaces (a Dir's subtree is hidden with it)
	Refs []string     // Container or Pod: the Ref of each folded node
}

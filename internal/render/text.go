package render

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

// maxCmd bounds the command shown per line of the text tree.
const maxCmd = 80

// Text writes r to w as an indented tree in the manner of `lsns -T`, one
// line per node: type, inode, NSID, process count, leader PID and command,
// containers, and in brackets what lsns leaves out (what holds a namespace
// without processes, bind mounts, folded groups, each with the ID that
// opens it). Host strings are escaped
// (\x1b, \u202e, \\) so that a hostile process name cannot drive the
// terminal or reorder the line. Nodes are printed in the layout's order;
// nodes whose parent is missing start a tree of their own, so none is lost.
func Text(w io.Writer, s *model.Snapshot, r *layout.Result) error {
	return TextWith(w, s, r, nil)
}

// TextWith is Text with a short summary of what each namespace holds
// appended to its line (" — 3 interfaces: lo, eth0 ↔ veth1@…"); brief
// returns "" for nothing to add. Nil adds none.
func TextWith(w io.Writer, s *model.Snapshot, r *layout.Result, brief func(model.NSID) string) error {
	if s == nil || r == nil {
		return errors.New("render text: nil snapshot or layout")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "# %s, kernel %s, taken %s, view %s: %s, %s, %s; %s shown\n",
		terminal(s.Host, 200), terminal(s.Kernel, 200), s.Taken.UTC().Format(time.RFC3339),
		terminal(string(r.View), 40),
		plural(len(s.Namespaces), "namespace", "namespaces"),
		plural(len(s.Processes), "process", "processes"),
		plural(len(s.Containers), "container", "containers"),
		plural(len(r.Nodes), "node", "nodes"))
	if s.Partial {
		fmt.Fprintf(bw, "# partial scan: %s\n", terminal(s.Reason, 300))
	}

	index := make(map[string]int, len(r.Nodes))
	for i := range r.Nodes {
		if _, dup := index[r.Nodes[i].ID]; !dup {
			index[r.Nodes[i].ID] = i
		}
	}
	children := make([][]int, len(r.Nodes))
	var roots []int
	for i := range r.Nodes {
		p, ok := index[r.Nodes[i].Parent]
		if r.Nodes[i].Parent == "" || !ok || p == i {
			roots = append(roots, i)
			continue
		}
		children[p] = append(children[p], i)
	}
	t := &textTree{w: bw, s: s, r: r, children: children, done: make([]bool, len(r.Nodes)), brief: brief, initial: layout.Initial(s)}
	for _, i := range roots {
		t.node(i, "", "", "")
	}
	// Nodes on a parent cycle are reachable from no root: print them anyway.
	for i := range r.Nodes {
		if !t.done[i] {
			t.node(i, "", "", " [detached: parent cycle]")
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("render text: %w", err)
	}
	return nil
}

// textTree walks the node forest writing one line per node.
type textTree struct {
	w        *bufio.Writer
	s        *model.Snapshot
	r        *layout.Result
	children [][]int
	done     []bool
	brief    func(model.NSID) string
	initial  []model.NSID // the host's initial namespaces, said "host"
}

// node writes node i after branch (its own connector) and its children with
// prefix (the connectors of its ancestors).
func (t *textTree) node(i int, branch, prefix, extra string) {
	if t.done[i] {
		return
	}
	t.done[i] = true
	t.w.WriteString(branch)
	t.w.WriteString(t.line(&t.r.Nodes[i]))
	t.w.WriteString(extra)
	t.w.WriteByte('\n')
	kids := t.children[i]
	for k, c := range kids {
		if k == len(kids)-1 {
			t.node(c, prefix+"└─", prefix+"  ", "")
		} else {
			t.node(c, prefix+"├─", prefix+"│ ", "")
		}
	}
}

// line describes one node, escaped for a terminal.
func (t *textTree) line(n *layout.Node) string {
	var b strings.Builder
	if n.Kind == layout.Group {
		// "[59 net namespaces folded] +59 net id:grp:ns:4098:net": the ID
		// is what a reader passes to open the group (nsweb snapshot
		// --expand, the API's expand).
		switch n.Folds() {
		case layout.Container:
			b.WriteString("[" + plural(n.Count, "container", "containers") + " folded] ")
		case layout.Pod:
			b.WriteString("[" + plural(n.Count, "pod", "pods") + " folded] ")
		default:
			b.WriteString("[" + plural(n.Count, string(n.Type)+" namespace", string(n.Type)+" namespaces") + " folded] ")
		}
		b.WriteString(terminal(n.Label, 120))
		b.WriteString(" id:" + terminal(n.ID, 600))
		return b.String()
	}
	if n.Kind == layout.Container || n.Kind == layout.Pod {
		// "container web-1 [docker, image nginx; id …; pod …]"
		facts := groupFacts(t.s, n)
		for i := range facts {
			facts[i] = terminal(facts[i], 200)
		}
		b.WriteString(facts[0])
		if len(facts) > 1 {
			b.WriteString(" [" + strings.Join(facts[1:], "; ") + "]")
		}
		return b.String()
	}
	ns := t.s.Namespaces[n.NS]
	if ns == nil {
		return terminal(string(n.Type), 20) + " ? id:" + strconv.FormatUint(uint64(n.NS), 10) + " [not in the snapshot]"
	}
	b.WriteString(terminal(string(ns.Type), 20))
	b.WriteString(" " + strconv.FormatUint(ns.Inode, 10))
	if slices.Contains(t.initial, ns.ID) {
		b.WriteString(" host")
	}
	b.WriteString(" id:" + strconv.FormatUint(uint64(ns.ID), 10))
	b.WriteString(" procs:" + strconv.Itoa(len(ns.Procs)))
	if pid, cmd := leader(t.s, ns); pid != 0 {
		b.WriteString(" pid:" + strconv.Itoa(pid))
		if cmd != "" {
			b.WriteString(" " + terminal(cmd, maxCmd))
		}
	}
	if names, more := containerNames(t.s, ns); len(names) > 0 {
		for i := range names {
			names[i] = terminal(names[i], 64)
		}
		b.WriteString(" container:" + strings.Join(names, ","))
		if more > 0 {
			b.WriteString(",+" + strconv.Itoa(more))
		}
	}
	if ms := markers(t.s, ns); len(ns.Procs) == 0 || len(ms) > 0 {
		for i := range ms {
			ms[i] = terminal(ms[i], 200)
		}
		b.WriteString(" [" + strings.Join(ms, "; ") + "]")
	}
	if t.brief != nil {
		if x := t.brief(ns.ID); x != "" {
			b.WriteString(" — " + terminal(x, 300))
		}
	}
	return b.String()
}

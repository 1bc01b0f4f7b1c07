// Package render turns a laid-out view into files people share: a
// standalone SVG (for bug reports, chats and wikis, opened anywhere without
// nsweb) and an indented text tree for terminals. Both draw exactly the
// layout.Result they are given, so the export is the picture the browser
// shows. Render is pure: it reads a model.Snapshot and a layout.Result and
// writes bytes, treating every string from the host as hostile.
package render

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

// SVGOptions are the inputs of an SVG besides the snapshot and layout.
type SVGOptions struct {
	// Filter is the filter the view was made with (filter.Query.String()),
	// written into the description so a shared picture says what it
	// leaves out. Empty means unfiltered.
	Filter string
	// Links are drawn over the tree (?wiring=1): the wiring between
	// network namespaces. Nil draws none.
	Links []Link
}

// Geometry of the frame around the tree, in SVG user units (pixels).
const (
	margin     = 16.0
	headerH    = 64.0 // title line and two legend rows
	legendStep = 86.0 // horizontal distance between legend entries
	legendW    = 8 * legendStep
	charW      = 6.8 // average advance of a 12px system font, for cutting labels
	smallCharW = 5.8 // the same for the 10px second line
	tabW       = 22.0
	tabH       = 5.0
	emptyH     = 24.0 // the line that says why a picture has no node
)

// palette gives each namespace type its colour in the light and the dark
// theme: the dashboard's, so that a shared picture reads like the screen
// it was taken from. The dashboard's stylesheet is the one source of these
// colours (web/static/style.css, --t-<type> in :root and in its dark
// block); TestPaletteMatchesDashboard fails when this copy drifts from it.
// Boxes are filled with a tint of the colour, as the dashboard's canvas
// does (render.js drawFull), and outlined in it.
var palette = []struct {
	t           model.NSType
	light, dark string
}{
	{model.User, "#8250df", "#ab7df8"},
	{model.PID, "#bc4c00", "#f0883e"},
	{model.Net, "#0969da", "#58a6ff"},
	{model.Mnt, "#1a7f37", "#3fb950"},
	{model.UTS, "#bf3989", "#f778ba"},
	{model.IPC, "#9a6700", "#d29922"},
	{model.Cgroup, "#0e7c86", "#39c5cf"},
	{model.Time, "#6e7781", "#9198a1"},
}

// The backgrounds boxes are tinted over, and how strongly: the canvas's
// alphas, stronger for directories so the tree's skeleton stands out.
const (
	lightNodeBg = "#ffffff"
	darkNodeBg  = "#262a31"
	fileTint    = 0.14
	dirTint     = 0.28
)

// tint is colour c laid over background bg at alpha a, as one opaque
// colour, so that edges behind a box do not show through it. Both are
// "#rrggbb" literals of this file.
func tint(c, bg string, a float64) string {
	out := []byte{'#'}
	for i := 1; i < 7; i += 2 {
		x, _ := strconv.ParseUint(c[i:i+2], 16, 8)
		y, _ := strconv.ParseUint(bg[i:i+2], 16, 8)
		v := uint64(math.Round(a*float64(x) + (1-a)*float64(y)))
		out = fmt.Appendf(out, "%02x", v)
	}
	return string(out)
}

// style is the one stylesheet of every SVG: built once, never from input.
var style = buildStyle()

func buildStyle() string {
	b := []byte(`svg{font:12px system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}` +
		`.bg{fill:#fff}text{fill:#1b1b1b;dominant-baseline:central}.h{font-weight:600;font-size:13px}` +
		`.s{font-size:10px;fill:#444}.e{fill:none;stroke:#8a8a8a;stroke-width:1.2}` +
		`.n rect,.lg rect,.n path,.lg path{stroke-width:1.5}.dir rect{stroke-width:2.5}` +
		`.group rect{stroke-dasharray:5 3}.t-x rect,.t-x path{fill:#f4f4f4;stroke:#666}` +
		`.empty{font-size:14px;fill:#444}`)
	for _, p := range palette {
		b = fmt.Appendf(b, `.t-%s rect,.t-%s path{fill:%s;stroke:%s}.dir.t-%s rect,.dir.t-%s path{fill:%s}`,
			p.t, p.t, tint(p.light, lightNodeBg, fileTint), p.light, p.t, p.t, tint(p.light, lightNodeBg, dirTint))
	}
	// Containers are pills with a heavy outline in the text colour, pods
	// double-outlined, as on the dashboard: shapes, not colours, set them
	// apart, so that no type's colour is taken. Their names keep the
	// normal weight, for which the layout measured the boxes.
	b = append(b, `.container rect{fill:#fff;stroke:#1b1b1b;stroke-width:2.5}`+
		`.pod rect{fill:#fff;stroke:#1b1b1b;stroke-width:2}.pod rect+rect{fill:none;stroke-width:1}`+
		`.n.container text,.n.pod text{text-anchor:middle}`...)
	b = append(b, `@media (prefers-color-scheme:dark){.bg{fill:#15171c}text{fill:#e6e6e6}.s,.empty{fill:#b0b0b0}`+
		`.e{stroke:#8d8d8d}.n rect,.n path,.lg rect,.lg path{fill:`+darkNodeBg+`}`...)
	for _, p := range palette {
		b = fmt.Appendf(b, `.t-%s rect,.t-%s path{fill:%s;stroke:%s}.dir.t-%s rect,.dir.t-%s path{fill:%s}`,
			p.t, p.t, tint(p.dark, darkNodeBg, fileTint), p.dark, p.t, p.t, tint(p.dark, darkNodeBg, dirTint))
	}
	b = append(b, `.container rect,.pod rect{stroke:#e6e6e6}.pod rect+rect{fill:none}`...)
	b = append(b, '}')
	return string(b)
}

// typeClass is the CSS class suffix of a type; unknown types share "x".
func typeClass(t model.NSType) string {
	if t.Valid() {
		return string(t)
	}
	return "x"
}

// kindClass is the CSS class of a node kind; unknown kinds draw as files.
func kindClass(k layout.NodeKind) string {
	switch k {
	case layout.Dir, layout.Group, layout.Container, layout.Pod:
		return string(k)
	}
	return string(layout.File)
}

// shapeOf is the kind whose shape node n is drawn in: its own, or for a
// group of folded Container or Pod nodes theirs (a pill, a double
// outline), dashed like every group.
func shapeOf(n *layout.Node) layout.NodeKind {
	if f := n.Folds(); f == layout.Container || f == layout.Pod {
		return f
	}
	return n.Kind
}

// svgWriter carries the output and a scratch buffer for numbers.
type svgWriter struct {
	*bufio.Writer
	num []byte
}

// n writes x rounded to 0.1 in the shortest form, so the same layout always
// gives the same bytes and no float noise bloats the file.
func (w *svgWriter) n(x float64) {
	x = math.Round(x*10) / 10
	if x == 0 {
		x = 0 // no "-0"
	}
	if i := int64(x); float64(i) == x {
		w.num = strconv.AppendInt(w.num[:0], i, 10) // the common case, and cheaper
	} else {
		w.num = strconv.AppendFloat(w.num[:0], x, 'f', -1, 64)
	}
	w.Write(w.num)
}

// SVG writes r as a standalone SVG document to w: one internal stylesheet,
// no script, no external reference, a legend, and a tooltip per node. Every
// string from the host is cleaned and escaped. The same snapshot, layout and
// options always give the same bytes. It fails on a layout it cannot draw
// faithfully (non-finite coordinates, duplicate node IDs, edges to unknown
// nodes) and on write errors.
func SVG(w io.Writer, s *model.Snapshot, r *layout.Result, o SVGOptions) error {
	if s == nil || r == nil {
		return errors.New("render svg: nil snapshot or layout")
	}
	index := make(map[string]int, len(r.Nodes))
	minX, minY, maxX, maxY := 0.0, 0.0, r.Width, r.Height
	for i := range r.Nodes {
		n := &r.Nodes[i]
		if !finite(n.X, n.Y, n.W, n.H) || n.W < 0 || n.H < 0 {
			return fmt.Errorf("render svg: node %q has an invalid box (%v,%v %vx%v)", n.ID, n.X, n.Y, n.W, n.H)
		}
		if _, dup := index[n.ID]; dup {
			return fmt.Errorf("render svg: duplicate node id %q", n.ID)
		}
		index[n.ID] = i
		minX, minY = math.Min(minX, n.X), math.Min(minY, n.Y-tabH)
		maxX, maxY = math.Max(maxX, n.X+n.W), math.Max(maxY, n.Y+n.H)
	}
	if !finite(minX, minY, maxX, maxY) {
		return fmt.Errorf("render svg: layout size %vx%v is not finite", r.Width, r.Height)
	}
	for _, e := range r.Edges {
		if _, ok := index[e.From]; !ok {
			return fmt.Errorf("render svg: edge %q -> %q: unknown node %q", e.From, e.To, e.From)
		}
		if _, ok := index[e.To]; !ok {
			return fmt.Errorf("render svg: edge %q -> %q: unknown node %q", e.From, e.To, e.To)
		}
	}
	width := math.Max(maxX-minX, legendW) + 2*margin
	height := headerH + (maxY - minY) + 3*margin
	if len(r.Nodes) == 0 {
		height += emptyH // room for saying why the picture is empty
	}

	bw := &svgWriter{Writer: bufio.NewWriterSize(w, 64<<10), num: make([]byte, 0, 32)}
	bw.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `)
	bw.n(width)
	bw.WriteByte(' ')
	bw.n(height)
	bw.WriteString(`" width="`)
	bw.n(width)
	bw.WriteString(`" height="`)
	bw.n(height)
	bw.WriteString(`" role="img" aria-labelledby="nsweb-title nsweb-desc">` + "\n")

	taken := s.Taken.UTC().Format(time.RFC3339)
	view := string(r.View)
	bw.WriteString(`<title id="nsweb-title">nsweb: namespaces of `)
	writeHost(bw.Writer, s.Host, 200)
	bw.WriteString(`</title>` + "\n" + `<desc id="nsweb-desc">`)
	bw.WriteString("Host ")
	writeHost(bw.Writer, s.Host, 200)
	bw.WriteString(", kernel ")
	writeHost(bw.Writer, s.Kernel, 200)
	bw.WriteString(", taken " + taken + "; " +
		plural(len(s.Namespaces), "namespace", "namespaces") + ", " +
		plural(len(s.Processes), "process", "processes") + ", " +
		plural(len(s.Containers), "container", "containers") + "; view ")
	writeHost(bw.Writer, view, 40)
	bw.WriteString(", " + plural(len(r.Nodes), "node", "nodes") + " shown; filter: ")
	if o.Filter == "" {
		bw.WriteString("none")
	} else {
		writeHost(bw.Writer, o.Filter, 1100)
	}
	if s.Partial {
		bw.WriteString("; partial scan: ")
		writeHost(bw.Writer, s.Reason, 300)
	}
	bw.WriteString("</desc>\n<style>")
	bw.WriteString(style)
	bw.WriteString("</style>\n")
	bw.WriteString(`<rect class="bg" width="`)
	bw.n(width)
	bw.WriteString(`" height="`)
	bw.n(height)
	bw.WriteString(`"/>` + "\n")

	// Header: one line of facts, then the legend.
	bw.WriteString(`<g class="lg" transform="translate(16,16)"><text class="h" y="6">`)
	head := s.Host + " · " + s.Kernel + " · " + taken + " · view " + view
	if o.Filter != "" {
		head += " · filter " + o.Filter
	}
	writeHost(bw.Writer, head, int(math.Max(20, (width-2*margin)/charW)))
	bw.WriteString("</text>\n")
	for i, p := range palette {
		x := float64(i) * legendStep
		bw.WriteString(`<g class="t-` + string(p.t) + `"><rect x="`)
		bw.n(x)
		bw.WriteString(`" y="20" width="14" height="14" rx="2"/><text x="`)
		bw.n(x + 20)
		bw.WriteString(`" y="27">` + string(p.t) + "</text></g>\n")
	}
	x := 0.0
	for _, k := range []struct {
		kind layout.NodeKind
		name string
	}{
		{layout.Dir, "directory: user or pid ns"}, {layout.File, "namespace"}, {layout.Group, "folded group"},
		{layout.Container, "container"}, {layout.Pod, "pod"},
	} {
		bw.WriteString(`<g class="t-x ` + string(k.kind) + `">`)
		if k.kind == layout.Dir {
			writeTab(bw, x, 47)
		}
		writeBox(bw, k.kind, x, 47, 22, 14)
		bw.WriteString(`<text x="`)
		bw.n(x + 28)
		bw.WriteString(`" y="54">` + k.name + "</text></g>\n")
		x += 28 + float64(len(k.name))*charW + 24
	}
	bw.WriteString("</g>\n")

	if len(r.Nodes) == 0 {
		// An empty picture says why, rather than looking broken.
		bw.WriteString(`<text class="empty" x="`)
		bw.n(margin)
		bw.WriteString(`" y="`)
		bw.n(headerH + 2*margin + emptyH/2)
		bw.WriteString(`">`)
		msg := "No namespace to show"
		if o.Filter != "" {
			msg = "No namespace matches " + o.Filter
		}
		writeHost(bw.Writer, msg, int(math.Max(20, (width-2*margin)/charW)))
		bw.WriteString("</text>\n")
	}

	// The tree, shifted below the header.
	bw.WriteString(`<g transform="translate(`)
	bw.n(margin - minX)
	bw.WriteByte(',')
	bw.n(headerH + 2*margin - minY)
	bw.WriteString(")\">\n")
	if len(r.Edges) > 0 {
		bw.WriteString(`<path class="e" d="`)
		for i, e := range r.Edges {
			if i > 0 {
				bw.WriteByte(' ')
			}
			writeEdge(bw, r.Orientation, &r.Nodes[index[e.From]], &r.Nodes[index[e.To]])
		}
		bw.WriteString("\"/>\n")
	}
	for i := range r.Nodes {
		writeNode(bw, s, &r.Nodes[i])
	}
	writeLinks(bw, r, o.Links)
	bw.WriteString("</g>\n</svg>\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("render svg: %w", err)
	}
	return nil
}

func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// writeEdge appends one orthogonal elbow connector to the path data: from
// the parent's bottom to the child's top for top-down trees, from right
// middle to left middle for left-right ones, turning layout.LayerGap/2
// before the child. A top-down child in a wrapped row (more than
// layout.LayerGap below its parent) is reached from the trunk at the
// parent's left (layout.TrunkInset), which runs clear of the rows above.
func writeEdge(w *svgWriter, o layout.Orientation, p, c *layout.Node) {
	if o == layout.LeftRight {
		x1, y1 := p.X+p.W, p.Y+p.H/2
		x2, y2 := c.X, c.Y+c.H/2
		writeElbow(w, x1, y1, 'H', 'V', x2, y1, y2)
		return
	}
	x1, y1 := p.X+p.W/2, p.Y+p.H
	x2, y2 := c.X+c.W/2, c.Y
	if y2-y1 > layout.LayerGap+0.5 {
		x1 = p.X + min(p.W/2, layout.TrunkInset)
	}
	writeElbow(w, x1, y1, 'V', 'H', y2, x1, x2)
}

// writeElbow appends a connector from (x1, y1) that runs along the main
// axis (path command main, 'H' or 'V') to m2: straight when the cross
// coordinates c1 and c2 agree to a tenth, else with an elbow that crosses
// (command cross) to c2 layout.LayerGap/2 before m2.
func writeElbow(w *svgWriter, x1, y1 float64, main, cross byte, m2, c1, c2 float64) {
	w.WriteByte('M')
	w.n(x1)
	w.WriteByte(' ')
	w.n(y1)
	if math.Round(c1*10) != math.Round(c2*10) {
		w.WriteByte(main)
		w.n(m2 - layout.LayerGap/2)
		w.WriteByte(cross)
		w.n(c2)
	}
	w.WriteByte(main)
	w.n(m2)
}

// writeBox draws the box of a node of kind k: a rounded rectangle; a pill
// for a container; for a pod a second rectangle inside the first, so that
// the kinds differ in shape and not only in colour.
func writeBox(w *svgWriter, k layout.NodeKind, x, y, width, height float64) {
	rect := func(x, y, width, height, rx float64) {
		w.WriteString(`<rect x="`)
		w.n(x)
		w.WriteString(`" y="`)
		w.n(y)
		w.WriteString(`" width="`)
		w.n(width)
		w.WriteString(`" height="`)
		w.n(height)
		w.WriteString(`" rx="`)
		w.n(rx)
		w.WriteString(`"/>`)
	}
	switch k {
	case layout.Container:
		rect(x, y, width, height, height/2)
	case layout.Pod:
		rect(x, y, width, height, 3)
		rect(x+2.5, y+2.5, max(width-5, 0), max(height-5, 0), 2)
	default:
		rect(x, y, width, height, 3)
	}
}

// writeTab draws the folder tab that marks a directory node, on top of its
// box's left edge.
func writeTab(w *svgWriter, x, y float64) {
	w.WriteString(`<path d="M`)
	w.n(x)
	w.WriteByte(' ')
	w.n(y)
	w.WriteString(`v-`)
	w.n(tabH)
	w.WriteByte('h')
	w.n(tabW - 4)
	w.WriteString(`l4 `)
	w.n(tabH)
	w.WriteString(`z"/>`)
}

// host writes host data as XML text, cleaned and cut to max runes.
func (w *svgWriter) host(s string, max int) { writeXML(w.Writer, clean(s, max)) }

// u writes an unsigned integer.
func (w *svgWriter) u(x uint64) {
	w.num = strconv.AppendUint(w.num[:0], x, 10)
	w.Write(w.num)
}

// count writes "1 thing" or "N things".
func (w *svgWriter) count(n int, one, many string) {
	w.u(uint64(max(n, 0)))
	if n == 1 {
		w.WriteString(one)
	} else {
		w.WriteString(many)
	}
}

// writeTooltip writes the lines of a node's <title>: what it is, its IDs,
// owner, processes and leader, containers, and what holds it. It writes
// straight to the output, without building strings, because it runs once
// per node of views with tens of thousands of nodes.
func writeTooltip(w *svgWriter, s *model.Snapshot, n *layout.Node) {
	typ := clean(string(n.Type), 20)
	if f := n.Folds(); f == layout.Container || f == layout.Pod {
		if f == layout.Pod {
			w.count(n.Count, " pod, folded\n", " pods, folded\n")
		} else {
			w.count(n.Count, " container, folded\n", " containers, folded\n")
		}
		w.host(n.Label, 300)
		return
	}
	if n.Kind == layout.Group {
		w.u(uint64(max(n.Count, 0)))
		w.WriteByte(' ')
		w.host(typ, 0)
		if n.Count == 1 {
			w.WriteString(" namespace, folded\n")
		} else {
			w.WriteString(" namespaces, folded\n")
		}
		w.host(n.Label, 300)
		return
	}
	if n.Kind == layout.Container || n.Kind == layout.Pod {
		for i, l := range groupFacts(s, n) {
			if i > 0 {
				w.WriteByte('\n')
			}
			w.host(l, 300)
		}
		return
	}
	ns := s.Namespaces[n.NS]
	w.host(typ, 0)
	w.WriteString(" namespace")
	if ns == nil {
		w.WriteString("\nid ")
		w.u(uint64(n.NS))
		w.WriteString(" (not in the snapshot)")
		return
	}
	w.WriteByte(' ')
	w.u(ns.Inode)
	w.WriteString("\nid ")
	w.u(uint64(ns.ID))
	w.WriteString(", inode ")
	w.u(ns.Inode)
	if ns.Type == model.User && ns.OwnerUID != nil {
		w.WriteString("\ncreated by uid ")
		w.u(uint64(*ns.OwnerUID))
	}
	if ns.Owner != 0 && ns.Owner != ns.ID {
		w.WriteString("\nowner: ")
		if o := s.Namespaces[ns.Owner]; o != nil {
			w.host(string(o.Type), 20)
			w.WriteString(" ns ")
			w.u(o.Inode)
		} else {
			w.WriteString("ns id ")
			w.u(uint64(ns.Owner))
		}
	}
	w.WriteByte('\n')
	w.count(len(ns.Procs), " process", " processes")
	if pid, cmd := leader(s, ns); pid != 0 {
		w.WriteString(", leader ")
		w.u(uint64(pid))
		w.WriteByte(' ')
		w.host(cmd, 200)
	}
	for i, id := range ns.Containers {
		if i == maxNames {
			w.WriteString(" and ")
			w.u(uint64(len(ns.Containers) - maxNames))
			w.WriteString(" more")
			break
		}
		if i == 0 {
			w.WriteString("\ncontainers: ")
		} else {
			w.WriteString(", ")
		}
		if c := s.Containers[id]; c != nil {
			w.host(c.DisplayName(), 64)
		} else {
			w.host((&model.Container{ID: id}).DisplayName(), 64)
		}
	}
	if len(ns.Procs) == 0 || len(ns.HeldBy) > 0 {
		for _, m := range markers(s, ns) {
			w.WriteByte('\n')
			w.host(m, 300)
		}
	}
}

// writeID writes a node ID as an id attribute value: letters, digits and
// ":_.-" as they are, every other byte as %XX. The attribute stays plain
// ASCII that no CSS or URL parser reads as syntax, and distinct IDs stay
// distinct.
func writeID(w *bufio.Writer, id string) {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(id); i++ {
		c := id[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == ':' || c == '_' || c == '.' || c == '-' {
			w.WriteByte(c)
			continue
		}
		w.WriteByte('%')
		w.WriteByte(hexDigits[c>>4])
		w.WriteByte(hexDigits[c&15])
	}
}

// writeNode draws one node: group, tooltip, box, label and a second line
// with the process count and leader when the box is tall enough.
func writeNode(w *svgWriter, s *model.Snapshot, n *layout.Node) {
	kind := kindClass(n.Kind)
	shape := shapeOf(n)
	w.WriteString(`<g class="n t-`)
	w.WriteString(typeClass(n.Type))
	w.WriteByte(' ')
	w.WriteString(kind)
	if shape != n.Kind {
		w.WriteByte(' ')
		w.WriteString(string(shape))
	}
	w.WriteString(`" id="`)
	writeID(w.Writer, n.ID)
	w.WriteString(`"><title>`)
	writeTooltip(w, s, n)
	w.WriteString(`</title>`)
	if kind == string(layout.Dir) {
		writeTab(w, n.X, n.Y)
	}
	writeBox(w, shape, n.X, n.Y, n.W, n.H)

	ns := s.Namespaces[n.NS]
	two := n.H >= 30 && (n.Kind == layout.Group || ns != nil)
	ly := n.Y + n.H/2
	if two {
		ly -= 6
	}
	w.WriteString(`<text x="`)
	if shape == layout.Container || shape == layout.Pod {
		w.n(n.X + n.W/2) // centred (CSS): clear of a pill's round ends
	} else {
		w.n(n.X + 6)
	}
	w.WriteString(`" y="`)
	w.n(ly)
	w.WriteString(`">`)
	w.host(n.Label, int(math.Max(4, (n.W-10)/charW)))
	w.WriteString(`</text>`)
	if two {
		// The small second line: the size of a folded group, or the
		// process count and the leader's comm.
		w.WriteString(`<text class="s" x="`)
		w.n(n.X + 6)
		w.WriteString(`" y="`)
		w.n(ly + 13)
		w.WriteString(`">`)
		switch {
		case shape == layout.Container:
			w.count(n.Count, " container", " containers")
		case shape == layout.Pod:
			w.count(n.Count, " pod", " pods")
		case n.Kind == layout.Group:
			w.count(n.Count, " namespace", " namespaces")
		case len(ns.Procs) == 0:
			w.WriteString("no process")
		default:
			w.count(len(ns.Procs), " proc", " procs")
			if p := s.Processes[ns.Leader]; p != nil {
				w.WriteString(" · ")
				w.host(p.Comm, int(math.Max(4, (n.W-10)/smallCharW-12)))
			}
		}
		w.WriteString(`</text>`)
	}
	w.WriteString("</g>\n")
}

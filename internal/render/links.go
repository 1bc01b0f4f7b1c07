package render

import (
	"math"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
)

// Link is a wire between two namespaces drawn over the tree: a veth pair,
// a macvlan and its parent (from internal/netinfo's wiring).
type Link struct {
	A, B  model.NSID
	Kind  string
	Label string // "va ↔ vb"
}

// linkColors are the stroke colours of links by kind, as the browser's
// overlay draws them (web/static/wiring.js).
var linkColors = map[string]string{"veth": "#e8590c", "macvlan": "#9c36b5", "ipvlan": "#9c36b5"}

// writeLinks draws the links whose both ends have a node in r, as dashed
// curves with the interface names as tooltip, and returns how many it
// drew. Styles are inline so that a picture without links is unchanged.
func writeLinks(bw *svgWriter, r *layout.Result, links []Link) int {
	if len(links) == 0 {
		return 0
	}
	at := make(map[model.NSID]*layout.Node, len(r.Nodes))
	for i := range r.Nodes {
		if n := &r.Nodes[i]; n.NS != 0 && at[n.NS] == nil {
			at[n.NS] = n
		}
	}
	drawn := 0
	for _, l := range links {
		a, b := at[l.A], at[l.B]
		if a == nil || b == nil {
			continue
		}
		// From the bottom of each node, hanging below both (as the
		// browser draws it): the tree grows downwards.
		x1, y1 := a.X+a.W/2, a.Y+a.H
		x2, y2 := b.X+b.W/2, b.Y+b.H
		cx, cy := (x1+x2)/2, math.Max(y1, y2)+math.Min(80, 12+math.Hypot(x2-x1, y2-y1)*0.25)
		col, ok := linkColors[l.Kind]
		if !ok {
			col = "#1098ad"
		}
		bw.WriteString(`<path class="wire" fill="none" stroke="` + col + `" stroke-width="2" stroke-dasharray="6 4" d="M`)
		for i, v := range []float64{x1, y1, cx, cy, x2, y2} {
			if i == 2 {
				bw.WriteString(" Q")
			} else if i > 0 {
				bw.WriteByte(' ')
			}
			bw.n(v)
		}
		bw.WriteString(`"><title>`)
		bw.host(l.Kind+": "+l.Label, 200)
		bw.WriteString("</title></path>\n")
		drawn++
	}
	return drawn
}

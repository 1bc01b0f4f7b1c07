package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/filter"
	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/render"
)

// snapshotOptions are the flags of "nsweb snapshot".
type snapshotOptions struct {
	format string
	output string
	view   string
	group  layout.Grouping
	query  string
}

func parseSnapshot(args []string, stdout, stderr io.Writer) (snapshotOptions, int, bool) {
	var o snapshotOptions
	fs := flag.NewFlagSet("nsweb snapshot", flag.ContinueOnError)
	fs.SetOutput(helpOutput(args, stdout, stderr))
	fs.StringVar(&o.format, "format", "text", "output format: "+formatNames())
	fs.StringVar(&o.output, "o", "-", "write to this file instead of standard output")
	fs.StringVar(&o.view, "view", "owner", "tree to draw (text, svg): owner or pid")
	group := fs.String("group", string(layout.DefaultGrouping), "gather namespaces under their containers (text, svg, owner view): none, container or pod")
	fs.StringVar(&o.query, "q", "", "filter, in the dashboard's filter language (text, svg)")
	if code, ok := parseFlags(fs, args, "Scan the host once and print what was found; no server is needed.", stderr); !ok {
		return o, code, false
	}
	if !layout.View(o.view).Valid() {
		fmt.Fprintf(stderr, "nsweb snapshot: unknown --view %q (want owner or pid)\n", o.view)
		return o, 2, false
	}
	g, err := layout.ParseGrouping(*group)
	if err != nil {
		fmt.Fprintf(stderr, "nsweb snapshot: unknown --group %q (want none, container or pod)\n", *group)
		return o, 2, false
	}
	o.group = g
	if _, err := filter.Parse(o.query); err != nil {
		fmt.Fprintf(stderr, "nsweb snapshot: -q: %v\n", err)
		return o, 2, false
	}
	if _, ok := formats[o.format]; !ok {
		fmt.Fprintf(stderr, "nsweb snapshot: unknown --format %q (want %s)\n", o.format, formatNames())
		return o, 2, false
	}
	return o, 0, true
}

// snapshotFormat writes one scanned snapshot in one output format.
type snapshotFormat func(w io.Writer, s *model.Snapshot, o snapshotOptions) error

// formats maps --format values to their writers.
var formats = map[string]snapshotFormat{
	"json": writeJSONSnapshot,
	"text": func(w io.Writer, s *model.Snapshot, o snapshotOptions) error {
		r, _, err := laidOut(s, o)
		if err != nil {
			return err
		}
		return render.Text(w, s, r)
	},
	"svg": func(w io.Writer, s *model.Snapshot, o snapshotOptions) error {
		r, q, err := laidOut(s, o)
		if err != nil {
			return err
		}
		return render.SVG(w, s, r, render.SVGOptions{Filter: q})
	},
}

// laidOut lays out the snapshot for the chosen view and filter, the same way
// the server does for the dashboard and /snapshot.svg. It returns the
// canonical filter text for the picture's description.
func laidOut(s *model.Snapshot, o snapshotOptions) (*layout.Result, string, error) {
	q, err := filter.Parse(o.query)
	if err != nil {
		return nil, "", fmt.Errorf("filter: %w", err)
	}
	r := layout.Compute(s, layout.Options{View: layout.View(o.view), Group: o.group, Keep: q.Keep(s)})
	return r, q.String(), nil
}

func formatNames() string {
	names := ""
	for _, n := range []string{"text", "json", "svg"} {
		if _, ok := formats[n]; ok {
			if names != "" {
				names += ", "
			}
			names += n
		}
	}
	return names
}

func writeJSONSnapshot(w io.Writer, s *model.Snapshot, _ snapshotOptions) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

func snapshotCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseSnapshot(args, stdout, stderr)
	if !ok {
		return code
	}
	snap, err := collect.Scan(ctx, collect.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "nsweb snapshot: %v\n", err)
		return 1
	}
	if snap.Partial {
		fmt.Fprintf(stderr, "nsweb snapshot: partial view: %s\n", snap.Reason)
	}
	var out io.Writer = stdout
	var file *os.File
	if o.output != "-" {
		file, err = os.Create(o.output)
		if err != nil {
			fmt.Fprintf(stderr, "nsweb snapshot: %v\n", err)
			return 1
		}
		out = file
	}
	bw := bufio.NewWriter(out)
	err = formats[o.format](bw, snap, o)
	if err == nil {
		err = bw.Flush()
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "nsweb snapshot: write %s: %v\n", o.output, err)
		return 1
	}
	return 0
}

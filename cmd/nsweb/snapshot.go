package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/model"
)

// snapshotOptions are the flags of "nsweb snapshot".
type snapshotOptions struct {
	format string
	output string
	view   string
	query  string
}

func parseSnapshot(args []string, stdout, stderr io.Writer) (snapshotOptions, int, bool) {
	var o snapshotOptions
	fs := flag.NewFlagSet("nsweb snapshot", flag.ContinueOnError)
	fs.SetOutput(helpOutput(args, stdout, stderr))
	fs.StringVar(&o.format, "format", "json", "output format: "+formatNames())
	fs.StringVar(&o.output, "o", "-", "write to this file instead of standard output")
	fs.StringVar(&o.view, "view", "owner", "tree to draw (text, svg): owner or pid")
	fs.StringVar(&o.query, "q", "", "filter, in the dashboard's filter language (text, svg)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: nsweb snapshot [flags]\n\nScan the host once and print what was found; no server is needed.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, 0, false
		}
		return o, 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "nsweb snapshot: unexpected argument %q\n", fs.Arg(0))
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

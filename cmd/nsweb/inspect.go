package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/inspect"
	"github.com/nsweb/nsweb/internal/netinfo"
	"github.com/nsweb/nsweb/internal/stream"
)

const inspectUsage = `Usage: nsweb inspect REF [--format text|json] [--mounts]

Print what one namespace holds: interfaces and links for net, ID maps and
capabilities for user, PID chains for pid, host name for uts, clock
offsets for time, the root for cgroup, mounts and peer groups for mnt.
REF is ` + stream.RefForms + `.
JSON is the body of GET /api/v1/ns/{ref}.
`

// inspectCmd runs "nsweb inspect".
func inspectCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, inspectUsage) }
	format := fs.String("format", "text", "text or json")
	mounts := fs.Bool("mounts", false, "include a mount namespace's mount table")
	// The REF may come before or after the flags.
	var refs []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		refs = append(refs, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(refs) != 1 {
		fmt.Fprintf(stderr, "nsweb inspect: want one REF, got %d\n%s", len(refs), inspectUsage)
		return 2
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "nsweb inspect: unknown --format %q (text or json)\n", *format)
		return 2
	}
	snap, err := collect.Scan(ctx, collect.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "nsweb inspect: %v\n", err)
		return 1
	}
	if snap.Partial {
		fmt.Fprintf(stderr, "nsweb inspect: partial view: %s\n", snap.Reason)
	}
	ns, err := stream.Lookup(snap, refs[0])
	if err != nil {
		fmt.Fprintf(stderr, "nsweb inspect: %v\n", err)
		return 1
	}
	in := inspect.New(netinfo.NewReader()).Details(ctx, snap, ns.ID, inspect.Options{Mounts: *mounts})
	bw := bufio.NewWriter(stdout)
	if *format == "json" {
		d := stream.Details(snap, ns.ID)
		d.Inside = in
		enc := json.NewEncoder(bw)
		enc.SetIndent("", "  ")
		err = enc.Encode(d)
	} else {
		err = inspect.Text(bw, snap, ns, in)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		fmt.Fprintf(stderr, "nsweb inspect: %v\n", err)
		return 1
	}
	return 0
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nsweb/nsweb/internal/compare"
	"github.com/nsweb/nsweb/internal/filter"
	"github.com/nsweb/nsweb/internal/model"
)

// historyCompare is nsweb history --compare FROM [--until TO] [-q FILTER]:
// what appeared, ended and moved between two recorded moments (TO defaults
// to the newest recorded, which nsweb serve keeps within a second of now);
// -q is here the dashboard's filter, not words of the events.
func historyCompare(ctx context.Context, o historyOptions, stdout, stderr io.Writer) int {
	now := time.Now()
	from, err := parseWhen(o.compare, now)
	if err != nil {
		fmt.Fprintf(stderr, "nsweb history: --compare: %v\n", err)
		return 2
	}
	to := now
	if o.until != "" {
		if to, err = parseWhen(o.until, now); err != nil {
			fmt.Fprintf(stderr, "nsweb history: --until: %v\n", err)
			return 2
		}
	}
	if from.After(to) {
		fmt.Fprintf(stderr, "nsweb history: --compare %s is after --until %s: give the earlier moment to --compare\n",
			from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
		return 2
	}
	if o.limit < 0 || o.limit > compare.MaxLimit {
		fmt.Fprintf(stderr, "nsweb history: --limit %d: with --compare, want 1 to %d items per list\n", o.limit, compare.MaxLimit)
		return 2
	}
	opt := compare.Options{Limit: o.limit}
	if o.q != "" {
		f, err := filter.Parse(o.q)
		if err != nil {
			fmt.Fprintf(stderr, "nsweb history: -q: %v (with --compare, -q is the dashboard's filter, e.g. type:net container:web)\n", err)
			return 2
		}
		opt.Keep = f.Match
	}
	st, code := openReadOnly(o.stateDir, "nsweb history", stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	a, err := st.At(ctx, from)
	if err != nil {
		fmt.Fprintf(stderr, "nsweb history: --compare: %v\n", err)
		return 1
	}
	b, err := st.At(ctx, to)
	if err != nil {
		fmt.Fprintf(stderr, "nsweb history: --until: %v\n", err)
		return 1
	}
	d := compare.Compare(a, b, opt)
	d.From, d.To = from.UTC(), to.UTC()
	if o.format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(d)
		return 0
	}
	writeDiff(stdout, d)
	return 0
}

// writeDiff prints a comparison for a person: the totals, the containers
// started and stopped, then a line per namespace (+ appeared, - ended,
// ~ moved).
func writeDiff(w io.Writer, d *compare.Diff) {
	const layout = "2006-01-02 15:04:05"
	fmt.Fprintf(w, "%s → %s\n", d.From.Local().Format(layout), d.To.Local().Format(layout))
	t := d.Totals
	fmt.Fprintf(w, "%d appeared%s · %d ended%s · %d moved · %d container%s started · %d stopped\n",
		t.Appeared, byType(t.AppearedByType), t.Ended, byType(t.EndedByType), t.Moved, t.Started, plural(t.Started), t.Stopped)
	for _, l := range []struct {
		what string
		cs   []compare.Container
	}{{"started", d.Containers.Started}, {"stopped", d.Containers.Stopped}} {
		if len(l.cs) == 0 {
			continue
		}
		names := make([]string, 0, len(l.cs))
		for _, c := range l.cs {
			var det []string
			for _, s := range []string{c.Runtime, c.Image} {
				if s != "" {
					det = append(det, s)
				}
			}
			if c.Pod != "" {
				det = append(det, "pod "+c.Pod)
			}
			n := c.Name
			if len(det) > 0 {
				n += " (" + strings.Join(det, ", ") + ")"
			}
			names = append(names, n)
		}
		fmt.Fprintf(w, "containers %s: %s\n", l.what, strings.Join(names, ", "))
	}
	for _, l := range []struct {
		sign string
		ns   []compare.Namespace
	}{{"+", d.Appeared}, {"-", d.Ended}} {
		for _, n := range l.ns {
			fmt.Fprintf(w, "%s %s %d (ns:%d)", l.sign, n.Type, n.Inode, n.ID)
			if n.PID != 0 {
				fmt.Fprintf(w, " · pid %d %s", n.PID, n.Comm)
			}
			if n.Held != "" {
				fmt.Fprintf(w, " · held by %s", n.Held)
			}
			if len(n.Containers) > 0 {
				fmt.Fprintf(w, " · container %s", ownerNames(n.Containers))
			}
			fmt.Fprintln(w)
		}
	}
	for _, m := range d.Moved {
		if m.Kind == "process" {
			fmt.Fprintf(w, "~ pid %d %s", m.PID, m.Comm)
		} else {
			fmt.Fprintf(w, "~ %s %d (ns:%d)", m.Type, m.Inode, m.NS)
		}
		fmt.Fprintf(w, " moved: %s → %s\n", ownerNames(m.From), ownerNames(m.To))
	}
	if d.Truncated {
		fmt.Fprintf(w, "… lists cut at %d items each: --limit up to %d, or GET /api/v1/compare with offset=%d\n", d.Limit, compare.MaxLimit, d.Next)
	}
}

func ownerNames(os []compare.Owner) string {
	if len(os) == 0 {
		return "host"
	}
	names := make([]string, 0, len(os))
	for _, o := range os {
		names = append(names, o.Name)
	}
	return strings.Join(names, ", ")
}

// byType is " (net 2, mnt 1)", in the order nsweb shows types.
func byType(m map[model.NSType]int) string {
	var parts []string
	for _, t := range model.Types {
		if m[t] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", t, m[t]))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

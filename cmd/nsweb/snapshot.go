package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
	// expand are the group IDs to open; fold is layout.Options'
	// FoldThreshold (-1 after --expand all or --fold 0).
	expand []string
	fold   int
	// brief summarises what a namespace holds on its text line; nil for
	// none (inside.go).
	brief func(model.NSID) string
	// engineSockets replaces the default engine sockets; engineWait
	// bounds the time spent asking engines for names (0: do not ask).
	engineSockets stringList
	criSockets    stringList
	// containerdSockets replaces the default containerd API sockets.
	containerdSockets stringList
	engineWait        time.Duration
	// at is a past moment to draw from the history in stateDir.
	at, stateDir string
}

// idList is a repeatable flag of one ID each, taken as it is: a group ID
// holds its container's ID when it is folded inside a container node, and
// container IDs from cgroups (LXC, systemd-nspawn machine names) may hold
// commas and spaces, as the expand parameter of the API takes them.
type idList []string

func (l *idList) String() string { return strings.Join(*l, " ") }
func (l *idList) Set(v string) error {
	if v == "" {
		return errors.New("an empty group ID (give one group per --expand)")
	}
	*l = append(*l, v)
	return nil
}

// snapshotHelp is the description above the flags in "nsweb snapshot --help".
var snapshotHelp = fmt.Sprintf(`Scan the host once and print what was found; no server is needed.

Formats:
  text  the owner (or pid) tree, one line per namespace, like lsns -T
  svg   the dashboard's picture as a standalone file
  json  the whole model: every namespace, process and container, as
        GET /api/v1/model serves it. It is the data, not a picture, so
        --view, --group, -q, --expand and --fold do not apply and are
        refused with it; filter the JSON with jq, for example
        jq '.namespaces[] | select(.type == "net")'.

Folding: more than %d sibling namespaces of one type (or containers, or
pods) fold into one group, "+59 net". The text tree gives each group's ID
(id:grp:…); open a group with --expand ID (once per group: an ID may
hold commas), every group with --expand all, or change where folding
starts with --fold N.`, layout.DefaultFoldThreshold)

func parseSnapshot(args []string, stdout, stderr io.Writer) (snapshotOptions, int, bool) {
	var o snapshotOptions
	fs := flag.NewFlagSet("nsweb snapshot", flag.ContinueOnError)
	fs.SetOutput(helpOutput(args, stdout, stderr))
	fs.StringVar(&o.format, "format", "text", "output format: "+formatNames())
	fs.StringVar(&o.output, "o", "-", "write to this file instead of standard output")
	fs.StringVar(&o.view, "view", "owner", "tree to draw (text, svg): owner, pid or network (network namespaces and their wiring)")
	group := fs.String("group", string(layout.DefaultGrouping), "gather namespaces under their containers (text, svg, owner view): none, container or pod")
	fs.StringVar(&o.query, "q", "", "filter, in the dashboard's filter language (text, svg)")
	var expand idList
	fs.Var(&expand, "expand", "open the folded group with this `ID` (text, svg), as the text tree shows it (id:grp:…); repeat it for more groups; \"all\" opens every group")
	fs.Var(&o.engineSockets, "engine-socket", "Docker Engine API socket to ask for container names (repeatable; replaces the defaults)")
	fs.Var(&o.criSockets, "cri-socket", "CRI runtime socket (containerd, CRI-O) to ask for pod and container names (repeatable; replaces the defaults)")
	fs.Var(&o.containerdSockets, "containerd-socket", containerdSocketHelp)
	fs.DurationVar(&o.engineWait, "engine-wait", 2*time.Second, "how long to wait for the container engines' names at most; 0 does not ask them")
	fold := fs.Int("fold", layout.DefaultFoldThreshold, "fold more than `N` sibling namespaces of one type, containers or pods into a group (text, svg); 0 never folds")
	fs.StringVar(&o.at, "at", "", "draw this past `moment` (RFC 3339, or a duration before now such as 10m) from nsweb serve's history instead of scanning")
	fs.StringVar(&o.stateDir, "state-dir", "", "nsweb serve's --state-dir, for --at")
	if code, ok := parseFlags(fs, args, snapshotHelp, stderr); !ok {
		return o, code, false
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if _, ok := formats[o.format]; !ok {
		fmt.Fprintf(stderr, "nsweb snapshot: unknown --format %q (want %s)\n", o.format, formatNames())
		return o, 2, false
	}
	if o.format == "json" {
		// JSON is the model, the data every view is made from: a view,
		// a filter or folding would make it a different, lossy format.
		// Saying so beats handing back the whole model unasked.
		var given []string
		for _, name := range []string{"view", "group", "q", "expand", "fold"} {
			if set[name] {
				given = append(given, flagName(name))
			}
		}
		if len(given) > 0 {
			verb := "does"
			if len(given) > 1 {
				verb = "do"
			}
			fmt.Fprintf(stderr, "nsweb snapshot: %s %s not apply to --format json, which writes the whole model (every namespace, process and container, as GET /api/v1/model does); use --format text or svg for a view, or filter the JSON with jq\n", joinAnd(given), verb)
			return o, 2, false
		}
	}
	if !layout.View(o.view).Valid() {
		fmt.Fprintf(stderr, "nsweb snapshot: unknown --view %q (want owner, pid or network)\n", o.view)
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
	if *fold < 0 {
		fmt.Fprintf(stderr, "nsweb snapshot: --fold %d: want a number of siblings, 0 for never\n", *fold)
		return o, 2, false
	}
	o.fold = *fold
	if *fold == 0 {
		o.fold = -1
	}
	if slices.Contains(expand, "all") {
		if set["fold"] && *fold != 0 {
			fmt.Fprintf(stderr, "nsweb snapshot: --expand all opens every group, so --fold %d has nothing to fold; give one of them\n", *fold)
			return o, 2, false
		}
		o.fold = -1
		expand = slices.DeleteFunc(expand, func(id string) bool { return id == "all" })
	}
	if len(expand) > layout.MaxExpand {
		fmt.Fprintf(stderr, "nsweb snapshot: --expand: %d groups, at most %d (--expand all opens every one)\n", len(expand), layout.MaxExpand)
		return o, 2, false
	}
	for _, id := range expand {
		if len(id) > layout.MaxGroupIDLen {
			fmt.Fprintf(stderr, "nsweb snapshot: --expand: group ID %.64q… is longer than %d bytes\n", id, layout.MaxGroupIDLen)
			return o, 2, false
		}
	}
	o.expand = expand
	return o, 0, true
}

// flagName spells a flag as the help shows it: -q, --view.
func flagName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// joinAnd joins "a", "b and c".
func joinAnd(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// snapshotFormat writes one scanned snapshot in one output format: the
// model itself (r nil), or its laid-out picture r made with the canonical
// filter q.
type snapshotFormat func(w io.Writer, s *model.Snapshot, r *layout.Result, q string) error

// formats maps --format values to their writers.
var formats = map[string]snapshotFormat{
	"json": writeJSONSnapshot,
	"text": func(w io.Writer, s *model.Snapshot, r *layout.Result, q string) error {
		return textFormat(w, s, r, q, nil)
	},
	"svg": func(w io.Writer, s *model.Snapshot, r *layout.Result, q string) error {
		return writeSVGSnapshot(w, s, r, q, os.Stderr)
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
	var exp map[string]bool
	if len(o.expand) > 0 {
		exp = make(map[string]bool, len(o.expand))
		for _, id := range o.expand {
			exp[id] = true
		}
	}
	r := layout.Compute(s, layout.Options{View: layout.View(o.view), Group: o.group, Keep: keepBut(q, s, os.Getpid()),
		FoldThreshold: o.fold, Expanded: exp})
	return r, q.String(), nil
}

// keepBut is q's Keep for s as if process self were not in it. The scan
// sees nsweb itself, whose command line holds the query: "-q cmd:nginx"
// would otherwise match every namespace of the host through nsweb's own
// argv, on a host without nginx. Self still counts in the namespaces'
// process numbers, which are true.
func keepBut(q *filter.Query, s *model.Snapshot, self int) func(*model.Namespace) bool {
	if q.Empty() || s.Processes[self] == nil {
		return q.Keep(s)
	}
	without := *s
	without.Processes = maps.Clone(s.Processes)
	delete(without.Processes, self)
	without.Namespaces = maps.Clone(s.Namespaces)
	for id, ns := range s.Namespaces {
		if i, found := slices.BinarySearch(ns.Procs, self); found {
			n := *ns
			n.Procs = slices.Delete(slices.Clone(ns.Procs), i, i+1)
			without.Namespaces[id] = &n
		}
	}
	keep := q.Keep(&without)
	return func(ns *model.Namespace) bool {
		if n := without.Namespaces[ns.ID]; n != nil {
			return keep(n)
		}
		return keep(ns)
	}
}

// writeExpandHint ends a text tree that has folded groups with how to open
// them, naming the first group's ID so that the line can be copied.
func writeExpandHint(w io.Writer, r *layout.Result) error {
	first, n := "", 0
	for i := range r.Nodes {
		if r.Nodes[i].Kind == layout.Group {
			if n == 0 {
				first = r.Nodes[i].ID
			}
			n++
		}
	}
	if n == 0 {
		return nil
	}
	var err error
	if n == 1 {
		_, err = fmt.Fprintf(w, "# 1 group folded; to open it: --expand %s (or --expand all)\n", shellWord(first))
	} else {
		_, err = fmt.Fprintf(w, "# %d groups folded; to open them: --expand ID for each, with the IDs after id: above, e.g. --expand %s, or --expand all\n", n, shellWord(first))
	}
	return err
}

// shellWord quotes a group ID for a POSIX shell command line when it holds
// more than the characters layout IDs are made of (pod names come from
// host labels): in single quotes, inside which a shell expands nothing
// ($(…), `…`, $var), so that pasting the hint runs no part of a name. A
// name with characters a terminal would act on or hide (controls, bidi
// formatting) gets bash's $'…' with those escaped instead.
func shellWord(s string) string {
	plain, printable := s != "", utf8.ValidString(s)
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(":/._-", c)) {
			plain = false
		}
		if !unicode.IsPrint(c) && c != ' ' || unicode.Is(unicode.Cf, c) {
			printable = false
		}
	}
	switch {
	case plain:
		return s
	case printable:
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1: // a byte that is no UTF-8
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case c == '\\' || c == '\'':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c < 0x80 && !unicode.IsPrint(c) && c != ' ':
			fmt.Fprintf(&b, `\x%02x`, c)
		case !unicode.IsPrint(c) && c != ' ' || unicode.Is(unicode.Cf, c):
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteRune(c)
		}
		i += size
	}
	b.WriteByte('\'')
	return b.String()
}

// unknownExpands returns the --expand IDs that open nothing in r: their
// parent node is not in the picture, or it holds nothing of the kind the
// ID names. A mistyped ID would otherwise change nothing, silently.
func unknownExpands(r *layout.Result, ids []string) []string {
	parents := make(map[string]bool, len(r.Nodes))
	has := make(map[string]bool, len(r.Nodes)) // the IDs of the groups that would fold the nodes in r
	for i := range r.Nodes {
		n := &r.Nodes[i]
		parents[n.ID] = true
		if g := n.FoldsInto(); g != "" {
			has[g] = true
		}
		if n.Kind == layout.Dir && n.Parent != "" {
			// What the layout once named folded Dirs: an older link's ID.
			has[layout.GroupID(n.Parent, n.Type)] = true
		}
	}
	var bad []string
	for _, id := range ids {
		g, err := layout.ParseGroupID(id)
		if err != nil || !parents[g.Parent] || !has[id] {
			bad = append(bad, id)
		}
	}
	return bad
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

func writeJSONSnapshot(w io.Writer, s *model.Snapshot, _ *layout.Result, _ string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

func snapshotCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseSnapshot(args, stdout, stderr)
	if !ok {
		return code
	}
	if o.at != "" {
		snap, code := snapshotAt(ctx, o, stderr)
		if snap == nil {
			return code
		}
		return writeSnapshot(snap, o, stdout, stderr)
	}
	snap, err := namedScan(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "nsweb snapshot: %v\n", err)
		return 1
	}
	if snap.Partial {
		fmt.Fprintf(stderr, "nsweb snapshot: partial view: %s\n", snap.Reason)
	}
	if o.format == "text" {
		o.brief = briefs(ctx, snap)
	}
	return writeSnapshot(snap, o, stdout, stderr)
}

// writeSnapshot writes a scanned snapshot as the options say, to o.output
// or stdout, with warnings on stderr; it returns the exit code.
func writeSnapshot(snap *model.Snapshot, o snapshotOptions, stdout, stderr io.Writer) int {
	var r *layout.Result
	var err error
	var q string
	if o.format != "json" {
		if r, q, err = laidOut(snap, o); err != nil {
			fmt.Fprintf(stderr, "nsweb snapshot: %v\n", err)
			return 1
		}
		for _, id := range unknownExpands(r, o.expand) {
			more := ""
			if strings.Contains(id, ",") {
				// --expand once took a comma-separated list.
				more = "; each --expand names one group, commas included: repeat --expand for more"
			}
			fmt.Fprintf(stderr, "nsweb snapshot: --expand %s opens nothing: no such group in this picture (the text tree gives each folded group's id:%s)\n", shellWord(id), more)
		}
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
	if o.format == "text" && o.brief != nil {
		err = textFormat(bw, snap, r, q, o.brief)
	} else {
		err = formats[o.format](bw, snap, r, q)
	}
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

// textFormat writes the text tree, with brief's summaries when not nil,
// and says why an empty tree is empty.
func textFormat(w io.Writer, s *model.Snapshot, r *layout.Result, q string, brief func(model.NSID) string) error {
	if err := render.TextWith(w, s, r, brief); err != nil {
		return err
	}
	if len(r.Nodes) == 0 && q != "" {
		// As the SVG does: an empty tree says why.
		_, err := fmt.Fprintf(w, "# No namespace matches -q %s\n", shellWord(q))
		return err
	}
	return writeExpandHint(w, r)
}

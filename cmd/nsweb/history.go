package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nsweb/nsweb/internal/history"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/server"
)

// parseWhen reads a moment: RFC 3339, or a duration before now ("10m").
func parseWhen(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(strings.TrimPrefix(v, "-")); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is no time: want RFC 3339 (2026-11-28T13:00:00Z) or a duration before now (10m)", v)
}

// storePath is the history file of a state directory ("" means the
// default).
func storePath(dir string) (string, error) {
	if dir == "" {
		dir = history.DefaultDir()
	}
	if dir == "" {
		return "", errors.New("no state directory: give --state-dir")
	}
	return filepath.Join(dir, history.FileName), nil
}

// recording is nsweb serve's history: the store and its recorder, or why
// there is none.
type recording struct {
	store *history.Store
	rec   *history.Recorder
	path  string
	err   string
	done  chan struct{}
}

// startRecording opens the store and starts recording until ctx ends;
// wait for r.done after that. A store that cannot be used is logged and
// reported (banner, /healthz): nsweb goes on live-only.
func startRecording(ctx context.Context, o serveOptions, log *slog.Logger) *recording {
	r := &recording{done: make(chan struct{})}
	if o.noHistory || o.stateDir == "" {
		close(r.done)
		return r
	}
	r.path = filepath.Join(o.stateDir, history.FileName)
	var err error
	r.store, err = history.Open(r.path, history.Options{MaxAge: o.historyAge, MaxBytes: o.historyBytes})
	if err != nil {
		r.err = err.Error()
		log.Error("history off: nsweb shows the present only", "err", err)
		close(r.done)
		return r
	}
	log.Info("recording history", "file", r.path)
	r.rec = history.NewRecorder(r.store, log)
	go func() {
		r.rec.Run(ctx)
		if err := r.store.Close(); err != nil {
			log.Warn("history", "err", err)
		}
		close(r.done)
	}()
	return r
}

// status is what /api/v1/history/status and /healthz say of it.
func (r *recording) status() server.HistoryStatus {
	st := server.HistoryStatus{Enabled: r.store != nil, Path: r.path, Error: r.err}
	if r.rec != nil {
		st.RecorderStats = r.rec.Stats()
		st.Error = st.RecorderStats.Error
	}
	return st
}

// published is the runner's hook: it hands each snapshot to the recorder.
func (r *recording) published() func(*model.Snapshot) {
	if r.rec == nil {
		return nil
	}
	return r.rec.Record
}

// startOffline is the pipeline of nsweb serve --open FILE: the saved
// model, published once; nothing is collected.
func startOffline(file string, log *slog.Logger) (*pipeline, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--open: %w", err)
	}
	var snap model.Snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return nil, fmt.Errorf("--open %s: not a saved /api/v1/model: %w", file, err)
	}
	if len(snap.Namespaces) == 0 {
		return nil, fmt.Errorf("--open %s: no namespaces in it: want the JSON of GET /api/v1/model or nsweb snapshot --format json", file)
	}
	for id, ns := range snap.Namespaces {
		if ns == nil || ns.ID != id || !ns.Type.Valid() {
			return nil, fmt.Errorf("--open %s: namespace %d is malformed", file, id)
		}
	}
	for pid, p := range snap.Processes {
		if p == nil || p.PID != pid {
			return nil, fmt.Errorf("--open %s: process %d is malformed", file, pid)
		}
	}
	hub, err := newHub(log)
	if err != nil {
		return nil, err
	}
	hub.Publish(&snap)
	p := &pipeline{hub: hub, done: make(chan struct{})}
	p.scan = func(context.Context) (*model.Snapshot, error) { return &snap, nil }
	close(p.done)
	return p, nil
}

// offlineBanner says what nsweb serve --open shows.
func offlineBanner(file string, s *model.Snapshot) string {
	return fmt.Sprintf("Offline: %s, host %s as of %s; nothing is collected", filepath.Base(file), s.Host, s.Taken.UTC().Format(time.RFC3339))
}

// historyOptions are the flags of "nsweb history".
type historyOptions struct {
	since, until string
	format       string
	stateDir     string
	q            string
	limit        int
	members      bool
	compare      string
}

func historyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o historyOptions
	fs := flag.NewFlagSet("nsweb history", flag.ContinueOnError)
	fs.SetOutput(helpOutput(args, stdout, stderr))
	fs.StringVar(&o.since, "since", "1h", "from this moment: RFC 3339 or a duration before now")
	fs.StringVar(&o.until, "until", "", "up to this moment (default now)")
	fs.StringVar(&o.format, "format", "text", "text or json (one event per line)")
	fs.StringVar(&o.stateDir, "state-dir", "", "nsweb serve's --state-dir (default "+history.DefaultDir()+")")
	fs.StringVar(&o.q, "q", "", "only events whose text holds every word (-word: without it); with --compare, the dashboard's filter (type:net container:web)")
	fs.IntVar(&o.limit, "limit", 0, "at most this many events (default all)")
	fs.BoolVar(&o.members, "members", false, "also list the per-scan counts of processes started and exited")
	fs.StringVar(&o.compare, "compare", "", "compare this moment with --until (default now): namespaces appeared, ended, moved between containers")
	if code, ok := parseFlags(fs, args, "List what nsweb serve recorded: namespaces born and ended, containers started and stopped.\nWith --compare FROM: what changed from FROM to --until (default now): namespaces appeared,\nended and moved between containers, containers started and stopped.\nIt reads the history file, read-only; nsweb serve may keep recording meanwhile.", stderr); !ok {
		return code
	}
	if o.format != "text" && o.format != "json" {
		fmt.Fprintf(stderr, "nsweb history: unknown --format %q (want text or json)\n", o.format)
		return 2
	}
	if o.compare != "" {
		bad := ""
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "since" || f.Name == "members" {
				bad = f.Name
			}
		})
		if bad != "" {
			fmt.Fprintf(stderr, "nsweb history: --%s does not go with --compare: give the earlier moment to --compare, the later to --until\n", bad)
			return 2
		}
		return historyCompare(ctx, o, stdout, stderr)
	}
	now := time.Now()
	q := history.Query{Q: o.q, Members: o.members, Limit: 1000}
	var err error
	if q.Since, err = parseWhen(o.since, now); err != nil {
		fmt.Fprintf(stderr, "nsweb history: --since: %v\n", err)
		return 2
	}
	if o.until != "" {
		if q.Until, err = parseWhen(o.until, now); err != nil {
			fmt.Fprintf(stderr, "nsweb history: --until: %v\n", err)
			return 2
		}
	}
	st, code := openReadOnly(o.stateDir, "nsweb history", stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	enc := json.NewEncoder(stdout)
	n := 0
	for {
		page, err := st.Events(ctx, q)
		if err != nil {
			fmt.Fprintf(stderr, "nsweb history: %v\n", err)
			return 1
		}
		for _, e := range page.Events {
			if o.limit > 0 && n == o.limit {
				return 0
			}
			n++
			e.Cursor, e.Summary = "", ""
			if o.format == "json" {
				_ = enc.Encode(e)
			} else {
				fmt.Fprintf(stdout, "%s  %s\n", e.T.Local().Format("2006-01-02 15:04:05.000"), e.Text())
			}
		}
		if page.Next == "" {
			if n == 0 {
				oldest, newest, err := st.Range(ctx)
				if err != nil {
					fmt.Fprintf(stderr, "nsweb history: %v\n", err)
					return 1
				}
				fmt.Fprintln(stderr, "nsweb history: "+noEvents(st.Path(), q.Since, o.q, oldest, newest))
			}
			return 0
		}
		q.Cursor = page.Next
	}
}

// noEvents says on stderr why nsweb history printed nothing, so that an
// empty answer is not read as a quiet host when the file is another
// serve's (--state-dir) or holds another span.
func noEvents(path string, since time.Time, q string, oldest, newest time.Time) string {
	what := "no events"
	if q != "" {
		what = fmt.Sprintf("no events match %q", q)
	}
	const layout = "2006-01-02 15:04:05"
	msg := fmt.Sprintf("%s since %s in %s", what, since.Local().Format(layout), path)
	if oldest.IsZero() {
		return msg + " (it is empty; nsweb serve records into its --state-dir)"
	}
	return fmt.Sprintf("%s (it holds %s to %s; nsweb serve records into its --state-dir)", msg, oldest.Local().Format(layout), newest.Local().Format(layout))
}

// openReadOnly opens the history of a state directory for reading, or
// says why not (the exit code is then the second result).
func openReadOnly(dir, cmd string, stderr io.Writer) (*history.Store, int) {
	path, err := storePath(dir)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return nil, 2
	}
	st, err := history.Open(path, history.Options{ReadOnly: true})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return nil, 1
	}
	return st, 0
}

// snapshotAt is nsweb snapshot --at: the model of a past moment, from
// the history file.
func snapshotAt(ctx context.Context, o snapshotOptions, stderr io.Writer) (*model.Snapshot, int) {
	t, err := parseWhen(o.at, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "nsweb snapshot: --at: %v\n", err)
		return nil, 2
	}
	st, code := openReadOnly(o.stateDir, "nsweb snapshot", stderr)
	if st == nil {
		return nil, code
	}
	defer st.Close()
	s, err := st.At(ctx, t)
	if err != nil {
		fmt.Fprintf(stderr, "nsweb snapshot: %v\n", err)
		return nil, 1
	}
	return s, 0
}

// serveHistory wires history into the server config: the store, its
// status, and the offline banner.
func serveHistory(cfg *server.Config, r *recording, offline string) {
	if offline == "" && (r == nil || r.store == nil && r.err == "") {
		return // --no-history: no timeline, no history API
	}
	if r != nil && r.store != nil {
		cfg.History = r.store
		if cfg.Stream != nil { // hellos with replay or at read it
			cfg.Stream.SetHistory(r.store, r.rec)
		}
	}
	cfg.HistoryStatus = func() server.HistoryStatus {
		if offline != "" {
			return server.HistoryStatus{Offline: offline}
		}
		if r == nil {
			return server.HistoryStatus{}
		}
		return r.status()
	}
}

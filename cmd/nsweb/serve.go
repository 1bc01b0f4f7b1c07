package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/cri"
	"github.com/nsweb/nsweb/internal/ctrd"
	"github.com/nsweb/nsweb/internal/engine"
	"github.com/nsweb/nsweb/internal/history"
	"github.com/nsweb/nsweb/internal/inspect"
	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/metrics"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/netinfo"
	"github.com/nsweb/nsweb/internal/server"
	"github.com/nsweb/nsweb/internal/stream"
	"github.com/nsweb/nsweb/internal/watch"
)

// serveOptions are the flags of "nsweb serve".
type serveOptions struct {
	listen      string
	allowRemote bool
	tokenFile   string
	// requireToken asks for a token on loopback too (--token).
	requireToken bool
	hosts        stringList
	// engineSockets replaces the default container engine sockets.
	engineSockets stringList
	// criSockets replaces the default CRI runtime sockets.
	criSockets stringList
	// containerdSockets replaces the default containerd API sockets.
	containerdSockets stringList
	// noBPF turns off the kernel events (internal/kevents).
	noBPF bool
	// History: where it is kept ("" none), whether at all, its bounds;
	// open is a saved model to show instead of the host.
	stateDir     string
	noHistory    bool
	historyAge   time.Duration
	historyBytes int64
	open         string
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func parseServe(args []string, stdout, stderr io.Writer) (serveOptions, int, bool) {
	var o serveOptions
	fs := flag.NewFlagSet("nsweb serve", flag.ContinueOnError)
	fs.SetOutput(helpOutput(args, stdout, stderr))
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on; loopback unless --allow-remote")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow a non-loopback --listen address (requires a token)")
	fs.StringVar(&o.tokenFile, "token-file", "", "file holding the access token (else $NSWEB_TOKEN); required with --allow-remote")
	fs.BoolVar(&o.requireToken, "token", false, "require a token on loopback too, so that other local users cannot read the dashboard (from --token-file or $NSWEB_TOKEN, else a random one printed in the URL)")
	fs.Var(&o.engineSockets, "engine-socket", "Docker Engine API socket to ask for container names (repeatable; replaces the defaults)")
	fs.Var(&o.criSockets, "cri-socket", "CRI runtime socket (containerd, CRI-O) to ask for pod and container names (repeatable; replaces the defaults)")
	fs.Var(&o.containerdSockets, "containerd-socket", containerdSocketHelp)
	fs.BoolVar(&o.noBPF, "no-bpf", false, "do not attach eBPF programs for namespace and mount events; unshare, setns and mounts outside the host's mount namespace then show at the 10 s safety rescan")
	fs.Var(&o.hosts, "host", "extra host name clients may use to reach nsweb (repeatable), e.g. nsweb.example:8080")
	fs.StringVar(&o.stateDir, "state-dir", history.DefaultDir(), "directory of the history file ("+history.FileName+")")
	fs.BoolVar(&o.noHistory, "no-history", false, "record no history")
	fs.DurationVar(&o.historyAge, "history-age", history.DefaultMaxAge, "drop history older than this")
	fs.Int64Var(&o.historyBytes, "history-bytes", history.DefaultMaxBytes, "bound the history file to about this many bytes")
	fs.StringVar(&o.open, "open", "", "show this saved /api/v1/model JSON instead of the host (offline: nothing is collected)")
	code, ok := parseFlags(fs, args, "Serve the live namespace dashboard.", stderr)
	return o, code, ok
}

func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseServe(args, stdout, stderr)
	if !ok {
		return code
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	token, err := readToken(o.tokenFile)
	if err != nil {
		fmt.Fprintf(stderr, "nsweb: %v\n", err)
		return 2
	}
	loopback, err := checkListen(o.listen)
	if err != nil {
		fmt.Fprintf(stderr, "nsweb: %v\n", err)
		return 2
	}
	if o.requireToken && token == "" {
		if token, err = randomToken(); err != nil {
			fmt.Fprintf(stderr, "nsweb: %v\n", err)
			return 1
		}
	}
	remote := false
	if !loopback {
		if !o.allowRemote {
			fmt.Fprintf(stderr, "nsweb: --listen %s is not a loopback address; nsweb shows every process of this host and listens on loopback only (add --allow-remote and a token to expose it)\n", o.listen)
			return 2
		}
		if token == "" {
			fmt.Fprintf(stderr, "nsweb: --allow-remote needs a token: --token-file FILE or $NSWEB_TOKEN\n")
			return 2
		}
		remote = true
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		fmt.Fprintf(stderr, "nsweb: cannot listen on %s: %v\n", o.listen, unwrapListen(err))
		return 1
	}
	err = serve(ctx, serveConfig{opts: o, token: token, remote: remote, log: log, stdout: stdout}, ln)
	if err != nil {
		fmt.Fprintf(stderr, "nsweb: %v\n", err)
		return 1
	}
	return 0
}

// serveConfig is what serve needs besides its listener: the parsed flags
// and their checked consequences, where to print and log, and the hooks a
// test uses to drive the same code path as "nsweb serve".
type serveConfig struct {
	opts   serveOptions
	token  string // access token, "" for none
	remote bool   // the listener is not loopback-only (checked by the caller)
	log    *slog.Logger
	stdout io.Writer
	// watch tunes the watcher; the zero value is what nsweb serve uses.
	watch watch.Options
	// started, if set, is called once the pipeline runs and before the
	// server accepts connections (tests read the hub and runner from it).
	started func(*pipeline)
}

// pipeline is the live part of nsweb serve: watcher and engine changes →
// runner (collect, engine names) → hub.
type pipeline struct {
	hub     *stream.Hub
	runner  *stream.Runner
	engines *engine.Catalog
	watcher *watch.Watcher
	metrics *metrics.Metrics
	// scan is one full scan of the host with container names, as the
	// runner does it.
	scan stream.ScanFunc
	// inspector reads what namespaces hold (details, wiring).
	inspector *inspect.Inspector
	done      chan struct{} // closed when the runner and the catalog stopped
}

// newHub makes the stream hub with serve's layout: Layouters keep their
// working memory between scans (a third faster at 60k nodes); the pool
// hands each concurrent layout its own.
func newHub(log *slog.Logger, with ...func(*stream.Config)) (*stream.Hub, error) {
	layouters := sync.Pool{New: func() any { return new(layout.Layouter) }}
	layoutFn := func(s *model.Snapshot, o layout.Options) *layout.Result {
		l := layouters.Get().(*layout.Layouter)
		defer layouters.Put(l)
		return l.Compute(s, o)
	}
	cfg := stream.Config{Layout: layoutFn, Logger: log, Compression: true}
	for _, f := range with {
		f(&cfg)
	}
	hub, err := stream.NewHub(cfg)
	if err != nil {
		return nil, fmt.Errorf("stream hub: %w", err)
	}
	return hub, nil
}

// enrichedScan is a full scan of the host named by the engines.
func enrichedScan(col *collect.Collector, engines *engine.Catalog) stream.ScanFunc {
	return func(ctx context.Context) (*model.Snapshot, error) {
		snap, err := col.Scan(ctx)
		if err == nil {
			engines.Enrich(snap)
		}
		return snap, err
	}
}

// startPipeline starts the watcher, the engine catalog and the runner that
// publishes to a new hub, until ctx ends; wait for p.done after that.
func startPipeline(ctx context.Context, o serveOptions, wopt watch.Options, log *slog.Logger, published func(*model.Snapshot)) (*pipeline, error) {
	netReader := netinfo.NewReader()
	ins := inspect.New(netReader)
	hub, err := newHub(log)
	if err != nil {
		return nil, err
	}
	wopt.Logger = log
	wopt.NoBPF = wopt.NoBPF || o.noBPF
	watcher, err := watch.Start(ctx, wopt)
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	ctr := ctrd.New(ctrd.Config{Sockets: o.containerdSockets, Logger: log})
	col := collect.New(collect.Options{Cgroups: ctr.Resolve})
	engines := engine.New(engine.Config{Sockets: o.engineSockets, Logger: log,
		Sources: []engine.Source{cri.New(cri.Config{Sockets: o.criSockets, Logger: log}), ctr}})
	// After process events, only the processes they name are read again:
	// a container start costs milliseconds however big the host is.
	rescan := func(ctx context.Context, prev *model.Snapshot, pids []int) (*model.Snapshot, error) {
		snap, err := col.Rescan(ctx, prev, pids)
		if err == nil {
			engines.Enrich(snap)
		}
		return snap, err
	}
	// Kernel events also name the mount namespaces whose tables changed.
	rescanMounts := func(ctx context.Context, prev *model.Snapshot, pids []int, mnts []uint64) (*model.Snapshot, error) {
		snap, err := col.RescanMounts(ctx, prev, pids, mnts)
		if err == nil {
			engines.Enrich(snap)
		}
		return snap, err
	}
	// When an engine only names or forgets a container, the last snapshot
	// is relabelled: same namespaces and processes (shared), containers
	// copied and named anew. It keeps the scan time, so the next Rescan
	// still builds on the collector's last scan.
	relabel := func(prev *model.Snapshot) *model.Snapshot {
		next := *prev
		next.Containers = make(map[string]*model.Container, len(prev.Containers))
		for id, c := range prev.Containers {
			cp := *c
			next.Containers[id] = &cp
		}
		engines.Enrich(&next)
		return &next
	}
	p := &pipeline{hub: hub, engines: engines, watcher: watcher, scan: enrichedScan(col, engines), inspector: ins, done: make(chan struct{})}
	p.metrics = metrics.New(metrics.Sources{Hub: hub, Engines: engines.Engines, SafetyRescanFinds: safetyFinds{p}})
	p.runner = &stream.Runner{Scan: p.metrics.Scan(p.scan), Rescan: p.metrics.Rescan(rescan), RescanMounts: rescanMounts, Relabel: p.metrics.Relabel(relabel), Unsettled: col.Unsettled, Hub: hub, Logger: log, Published: published}
	enginesDone := make(chan struct{})
	go func() { _ = engines.Run(ctx); close(enginesDone) }()
	// Link, address and route changes refresh the wiring cache at once.
	listenDone := make(chan struct{})
	go func() {
		if err := netReader.Listen(ctx); err != nil {
			log.Info("wiring cache: no netlink change notices; it refreshes after 2 s", "err", err)
		}
		close(listenDone)
	}()
	runDone := make(chan struct{})
	go func() {
		sigs := watch.MergeScans(ctx, watch.Merge(ctx, watcher.C(), engines.Changes()), ctr.Rescans())
		p.runner.Run(ctx, p.metrics.Tap(ctx, sigs))
		close(runDone)
	}()
	go func() {
		<-runDone
		<-enginesDone
		<-listenDone
		_ = watcher.Close()
		close(p.done)
	}()
	return p, nil
}

// health is what /healthz adds: where events come from and the runner's
// counters, among them the changes only the safety rescan found.
func (p *pipeline) health() map[string]any {
	st := p.runner.Stats()
	return map[string]any{
		"events": p.watcher.Events(),
		"scans":  map[string]int64{"full": st.FullScans, "partial": st.PartialScans, "safety": st.SafetyRescans},
		// The goal is zero: everything else was announced by an event.
		"safetyOnlyChanges": st.SafetyOnlyChanges,
	}
}

// serve runs the dashboard on ln until ctx ends, then shuts down
// gracefully. It is nsweb serve after the flags: the command and the soak
// test share it.
func serve(ctx context.Context, cfg serveConfig, ln net.Listener) error {
	log, o := cfg.log, cfg.opts
	guard := server.Guard{Hosts: append(server.LoopbackHosts(ln.Addr()), o.hosts...), AnyIPHost: cfg.remote, Token: cfg.token}
	if cfg.remote {
		log.Warn("nsweb is reachable from other machines: everyone with the token sees every process of this host", "listen", ln.Addr().String())
	}
	unpriv := ""
	if os.Geteuid() != 0 {
		unpriv = "nsweb runs as an unprivileged user and cannot see other users' processes and namespaces; run it as root for the full view"
		log.Warn("partial view", "reason", unpriv)
	}
	// Collect → hub → clients: a watcher signals changes, the runner scans
	// and publishes, the hub computes each view's patch once for all.
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	var rec *recording
	var p *pipeline
	var err error
	offline := ""
	if o.open != "" {
		if p, err = startOffline(o.open, log); err == nil {
			offline = offlineBanner(o.open, p.hub.Latest())
			log.Warn("offline", "shows", offline)
		}
	} else {
		rec = startRecording(runCtx, o, log)
		defer func() { stopRun(); <-rec.done }()
		p, err = startPipeline(runCtx, o, cfg.watch, log, rec.published())
	}
	if err != nil {
		_ = ln.Close()
		return err
	}
	shuttingDown := false
	defer func() {
		if !shuttingDown { // the shutdown below waits for the pipeline itself
			stopRun()
			<-p.done
		}
	}()
	if cfg.started != nil {
		cfg.started(p)
	}
	scfg := server.Config{
		Version: version, Logger: log, Guard: guard, Unprivileged: unpriv,
		Snapshot: server.SnapshotFunc(p.scan),
		Stream:   p.hub,
	}
	if p.watcher != nil { // live, not a saved model (--open)
		if !p.watcher.BPF() {
			scfg.SlowEvents = "a process's unshare() or setns() and mounts outside nsweb's mount namespace show at the safety rescan; events: " + p.watcher.Events()
			log.Warn("kernel events unavailable: slower updates", "events", p.watcher.Events())
		}
		scfg.Health = p.health
		scfg.FullCmdline = func(pid int, start uint64) (string, error) {
			return collect.FullCmdline("", pid, start)
		}
		scfg.Wiring = p.inspector.Net.Wiring
		scfg.Inspect = inspectFunc(p.inspector)
		scfg.Metrics = p.metrics.Handler()
	}
	serveHistory(&scfg, rec, offline)
	srv := &http.Server{
		Handler:           server.New(scfg),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(cfg.stdout, "nsweb %s: open %s\n", version, openURL(ln.Addr(), cfg.token))
	if p.watcher != nil {
		log.Info("watching", "sources", strings.Join(p.watcher.Sources(), ", "), "events", p.watcher.Events())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var serveErr error
	select {
	case err := <-errc:
		serveErr = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shuttingDown = true
	// Everything below fits in shutdownBudget, whatever the load: the
	// pipeline stops, websockets get their close frame, requests in
	// flight get the rest of the time and are then cut.
	deadline := time.Now().Add(shutdownBudget)
	stopRun()
	hctx, hcancel := context.WithDeadline(context.Background(), deadline.Add(-shutdownBudget/2))
	defer hcancel()
	// Websockets are hijacked connections that srv.Shutdown does not
	// close: the hub says goodbye to them first.
	if err := p.hub.Shutdown(hctx); err != nil {
		log.Warn("stream shutdown", "err", err)
	}
	sctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-shutdownBudget/4))
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown: closing the connections left", "err", err)
		_ = srv.Close()
	}
	select {
	case <-p.done:
	case <-time.After(time.Until(deadline)):
		log.Warn("shutdown: a scan or layout still runs; leaving it")
	}
	return serveErr
}

// shutdownBudget is how long nsweb takes at most to stop after Ctrl-C or
// SIGTERM.
const shutdownBudget = 1800 * time.Millisecond

// minToken is the shortest token accepted, from a file or the environment.
const minToken = 16

// readToken reads the access token from a file, else from $NSWEB_TOKEN;
// either must be at least minToken characters.
func readToken(file string) (string, error) {
	if file == "" {
		t := strings.TrimSpace(os.Getenv("NSWEB_TOKEN"))
		if t != "" && len(t) < minToken {
			return "", fmt.Errorf("the token in $NSWEB_TOKEN is too short: use at least %d characters", minToken)
		}
		return t, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("read token: %w", err)
	}
	t := strings.TrimSpace(string(b))
	if len(t) < minToken {
		return "", fmt.Errorf("token in %s is too short: use at least %d characters", file, minToken)
	}
	return t, nil
}

// randomToken makes a token for --token when none is given: 128 random
// bits in hex.
func randomToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make a token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// openURL is the address to print: on a loopback listener the loopback IP,
// on a wildcard one still the loopback IP (the user can swap in the host's
// name), with the token for the first page load.
func openURL(addr net.Addr, token string) string {
	_, port, _ := net.SplitHostPort(addr.String())
	host := "127.0.0.1"
	if tcp, ok := addr.(*net.TCPAddr); ok && !tcp.IP.IsUnspecified() {
		host = tcp.IP.String()
		if tcp.IP.To4() == nil {
			host = "[" + host + "]"
		}
	}
	u := "http://" + host + ":" + port + "/"
	if token != "" {
		u += "?token=" + url.QueryEscape(token)
	}
	return u
}

// checkListen checks a --listen address and says whether it is loopback,
// the only kind nsweb exposes the host's process map on without
// --allow-remote. A malformed address is an error of its own, so that the
// advice about exposing nsweb is given only where it applies.
func checkListen(addr string) (loopback bool, err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			err = errors.New(ae.Err) // without the address, which the message quotes already
		}
		return false, fmt.Errorf("invalid --listen address %q: %v; want HOST:PORT such as 127.0.0.1:8080", addr, err)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// unwrapListen trims net.OpError's repetition so the message reads
// "address already in use".
func unwrapListen(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// parseFlags parses a subcommand's flags with its usage text. ok is false
// when the command should stop with code: after --help (0) or a mistake (2).
func parseFlags(fs *flag.FlagSet, args []string, what string, stderr io.Writer) (code int, ok bool) {
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s [flags]\n\n%s\n\nFlags:\n", fs.Name(), what)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return 2, false
	}
	return 0, true
}

// helpOutput sends asked-for help to stdout, where pagers and grep expect it,
// and usage after a mistake to stderr.
func helpOutput(args []string, stdout, stderr io.Writer) io.Writer {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			return stdout
		case "--":
			return stderr
		}
	}
	return stderr
}

// safetyFinds gives /metrics the runner's exact count of changes only a
// safety rescan found (stream.Runner audits each lone safety rescan). The
// runner is made after the metrics that wrap its scans, so it is looked up
// at scrape time.
type safetyFinds struct{ p *pipeline }

func (f safetyFinds) SafetyRescanFinds() uint64 {
	if f.p.runner == nil {
		return 0
	}
	return uint64(max(f.p.runner.Stats().SafetyOnlyChanges, 0))
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/nsweb/nsweb/internal/server"
)

// serveOptions are the flags of "nsweb serve".
type serveOptions struct {
	listen string
}

func parseServe(args []string, stdout, stderr io.Writer) (serveOptions, int, bool) {
	var o serveOptions
	fs := flag.NewFlagSet("nsweb serve", flag.ContinueOnError)
	fs.SetOutput(helpOutput(args, stdout, stderr))
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on (loopback only)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: nsweb serve [flags]\n\nServe the live namespace dashboard.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, 0, false
		}
		return o, 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "nsweb serve: unexpected argument %q\n", fs.Arg(0))
		return o, 2, false
	}
	return o, 0, true
}

func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseServe(args, stdout, stderr)
	if !ok {
		return code
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if err := checkLoopback(o.listen); err != nil {
		fmt.Fprintf(stderr, "nsweb: %v\n", err)
		return 2
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		fmt.Fprintf(stderr, "nsweb: cannot listen on %s: %v\n", o.listen, unwrapListen(err))
		return 1
	}
	srv := &http.Server{
		Handler:           server.New(server.Config{Version: version, Logger: log}),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "nsweb %s: open http://%s/\n", version, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "nsweb: serve: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
		return 1
	}
	return 0
}

// checkLoopback refuses addresses that would expose the host's process map
// beyond this machine.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid --listen address %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--listen %s is not a loopback address; nsweb shows every process of this host and listens on loopback only", addr)
	}
	return nil
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

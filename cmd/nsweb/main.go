// Command nsweb maps every Linux namespace on a host and how they relate,
// and serves the map as a live web dashboard on loopback.
//
// Usage:
//
//	nsweb [serve] [--listen 127.0.0.1:8080]
//	nsweb snapshot [--format text|svg] [--view owner|pid] [--group container|pod|none] [-q FILTER] [--expand ID,…|all] [--fold N] [-o FILE]
//	nsweb snapshot --format json [-o FILE]
//	nsweb inspect REF [--format text|json] [--mounts]
//	nsweb --version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is the release this binary was built from; builds can override it
// with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `nsweb maps the Linux namespaces of this host and serves a live dashboard.

Usage:
  nsweb [serve] [flags]        serve the dashboard (default: http://127.0.0.1:8080/)
  nsweb snapshot [flags]       print one snapshot of the host (or --at a past moment) and exit
  nsweb inspect REF [flags]    print what one namespace holds (interfaces, maps, mounts…)
  nsweb history [flags]        list what nsweb serve recorded (--since 10m; --compare 10m: what changed since)
  nsweb version                print the version

Run "nsweb COMMAND --help" for the flags of a command.
nsweb needs root to see every process and namespace; as another user it
shows what that user can see and says what is missing.
`

// commands are the subcommands run knows, in the order usage lists them.
var commands = []string{"serve", "snapshot", "inspect", "history", "version", "help"}

// run is main without the process exit, so that tests can drive the CLI.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		switch args[0] {
		case "serve", "snapshot", "inspect", "history", "version", "help":
			cmd, args = args[0], args[1:]
		case "-h", "--help", "-help":
			fmt.Fprint(stdout, usage)
			return 0
		case "-version", "--version", "-v":
			fmt.Fprintf(stdout, "nsweb %s\n", version)
			return 0
		default:
			// Flags without a command are serve's; a word is a command, and
			// a mistyped one must not reach serve as a stray argument.
			if !strings.HasPrefix(args[0], "-") {
				fmt.Fprintf(stderr, "nsweb: unknown command %q (commands: %s; run \"nsweb --help\")\n", args[0], strings.Join(commands, ", "))
				return 2
			}
		}
	}
	switch cmd {
	case "version":
		fmt.Fprintf(stdout, "nsweb %s\n", version)
		return 0
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "snapshot":
		return snapshotCmd(ctx, args, stdout, stderr)
	case "inspect":
		return inspectCmd(ctx, args, stdout, stderr)
	case "history":
		return historyCmd(ctx, args, stdout, stderr)
	default:
		return serveCmd(ctx, args, stdout, stderr)
	}
}

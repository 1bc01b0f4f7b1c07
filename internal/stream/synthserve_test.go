package stream_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/server"
	"github.com/nsweb/nsweb/internal/stream"
)

// TestServeSyntheticHost serves the real page, stream and API over the
// synthetic container host of the benchmarks (stream.SynthHost) with
// $NSWEB_SYNTH namespaces on $NSWEB_SYNTH_LISTEN for $NSWEB_SYNTH_FOR (a
// duration, default 2m), so that a browser can be measured against the
// real server at sizes this machine does not have (e2e/size.test.mjs with
// NSWEB_SIZE_URL). Skipped unless NSWEB_SYNTH is set.
// NSWEB_SYNTH_PLAIN=1 turns permessage-deflate off.
//
//	NSWEB_SYNTH=60000 NSWEB_SYNTH_LISTEN=127.0.0.1:18940 go test -run TestServeSyntheticHost -timeout 0 ./internal/stream/
func TestServeSyntheticHost(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("NSWEB_SYNTH"))
	if n <= 0 {
		t.Skip("set NSWEB_SYNTH=<namespaces> and NSWEB_SYNTH_LISTEN=<addr> to serve a synthetic host")
	}
	d, err := time.ParseDuration(os.Getenv("NSWEB_SYNTH_FOR"))
	if err != nil {
		d = 2 * time.Minute
	}
	ln, err := net.Listen("tcp", os.Getenv("NSWEB_SYNTH_LISTEN"))
	if err != nil {
		t.Fatal(err)
	}
	// NSWEB_SYNTH_PLAIN=1 serves without permessage-deflate, to compare.
	hub, err := stream.NewHub(stream.Config{Layout: layout.Compute, Compression: os.Getenv("NSWEB_SYNTH_PLAIN") != "1"})
	if err != nil {
		t.Fatal(err)
	}
	hub.Publish(stream.SynthHost((n - 8) / 7))
	srv := &http.Server{Handler: server.New(server.Config{Version: "synthetic", Stream: hub,
		Guard: server.Guard{Hosts: server.LoopbackHosts(ln.Addr())}})}
	go func() { _ = srv.Serve(ln) }()
	t.Logf("serving a synthetic host of %d namespaces on http://%s/ for %s", n, ln.Addr(), d)
	time.Sleep(d)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = hub.Shutdown(ctx)
	_ = srv.Shutdown(ctx)
}

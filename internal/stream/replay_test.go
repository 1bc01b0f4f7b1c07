package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nsweb/nsweb/internal/history"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// replayRig is a hub recording into a real history store, fed as the
// runner feeds it: each snapshot published, then given to the recorder
// (which may lag behind).
type replayRig struct {
	t      *testing.T
	h      *Hub
	st     *history.Store
	rec    *history.Recorder
	ids    []model.NSID
	unrec  []*model.Snapshot // published, not yet given to the recorder
	stopRc func()
}

func newReplayRig(t *testing.T, dir string) *replayRig {
	st, err := history.Open(filepath.Join(dir, history.FileName), history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHub(Config{Layout: flatLayout, ParseFilter: fakeFilter})
	if err != nil {
		t.Fatal(err)
	}
	rec := history.NewRecorder(st, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rec.Run(ctx); close(done) }()
	h.SetHistory(st, rec)
	r := &replayRig{t: t, h: h, st: st, rec: rec, ids: []model.NSID{3}}
	r.stopRc = func() {
		_ = h.Shutdown(context.Background())
		cancel()
		<-done
		_ = st.Close()
	}
	return r
}

// publish publishes the host with ids, one second after the last, and
// records it unless lag says the recorder is behind.
func (r *replayRig) publish(lag bool, ids ...model.NSID) *model.Snapshot {
	time.Sleep(time.Second)
	r.ids = ids
	s := mkSnap(1, ids...)
	s.Taken = time.Now()
	r.h.Publish(s)
	r.unrec = append(r.unrec, s)
	if !lag {
		r.catchUp()
	}
	return s
}

// catchUp hands the recorder what was published.
func (r *replayRig) catchUp() {
	for _, s := range r.unrec {
		r.rec.Record(s)
	}
	r.unrec = nil
}

func testClient(h *Hub) *client {
	_, cancel := context.WithCancelCause(context.Background())
	return &client{h: h, cancel: cancel, notify: make(chan struct{}, 1), log: h.log, remote: "10.0.0.1"}
}

// changesOf reads a client's queue: the message types in order, and the
// namespaces born and ended that its history events and patches say.
func changesOf(t *testing.T, msgs [][]byte) (types []string, changes []string, hist *HistoryMessage) {
	t.Helper()
	for _, m := range msgs {
		var head struct{ Type string }
		if err := json.Unmarshal(m, &head); err != nil {
			t.Fatal(err)
		}
		types = append(types, head.Type)
		switch head.Type {
		case TypeHistory:
			hist = &HistoryMessage{}
			if err := json.Unmarshal(m, hist); err != nil {
				t.Fatal(err)
			}
			for _, e := range hist.Events {
				changes = append(changes, fmt.Sprintf("%s ns:%d", e.Kind, e.NS))
			}
		case wire.TypePatch:
			var p wire.Patch
			if err := json.Unmarshal(m, &p); err != nil {
				t.Fatal(err)
			}
			for _, id := range p.Born {
				changes = append(changes, "born "+id)
			}
			for _, id := range p.Ended {
				changes = append(changes, "ended "+id)
			}
		case wire.TypeError:
			t.Fatalf("error message: %s", m)
		}
	}
	return types, changes, hist
}

// TestReplayBoundary: a client that asks for the events since T gets its
// picture, then exactly the events after T that lead to it, then the live
// patches: every change after T once, whether the recorder lags behind the
// hub or not and whether the host changes while the history is read.
func TestReplayBoundary(t *testing.T) {
	for _, tc := range []struct {
		name        string
		lagAtHello  bool // the recorder has not seen the last snapshot yet
		duringRead  bool // a change is published while the replay waits
		recordAfter bool // ... and recorded before the replay reads
	}{
		{name: "recorder current"},
		{name: "recorder behind", lagAtHello: true},
		{name: "change while reading", duringRead: true},
		{name: "change recorded while reading", duringRead: true, recordAfter: true},
		{name: "behind and changing", lagAtHello: true, duringRead: true, recordAfter: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			synctest.Test(t, func(t *testing.T) {
				r := newReplayRig(t, dir)
				defer r.stopRc()
				r.publish(false, 3)
				r.publish(false, 3, 4) // before T: not replayed
				since := time.Now()
				r.publish(false, 3, 4, 5)
				r.publish(tc.lagAtHello, 4, 5)    // 3 ended
				r.publish(tc.lagAtHello, 4, 5, 6) // 6 born
				c := testClient(r.h)
				if err := c.handleHello(context.Background(), &wire.Hello{Type: wire.TypeHello, Replay: since.Format(time.RFC3339Nano)}); err != nil {
					t.Fatal(err)
				}
				if tc.duringRead {
					// Published while the replay waits for the recorder: a
					// patch that must follow the events, not precede them.
					s := mkSnap(1, 4, 5, 6, 7)
					s.Taken = time.Now().Add(time.Millisecond)
					r.h.Publish(s)
					r.unrec = append(r.unrec, s)
					if tc.recordAfter {
						r.catchUp()
					}
				}
				synctest.Wait()
				r.catchUp()
				synctest.Wait()
				r.publish(false, 5, 6, 7) // 4 ended, live
				synctest.Wait()
				types, changes, hist := changesOf(t, c.take())
				if hist == nil || hist.Error != "" {
					t.Fatalf("no replay: %v, %+v", types, hist)
				}
				if types[0] != wire.TypeSnapshot || types[1] != TypeHistory {
					t.Errorf("messages %v: want the snapshot, then the history", types)
				}
				want := []string{"born ns:5", "ended ns:3", "born ns:6", "born ns:7", "ended ns:4"}
				if !slices.Equal(changes, want) {
					t.Errorf("changes after T: %v, want %v (each once, in order)", changes, want)
				}
				if hist.More != 0 {
					t.Errorf("more %d", hist.More)
				}
			})
		})
	}
}

// TestReplayBounded: a replay sends the newest ReplayMax events and counts
// the older ones.
func TestReplayBounded(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		r := newReplayRig(t, dir)
		defer r.stopRc()
		r.publish(false)
		since := time.Now()
		n := ReplayMax + 30
		ids := []model.NSID{}
		for i := range n {
			ids = append(ids, model.NSID(1001+2*i))
			r.publish(false, ids...)
		}
		c := testClient(r.h)
		if err := c.handleHello(context.Background(), &wire.Hello{Replay: since.UTC().Format(time.RFC3339Nano)}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		_, changes, hist := changesOf(t, c.take())
		if len(changes) != ReplayMax || hist.More != n-ReplayMax || hist.MoreAtLeast {
			t.Fatalf("%d events, more %d (at least: %v); want %d and %d", len(changes), hist.More, hist.MoreAtLeast, ReplayMax, n-ReplayMax)
		}
		if changes[len(changes)-1] != fmt.Sprintf("born ns:%d", ids[n-1]) || changes[0] != fmt.Sprintf("born ns:%d", ids[n-ReplayMax]) {
			t.Errorf("not the newest in order: first %s, last %s", changes[0], changes[len(changes)-1])
		}
	})
}

// TestReplayRefused: bad times and a hub without history are told on the
// socket, naming the field; a refused hello leaves the client as it was.
func TestReplayRefused(t *testing.T) {
	h, err := NewHub(Config{Layout: flatLayout, ParseFilter: fakeFilter})
	if err != nil {
		t.Fatal(err)
	}
	h.Publish(mkSnap(1, 3))
	c := testClient(h)
	for _, tc := range []struct {
		hello wire.Hello
		field string
		says  string
	}{
		{wire.Hello{Replay: "yesterday"}, "replay", "RFC 3339"},
		{wire.Hello{Replay: "2999-01-01T00:00:00Z"}, "replay", "in the future"},
		{wire.Hello{At: "12:00"}, "at", "records no history"},
	} {
		err := c.handleHello(context.Background(), &tc.hello)
		bad, ok := err.(*BadRequestError)
		if !ok || bad.Field != tc.field || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%+v: %v, want a refusal of %s saying %q", tc.hello, err, tc.field, tc.says)
		}
	}
	// Without history a replay is answered, not dropped: the picture, then
	// a history message that says why it is empty.
	if err := c.handleHello(context.Background(), &wire.Hello{Replay: "10m"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	var types []string
	var hist *HistoryMessage
	for hist == nil && time.Now().Before(deadline) {
		var ty []string
		ty, _, hist = changesOf(t, c.take())
		types = append(types, ty...)
		time.Sleep(10 * time.Millisecond)
	}
	if hist == nil || !strings.Contains(hist.Error, "no history") || len(hist.Events) != 0 || types[0] != wire.TypeSnapshot {
		t.Errorf("replay without history: %v, %+v", types, hist)
	}
}

// TestAtPausesLive: a hello with at gets the picture of that moment and no
// live patch until a hello without at, which gets the live picture.
func TestAtPausesLive(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		r := newReplayRig(t, dir)
		defer r.stopRc()
		r.publish(false, 3)
		r.publish(false, 3, 5)
		at := time.Now()
		r.publish(false, 5, 7)
		time.Sleep(2 * time.Second) // committed
		c := testClient(r.h)
		if err := c.handleHello(context.Background(), &wire.Hello{}); err != nil {
			t.Fatal(err)
		}
		_ = c.take()
		if err := c.handleHello(context.Background(), &wire.Hello{At: at.UTC().Format(time.RFC3339Nano)}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		r.publish(false, 7, 9) // not sent: the client looks at the past
		synctest.Wait()
		msgs := c.take()
		if len(msgs) != 1 {
			t.Fatalf("%d messages, want the past picture alone", len(msgs))
		}
		var past AtSnapshot
		if err := json.Unmarshal(msgs[0], &past); err != nil || past.Snapshot == nil {
			t.Fatalf("%s: %v", msgs[0], err)
		}
		var got []string
		for _, n := range past.Nodes {
			got = append(got, n.ID)
		}
		if fmt.Sprint(got) != "[ns:1 ns:3 ns:5]" || past.Seq != 0 || past.At == "" {
			t.Errorf("past picture %v seq %d at %q", got, past.Seq, past.At)
		}
		// A moment before anything was recorded is refused on the socket.
		if err := c.handleHello(context.Background(), &wire.Hello{At: "2000-01-01T00:00:00Z"}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		msgs = c.take()
		var e wire.Error
		if len(msgs) != 1 || json.Unmarshal(msgs[0], &e) != nil || e.Type != wire.TypeError || e.Field != "at" || !strings.Contains(e.Error, "no history at") {
			t.Errorf("a moment not recorded: %s", msgs)
		}
		// Back to live: the picture of now.
		if err := c.handleHello(context.Background(), &wire.Hello{}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		msgs = c.take()
		var live wire.Snapshot
		if len(msgs) != 1 || json.Unmarshal(msgs[0], &live) != nil || len(live.Nodes) != 3 || live.Nodes[2].ID != "ns:9" {
			t.Errorf("back to live: %s", msgs)
		}
	})
}

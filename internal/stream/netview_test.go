package stream

import (
	"context"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/nsweb/nsweb/internal/layout"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// TestNetworkViewHello: a hello for the network view is accepted and
// answered with the network namespaces only (laid out for real); an unknown
// view is refused with an error that names the views there are.
func TestNetworkViewHello(t *testing.T) {
	h, srv := newTestHub(t, Config{Layout: layout.Compute})
	s := mkSnap(1)
	s.Namespaces[2] = &model.Namespace{ID: 2, Type: model.Net, Owner: 1, Inode: 2}
	s.Namespaces[3] = &model.Namespace{ID: 3, Type: model.UTS, Owner: 1, Inode: 3}
	s.Namespaces[4] = &model.Namespace{ID: 4, Type: model.Net, Owner: 1, Inode: 4}
	h.Publish(s)

	c := dial(t, srv, nil)
	c.Subscribe(wire.Hello{View: "network"})
	nets := 0
	for _, n := range c.St.Nodes {
		switch {
		case n.Type == model.Net:
			nets++
		case n.NS == 3:
			t.Errorf("the network view shows the uts namespace: %+v", n)
		}
	}
	if nets != 2 {
		t.Errorf("%d network namespaces in the network view, want 2: %+v", nets, c.St.Nodes)
	}

	if err := c.Conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"hello","view":"netwrk"}`)); err != nil {
		t.Fatal(err)
	}
	c.MustNext(wire.TypeError)
	want := `unknown view "netwrk" (want "owner", "pid" or "network")`
	if got := c.Refused; !strings.Contains(got.Error, want) || got.Field != "view" || got.Value != "netwrk" {
		t.Errorf("error %q field %q value %q; want %q on field view", got.Error, got.Field, got.Value, want)
	}
}

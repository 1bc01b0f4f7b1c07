package stream

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/wire"
)

// AtSnapshot is the snapshot message of a past moment: the picture of a
// snapshot rebuilt from history, with the moment asked for. Its seq is 0:
// no patch follows it.
type AtSnapshot struct {
	*wire.Snapshot
	At string `json:"at"`
}

// ViewOf lays out s, a snapshot that is not the hub's (one rebuilt from
// history), for the subscription r, once: the same checks, layout and
// nodes as the live picture, without a subscription, sequence numbers or
// reveal. Its Message is an AtSnapshot of moment at.
func (h *Hub) ViewOf(s *model.Snapshot, r Request, at time.Time) (*View, error) {
	r.Reveal = ""
	res, err := h.resolve(r)
	if err != nil {
		return nil, err // a *BadRequestError
	}
	opts := h.cfg.Base
	opts.View, opts.Group = res.key.View, res.key.Group
	if len(res.expand) > 0 {
		opts.Expanded = make(map[string]bool, len(res.expand))
		for _, g := range res.expand {
			opts.Expanded[g] = true
		}
	}
	if res.match != nil {
		opts.Keep = func(ns *model.Namespace) bool { return res.match(s, ns) }
	}
	result := h.cfg.Layout(s, opts)
	snap := &wire.Snapshot{
		Type: wire.TypeSnapshot, View: res.key.View, Group: res.key.Group, Q: res.key.Q,
		Expand: append([]string{}, res.expand...), Meta: wire.NewMeta(s, result), Nodes: wire.BuildNodes(s, result, opts.Keep),
	}
	msg, err := json.Marshal(AtSnapshot{Snapshot: snap, At: at.UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return nil, fmt.Errorf("encode snapshot: %w", err)
	}
	return &View{Snapshot: s, Result: result, Message: msg}, nil
}

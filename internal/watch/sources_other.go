//go:build !linux

package watch

import (
	"context"
	"errors"
	"log/slog"
)

// sources has no event source outside Linux: only the rescan runs.
type sources struct{}

func openSources(Options) (*sources, []error) {
	return &sources{}, []error{errors.New("process and mount events need Linux")}
}
func (*sources) names() []string                                         { return nil }
func (*sources) wake()                                                   {}
func (*sources) close() error                                            { return nil }
func (*sources) run(ctx context.Context, _ chan<- batch, _ *slog.Logger) { <-ctx.Done() }
func (*sources) events() string                                          { return "safety rescan only (bpf unavailable: needs Linux)" }
func (*sources) bpfOn() bool                                             { return false }
func (*sources) runKernel(context.Context, chan<- batch, *slog.Logger)   {}

package inspect

import (
	"context"
	"os"
	"testing"

	"github.com/nsweb/nsweb/internal/collect"
	"github.com/nsweb/nsweb/internal/model"
	"github.com/nsweb/nsweb/internal/netinfo"
	"github.com/nsweb/nsweb/internal/zoo"
)

// BenchmarkDetails: the details of one namespace of each type, warm (the
// mount tables of the other mount namespaces and the network cache
// filled), on this host plus 200 containers of seven namespaces each.
func BenchmarkDetails(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	cs := zoo.Containers(b, 200)
	s, err := collect.Scan(context.Background(), collect.Options{})
	if err != nil {
		b.Fatal(err)
	}
	p := s.Processes[cs[0].Init.PID]
	ins := New(netinfo.NewReader())
	for _, typ := range []model.NSType{model.Net, model.User, model.PID, model.UTS, model.Mnt, model.Cgroup} {
		id := p.NS[typ]
		ins.Details(b.Context(), s, id, Options{}) // warm
		b.Run(string(typ), func(b *testing.B) {
			for b.Loop() {
				if d := ins.Details(b.Context(), s, id, Options{}); d == nil || len(d.Missing) > 0 {
					b.Fatalf("%+v", d)
				}
			}
		})
	}
}

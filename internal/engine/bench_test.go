package engine_test

import (
	"fmt"
	"testing"

	"github.com/nsweb/nsweb/internal/engine"
	"github.com/nsweb/nsweb/internal/engine/enginetest"
	"github.com/nsweb/nsweb/internal/model"
)

// BenchmarkEnrich names the containers of a snapshot from a catalogue of
// 1000 containers; half of the snapshot's containers are unknown to the
// engine (as containerd's would be), which costs a lookup that finds
// nothing.
func BenchmarkEnrich(b *testing.B) {
	const n = 1000
	fe := enginetest.Start(b, false)
	var cs []enginetest.Container
	for i := range n {
		cs = append(cs, enginetest.Container{ID: fmt.Sprintf("%064x", i), Names: []string{fmt.Sprintf("/c%d", i)}, Image: "busybox",
			Labels: map[string]string{"io.kubernetes.pod.name": "p", "com.docker.compose.project": "x"}})
	}
	fe.Set(cs...)
	c := start(b, engine.Config{Sockets: []string{fe.Path}})
	waitFor(b, "the list", func() bool { return len(c.Containers()) == n })
	s := &model.Snapshot{Containers: map[string]*model.Container{}}
	for i := range n {
		id := fmt.Sprintf("%064x", i*2) // every other one is unknown
		s.Containers[id] = &model.Container{ID: id, Runtime: "docker"}
	}
	b.ResetTimer()
	for b.Loop() {
		c.Enrich(s)
	}
	if s.Containers[fmt.Sprintf("%064x", 2)].Name != "c2" {
		b.Fatal("Enrich named nothing")
	}
}

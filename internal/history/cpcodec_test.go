package history

import (
	"bytes"
	"compress/flate"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/nsweb/nsweb/internal/model"
)

// fill sets every field of v (a pointer) to a random non-zero value, so
// that a field the codec forgets (one added to the model later) fails the
// round trip.
func fill(rng *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(rng, v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			fill(rng, v.Field(i))
		}
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", rng.IntN(20))) // repeats, as real strings do
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(rng.Int64N(1<<40) - 1<<39 + 1)
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		v.SetUint(1 + rng.Uint64N(uint64(1)<<(v.Type().Bits()-1)))
	case reflect.Slice:
		n := 1 + rng.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(rng, s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 1 + rng.IntN(3) {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(rng, k)
			fill(rng, e)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		panic("fill: " + v.Kind().String())
	}
}

// TestCheckpointCodec: a checkpoint of records with every field set comes
// back equal; the same namespace sets and strings shared by many records
// too; a checkpoint written as gob before the codec is still read; a
// truncated or corrupt one is an error, never a panic.
func TestCheckpointCodec(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		cp := &checkpoint{}
		fill(rng, reflect.ValueOf(&cp.Meta).Elem())
		for range 1 + rng.IntN(50) {
			var ns model.Namespace
			fill(rng, reflect.ValueOf(&ns).Elem())
			cp.NS = append(cp.NS, &ns)
			var p model.Process
			fill(rng, reflect.ValueOf(&p).Elem())
			if len(cp.P) > 0 && rng.IntN(2) == 0 {
				p.NS = cp.P[0].NS // shared, as processes of one container
			}
			cp.P = append(cp.P, &p)
			var c model.Container
			fill(rng, reflect.ValueOf(&c).Elem())
			cp.C = append(cp.C, &c)
		}
		if round == 0 { // nil and empty lists
			cp.NS[0].OwnerUID, cp.NS[0].HeldBy, cp.P[0].NSpid, cp.P[0].NS, cp.C[0].Labels = nil, nil, nil, nil, nil
			cp.P[len(cp.P)-1].NSpid, cp.C[len(cp.C)-1].Labels = []int{}, map[string]string{}
		}
		for name, enc := range map[string]func(*checkpoint) ([]byte, error){"binary": encodeCheckpoint, "gob": encodeCheckpointGob} {
			data, err := enc(cp)
			if err != nil {
				t.Fatal(err)
			}
			var got checkpoint
			if err := decodeCheckpoint(data, &got); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if name == "gob" { // gob drops empty non-nil lists and maps
				continue
			}
			if !reflect.DeepEqual(&got, cp) {
				t.Fatalf("round %d: %s round trip differs:\n got %+v\nwant %+v", round, name, got.P[0], cp.P[0])
			}
			for cut := 1; cut < len(data); cut += 1 + len(data)/50 {
				var bad checkpoint
				if err := decodeCheckpoint(data[:cut], &bad); err == nil {
					t.Fatalf("%s cut at %d of %d: no error", name, cut, len(data))
				}
			}
		}
	}
	// Lengths far beyond the data: an error, not a huge allocation.
	for _, body := range [][]byte{{0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x07}, {0, 0, 0, 0, 0, 1, 1, 0, 0xff, 0xff, 0xff, 0x07}} {
		var w checkpoint
		raw := compressRaw(t, body)
		if err := decodeCheckpoint(append([]byte{cpMagic}, raw...), &w); err == nil {
			t.Errorf("corrupt lengths %x: no error", body)
		}
	}
}

func compressRaw(t *testing.T, body []byte) []byte {
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.BestSpeed)
	if _, err := zw.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkCheckpointDecode compares the codecs on the checkpoint of a
// 30,000-namespace host (the A/B of docs/benchmarks.md).
func BenchmarkCheckpointDecode(b *testing.B) {
	cp := newCheckpoint(newBigHost(5000).s)
	for _, c := range []struct {
		name string
		enc  func(*checkpoint) ([]byte, error)
	}{{"gob", encodeCheckpointGob}, {"binary", encodeCheckpoint}} {
		data, err := c.enc(cp)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			cpu0 := cpuTime()
			n := 0
			for b.Loop() {
				n++
				var got checkpoint
				if err := decodeCheckpoint(data, &got); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(n), "cpu-ms/op")
			b.ReportMetric(float64(len(data)), "bytes")
		})
	}
}

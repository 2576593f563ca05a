package fn

import (
	"bytes"
	"testing"

	kfn "github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/irsa-dev/irsa-fn/bench/gen"
)

func benchmarkProcess(b *testing.B, s gen.Size) {
	var in bytes.Buffer
	if err := gen.Write(&in, s, 1); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(in.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Run(&Processor{}, in.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcess1k renders 1,000 objects with 100 bindings, parse and write (Encode) included,
// as the binary does.
func BenchmarkProcess1k(b *testing.B) { benchmarkProcess(b, gen.Size{Objects: 1000, Bindings: 100}) }

// BenchmarkNoop1k is the SDK's parse and write (ToYAML) of the same input, as the no-op function
// of make bench does.
func BenchmarkNoop1k(b *testing.B) {
	var in bytes.Buffer
	if err := gen.Write(&in, gen.Size{Objects: 1000, Bindings: 100}, 1); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(in.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := kfn.Run(kfn.ResourceListProcessorFunc(func(*kfn.ResourceList) (bool, error) { return true, nil }), in.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcess10k renders 10,000 objects with 1,000 bindings.
func BenchmarkProcess10k(b *testing.B) {
	benchmarkProcess(b, gen.Size{Objects: 10000, Bindings: 1000})
}

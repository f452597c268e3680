package otlp_test

import (
	"testing"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	"go.opentelemetry.io/collector/pdata/plog"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/proto"
)

// benchRequests are a realistic request (100 records of ~10 attributes from
// 3 services) and a large one (10,000 records).
var benchRequests = []struct {
	name              string
	records, services int
}{
	{"realistic", 100, 3},
	{"large", 10000, 3},
}

func benchProto(b *testing.B, records, services int) []byte {
	in, err := proto.Marshal(otlptest.RealisticLogsRequest(records, services))
	if err != nil {
		b.Fatal(err)
	}
	return in
}

func benchJSON(b *testing.B, records, services int) []byte {
	in, err := otlptest.PdataJSON(otlptest.RealisticLogsRequest(records, services))
	if err != nil {
		b.Fatal(err)
	}
	return in
}

// run times decode over in, reporting bytes/s and records/s (data points/s for metrics).
func run(b *testing.B, in []byte, records int, decode func() error) {
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if err := decode(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkDecodeProto(b *testing.B) {
	for _, s := range benchRequests {
		b.Run(s.name, func(b *testing.B) {
			in := benchProto(b, s.records, s.services)
			var d otlp.Decoder
			var l otlp.Logs
			run(b, in, s.records, func() error {
				l.Reset()
				return d.DecodeLogsProto(&l, in)
			})
		})
	}
}

func BenchmarkProtoUnmarshalOfficial(b *testing.B) {
	for _, s := range benchRequests {
		b.Run(s.name, func(b *testing.B) {
			in := benchProto(b, s.records, s.services)
			run(b, in, s.records, func() error {
				return proto.Unmarshal(in, &collogspb.ExportLogsServiceRequest{})
			})
		})
	}
}

func BenchmarkDecodeJSON(b *testing.B) {
	for _, s := range benchRequests {
		b.Run(s.name, func(b *testing.B) {
			in := benchJSON(b, s.records, s.services)
			var d otlp.Decoder
			var l otlp.Logs
			run(b, in, s.records, func() error {
				l.Reset()
				return d.DecodeLogsJSON(&l, in)
			})
		})
	}
}

// BenchmarkJSONUnmarshalPdata is the Collector's OTLP/JSON decoder on the same bytes.
func BenchmarkJSONUnmarshalPdata(b *testing.B) {
	for _, s := range benchRequests {
		b.Run(s.name, func(b *testing.B) {
			in := benchJSON(b, s.records, s.services)
			var u plog.JSONUnmarshaler
			run(b, in, s.records, func() error {
				_, err := u.UnmarshalLogs(in)
				return err
			})
		})
	}
}

// TestDecodeAllocations guards the decoders' allocations once a Decoder and
// Logs are warm: protobuf none; JSON only the chunk holding decoded ids.
func TestDecodeAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	req := otlptest.RealisticLogsRequest(100, 3)
	pb, _ := proto.Marshal(req)
	js, err := otlptest.PdataJSON(req)
	if err != nil {
		t.Fatal(err)
	}
	var d otlp.Decoder
	var l otlp.Logs
	for _, tc := range []struct {
		name   string
		max    float64
		decode func() error
	}{
		{"protobuf", 0, func() error { return d.DecodeLogsProto(&l, pb) }},
		{"json", 1, func() error { return d.DecodeLogsJSON(&l, js) }},
	} {
		allocs := testing.AllocsPerRun(20, func() {
			l.Reset()
			if err := tc.decode(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > tc.max {
			t.Errorf("%s: %.1f allocations a decode, want at most %.0f", tc.name, allocs, tc.max)
		}
	}
}

package ingest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"

	"github.com/otlp2parquet/otlp2parquet/batch"
	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/pqenc"
	"github.com/otlp2parquet/otlp2parquet/storage"
)

// The two request shapes of the benchmarks: realistic (100 records, about
// ten attributes each, three services) and large (10,000 records).
var sizes = []struct {
	name              string
	records, services int
}{
	{"100records", 100, 3},
	{"10000records", 10000, 3},
}

func requestBytes(b *testing.B, records, services int) []byte {
	body, err := proto.Marshal(otlptest.RealisticLogsRequest(records, services))
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func perRecord(b *testing.B, records int) {
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkStages times each stage of the path alone, and the official
// protobuf decoder on the same bytes for comparison.
func BenchmarkStages(b *testing.B) {
	now := time.Now()
	for _, sz := range sizes {
		body := requestBytes(b, sz.records, sz.services)

		b.Run("OfficialUnmarshal/"+sz.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var req collogspb.ExportLogsServiceRequest
				if err := proto.Unmarshal(body, &req); err != nil {
					b.Fatal(err)
				}
			}
			perRecord(b, sz.records)
		})

		// Each stage gets its input prepared here, so any one can run alone.
		var d otlp.Decoder
		var l otlp.Logs
		if err := d.DecodeLogsProto(&l, body); err != nil {
			b.Fatal(err)
		}
		b.Run("Decode/"+sz.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				l.Reset()
				if err := d.DecodeLogsProto(&l, body); err != nil {
					b.Fatal(err)
				}
			}
			perRecord(b, sz.records)
		})

		var bld batch.Builder
		b.Run("Columnarize/"+sz.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bld.Build(&l, now)
			}
			perRecord(b, sz.records)
		})

		w := pqenc.NewWriter(batch.Schema(), pqenc.Options{})
		parts := bld.Build(&l, now).Partitions
		b.Run("Encode/"+sz.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				n = 0
				for _, p := range parts {
					w.Reset()
					if err := w.WriteRows(p.Columns(), p.Rows); err != nil {
						b.Fatal(err)
					}
					data, err := w.Finish()
					if err != nil {
						b.Fatal(err)
					}
					n += len(data)
				}
			}
			b.ReportMetric(float64(n), "parquet-bytes")
			perRecord(b, sz.records)
		})
	}
}

// discard is a bucket that keeps nothing, so that the benchmark measures the
// path from request bytes to Parquet bytes and not a store.
type discard struct{ storage.Bucket }

func (discard) Put(context.Context, string, []byte) error { return nil }

// BenchmarkWholePath is protobuf request bytes to Parquet bytes: decode,
// partition and columnarize, encode, name the objects.
func BenchmarkWholePath(b *testing.B) {
	for _, sz := range sizes {
		body := requestBytes(b, sz.records, sz.services)
		p := ingest.New(discard{}, ingest.Options{})
		b.Run(sz.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				res, err := p.Export(context.Background(), ingest.Logs, body, ingest.Protobuf)
				if err != nil || res.Records != sz.records {
					b.Fatalf("%+v, %v", res, err)
				}
			}
			perRecord(b, sz.records)
			b.ReportMetric(float64(testing.AllocsPerRun(1, func() {
				_, _ = p.Export(context.Background(), ingest.Logs, body, ingest.Protobuf)
			}))/float64(sz.records), "allocs/record")
		})
	}
}

// BenchmarkSignals is the whole path for traces and metrics (the realistic
// requests of internal/otlptest: spans with events and links over three
// services; data points of the five metric types), with the official
// decoder on the same bytes for comparison. items/s counts spans or data
// points.
func BenchmarkSignals(b *testing.B) {
	type signal struct {
		name     string
		sig      ingest.Signal
		request  func(n int) proto.Message
		official func() proto.Message
	}
	signals := []signal{
		{"traces", ingest.Traces, func(n int) proto.Message { return otlptest.RealisticTracesRequest(n, 3) },
			func() proto.Message { return new(coltracepb.ExportTraceServiceRequest) }},
		{"metrics", ingest.Metrics, func(n int) proto.Message { return otlptest.RealisticMetricsRequest(n, 3) },
			func() proto.Message { return new(colmetricspb.ExportMetricsServiceRequest) }},
	}
	for _, s := range signals {
		for _, n := range []int{100, 10000} {
			body, err := proto.Marshal(s.request(n))
			if err != nil {
				b.Fatal(err)
			}
			p := ingest.New(discard{}, ingest.Options{})
			res, err := p.Export(context.Background(), s.sig, body, ingest.Protobuf)
			if err != nil {
				b.Fatal(err)
			}
			items := res.Records // RealisticMetricsRequest makes about n points
			b.Run(fmt.Sprintf("%s/%ditems/WholePath", s.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := p.Export(context.Background(), s.sig, body, ingest.Protobuf); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(items)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
			})
			b.Run(fmt.Sprintf("%s/%ditems/OfficialUnmarshal", s.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					if err := proto.Unmarshal(body, s.official()); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(items)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
			})
		}
	}
}

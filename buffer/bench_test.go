package buffer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	memstore "github.com/otlp2parquet/otlp2parquet/storage/memory"
)

// BenchmarkExport is the acknowledgement path: validate a realistic request
// (100 or 10,000 records, three services) and append it to the log, with
// parallel clients sharing the group commit.
//
//	go test -run '^$' -bench Export -benchtime 2s ./buffer/
func BenchmarkExport(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(map[int]string{100: "100", 10000: "10000"}[n], func(b *testing.B) {
			body, err := proto.Marshal(otlptest.RealisticLogsRequest(n, 3))
			if err != nil {
				b.Fatal(err)
			}
			buf, err := Open(b.TempDir(), memstore.New(), Options{Logger: quiet, MaxAge: time.Hour, MaxRows: 1 << 40, MaxBytes: 1 << 40, MaxLogBytes: 1 << 40, MaxWaitingBytes: 1 << 40, MaxWait: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(body)))
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := buf.Export(context.Background(), ingest.Logs, body, ingest.Protobuf); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "records/s")
			b.StopTimer()
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			buf.Close(ctx)
		})
	}
}

// BenchmarkFlush is the batch path: read a logged segment and encode its
// objects. "100x100" is 100 realistic 100-record requests of three services,
// "30x10000" 30 requests of 10,000 records over ten services (as a
// Collector's batches come). A flush keeps GOMAXPROCS-1 goroutines busy
// (flushProcs): one with -cpu 1 or 2; with -cpu 3 the next chunk is decoded
// while one is encoded, with -cpu 4 on two encoders.
//
//	go test -run '^$' -bench Flush -cpu 1,2,3 ./buffer/
func BenchmarkFlush(b *testing.B) {
	for _, c := range []struct{ requests, records, services int }{{100, 100, 3}, {30, 10000, 10}} {
		b.Run(fmt.Sprintf("%dx%d", c.requests, c.records), func(b *testing.B) {
			body, err := proto.Marshal(otlptest.RealisticLogsRequest(c.records, c.services))
			if err != nil {
				b.Fatal(err)
			}
			buf, err := Open(b.TempDir(), memstore.New(), Options{Logger: quiet, MaxAge: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			for range c.requests {
				if _, err := buf.Export(context.Background(), ingest.Logs, body, ingest.Protobuf); err != nil {
					b.Fatal(err)
				}
			}
			seg, err := buf.log.Seal()
			if err != nil {
				b.Fatal(err)
			}
			f := newFlusher(buf)
			if err := f.encode(seg); err != nil { // buffers grown outside the timer
				b.Fatal(err)
			}
			b.SetBytes(int64(c.requests * len(body)))
			b.ResetTimer()
			for b.Loop() {
				if err := f.encode(seg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*c.requests*c.records)/b.Elapsed().Seconds(), "records/s")
			b.StopTimer()
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			buf.Close(ctx)
		})
	}
}

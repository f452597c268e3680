package e2e

import (
	"encoding/json"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/internal/s3test"
)

// lambdaEvent100 is a Function URL event carrying a realistic 100-record
// request (three services, about ten attributes a record), gzip'd protobuf
// as OTLP exporters send it.
func lambdaEvent100(b *testing.B) []byte {
	body := encode(b, otlptest.RealisticLogsRequest(100, 3), ctProto)
	ev := functionURLEvent("/v1/logs", map[string]string{"content-type": ctProto, "content-encoding": "gzip"}, otlptest.Gzip(b, body), true)
	payload, err := json.Marshal(ev)
	if err != nil {
		b.Fatal(err)
	}
	return payload
}

// BenchmarkLambdaColdStart measures, per iteration, from starting the
// emulator (which starts the function on its first invocation, as Lambda
// does) to the first response of a 100-record request stored in versitygw.
//
//	go test -run '^$' -bench LambdaColdStart -benchtime 10x ./internal/e2e/
func BenchmarkLambdaColdStart(b *testing.B) {
	s3test.Require(b)
	gw := s3test.New(b)
	payload := lambdaEvent100(b)
	lambdaBootstrap(b) // not part of the measurement
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		e := startEmulator(b, lambdaS3Env(gw)...)
		r := lambdaResponse(b, e.invokeRaw(b, payload))
		total += time.Since(start)
		if r.status != 200 {
			b.Fatalf("status %d: %s", r.status, r.statusMessage())
		}
		b.StopTimer()
		e.stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/cold-start")
}

// BenchmarkLambdaWarm100 measures a warm invocation of a 100-record
// request through the emulator, S3 put to versitygw included.
//
//	go test -run '^$' -bench LambdaWarm100 -benchtime 200x ./internal/e2e/
func BenchmarkLambdaWarm100(b *testing.B) {
	s3test.Require(b)
	gw := s3test.New(b)
	payload := lambdaEvent100(b)
	e := startEmulator(b, lambdaS3Env(gw)...)
	if r := lambdaResponse(b, e.invokeRaw(b, payload)); r.status != 200 { // cold start
		b.Fatalf("status %d: %s", r.status, r.statusMessage())
	}
	for b.Loop() {
		if r := lambdaResponse(b, e.invokeRaw(b, payload)); r.status != 200 {
			b.Fatalf("status %d: %s", r.status, r.statusMessage())
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "records/s")
	if d := reportedDurations(e.out.String()); len(d) > 1 {
		var sum float64
		for _, ms := range d[1:] { // the first is the cold start
			sum += ms
		}
		b.ReportMetric(sum/float64(len(d)-1), "function-ms/op")
	}
}

// reportDuration finds the function's duration in the emulator's REPORT
// lines, as Lambda bills it.
var reportDuration = regexp.MustCompile(`REPORT RequestId: \S+\s+(?:Init Duration: [0-9.]+ ms\s+)?Duration: ([0-9.]+) ms`)

func reportedDurations(out string) []float64 {
	var ds []float64
	for _, m := range reportDuration.FindAllStringSubmatch(out, -1) {
		if ms, err := strconv.ParseFloat(m[1], 64); err == nil {
			ds = append(ds, ms)
		}
	}
	return ds
}

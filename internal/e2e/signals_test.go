package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/batch"
	"github.com/otlp2parquet/otlp2parquet/internal/duckdbtest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/pqenc"
)

// signalGlob is what DuckDB reads a storage root's objects under dir with.
func signalGlob(root, dir string) string {
	return "read_parquet(" + sqlString(filepath.ToSlash(root)+"/"+dir+"/**/*.parquet") + ", hive_partitioning = true, filename = true, union_by_name = true)"
}

// TestTelemetrygenTracesAndMetrics has telemetrygen send traces over
// OTLP/HTTP and OTLP/gRPC and metrics of the four types it generates, and
// the test a summary metric, to a server with the default settings
// (batching); once the server has stopped, DuckDB finds every span and
// data point, with the expected columns, under traces/{service}/ and
// metrics/{type}/{service}/.
func TestTelemetrygenTracesAndMetrics(t *testing.T) {
	tg := tool(t, "telemetrygen")
	duckdbtest.Require(t)
	s := startServer(t, "OTLP2PARQUET_BATCH=true")

	const workers, traces, childSpans, metrics = 2, 50, 3, 40
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	run := func(args ...string) error {
		out, err := exec.CommandContext(ctx, tg, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("telemetrygen %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	httpEndpoint := strings.TrimPrefix(s.URL, "http://")
	type job struct {
		service string
		args    []string
	}
	var jobs []job
	for _, transport := range []string{"http", "grpc"} {
		endpoint, extra := s.GRPCAddr, []string(nil)
		if transport == "http" {
			endpoint, extra = httpEndpoint, []string{"--otlp-http"}
		}
		svc := "e2e-traces-" + transport
		jobs = append(jobs, job{svc, append([]string{"traces", "--otlp-endpoint", endpoint, "--otlp-insecure",
			"--traces", fmt.Sprint(traces), "--workers", fmt.Sprint(workers), "--child-spans", fmt.Sprint(childSpans),
			"--rate", "0", "--service", svc}, extra...)})
	}
	metricTypes := []struct{ flag, dir string }{
		{"Gauge", "gauge"}, {"Sum", "sum"}, {"Histogram", "histogram"}, {"ExponentialHistogram", "exponential_histogram"},
	}
	for i, mt := range metricTypes {
		endpoint, extra := s.GRPCAddr, []string(nil)
		if i%2 == 0 {
			endpoint, extra = httpEndpoint, []string{"--otlp-http"}
		}
		svc := "e2e-metrics-" + mt.dir
		jobs = append(jobs, job{svc, append([]string{"metrics", "--otlp-endpoint", endpoint, "--otlp-insecure",
			"--metrics", fmt.Sprint(metrics), "--workers", fmt.Sprint(workers), "--metric-type", mt.flag,
			"--rate", "0", "--service", svc}, extra...)})
	}
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		wg.Go(func() { errs[i] = run(j.args...) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	summary := summaryRequest("e2e-metrics-summary")
	body, err := proto.Marshal(summary)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.URL+"/v1/metrics", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctProto)
	resp, err := do(client, req)
	if err != nil || resp.status != 200 {
		t.Fatalf("summary: %v %d %s", err, resp.status, resp.statusMessage())
	}
	s.stopClean() // stores the batch

	// Traces: every span of both transports, in its service's directory,
	// with its events and links as lists.
	rows := duckdbtest.Query(t, `
		SELECT ServiceName AS service, regexp_extract(filename, '/traces/([^/]+)/year=', 1) AS dir,
		       count(*) AS spans, count(DISTINCT TraceId) AS traces,
		       count(*) FILTER (WHERE ParentSpanId = '\x00\x00\x00\x00\x00\x00\x00\x00'::BLOB) AS roots,
		       count(*) FILTER (WHERE Duration < 0) AS negative,
		       sum(len(Events)) AS events, sum(len(Links)) AS links
		FROM `+signalGlob(s.OutDir, "traces")+` GROUP BY ALL ORDER BY ALL`)
	t.Logf("traces: %v", rows)
	want := map[string]bool{"e2e-traces-grpc": true, "e2e-traces-http": true}
	for _, r := range rows {
		svc, _ := r["service"].(string)
		if !want[svc] {
			t.Errorf("unexpected trace rows %v", r)
			continue
		}
		delete(want, svc)
		if r["dir"] != svc {
			t.Errorf("traces of %q stored under %q", svc, r["dir"])
		}
		if n, want := num(t, r["traces"]), int64(workers*traces); n != want {
			t.Errorf("%s: %d traces, want %d", svc, n, want)
		}
		if n, want := num(t, r["spans"]), int64(workers*traces*(1+childSpans)); n != want {
			t.Errorf("%s: %d spans, want %d", svc, n, want)
		}
		if n, want := num(t, r["roots"]), int64(workers*traces); n != want {
			t.Errorf("%s: %d root spans (no parent), want %d", svc, n, want)
		}
		if n := num(t, r["negative"]); n != 0 {
			t.Errorf("%s: %d spans of negative duration", svc, n)
		}
	}
	for svc := range want {
		t.Errorf("no spans of service %q; rows: %v", svc, rows)
	}

	// Metrics: each type in its own table, with its value columns.
	valueColumn := map[string]string{
		"gauge": "Value", "sum": "Value", "histogram": "len(BucketCounts)",
		"exponential_histogram": "Scale", "summary": "len(ValueAtQuantiles)",
	}
	for _, typ := range []string{"gauge", "sum", "histogram", "exponential_histogram", "summary"} {
		svc := "e2e-metrics-" + typ
		rows := duckdbtest.Query(t, `
			SELECT ServiceName AS service, regexp_extract(filename, '/metrics/([^/]+)/([^/]+)/year=', 1) AS type_dir,
			       regexp_extract(filename, '/metrics/([^/]+)/([^/]+)/year=', 2) AS dir,
			       count(*) AS points, count(DISTINCT MetricName) AS names,
			       count(*) FILTER (WHERE `+valueColumn[typ]+` IS NULL) AS no_value
			FROM `+signalGlob(s.OutDir, "metrics/"+typ)+` GROUP BY ALL`)
		t.Logf("metrics/%s: %v", typ, rows)
		if len(rows) != 1 {
			t.Errorf("%s: rows %v, want those of %s only", typ, rows, svc)
			continue
		}
		r := rows[0]
		if r["service"] != svc || r["dir"] != svc || r["type_dir"] != typ {
			t.Errorf("%s: stored as %v", typ, r)
		}
		wantPoints := int64(workers * metrics)
		if typ == "summary" {
			wantPoints = 2
		}
		if n := num(t, r["points"]); n != wantPoints {
			t.Errorf("%s: %d data points, want %d", typ, n, wantPoints)
		}
		if n := num(t, r["no_value"]); n != 0 {
			t.Errorf("%s: %d data points without %s", typ, n, valueColumn[typ])
		}
	}
	q := duckdbtest.Query(t, `
		SELECT MetricName AS name, Count AS count, Sum AS sum, ValueAtQuantiles[2].Quantile AS q, ValueAtQuantiles[2].Value AS v
		FROM `+signalGlob(s.OutDir, "metrics/summary")+` ORDER BY Count`)
	if len(q) != 2 || q[0]["name"] != "rpc.server.duration" || num(t, q[0]["count"]) != 10 || q[0]["q"] != 0.5 || q[0]["v"] != 12.5 {
		t.Errorf("summary rows %v", q)
	}
	// Every table has its schema's columns, in order, and the partitions'.
	tables := map[string][]pqenc.Node{"traces": batch.TracesSchema}
	for mt := otlp.MetricGauge; mt <= otlp.MetricSummary; mt++ {
		tables["metrics/"+mt.String()] = batch.MetricsSchema(mt)
	}
	for dir, schema := range tables {
		var want []string
		for _, n := range schema {
			want = append(want, n.Name)
		}
		want = append(want, "filename", "day", "hour", "month", "year")
		var got []string
		for _, r := range duckdbtest.Query(t, "DESCRIBE SELECT * FROM "+signalGlob(s.OutDir, dir)) {
			got = append(got, r["column_name"].(string))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s columns:\n%v\nwant\n%v", dir, got, want)
		}
	}
	if files := tempFiles(t, s.OutDir); len(files) > 0 {
		t.Errorf("temporary files left: %v", files)
	}
}

// summaryRequest is two summary data points of rpc.server.duration:
// telemetrygen generates no summaries.
func summaryRequest(service string) *colmetricspb.ExportMetricsServiceRequest {
	now := uint64(time.Now().UnixNano())
	point := func(count uint64, sum float64, median float64) *metricspb.SummaryDataPoint {
		return &metricspb.SummaryDataPoint{
			StartTimeUnixNano: now - uint64(time.Minute), TimeUnixNano: now,
			Attributes: []*commonpb.KeyValue{str("rpc.method", "Export")},
			Count:      count, Sum: sum,
			QuantileValues: []*metricspb.SummaryDataPoint_ValueAtQuantile{
				{Quantile: 0, Value: 1}, {Quantile: 0.5, Value: median}, {Quantile: 1, Value: 40},
			},
		}
	}
	return &colmetricspb.ExportMetricsServiceRequest{ResourceMetrics: []*metricspb.ResourceMetrics{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{str("service.name", service)}},
		ScopeMetrics: []*metricspb.ScopeMetrics{{
			Scope: &commonpb.InstrumentationScope{Name: "e2e"},
			Metrics: []*metricspb.Metric{{
				Name: "rpc.server.duration", Unit: "ms", Description: "RPC latency",
				Data: &metricspb.Metric_Summary{Summary: &metricspb.Summary{DataPoints: []*metricspb.SummaryDataPoint{
					point(10, 150, 12.5), point(20, 400, 17),
				}}},
			}},
		}},
	}}}
}

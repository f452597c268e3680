package cli

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/internal/duckdbtest"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
)

var base = time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)

// logsFor makes n records per service, spread over two hours, each with a
// unique "seq" attribute starting at seq0.
func logsFor(services []string, n, seq0 int) plog.Logs {
	ld := plog.NewLogs()
	seq := seq0
	for _, svc := range services {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", svc)
		rl.Resource().Attributes().PutStr("host.name", "host-1")
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName("test")
		for i := range n {
			r := sl.LogRecords().AppendEmpty()
			r.SetTimestamp(pcommon.NewTimestampFromTime(base.Add(time.Duration(i%2)*time.Hour + time.Duration(i)*time.Millisecond)))
			r.SetSeverityNumber(plog.SeverityNumberInfo)
			r.SetSeverityText("INFO")
			r.Body().SetStr(fmt.Sprintf("%s message %d", svc, i))
			r.Attributes().PutInt("seq", int64(seq))
			r.Attributes().PutStr("http.method", "GET")
			seq++
		}
	}
	return ld
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func parquetFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	return files
}

// TestConvertEndToEnd converts protobuf, JSON, JSON Lines and gzip files and
// reads the tree back with DuckDB.
func TestConvertEndToEnd(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	pb, err := (&plog.ProtoMarshaler{}).MarshalLogs(logsFor([]string{"checkout", "cart"}, 100, 0))
	if err != nil {
		t.Fatal(err)
	}
	js, err := (&plog.JSONMarshaler{}).MarshalLogs(logsFor([]string{"checkout", "payments"}, 50, 1000))
	if err != nil {
		t.Fatal(err)
	}
	var jsonl []byte
	for i := range 3 {
		line, err := (&plog.JSONMarshaler{}).MarshalLogs(logsFor([]string{"search"}, 10, 2000+10*i))
		if err != nil {
			t.Fatal(err)
		}
		jsonl = append(append(jsonl, line...), '\n')
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	pb2, _ := (&plog.ProtoMarshaler{}).MarshalLogs(logsFor([]string{"cart"}, 20, 3000))
	zw.Write(pb2)
	zw.Close()

	files := []string{
		writeFile(t, filepath.Join(in, "a.bin"), pb),
		writeFile(t, filepath.Join(in, "b.json"), js),
		writeFile(t, filepath.Join(in, "c.data"), jsonl), // no telling extension: detected
		writeFile(t, filepath.Join(in, "d.pb.gz"), gz.Bytes()),
	}
	code, stdout, stderr := run(t, append([]string{"convert", "--out", out}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, want := range []string{"a.bin: logs protobuf, 200 log records", "b.json: logs json, 100 log records", "c.data: logs jsonl, 30 log records", "d.pb.gz: logs protobuf, 20 log records", "converted 4 of 4 files: 350 items"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	// Four services × two hours, one object per (service, hour) per file.
	if n := len(parquetFiles(t, out)); n != 2*2+2*2+1*2+1*2 {
		t.Errorf("%d files written, want 12", n)
	}

	glob := filepath.ToSlash(filepath.Join(out, "logs", "**", "*.parquet"))
	rows := duckdbtest.Query(t, fmt.Sprintf(`
		SELECT ServiceName, hour::INTEGER AS hour, count(*)::INTEGER AS n,
		       count(DISTINCT LogAttributes['seq'])::INTEGER AS seqs,
		       bool_and(hour(Timestamp) = hour::INTEGER AND year = 2026 AND month = 11 AND day = 25)::VARCHAR AS partition_matches
		FROM read_parquet('%s', hive_partitioning = true)
		GROUP BY ALL ORDER BY ServiceName, hour`, glob))
	want := []string{"cart 17 60 60 true", "cart 18 60 60 true", "checkout 17 75 75 true", "checkout 18 75 75 true",
		"payments 17 25 25 true", "payments 18 25 25 true", "search 17 15 15 true", "search 18 15 15 true"}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%v %v %v %v %v", r["ServiceName"], r["hour"], r["n"], r["seqs"], r["partition_matches"]))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("DuckDB rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The seed's schema, exactly, as DuckDB describes it.
	desc := duckdbtest.Query(t, fmt.Sprintf(`DESCRIBE SELECT * FROM read_parquet('%s', hive_partitioning = false)`, glob))
	var cols []string
	for _, r := range desc {
		cols = append(cols, fmt.Sprintf("%v %v %v", r["column_name"], r["column_type"], r["null"]))
	}
	wantCols := []string{
		"Timestamp TIMESTAMP WITH TIME ZONE YES",
		"ObservedTimestamp TIMESTAMP WITH TIME ZONE YES",
		"TraceId BLOB YES",
		"SpanId BLOB YES",
		"TraceFlags UINTEGER YES",
		"SeverityText VARCHAR YES",
		"SeverityNumber INTEGER YES",
		"Body VARCHAR YES",
		"ServiceName VARCHAR YES",
		"ServiceNamespace VARCHAR YES",
		"ServiceInstanceId VARCHAR YES",
		"ScopeName VARCHAR YES",
		"ScopeVersion VARCHAR YES",
		"ResourceAttributes MAP(VARCHAR, VARCHAR) YES",
		"LogAttributes MAP(VARCHAR, VARCHAR) YES",
		"ResourceSchemaUrl VARCHAR YES",
		"ScopeSchemaUrl VARCHAR YES",
		"ScopeAttributes MAP(VARCHAR, VARCHAR) YES",
		"EventName VARCHAR YES",
	}
	if strings.Join(cols, "\n") != strings.Join(wantCols, "\n") {
		t.Errorf("DESCRIBE:\n%s\nwant:\n%s", strings.Join(cols, "\n"), strings.Join(wantCols, "\n"))
	}

	one := duckdbtest.Query(t, fmt.Sprintf(`
		SELECT Body, SeverityText, SeverityNumber, hex(TraceId) AS tid, ResourceAttributes['host.name'] AS host,
		       ScopeName, strftime(Timestamp AT TIME ZONE 'UTC', '%%Y-%%m-%%d %%H:%%M:%%S.%%f') AS ts
		FROM read_parquet('%s') WHERE LogAttributes['seq'] = '1001'`, glob))
	if len(one) != 1 {
		t.Fatalf("seq 1001: %d rows", len(one))
	}
	r := one[0]
	if r["Body"] != "checkout message 1" || r["SeverityText"] != "INFO" || r["SeverityNumber"] != float64(9) ||
		r["tid"] != strings.Repeat("00", 16) || r["host"] != "host-1" || r["ScopeName"] != "test" || r["ts"] != "2026-11-25 18:00:00.001000" {
		t.Errorf("seq 1001 row: %v", r)
	}
}

func TestConvertBadInput(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	good, _ := (&plog.ProtoMarshaler{}).MarshalLogs(logsFor([]string{"ok"}, 3, 0))
	cases := []struct {
		name    string
		data    []byte
		message string
	}{
		{"random.bin", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, "invalid protobuf"},
		{"truncated.pb", good[:len(good)-3], "invalid protobuf"},
		{"broken.json", []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1"`), "invalid json"},
		{"badline.jsonl", []byte("{\"resourceLogs\":[]}\n{\"resourceLogs\":[}\n"), "line 2"},
		{"badgzip.gz", []byte{0x1f, 0x8b, 0x08, 0x00, 0x01}, "gzip"},
		{"notjson.json", []byte("bad"), "invalid json"},
	}
	var args []string
	for _, c := range cases {
		args = append(args, writeFile(t, filepath.Join(in, c.name), c.data))
	}
	args = append(args, writeFile(t, filepath.Join(in, "good.pb"), good), filepath.Join(in, "missing.pb"))
	code, stdout, stderr := run(t, append([]string{"convert", "--out", out}, args...)...)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, c := range cases {
		line := ""
		for _, l := range strings.Split(stderr, "\n") {
			if strings.Contains(l, c.name) {
				line = l
			}
		}
		if !strings.Contains(line, c.message) {
			t.Errorf("%s: stderr line %q lacks %q", c.name, line, c.message)
		}
	}
	if !strings.Contains(stderr, "missing.pb") {
		t.Errorf("stderr does not name the missing file:\n%s", stderr)
	}
	// Only the good file's three records were written.
	files := parquetFiles(t, out)
	if len(files) != 2 { // 3 records over two hours
		t.Fatalf("files written: %q, want the good file's 2", files)
	}
	for _, f := range files {
		if !strings.Contains(filepath.ToSlash(f), "/logs/ok/") {
			t.Errorf("unexpected file %s", f)
		}
	}
}

func TestConvertHostileServiceNames(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	ld := logsFor([]string{"../../x", "", "a/b", "year=1999", "..", "\x00ctl\n"}, 1, 0)
	pb, _ := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	code, stdout, stderr := run(t, "convert", "--out", out, writeFile(t, filepath.Join(in, "x.pb"), pb))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	var segs []string
	for _, f := range parquetFiles(t, out) {
		rel, err := filepath.Rel(out, f)
		if err != nil || strings.HasPrefix(rel, "..") {
			t.Fatalf("file outside the output root: %s", f)
		}
		segs = append(segs, strings.Split(filepath.ToSlash(rel), "/")[1])
	}
	want := map[string]bool{"..%2F..%2Fx": true, "unknown_service": true, "a%2Fb": true, "year%3D1999": true, "%2E%2E": true, "%00ctl%0A": true}
	for _, s := range segs {
		if !want[s] {
			t.Errorf("unexpected service segment %q", s)
		}
		delete(want, s)
	}
	if len(want) != 0 {
		t.Errorf("missing segments %v (got %q)", want, segs)
	}
	// The column keeps the names as sent; hive partitioning sees no fake "year" key.
	rows := duckdbtest.Query(t, fmt.Sprintf(`SELECT list(ServiceName ORDER BY ServiceName) AS names, count(DISTINCT year)::INTEGER AS years
		FROM read_parquet('%s', hive_partitioning = true)`, filepath.ToSlash(filepath.Join(out, "logs", "**", "*.parquet"))))
	if got := fmt.Sprint(rows[0]["names"]); got != "[ \x00ctl\n .. ../../x a/b year=1999]" {
		t.Errorf("ServiceName values %q", got)
	}
	if rows[0]["years"] != float64(1) {
		t.Errorf("distinct years %v, want 1", rows[0]["years"])
	}
}

func TestConvertFlagsAfterFiles(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	pb, _ := (&plog.ProtoMarshaler{}).MarshalLogs(logsFor([]string{"late"}, 2, 0))
	name := writeFile(t, filepath.Join(in, "x.pb"), pb)
	code, stdout, stderr := run(t, "convert", name, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if n := len(parquetFiles(t, out)); n != 2 {
		t.Fatalf("%d files under --out, want 2", n)
	}
}

// TestConvertSignals converts files of traces and metrics, their signal
// detected from the content, and refuses a file of no signal with the
// reason for each.
func TestConvertSignals(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	traces, err := proto.Marshal(otlptest.RealisticTracesRequest(40, 2))
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := proto.Marshal(otlptest.RealisticMetricsRequest(30, 1))
	if err != nil {
		t.Fatal(err)
	}
	metricsJSON, err := otlptest.PdataMetricsJSON(otlptest.RealisticMetricsRequest(20, 1)) // OTLP/JSON: hex ids
	if err != nil {
		t.Fatal(err)
	}
	files := []string{
		writeFile(t, filepath.Join(in, "spans.bin"), traces),
		writeFile(t, filepath.Join(in, "points.pb"), metrics),
		writeFile(t, filepath.Join(in, "points.json"), metricsJSON),
	}
	code, stdout, stderr := run(t, append([]string{"convert", "--out", out}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, want := range []string{"spans.bin: traces protobuf, 40 spans", "points.pb: metrics protobuf, ", "points.json: metrics json, "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	var spans, points int
	for _, f := range parquetFiles(t, out) {
		rel, _ := filepath.Rel(out, f)
		switch {
		case strings.HasPrefix(rel, "traces/service-"):
			spans++
		case strings.HasPrefix(rel, "metrics/"):
			points++
		default:
			t.Errorf("unexpected file %s", rel)
		}
	}
	if spans < 2 || points == 0 {
		t.Errorf("%d trace files and %d metrics files", spans, points)
	}

	// --signal picks one; a file of another signal is refused.
	code, _, stderr = run(t, "convert", "--signal", "logs", "--out", out, files[0])
	if code != 1 || !strings.Contains(stderr, "spans.bin") {
		t.Errorf("traces as logs: exit %d, stderr %s", code, stderr)
	}
	garbage := writeFile(t, filepath.Join(in, "x.bin"), []byte{0x0a, 0x05, 0x01})
	code, _, stderr = run(t, "convert", "--out", out, garbage)
	if code != 1 || !strings.Contains(stderr, "as logs") || !strings.Contains(stderr, "as traces") || !strings.Contains(stderr, "as metrics") {
		t.Errorf("garbage: exit %d, stderr %s", code, stderr)
	}
	if code, _, _ := run(t, "convert", "--signal", "profiles", files[0]); code != 2 {
		t.Errorf("--signal profiles: exit %d, want 2", code)
	}
}

// TestConvertJSONErrorsAndMixedLines: a bad OTLP/JSON file of one signal is
// refused with its error (it also decodes, to nothing, as the others); a
// pretty-printed file with nothing of --signal converts to nothing; a JSON
// Lines file with lines of two signals converts both.
func TestConvertJSONErrorsAndMixedLines(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	bad := writeFile(t, filepath.Join(in, "b64.json"), []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"AAECAwQFBgcICQoLDA0ODw==","name":"x"}]}]}]}`))
	code, stdout, stderr := run(t, "convert", "--out", out, bad)
	if code != 1 || !strings.Contains(stderr, "as traces") || !strings.Contains(stderr, "traceId") || len(parquetFiles(t, out)) != 0 {
		t.Errorf("bad traces JSON: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	badLine := writeFile(t, filepath.Join(in, "two.jsonl"), []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"ok"}}]}]}]}`+"\n"+
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"x"}]}]}]}`+"\n"))
	if code, _, stderr := run(t, "convert", "--out", out, badLine); code != 1 || !strings.Contains(stderr, "line 2") || len(parquetFiles(t, out)) != 0 {
		t.Errorf("JSON Lines with a bad second line: exit %d, stderr %s", code, stderr)
	}
	pretty := writeFile(t, filepath.Join(in, "empty.json"), []byte("{\n  \"resourceSpans\": []\n}\n"))
	if code, stdout, stderr := run(t, "convert", "--signal", "metrics", "--out", out, pretty); code != 0 || !strings.Contains(stdout, "empty.json: metrics json, 0 data points") {
		t.Errorf("pretty-printed, nothing of --signal: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	for _, e := range []struct {
		name string
		data []byte
	}{{"none.json", nil}, {"blank.json", []byte("\n \n")}} {
		empty := writeFile(t, filepath.Join(in, e.name), e.data)
		if code, stdout, stderr := run(t, "convert", "--out", out, empty); code != 0 || !strings.Contains(stdout, e.name+": logs jsonl, 0 log records") {
			t.Errorf("%s (a file exporter's output before its first line): exit %d\nstdout %s\nstderr %s", e.name, code, stdout, stderr)
		}
	}
	spans, err := otlptest.PdataTracesJSON(otlptest.RealisticTracesRequest(6, 1))
	if err != nil {
		t.Fatal(err)
	}
	logs, err := (&plog.JSONMarshaler{}).MarshalLogs(logsFor([]string{"mixed"}, 4, 0))
	if err != nil {
		t.Fatal(err)
	}
	mixed := writeFile(t, filepath.Join(in, "mixed.jsonl"), append(append(append(spans, '\n'), logs...), '\n'))
	code, stdout, stderr = run(t, "convert", "--out", out, mixed)
	if code != 0 || !strings.Contains(stdout, "mixed.jsonl: logs jsonl, 4 log records") || !strings.Contains(stdout, "mixed.jsonl: traces jsonl, 6 spans") {
		t.Errorf("mixed JSON Lines: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

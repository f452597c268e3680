package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otlp2parquet/otlp2parquet/internal/duckdbtest"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
)

// TestTelemetrygen has the OpenTelemetry Collector's load generator send
// 10,000 logs over OTLP/HTTP and 10,000 over OTLP/gRPC to a server with
// the default settings (batching), and DuckDB find exactly those, in the
// right service and hour directories, in a few large files, once the
// server has stopped.
func TestTelemetrygen(t *testing.T) {
	tg := tool(t, "telemetrygen")
	duckdbtest.Require(t)
	s := startServer(t, "OTLP2PARQUET_BATCH=true")

	const workers, perWorker = 4, 2500 // telemetrygen sends workers × logs
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	run := func(service, endpoint string, extra ...string) error {
		args := append([]string{"logs",
			"--otlp-endpoint", endpoint, "--otlp-insecure",
			"--logs", fmt.Sprint(perWorker), "--workers", fmt.Sprint(workers), "--rate", "0",
			"--service", service,
		}, extra...)
		out, err := exec.CommandContext(ctx, tg, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("telemetrygen %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = run("e2e-http", strings.TrimPrefix(s.URL, "http://"), "--otlp-http") })
	wg.Go(func() { errs[1] = run("e2e-grpc", s.GRPCAddr) })
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s.stopClean() // stores the batch

	rows := duckdbtest.Query(t, `
		SELECT ServiceName AS service, count(DISTINCT filename) AS files,
		       regexp_extract(filename, '/logs/([^/]+)/year=', 1) AS dir,
		       count(*) AS n,
		       count(*) FILTER (WHERE year <> year(ts) OR month <> month(ts) OR day <> day(ts) OR hour <> hour(ts)) AS misplaced,
		       count(*) FILTER (WHERE Body <> 'the message') AS other_body
		FROM (SELECT *, make_timestamp(epoch_us(Timestamp)) AS ts FROM `+logsGlob(s.OutDir)+`)
		GROUP BY ALL ORDER BY ALL`)
	want := map[string]bool{"e2e-grpc": true, "e2e-http": true}
	for _, r := range rows {
		svc := r["service"].(string)
		if !want[svc] {
			t.Errorf("unexpected rows %v", r)
			continue
		}
		delete(want, svc)
		if r["dir"] != svc {
			t.Errorf("service %q stored under directory %q", svc, r["dir"])
		}
		if n := num(t, r["files"]); n > 2 {
			t.Errorf("service %q: %d files, want one per hour of the batch", svc, n)
		}
		if n := num(t, r["n"]); n != workers*perWorker {
			t.Errorf("service %q: %d rows, want %d", svc, n, workers*perWorker)
		}
		if n := num(t, r["misplaced"]); n != 0 {
			t.Errorf("service %q: %d rows whose year/month/day/hour directories are not their Timestamp's UTC hour", svc, n)
		}
		if n := num(t, r["other_body"]); n != 0 {
			t.Errorf("service %q: %d rows whose Body is not telemetrygen's", svc, n)
		}
	}
	for svc := range want {
		t.Errorf("no rows of service %q; rows: %v", svc, rows)
	}
	if files := tempFiles(t, s.OutDir); len(files) > 0 {
		t.Errorf("temporary files left: %v", files)
	}
}

// encodings are the request encodings TestHTTPEncodings and TestS3 send,
// each as its own service.
var encodings = []struct {
	service, contentType, encoding string
}{
	{"e2e-json", ctJSON, ""},
	{"e2e-gzip-protobuf", ctProto, "gzip"},
	{"e2e-zstd-json", ctJSON, "zstd"},
}

const recordsPerEncoding = 50

// sendEncodings posts one request in each of encodings and checks the answers.
func sendEncodings(t *testing.T, url string) {
	t.Helper()
	for _, e := range encodings {
		body := encode(t, logsRequest(e.service, e.service, recordsPerEncoding, 0), e.contentType)
		switch e.encoding {
		case "gzip":
			body = otlptest.Gzip(t, body)
		case "zstd":
			body = otlptest.Zstd(t, body)
		}
		r := post(t, url, e.contentType, e.encoding, bytes.NewReader(body))
		r.exportResponse(t, e.contentType)
	}
}

// checkEncodings reads what sendEncodings sent from root with DuckDB.
func checkEncodings(t *testing.T, root string) {
	t.Helper()
	rows := duckdbtest.Query(t, `
		SELECT ServiceName AS service, count(*) AS n, count(DISTINCT Body) AS bodies,
		       count(DISTINCT LogAttributes['seq']) AS seqs,
		       min(LogAttributes['case']) AS "case", max(LogAttributes['case']) AS case_max,
		       min(hex(TraceId)) AS trace, max(hex(SpanId)) AS span,
		       min(ScopeName) AS scope, min(SeverityText) AS sev
		FROM `+logsGlob(root)+` GROUP BY ALL ORDER BY ALL`)
	if len(rows) != len(encodings) {
		t.Fatalf("%d services stored, want %d: %v", len(rows), len(encodings), rows)
	}
	got := map[string]map[string]any{}
	for _, r := range rows {
		got[r["service"].(string)] = r
	}
	for _, e := range encodings {
		r := got[e.service]
		if r == nil {
			t.Errorf("service %q not stored; rows: %v", e.service, rows)
			continue
		}
		for _, k := range []string{"n", "bodies", "seqs"} {
			if n := num(t, r[k]); n != recordsPerEncoding {
				t.Errorf("service %q: %s = %d, want %d", e.service, k, n, recordsPerEncoding)
			}
		}
		if r["case"] != e.service || r["case_max"] != e.service {
			t.Errorf("service %q: attribute case from %v to %v", e.service, r["case"], r["case_max"])
		}
		if r["trace"] != "0102030405060708090A0B0C0D0E0F10" || r["span"] != "0102030405060708" || r["scope"] != "e2e" || r["sev"] != "INFO" {
			t.Errorf("service %q: trace %v span %v scope %v severity %v", e.service, r["trace"], r["span"], r["scope"], r["sev"])
		}
	}
}

// TestHTTPEncodings sends OTLP/JSON, gzip'd protobuf and zstd'd JSON with
// Go's client and reads the records back with DuckDB.
func TestHTTPEncodings(t *testing.T) {
	duckdbtest.Require(t)
	s := startServer(t)
	sendEncodings(t, s.URL)
	checkEncodings(t, s.OutDir)
}

// TestGracefulShutdown sends SIGTERM while a request's body is still on its
// way: the request must complete and be stored, new connections must be
// refused, and the process must exit 0.
func TestGracefulShutdown(t *testing.T) {
	duckdbtest.Require(t)
	s := startServer(t)

	const records = 2000 // a body of some 200 KB, well past the transport's buffers
	body := encode(t, logsRequest("e2e-shutdown", "shutdown", records, 0), ctProto)
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/v1/logs", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", ctProto)
	c := &http.Client{Timeout: requestTimeout, Transport: &http.Transport{DisableKeepAlives: true}}
	type result struct {
		r   response
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := do(c, req)
		done <- result{r, err}
	}()

	// The first half: once the pipe has handed it to the transport, the
	// headers and most of it are on the wire.
	half := len(body) / 2
	if _, err := pw.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let the server start reading the request
	start := time.Now()
	s.Terminate()

	// The server stops listening, on both ports; the request in flight goes on.
	fresh := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	httpOpen := func() bool {
		resp, err := fresh.Get(s.URL + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	}
	grpcOpen := func() bool {
		c, err := net.DialTimeout("tcp", s.GRPCAddr, time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	for httpOpen() || grpcOpen() {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("%v after SIGTERM, with a request in flight, new connections still accepted: HTTP %v, gRPC %v",
				time.Since(start).Round(time.Millisecond), httpOpen(), grpcOpen())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s.exited() {
		t.Fatalf("exited with status %d with a request in flight; output:\n%s", s.exitCode, s.stderr)
	}

	// The rest, slowly.
	rest := body[half:]
	for len(rest) > 0 {
		n := min(len(rest), len(body)/8)
		if _, err := pw.Write(rest[:n]); err != nil {
			t.Fatalf("writing the body after SIGTERM: %v", err)
		}
		rest = rest[n:]
		time.Sleep(100 * time.Millisecond)
	}
	pw.Close()

	select {
	case res := <-done:
		if res.err != nil {
			t.Fatalf("request in flight at SIGTERM: %v", res.err)
		}
		res.r.exportResponse(t, ctProto)
	case <-time.After(requestTimeout + time.Second):
		t.Fatal("no answer to the request in flight")
	}
	code, ok := s.Wait(stopTimeout)
	if !ok {
		t.Fatalf("still running %v after SIGTERM with nothing in flight", stopTimeout)
	}
	if code != 0 {
		t.Fatalf("exit status %d, want 0; output:\n%s", code, s.stderr)
	}
	t.Logf("SIGTERM to exit: %v", time.Since(start).Round(time.Millisecond))

	rows := duckdbtest.Query(t, `SELECT count(*) AS n, count(DISTINCT LogAttributes['seq']) AS seqs FROM `+logsGlob(s.OutDir)+
		` WHERE ServiceName = 'e2e-shutdown'`)
	if n, seqs := num(t, rows[0]["n"]), num(t, rows[0]["seqs"]); n != records || seqs != records {
		t.Errorf("stored %d rows with %d distinct seq, want %d", n, seqs, records)
	}
}

// TestConfigErrors starts the server with one bad setting at a time: it
// must exit non-zero quickly and name the variable.
func TestConfigErrors(t *testing.T) {
	inUse, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer inUse.Close()

	tests := []struct {
		name     string
		env      string
		want     string // in the output, besides the variable's name
		variable string // the variable named, when not env's
	}{
		{"storage", "OTLP2PARQUET_STORAGE=ftp", `"ftp" is not file or s3`, ""},
		{"path style", "OTLP2PARQUET_S3_FORCE_PATH_STYLE=maybe", `"maybe" is not true or false`, ""},
		{"http address without port", "OTLP2PARQUET_HTTP_ADDR=127.0.0.1", "not host:port", ""},
		{"grpc address with bad port", "OTLP2PARQUET_GRPC_ADDR=127.0.0.1:99999", "invalid port", ""},
		{"http address in use", "OTLP2PARQUET_HTTP_ADDR=" + inUse.Addr().String(), "address already in use", ""},
		{"grpc address in use", "OTLP2PARQUET_GRPC_ADDR=" + inUse.Addr().String(), "address already in use", ""},
		{"body limit", "OTLP2PARQUET_MAX_BODY_BYTES=lots", "not a byte count", ""},
		{"s3 without bucket", "OTLP2PARQUET_STORAGE=s3", "needs a bucket", "OTLP2PARQUET_S3_BUCKET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			variable, _, _ := strings.Cut(tt.env, "=")
			if tt.variable != "" {
				variable = tt.variable
			}
			env := childEnv(
				"OTLP2PARQUET_HTTP_ADDR="+freeAddr(t),
				"OTLP2PARQUET_GRPC_ADDR="+freeAddr(t),
				"OTLP2PARQUET_OUTPUT_DIR="+filepath.Join(t.TempDir(), "out"),
				tt.env, // later wins
			)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary)
			cmd.Env = env
			start := time.Now()
			out, err := cmd.CombinedOutput()
			took := time.Since(start)
			if ctx.Err() != nil {
				t.Fatalf("still running after %v; output:\n%s", took, out)
			}
			if err == nil {
				t.Fatalf("exit status 0, want non-zero; output:\n%s", out)
			}
			if _, ok := err.(*exec.ExitError); !ok {
				t.Fatal(err)
			}
			if took > 5*time.Second {
				t.Errorf("took %v to exit", took)
			}
			for _, w := range []string{variable, tt.want} {
				if !strings.Contains(string(out), w) {
					t.Errorf("output does not say %q:\n%s", w, out)
				}
			}
			if strings.Contains(string(out), "listening") {
				t.Errorf("it listened before failing:\n%s", out)
			}
			t.Logf("exit status %d after %v: %s", cmd.ProcessState.ExitCode(), took.Round(time.Millisecond), strings.TrimSpace(string(out)))
		})
	}
}

package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/proto"
)

func start(t *testing.T, cfg Config) *Server {
	s, _ := startStoppable(t, cfg)
	return s
}

// startStoppable runs a server until the test ends or stop is called.
func startStoppable(t *testing.T, cfg Config) (*Server, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("server did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return s, stop
}

// testConfig is a write-through server on free ports.
func testConfig(t *testing.T) Config {
	cfg := Defaults()
	cfg.HTTPAddr, cfg.GRPCAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.OutputDir = t.TempDir()
	cfg.Batch = false
	return cfg
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthReadyAndBothReceivers(t *testing.T) {
	cfg := testConfig(t)
	s := start(t, cfg)
	base := "http://" + s.HTTPAddr()
	if code, body := get(t, base+"/health"); code != 200 || body != "ok\n" {
		t.Fatalf("/health: %d %q", code, body)
	}
	if code, body := get(t, base+"/ready"); code != 200 {
		t.Fatalf("/ready: %d %q", code, body)
	}
	for _, path := range []string{"/health", "/ready", "/metrics"} {
		resp, err := http.Post(base+path, "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s: %d, Allow %q; want 405, GET, HEAD", path, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "wired")
	rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("hello")
	body, _ := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	resp, err := http.Post(base+"/v1/logs", "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST /v1/logs: %d", resp.StatusCode)
	}

	conn, err := grpc.NewClient(s.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var req collogspb.ExportLogsServiceRequest
	if err := protoUnmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	if _, err := collogspb.NewLogsServiceClient(conn).Export(context.Background(), &req); err != nil {
		t.Fatalf("gRPC Export: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(cfg.OutputDir, "logs", "wired", "*", "*", "*", "*", "*.parquet"))
	if len(files) != 2 {
		t.Fatalf("%d files stored, want 2 (one per request): %q", len(files), files)
	}

	// Storage gone: not ready, still alive.
	if err := os.RemoveAll(cfg.OutputDir); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, base+"/ready"); code != 503 || !strings.Contains(body, "storage not ready") {
		t.Fatalf("/ready without storage: %d %q", code, body)
	}
	if code, _ := get(t, base+"/health"); code != 200 {
		t.Fatalf("/health without storage: %d", code)
	}
}

// Stopping the server while a connection waits for room at the HTTP
// connection bound ends that wait and closes the connection: net/http's
// Shutdown waits for its Serve to return before anything else.
func TestStopWhileConnectionWaits(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxConnections = 1
	// The connection holding the room is in the middle of its request
	// body: no squeeze closes it, and Shutdown waits for it until
	// ShutdownTimeout.
	cfg.ShutdownTimeout = time.Second
	s, stop := startStoppable(t, cfg)
	holder, err := net.Dial("tcp", s.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.Write([]byte("POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100\r\n\r\n\x0a")); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); s.conns.open() < 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first connection was not accepted")
		}
	}
	waiting, err := net.Dial("tcp", s.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer waiting.Close()
	for deadline := time.Now().Add(5 * time.Second); s.conns.waiters.Load() < 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the second connection is not waiting for room")
		}
	}
	began := time.Now()
	stop() // fails the test if Serve has not returned within 10 s
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("stop took %v with a ShutdownTimeout of %v", d.Round(time.Millisecond), cfg.ShutdownTimeout)
	}
	waiting.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := waiting.Read(make([]byte, 1)); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("client of the connection waiting when the server stopped: read %v, want EOF", err)
	}
}

func TestNewReportsBadAddress(t *testing.T) {
	cfg := testConfig(t)
	s := start(t, cfg)
	cfg2 := testConfig(t)
	cfg2.HTTPAddr = s.HTTPAddr() // taken
	if _, err := New(context.Background(), cfg2, slog.Default()); err == nil || !strings.Contains(err.Error(), "OTLP2PARQUET_HTTP_ADDR") {
		t.Fatalf("error %v, want one naming OTLP2PARQUET_HTTP_ADDR", err)
	}
}

func protoUnmarshal(b []byte, m *collogspb.ExportLogsServiceRequest) error {
	return proto.Unmarshal(b, m)
}

// With batching (the default), requests are acknowledged from the
// write-ahead log, /metrics shows them buffered, and shutdown stores them
// as one object.
func TestBatchingAndMetrics(t *testing.T) {
	cfg := testConfig(t)
	cfg.Batch = true
	s, stop := startStoppable(t, cfg)
	base := "http://" + s.HTTPAddr()
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "batched")
	rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("hello")
	body, _ := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	for range 3 {
		resp, err := http.Post(base+"/v1/logs", "application/x-protobuf", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST /v1/logs: %d", resp.StatusCode)
		}
	}
	resp, err := http.Post(base+"/v1/logs", "application/x-protobuf", strings.NewReader("\x0a\xff"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code, metrics := get(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		"otlp2parquet_buffered_records 3",
		`otlp2parquet_requests_total{code="200",protocol="http",signal="logs"} 3`,
		`otlp2parquet_requests_total{code="400",protocol="http",signal="logs"} 1`,
		`otlp2parquet_failed_requests_total{reason="bad_data",signal="logs"} 1`,
		`otlp2parquet_accepted_records_total{signal="logs"} 3`,
		"otlp2parquet_objects_written_total 0",
		"go_goroutines",
	} {
		if !strings.Contains(metrics, want+"\n") && !strings.Contains(metrics, want+" ") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(cfg.OutputDir, "logs", "batched", "*", "*", "*", "*", "*.parquet")); len(files) != 0 {
		t.Fatalf("stored before the batch ended: %q", files)
	}
	stop()
	files, _ := filepath.Glob(filepath.Join(cfg.OutputDir, "logs", "batched", "*", "*", "*", "*", "*.parquet"))
	if len(files) != 1 {
		t.Fatalf("%d files after shutdown, want the one batch: %q", len(files), files)
	}
	if segs, _ := filepath.Glob(filepath.Join(cfg.OutputDir, ".wal", "*.seg")); len(segs) > 1 {
		t.Errorf("write-ahead log segments left: %q", segs)
	}
}

// TestRefusalsCounted: requests the receivers refuse themselves (over the
// size limit, over the bound on bytes in memory) count in
// failed_requests_total as those Export refuses do.
func TestRefusalsCounted(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxBodyBytes, cfg.MaxInFlightBytes = 1024, 1100
	s := start(t, cfg)
	url := "http://" + s.HTTPAddr() + "/v1/logs"
	// post returns the answer's status, or 0 when there was none.
	post := func(body io.Reader, size int64) int {
		req, err := http.NewRequest(http.MethodPost, url, body)
		if err != nil {
			return 0
		}
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/x-protobuf")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	big := bytes.Repeat([]byte{0x0a}, 2048)
	if code := post(bytes.NewReader(big), int64(len(big))); code != 413 { // Content-Length over the limit
		t.Errorf("2 KiB body with its length: %d, want 413", code)
	}
	if code := post(io.MultiReader(bytes.NewReader(big)), -1); code != 413 { // found while reading
		t.Errorf("2 KiB body, chunked: %d, want 413", code)
	}
	conn, err := grpc.NewClient(s.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := collogspb.NewLogsServiceClient(conn)
	var req collogspb.ExportLogsServiceRequest
	if err := proto.Unmarshal(logsBody(t, strings.Repeat("x", 2048)), &req); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Export(context.Background(), &req); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("2 KiB gRPC message: %v, want RESOURCE_EXHAUSTED", err)
	}

	// A body read in part holds its bytes: the next request, by either
	// protocol, finds no room.
	pr, pw := io.Pipe()
	defer pw.CloseWithError(io.ErrUnexpectedEOF)
	held := make(chan int, 1)
	go func() { held <- post(pr, 1000) }()
	if _, err := pw.Write(big[:900]); err != nil { // returns once the server has read them
		t.Fatal(err)
	}
	small := logsBody(t, strings.Repeat("y", 300)) // 900 + 300 > 1100
	// The server reads the 900 bytes soon after the client sent them.
	code := 0
	for deadline := time.Now().Add(10 * time.Second); code != 503 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		code = post(io.MultiReader(bytes.NewReader(small)), -1)
	}
	if code != 503 {
		t.Fatalf("HTTP request while 900 bytes are held: %d, want 503", code)
	}
	if err := proto.Unmarshal(small, &req); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Export(context.Background(), &req); status.Code(err) != codes.Unavailable {
		t.Errorf("gRPC call while 900 bytes are held: %v, want UNAVAILABLE", err)
	}
	pw.CloseWithError(io.ErrUnexpectedEOF)
	<-held

	_, metrics := get(t, "http://"+s.HTTPAddr()+"/metrics")
	for _, want := range []string{
		`otlp2parquet_failed_requests_total{reason="too_large",signal="logs"} 3`,
		`otlp2parquet_failed_requests_total{reason="overloaded",signal="logs"} 2`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %q; it has:\n%s", want, grepLines(metrics, "otlp2parquet_failed_requests_total"))
		}
	}
}

// logsBody is an OTLP/protobuf logs request of one record with body text.
func logsBody(t *testing.T, text string) []byte {
	t.Helper()
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(text)
	b, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

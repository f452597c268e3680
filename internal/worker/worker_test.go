package worker

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/internal/platform"
	"github.com/otlp2parquet/otlp2parquet/receiver/exchange"
	"github.com/otlp2parquet/otlp2parquet/storage"
	"github.com/otlp2parquet/otlp2parquet/storage/memory"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestConfigFrom(t *testing.T) {
	c, err := ConfigFrom(env("CF_WORKER", "1"))
	if err != nil || c.Platform != platform.Workers || c.MaxBodyBytes != DefaultMaxBodyBytes || c.LogLevel != LevelInfo || c.AuthToken != "" {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	c, err = ConfigFrom(env("OTLP2PARQUET_AUTH_TOKEN", "s", "OTLP2PARQUET_MAX_BODY_BYTES", "3MiB", "OTLP2PARQUET_LOG_LEVEL", "DEBUG"))
	if err != nil || c.Platform != platform.Standalone || c.AuthToken != "s" || c.MaxBodyBytes != 3<<20 || c.LogLevel != LevelDebug {
		t.Fatalf("set: %+v, %v", c, err)
	}
	for _, kv := range [][2]string{{"OTLP2PARQUET_MAX_BODY_BYTES", "0"}, {"OTLP2PARQUET_MAX_BODY_BYTES", "1GB"}, {"OTLP2PARQUET_LOG_LEVEL", "loud"}} {
		if _, err := ConfigFrom(env(kv[0], kv[1])); err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("%s=%s: %v, want an error naming the variable", kv[0], kv[1], err)
		}
	}
}

func TestLogger(t *testing.T) {
	var b bytes.Buffer
	l := NewLogger(&b, LevelInfo)
	l.Log(LevelDebug, "hidden")
	l.Log(LevelWarn, "worker: request failed", "status", 400, "error", errors.New(`otlp: bad "x"`), "empty", "")
	const want = `level=WARN msg="worker: request failed" status=400 error="otlp: bad \"x\"" empty=""` + "\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
}

// failing stores nothing from the nth Put on (1-based).
type failing struct {
	storage.Bucket
	from int
	puts atomic.Int32
}

func (f *failing) Put(ctx context.Context, key string, data []byte) error {
	if int(f.puts.Add(1)) >= f.from {
		return errors.New("r2: put: network lost")
	}
	return f.Bucket.Put(ctx, key, data)
}

func newRequest(ct, enc string, body []byte) Request {
	return Request{
		Request: exchange.Request{Method: "POST", Path: "/v1/logs", ContentType: ct, ContentEncoding: enc, ContentLength: int64(len(body))},
		Body:    io.NopCloser(bytes.NewReader(body)),
	}
}

func TestServe(t *testing.T) {
	ctx := context.Background()
	small, err := proto.Marshal(otlptest.RealisticLogsRequest(30, 3))
	if err != nil {
		t.Fatal(err)
	}
	large, err := proto.Marshal(otlptest.RealisticLogsRequest(3000, 2))
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.New()
	var logs bytes.Buffer
	h := New(mem, Config{MaxBodyBytes: DefaultMaxBodyBytes}, NewLogger(&logs, LevelDebug))
	for i, c := range []struct {
		req     Request
		status  int
		objects int
	}{
		{newRequest("application/x-protobuf", "", small), 200, 3},
		{newRequest("application/x-protobuf", "gzip", otlptest.Gzip(t, small)), 200, 3},
		{newRequest("application/x-protobuf", "", large), 200, 2},
		{newRequest("application/x-protobuf", "", small), 200, 3}, // after a large one: the buffers are reused
		{newRequest("application/x-protobuf", "zstd", otlptest.Zstd(t, small)), 415, 0},
		{newRequest("application/json", "", small), 400, 0},
	} {
		before, _ := mem.List(ctx, "")
		rep := h.Serve(ctx, c.req)
		after, _ := mem.List(ctx, "")
		if rep.Status != c.status || len(after)-len(before) != c.objects {
			t.Errorf("request %d: %d, %d new objects; want %d, %d: %q", i, rep.Status, len(after)-len(before), c.status, c.objects, rep.Body)
		}
	}
	if !strings.Contains(logs.String(), `level=DEBUG msg="worker: request served" status=200 body_bytes=`) {
		t.Errorf("no debug line of a stored request:\n%s", logs.String())
	}

	// A storage failure: 503 with Retry-After, and nothing of the request left.
	f := &failing{Bucket: memory.New(), from: 2}
	h = New(f, Config{MaxBodyBytes: DefaultMaxBodyBytes}, NewLogger(io.Discard, LevelInfo))
	rep := h.Serve(ctx, newRequest("application/json", "", realisticJSON(t)))
	keys, _ := f.List(ctx, "")
	if rep.Status != 503 || rep.Kind != exchange.Failed || len(keys) != 0 {
		t.Errorf("storage failure: %d %q, %d objects left", rep.Status, rep.Body, len(keys))
	}
}

func realisticJSON(t *testing.T) []byte {
	t.Helper()
	req := otlptest.RealisticLogsRequest(30, 3)
	b, err := otlptest.PdataJSON(req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

//go:build js && wasm

package worker

import (
	"context"
	"os"
	"strings"
	"syscall/js"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/internal/jsio"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
)

// The bridge as worker/index.mjs uses it, under node: start(env, memory),
// then handle(Request) for Requests with stream bodies, storing into the
// stand-in R2 binding of storage/r2's tests.
func TestBridge(t *testing.T) {
	ctx := context.Background()
	src, err := os.ReadFile("../../storage/r2/testdata/fake-r2.js")
	if err != nil {
		t.Fatal(err)
	}
	bucket := js.Global().Call("eval", string(src)).New()
	mem := js.ValueOf(map[string]any{"buffer": map[string]any{"byteLength": 1 << 20}})

	if got := start(js.Undefined(), []js.Value{js.ValueOf(map[string]any{"CF_WORKER": "1"}), mem}); !got.(js.Value).InstanceOf(js.Global().Get("Error")) {
		t.Fatalf("start without LOGS_BUCKET = %v, want an Error", got)
	}
	env := js.ValueOf(map[string]any{"CF_WORKER": "1", "OTLP2PARQUET_LOG_LEVEL": "error"})
	env.Set("LOGS_BUCKET", bucket)
	handle := start(js.Undefined(), []js.Value{env, mem}).(js.Func)

	call := func(method string, headers map[string]any, body []byte) (int, string) {
		t.Helper()
		init := map[string]any{"method": method, "headers": headers}
		if body != nil {
			init["body"] = jsio.Uint8Array(body)
		}
		req := js.Global().Get("Request").New("http://127.0.0.1/v1/logs", init)
		rep, err := jsio.Await(ctx, handle.Invoke(req))
		if err != nil {
			t.Fatal(err)
		}
		return rep.Get("status").Int(), string(jsio.Bytes(rep.Get("body")))
	}
	pb, err := proto.Marshal(otlptest.RealisticLogsRequest(40, 2))
	if err != nil {
		t.Fatal(err)
	}
	if st, body := call("POST", map[string]any{"content-type": "application/x-protobuf"}, pb); st != 200 || body != "" {
		t.Fatalf("protobuf: %d %q", st, body)
	}
	if st, body := call("POST", map[string]any{"content-type": "application/json", "content-encoding": "gzip"}, otlptest.Gzip(t, []byte(`{"resourceLogs":[]}`))); st != 200 || body != "{}" {
		t.Fatalf("gzip json: %d %q", st, body)
	}
	if n := bucket.Get("objects").Get("size").Int(); n != 2 {
		t.Fatalf("%d objects in the bucket, want 2", n)
	}
	if st, _ := call("GET", map[string]any{}, nil); st != 405 {
		t.Fatalf("GET: %d", st)
	}
	// An R2 outage from the second put on: 503, and the first object deleted.
	bucket.Set("failPutsFrom", bucket.Get("puts").Int()+2)
	if st, body := call("POST", map[string]any{"content-type": "application/json"}, otlptestJSON(t)); st != 503 || !strings.Contains(body, "retry later") {
		t.Fatalf("R2 outage: %d %q", st, body)
	}
	if n := bucket.Get("objects").Get("size").Int(); n != 2 {
		t.Fatalf("after the outage, %d objects in the bucket, want the 2 from before", n)
	}
}

func otlptestJSON(t *testing.T) []byte {
	b, err := otlptest.PdataJSON(otlptest.RealisticLogsRequest(40, 3))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

//go:build js && wasm

package worker

import (
	"context"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"syscall/js"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
	"github.com/otlp2parquet/otlp2parquet/internal/jsio"
	"github.com/otlp2parquet/otlp2parquet/internal/version"
	"github.com/otlp2parquet/otlp2parquet/receiver/exchange"
	"github.com/otlp2parquet/otlp2parquet/storage/r2"
)

// StartFunc is the global through which the JavaScript starts the Go side.
const StartFunc = "otlp2parquetStart"

// Main registers globalThis.otlp2parquetStart and waits forever. The
// JavaScript calls start(env, memory) once per isolate, with the Worker's
// env (vars, secrets, the LOGS_BUCKET binding) and the module's
// WebAssembly.Memory, and gets back handle(request), which returns a
// promise of {status, headers, body} for a Request.
func Main() {
	js.Global().Set(StartFunc, js.FuncOf(start))
	select {}
}

func start(_ js.Value, args []js.Value) any {
	if len(args) < 2 {
		return jsError("otlp2parquet: start(env, memory) needs two arguments")
	}
	env, mem := args[0], args[1]
	cfg, err := ConfigFrom(func(k string) string { return jsio.String(env.Get(k)) })
	log := NewLogger(os.Stderr, cfg.LogLevel)
	if err != nil {
		log.Log(LevelError, "otlp2parquet: configuration", "error", err)
		return jsError("otlp2parquet: configuration: " + err.Error())
	}
	bucket, err := r2.New(env.Get("LOGS_BUCKET"))
	if err != nil {
		log.Log(LevelError, "otlp2parquet: the LOGS_BUCKET binding", "error", err)
		return jsError("otlp2parquet: the LOGS_BUCKET binding (wrangler.toml [[r2_buckets]]): " + err.Error())
	}
	log.Log(LevelInfo, "otlp2parquet starting", "version", version.Version, "platform", cfg.Platform.String(),
		"max_body_bytes", cfg.MaxBodyBytes, "auth", cfg.AuthToken != "")
	debug.SetMemoryLimit(MemoryLimit)
	debug.SetGCPercent(GCPercent)
	h := New(bucket, cfg, log)
	h.Memory = func() int64 { return int64(mem.Get("buffer").Get("byteLength").Int()) }
	return js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 1 {
			return jsError("otlp2parquet: handle(request) needs the request")
		}
		return h.promise(args[0])
	})
}

// promise serves req in a goroutine (it awaits the body and R2) and
// returns a promise of its reply.
func (h *Handler) promise(req js.Value) js.Value {
	executor := js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve := args[0]
		go func() {
			resolve.Invoke(replyJS(h.serveJS(req)))
		}()
		return nil
	})
	defer executor.Release() // Promise runs the executor before New returns
	return js.Global().Get("Promise").New(executor)
}

func (h *Handler) serveJS(jreq js.Value) (rep *exchange.Reply) {
	ctx := context.Background()
	req, err := request(jreq)
	if err != nil {
		rep = exchange.Failure(exchange.ParseContentType(req.ContentType), err)
		h.log.Log(LevelError, "worker: reading the request", "error", err)
		return rep
	}
	defer func() {
		// A panic would end the Go program and with it every later request
		// of the isolate: answer this one with a retryable 503 instead.
		if r := recover(); r != nil {
			h.log.Log(LevelError, "worker: panic", "panic", r)
			rep = exchange.Failure(exchange.ParseContentType(req.ContentType), fmtlite.Errorf("worker: panic: %v", r))
		}
	}()
	if sr, ok := req.Body.(*streamReader); ok {
		defer sr.release()
	}
	return h.Serve(ctx, req)
}

// request reads what Serve needs of a JavaScript Request.
func request(r js.Value) (Request, error) {
	hdr := r.Get("headers")
	get := func(name string) string { return jsio.String(hdr.Call("get", name)) }
	req := Request{Request: exchange.Request{
		Method:          r.Get("method").String(),
		ContentType:     get("content-type"),
		ContentEncoding: get("content-encoding"),
		Authorization:   get("authorization"),
		ContentLength:   -1,
	}}
	u, err := newURL(r.Get("url"))
	if err != nil {
		return req, fmtlite.Errorf("worker: request URL %q: %w", r.Get("url").String(), err)
	}
	req.Path = u.Get("pathname").String()
	if v := get("content-length"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			req.ContentLength = n
		}
	}
	if b := r.Get("body"); b.Truthy() {
		req.Body = &streamReader{body: b}
	}
	return req, nil
}

// newURL parses a URL with JavaScript's URL, whose constructor throws on
// a bad one.
func newURL(s js.Value) (u js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmtlite.Errorf("new URL: %v", r)
		}
	}()
	return js.Global().Get("URL").New(s), nil
}

// streamReader reads a ReadableStream. It locks the stream to a reader
// on its first Read only, so that a request refused before its body is read
// leaves the body to the runtime, and release gives the lock back.
type streamReader struct {
	body  js.Value
	r     js.Value // the stream's reader, once Read has run
	chunk js.Value // the Uint8Array being read, or undefined
	off   int
	done  bool
	// piped is the body decompressed (gunzip_js.go), when it is read so.
	piped *streamReader
}

func (s *streamReader) release() {
	if p := s.piped; p != nil {
		// Read to the end, or given up at the size limit: cancel the
		// decompression (and with it the body) rather than leave it running.
		if p.r.Truthy() && !p.done {
			_, _ = jsio.Call(p.r, "cancel")
		}
		p.release()
	}
	if s.r.Truthy() {
		_, _ = jsio.Call(s.r, "releaseLock")
	}
}

func (s *streamReader) Read(p []byte) (int, error) {
	if !s.r.Truthy() {
		rd, err := jsio.Call(s.body, "getReader")
		if err != nil {
			return 0, err
		}
		s.r = rd
	}
	for {
		if s.chunk.Truthy() {
			n := s.chunk.Get("length").Int()
			if s.off < n {
				k := js.CopyBytesToGo(p, s.chunk.Call("subarray", s.off))
				s.off += k
				return k, nil
			}
			s.chunk, s.off = js.Undefined(), 0
		}
		if s.done || len(p) == 0 {
			if s.done {
				return 0, io.EOF
			}
			return 0, nil
		}
		res, err := jsio.CallAwait(context.Background(), s.r, "read")
		if err != nil {
			return 0, err
		}
		if res.Get("done").Truthy() {
			s.done = true
			continue
		}
		s.chunk = res.Get("value")
	}
}

// replyJS is the {status, headers, body} the JavaScript makes a Response of.
func replyJS(rep *exchange.Reply) js.Value {
	headers := make([]any, len(rep.Header))
	for i, h := range rep.Header {
		headers[i] = []any{h.Name, h.Value}
	}
	return js.ValueOf(map[string]any{
		"status":  rep.Status,
		"headers": headers,
		"body":    jsio.Uint8Array(rep.Body),
	})
}

func jsError(msg string) js.Value {
	return js.Global().Get("Error").New(msg)
}

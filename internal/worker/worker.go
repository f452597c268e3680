// Package worker is the Go half of the Cloudflare Worker: it answers the OTLP/HTTP requests the Worker's JavaScript hands over, by the server's rules (receiver/exchange), storing Parquet objects in R2.
package worker

import (
	"context"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
	"github.com/otlp2parquet/otlp2parquet/internal/platform"
	"github.com/otlp2parquet/otlp2parquet/receiver/exchange"
	"github.com/otlp2parquet/otlp2parquet/storage"
)

// DefaultMaxBodyBytes is the Worker's limit on a decompressed body, not the
// server's 64 MiB: the isolate has 128 MB for everything, and a 6 MB request
// takes about 55 MiB of WebAssembly memory (BENCHMARKS.md). 6 MiB is also
// AWS Lambda's limit on a request.
const DefaultMaxBodyBytes = 6 << 20

// The Go garbage collector's settings in the Worker (runtime/debug). The
// WebAssembly memory never shrinks, the isolate has 128 MB for it and
// JavaScript together, and Go's collector, with one thread and no
// preemption, lets the heap run far past its goal while a request computes:
// with the default GOGC a 6 MB request took 120 MiB. So the Worker collects
// by a soft memory limit alone (GOGC off), and collects once more before
// decoding a body of collectAbove bytes or more (without that, workerd
// still reached 102 MiB over a series of 6 MB requests; with it, 55 MiB, for
// about 30 ms of CPU per 5 MB request). Measured in BENCHMARKS.md.
const (
	MemoryLimit  = 48 << 20
	GCPercent    = -1
	collectAbove = 1 << 20
)

// Config is the Worker's configuration, read from its vars and secrets.
type Config struct {
	// Platform is what platform.Detect makes of the environment: Workers
	// when wrangler.toml's CF_WORKER var is there.
	Platform platform.Platform
	// AuthToken is the secret OTLP2PARQUET_AUTH_TOKEN: when set, requests
	// need "Authorization: Bearer <token>".
	AuthToken string
	// MaxBodyBytes is OTLP2PARQUET_MAX_BODY_BYTES (bytes, or with KiB or
	// MiB), the limit on a body after decompression.
	MaxBodyBytes int64
	// LogLevel is OTLP2PARQUET_LOG_LEVEL: debug, info (the default), warn
	// or error, as a Level constant.
	LogLevel int
}

// ConfigFrom reads the Config through getenv (the Worker's env bindings).
func ConfigFrom(getenv func(string) string) (Config, error) {
	c := Config{
		Platform:     platform.Detect(getenv),
		AuthToken:    getenv("OTLP2PARQUET_AUTH_TOKEN"),
		MaxBodyBytes: DefaultMaxBodyBytes,
	}
	if v := getenv("OTLP2PARQUET_MAX_BODY_BYTES"); v != "" {
		n, err := parseBytes(v)
		if err != nil || n <= 0 {
			return c, fmtlite.Errorf("OTLP2PARQUET_MAX_BODY_BYTES: %q is not a positive byte count (like 16777216 or 16MiB)", v)
		}
		c.MaxBodyBytes = n
	}
	if v := getenv("OTLP2PARQUET_LOG_LEVEL"); v != "" {
		l, ok := parseLevel(v)
		if !ok {
			return c, fmtlite.Errorf("OTLP2PARQUET_LOG_LEVEL: %q is not debug, info, warn or error", v)
		}
		c.LogLevel = l
	}
	return c, nil
}

// parseBytes reads a byte count: a number, optionally with KiB or MiB.
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(v), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > (1<<40)/mult {
		return 0, fmtlite.Errorf("%q is not a byte count", s)
	}
	return n * mult, nil
}

// Request is a request as the JavaScript hands it over: what routing and
// admission need, and the body as sent (nil when there is none).
type Request struct {
	exchange.Request
	Body io.Reader
}

// Handler answers requests one at a time (the JavaScript side queues them:
// see worker/index.mjs), reusing its body buffer and gzip reader.
//
// gzip bodies are decompressed by the platform where it can: in the Worker
// by JavaScript's DecompressionStream (gunzip_js.go), which keeps Go's
// compress/flate out of the wasm (17 KB gzip); elsewhere by compress/gzip
// (gunzip_other.go).
type Handler struct {
	mu  sync.Mutex
	ex  *exchange.Receiver
	p   *ingest.Pipeline
	log *Logger
	buf []byte
	gz  gunzipper
	// Memory, when set, reports the WebAssembly memory's size, for the
	// debug log of each request.
	Memory func() int64
}

// New returns a Handler storing into bucket.
func New(bucket storage.Bucket, cfg Config, log *Logger) *Handler {
	return &Handler{
		ex: exchange.New(exchange.Options{
			MaxBodyBytes: cfg.MaxBodyBytes,
			AuthToken:    cfg.AuthToken,
			// zstd's decoder (klauspost/compress) would add 0.17 MB gzip to the bundle
			// (BENCHMARKS.md); OTLP exporters send gzip.
			Encodings: []exchange.Encoding{exchange.Gzip},
		}),
		p:   ingest.New(bucket, ingest.Options{}),
		log: log,
	}
}

// Serve answers one request.
func (h *Handler) Serve(ctx context.Context, req Request) *exchange.Reply {
	h.mu.Lock()
	defer h.mu.Unlock()
	rep, body, keys := h.serve(ctx, req)
	h.logReply(req, rep, body, keys)
	return rep
}

func (h *Handler) serve(ctx context.Context, req Request) (rep *exchange.Reply, body int, keys []string) {
	adm, rep := h.ex.Admit(req.Request)
	if rep != nil {
		return rep, 0, nil
	}
	buf, err := h.readBody(ctx, req, adm.Encoding)
	h.buf = buf[:0]
	if err != nil {
		return exchange.Failure(adm.Format, err), len(buf), nil
	}
	if len(buf) >= collectAbove {
		h.p.Forget(adm.Signal) // other signals' state: see Pipeline.Forget
		runtime.GC()           // see MemoryLimit
	}
	res, err := h.p.Export(ctx, adm.Signal, buf, adm.Format.Ingest())
	if err != nil {
		return exchange.Failure(adm.Format, err), len(buf), nil
	}
	for _, o := range res.Objects {
		keys = append(keys, o.Key)
	}
	return exchange.Success(adm.Signal, adm.Format, res), len(buf), keys
}

func (h *Handler) readBody(ctx context.Context, req Request, enc exchange.Encoding) ([]byte, error) {
	buf := h.buf[:0]
	if req.Body == nil {
		return buf, nil
	}
	br := exchange.BodyReader{Max: h.ex.MaxBodyBytes()}
	raw := &exchange.RawReader{R: req.Body}
	var src io.Reader = raw
	switch enc {
	case exchange.Identity:
		if n := req.ContentLength; n > 0 && int64(cap(buf)) <= n {
			buf = slices.Grow(buf, int(n)+1) // the body and the read that finds its end
		}
	case exchange.Gzip:
		r, err := h.gz.open(req.Body, raw)
		if err != nil {
			return buf, br.Error(ctx, enc, raw, err)
		}
		src = r
	default:
		return buf, fmtlite.Errorf("%w: Content-Encoding %s", ingest.ErrUnsupportedMediaType, enc) // Admit refuses it first
	}
	return br.Read(ctx, buf, raw, src, enc)
}

// logReply logs failures as the server does, and every request at debug.
func (h *Handler) logReply(req Request, rep *exchange.Reply, body int, keys []string) {
	switch rep.Kind {
	case exchange.Stored:
		if rep.Rejected > 0 {
			h.log.Log(LevelWarn, "worker: partial success", "rejected", rep.Rejected, "reason", rep.Message)
		}
	case exchange.Refused:
		h.log.Log(rep.Level(), "worker: request refused", "method", req.Method, "path", req.Path, "status", rep.Status)
	default:
		h.log.Log(rep.Level(), "worker: request failed", "path", req.Path, "status", rep.Status, "error", rep.Err)
	}
	if h.log.Enabled(LevelDebug) {
		kv := []any{"status", rep.Status, "body_bytes", body, "objects", len(keys)}
		if h.Memory != nil {
			kv = append(kv, "wasm_memory_bytes", h.Memory())
		}
		kv = append(kv, "keys", strings.Join(keys, ","))
		h.log.Log(LevelDebug, "worker: request served", kv...)
	}
}

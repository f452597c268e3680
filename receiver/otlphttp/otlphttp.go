// Package otlphttp is the OTLP/HTTP receiver: POST /v1/logs in protobuf or JSON, gzip or zstd, into an ingest.LogsExporter.
package otlphttp

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/receiver/internal/admission"
)

// Defaults for Options.
const (
	// DefaultMaxBodyBytes is OTLP's recommended limit on a decompressed body.
	DefaultMaxBodyBytes = 64 << 20
	// DefaultMaxInFlightBytes lets four bodies of the default size be
	// processed at once. Decoding and encoding take memory in proportion to
	// the body, so the process needs a few times this much.
	DefaultMaxInFlightBytes = 4 * DefaultMaxBodyBytes
	// MaxZstdWindow is the largest zstd window accepted: what RFC 8878 asks
	// decoders to support and what zstd levels up to 19 use without --long.
	MaxZstdWindow = 8 << 20
)

// Options configure the receiver. The zero value is the defaults.
type Options struct {
	// MaxBodyBytes caps a body after decompression; larger ones get 413.
	// 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// AuthToken, when set, must arrive as "Authorization: Bearer <token>".
	AuthToken string
	// MaxInFlightBytes bounds the decompressed body bytes held by requests
	// being read or processed; past it requests get 503 with Retry-After
	// instead of growing memory. 0 means DefaultMaxInFlightBytes, negative
	// means no bound; a bound below MaxBodyBytes is raised to it, so that
	// one request of the largest size can always get through.
	MaxInFlightBytes int64
	// Logger receives failed requests; nil means slog.Default().
	Logger *slog.Logger
}

type handler struct {
	p        ingest.LogsExporter
	max      int64
	token    admission.Token
	inflight *admission.Limiter
	log      *slog.Logger

	bufs sync.Pool // *[]byte
	gzip sync.Pool // *gzip.Reader
	zstd sync.Pool // *zstd.Decoder
}

// New returns the OTLP/HTTP handler. It serves POST /v1/logs; /v1/traces
// and /v1/metrics answer 404 until they are supported.
func New(p ingest.LogsExporter, opts Options) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxInFlightBytes == 0 {
		opts.MaxInFlightBytes = DefaultMaxInFlightBytes
	}
	if opts.MaxInFlightBytes > 0 && opts.MaxInFlightBytes < opts.MaxBodyBytes {
		opts.MaxInFlightBytes = opts.MaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &handler{
		p:        p,
		max:      opts.MaxBodyBytes,
		token:    admission.NewToken(opts.AuthToken),
		inflight: admission.NewLimiter(opts.MaxInFlightBytes),
		log:      opts.Logger,
	}
	window := uint64(min(opts.MaxBodyBytes+1, MaxZstdWindow))
	window = max(window, zstd.MinWindowSize)
	h.zstd.New = func() any {
		// One goroutine-free decoder per request; its window, and with it
		// its memory, is bounded whatever the frame header claims.
		d, err := zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(window),
			zstd.WithDecoderMaxMemory(uint64(opts.MaxBodyBytes)+1),
		)
		if err != nil {
			panic(fmt.Sprintf("otlphttp: zstd decoder: %v", err)) // only for invalid options
		}
		return d
	}
	return h
}

// Content types and their response content types.
const (
	contentProtobuf = "application/x-protobuf"
	contentJSON     = "application/json"
)

type format uint8

const (
	formatUnknown format = iota
	formatProtobuf
	formatJSON
)

func parseContentType(v string) format {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case contentProtobuf:
		return formatProtobuf
	case contentJSON:
		return formatJSON
	}
	return formatUnknown
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := parseContentType(r.Header.Get("Content-Type"))
	switch r.URL.Path {
	case "/v1/logs":
	case "/v1/traces", "/v1/metrics":
		h.fail(w, r, f, http.StatusNotFound, fmt.Sprintf("%s: only logs are supported yet (POST /v1/logs)", r.URL.Path))
		return
	default:
		h.fail(w, r, f, http.StatusNotFound, fmt.Sprintf("%s: not found; OTLP logs go to POST /v1/logs", r.URL.Path))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(w, r, f, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed: POST OTLP logs to /v1/logs", r.Method))
		return
	}
	if !h.token.Check(r.Header.Get("Authorization")) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="otlp2parquet"`)
		h.answer(w, r, f, ingest.Classify(fmt.Errorf("%w: missing or wrong bearer token", ingest.ErrUnauthenticated)), nil)
		return
	}
	if f == formatUnknown {
		h.answer(w, r, f, ingest.Classify(fmt.Errorf("%w: Content-Type %q; want %s or %s",
			ingest.ErrUnsupportedMediaType, r.Header.Get("Content-Type"), contentProtobuf, contentJSON)), nil)
		return
	}

	bp, _ := h.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	body, held, err := h.readBody(r, (*bp)[:0])
	*bp = body[:0]
	defer func() {
		h.inflight.Release(held)
		h.bufs.Put(bp)
	}()
	if err != nil {
		h.answer(w, r, f, ingest.Classify(err), err)
		return
	}

	fm := ingest.Protobuf
	if f == formatJSON {
		fm = ingest.JSON
	}
	res, err := h.p.ExportLogs(r.Context(), body, fm)
	if err != nil {
		h.answer(w, r, f, ingest.Classify(err), err)
		return
	}
	var out []byte
	if f == formatJSON {
		out = otlp.AppendLogsResponseJSON(nil, int64(res.Rejected), res.Message)
	} else {
		out = otlp.AppendLogsResponseProto(nil, int64(res.Rejected), res.Message)
	}
	if res.Rejected > 0 {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "otlphttp: partial success",
			slog.String("remote", r.RemoteAddr), slog.Int("rejected", res.Rejected), slog.String("reason", res.Message))
	}
	h.write(w, f, http.StatusOK, out)
}

// readBody reads the body, decompressed, into buf. It stops as soon as the
// body passes the limit, so a small compressed bomb costs at most the limit
// in memory, and it takes every byte it reads from the in-flight bound,
// returning how many it holds.
func (h *handler) readBody(r *http.Request, buf []byte) (body []byte, held int64, err error) {
	if r.Body == nil {
		return buf, 0, nil
	}
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	if (enc == "" || enc == "identity") && r.ContentLength > h.max {
		return buf, 0, fmt.Errorf("body of %d bytes is over the limit of %d bytes: %w", r.ContentLength, h.max, ingest.ErrTooLarge)
	}
	raw := &netReader{r: r.Body}
	var src io.Reader = raw
	switch enc {
	case "", "identity":
		if r.ContentLength > 0 && int64(cap(buf)) <= r.ContentLength {
			// Room for the body and the read that finds its end.
			buf = slices.Grow(buf[:0], int(r.ContentLength)+1)
		}
	case "gzip", "x-gzip":
		zr, _ := h.gzip.Get().(*gzip.Reader)
		if zr == nil {
			zr = new(gzip.Reader)
		}
		defer h.gzip.Put(zr)
		if err := zr.Reset(raw); err != nil {
			return buf, 0, h.decompressError("gzip", raw, r, err)
		}
		src = zr
	case "zstd":
		zr := h.zstd.Get().(*zstd.Decoder)
		defer func() {
			zr.Reset(nil) // drop the request body
			h.zstd.Put(zr)
		}()
		if err := zr.Reset(raw); err != nil {
			return buf, 0, h.decompressError("zstd", raw, r, err)
		}
		src = zr
	default:
		return buf, 0, fmt.Errorf("%w: Content-Encoding %q; want gzip, zstd or none", ingest.ErrUnsupportedMediaType, r.Header.Get("Content-Encoding"))
	}

	limit := h.max + 1 // read one byte past the limit to see that it is passed
	for {
		if len(buf) == cap(buf) {
			// Double, from 32 KiB, but never past the limit: the buffer is
			// what a bomb would inflate.
			buf = slices.Grow(buf, int(min(max(int64(cap(buf)), 32<<10), limit-int64(len(buf)))))
		}
		room := buf[len(buf):min(int64(cap(buf)), limit)]
		n, rerr := src.Read(room)
		buf = buf[:len(buf)+n]
		if n > 0 {
			if !h.inflight.TryAcquire(int64(n)) {
				return buf, held, fmt.Errorf("%d bytes of requests in memory: %w", h.inflight.InUse(), ingest.ErrOverloaded)
			}
			held += int64(n)
		}
		if int64(len(buf)) > h.max {
			what := "body"
			if src != raw {
				what = enc + " body, decompressed,"
			}
			return buf, held, fmt.Errorf("%s over the limit of %d bytes: %w", what, h.max, ingest.ErrTooLarge)
		}
		if rerr == io.EOF {
			return buf, held, nil
		}
		if rerr != nil {
			return buf, held, h.decompressError(enc, raw, r, rerr)
		}
	}
}

// decompressError tells the client's faults (a corrupt stream) from the
// connection's and from the limits.
func (h *handler) decompressError(enc string, raw *netReader, r *http.Request, err error) error {
	if raw.err != nil && !errors.Is(raw.err, io.EOF) {
		if ctxErr := r.Context().Err(); ctxErr != nil {
			return fmt.Errorf("reading the body: %w", ctxErr)
		}
		return &ingest.BadDataError{Err: fmt.Errorf("reading the body: %w", raw.err)}
	}
	if errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded) {
		return fmt.Errorf("zstd body: %v (window limit %d bytes, body limit %d bytes): %w", err, MaxZstdWindow, h.max, ingest.ErrTooLarge)
	}
	if enc == "" || enc == "identity" {
		return &ingest.BadDataError{Err: fmt.Errorf("reading the body: %w", err)}
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF // a compressed body that ends before its header does
	}
	return &ingest.BadDataError{Err: fmt.Errorf("invalid %s body: %w", enc, err)}
}

// netReader remembers the error reading the connection gave, so that it is
// not taken for the decompressor's.
type netReader struct {
	r   io.Reader
	err error
}

func (n *netReader) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	if err != nil {
		n.err = err
	}
	return k, err
}

// answer writes a failure's google.rpc.Status and logs it.
func (h *handler) answer(w http.ResponseWriter, r *http.Request, f format, o ingest.Outcome, err error) {
	if o.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((o.RetryAfter+time.Second-1)/time.Second)))
	}
	level := slog.LevelWarn
	switch {
	case o.HTTPStatus >= 500:
		level = slog.LevelError
	case o.HTTPStatus == ingest.HTTPStatusClientClosed:
		level = slog.LevelDebug
	}
	if err == nil {
		err = errors.New(o.Message)
	}
	h.log.LogAttrs(r.Context(), level, "otlphttp: request failed",
		slog.String("remote", r.RemoteAddr), slog.String("path", r.URL.Path),
		slog.Int("status", o.HTTPStatus), slog.Any("error", err))
	h.writeStatus(w, f, o.HTTPStatus, int32(o.GRPCCode), o.Message)
}

// fail answers a request that never reached the Pipeline (routing).
func (h *handler) fail(w http.ResponseWriter, r *http.Request, f format, status int, msg string) {
	h.log.LogAttrs(r.Context(), slog.LevelDebug, "otlphttp: request refused",
		slog.String("remote", r.RemoteAddr), slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status))
	code := int32(5) // NOT_FOUND
	if status == http.StatusMethodNotAllowed {
		code = 12 // UNIMPLEMENTED
	}
	h.writeStatus(w, f, status, code, msg)
}

func (h *handler) writeStatus(w http.ResponseWriter, f format, status int, code int32, msg string) {
	var out []byte
	if f == formatJSON {
		out = otlp.AppendStatusJSON(nil, code, msg)
	} else {
		out = otlp.AppendStatusProto(nil, code, msg)
	}
	h.write(w, f, status, out)
}

func (h *handler) write(w http.ResponseWriter, f format, status int, body []byte) {
	ct := contentProtobuf
	if f == formatJSON {
		ct = contentJSON
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

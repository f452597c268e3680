// Package otlphttp is the OTLP/HTTP receiver: POST /v1/logs in protobuf or JSON, gzip or zstd, into an ingest.Exporter.
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
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/receiver/admission"
	"github.com/otlp2parquet/otlp2parquet/receiver/exchange"
)

// Defaults for Options.
const (
	// DefaultMaxBodyBytes is OTLP's recommended limit on a decompressed body.
	DefaultMaxBodyBytes = exchange.DefaultMaxBodyBytes
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
	// InFlight, when set, is the bound to use instead of one of
	// MaxInFlightBytes: a server shares one between its receivers, so
	// that their requests together stay within it.
	InFlight *admission.Limiter
	// Logger receives failed requests; nil means slog.Default().
	Logger *slog.Logger
}

type handler struct {
	p        ingest.Exporter
	ex       *exchange.Receiver
	max      int64
	inflight *admission.Limiter
	log      *slog.Logger

	bufs sync.Pool // *[]byte
	gzip sync.Pool // *gzip.Reader
	zstd sync.Pool // *zstd.Decoder
}

// New returns the OTLP/HTTP handler. It serves POST /v1/logs, /v1/traces
// and /v1/metrics (the ones ingest supports; the others answer 404).
func New(p ingest.Exporter, opts Options) http.Handler {
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
		ex:       exchange.New(exchange.Options{MaxBodyBytes: opts.MaxBodyBytes, AuthToken: opts.AuthToken}),
		max:      opts.MaxBodyBytes,
		inflight: opts.InFlight,
		log:      opts.Logger,
	}
	if h.inflight == nil {
		h.inflight = admission.NewLimiter(opts.MaxInFlightBytes)
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

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	adm, rep := h.ex.Admit(exchange.Request{
		Method:          r.Method,
		Path:            r.URL.Path,
		ContentType:     r.Header.Get("Content-Type"),
		ContentEncoding: r.Header.Get("Content-Encoding"),
		Authorization:   r.Header.Get("Authorization"),
		ContentLength:   r.ContentLength,
	})
	if rep != nil {
		if errors.Is(rep.Err, ingest.ErrTooLarge) { // Content-Length over the limit
			ingest.Refused(h.p, adm.Signal, rep.Err)
		}
		h.reply(w, r, rep)
		return
	}
	// Refuse before reading a body that would be refused after.
	if a, ok := h.p.(ingest.Admitter); ok && r.ContentLength > 0 {
		if err := a.Admit(adm.Signal, r.ContentLength); err != nil {
			h.reply(w, r, exchange.Failure(adm.Format, err))
			return
		}
	}

	bp, _ := h.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	body, held, err := h.readBody(r, adm.Encoding, (*bp)[:0])
	*bp = body[:0]
	defer func() {
		h.inflight.Release(held)
		h.bufs.Put(bp)
	}()
	if err != nil {
		ingest.Refused(h.p, adm.Signal, err)
		h.reply(w, r, exchange.Failure(adm.Format, err))
		return
	}
	res, err := h.p.Export(r.Context(), adm.Signal, body, adm.Format.Ingest())
	if err != nil {
		h.reply(w, r, exchange.Failure(adm.Format, err))
		return
	}
	h.reply(w, r, exchange.Success(adm.Signal, adm.Format, res))
}

// readBody reads the body, decompressed, into buf (exchange.BodyReader
// stops as soon as it passes the limit), taking every byte it reads from
// the in-flight bound and returning how many it holds.
func (h *handler) readBody(r *http.Request, enc exchange.Encoding, buf []byte) (body []byte, held int64, err error) {
	if r.Body == nil {
		return buf, 0, nil
	}
	br := exchange.BodyReader{
		Max: h.max,
		Take: func(n int64) error {
			if !h.inflight.TryAcquire(n) {
				return fmt.Errorf("%d bytes of requests in memory: %w", h.inflight.InUse(), ingest.ErrOverloaded)
			}
			held += n
			return nil
		},
		Limit: func(err error) error {
			if errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded) {
				return fmt.Errorf("zstd body: %v (window limit %d bytes, body limit %d bytes): %w", err, MaxZstdWindow, h.max, ingest.ErrTooLarge)
			}
			return nil
		},
	}
	raw := &exchange.RawReader{R: r.Body}
	var src io.Reader = raw
	switch enc {
	case exchange.Identity:
		if r.ContentLength > 0 && int64(cap(buf)) <= r.ContentLength {
			// Room for the body and the read that finds its end.
			buf = slices.Grow(buf[:0], int(r.ContentLength)+1)
		}
	case exchange.Gzip:
		zr, _ := h.gzip.Get().(*gzip.Reader)
		if zr == nil {
			zr = new(gzip.Reader)
		}
		defer h.gzip.Put(zr)
		if err := zr.Reset(raw); err != nil {
			return buf, 0, br.Error(r.Context(), enc, raw, err)
		}
		src = zr
	case exchange.Zstd:
		zr := h.zstd.Get().(*zstd.Decoder)
		defer func() {
			zr.Reset(nil) // drop the request body
			h.zstd.Put(zr)
		}()
		if err := zr.Reset(raw); err != nil {
			return buf, 0, br.Error(r.Context(), enc, raw, err)
		}
		src = zr
	}
	body, err = br.Read(r.Context(), buf, raw, src, enc)
	return body, held, err
}

// reply writes rep and logs it unless the data was stored in full.
func (h *handler) reply(w http.ResponseWriter, r *http.Request, rep *exchange.Reply) {
	switch rep.Kind {
	case exchange.Stored:
		if rep.Rejected > 0 {
			h.log.LogAttrs(r.Context(), slog.LevelWarn, "otlphttp: partial success",
				slog.String("remote", r.RemoteAddr), slog.Int("rejected", rep.Rejected), slog.String("reason", rep.Message))
		}
	case exchange.Refused:
		h.log.LogAttrs(r.Context(), slog.Level(rep.Level()), "otlphttp: request refused",
			slog.String("remote", r.RemoteAddr), slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", rep.Status))
	default:
		h.log.LogAttrs(r.Context(), slog.Level(rep.Level()), "otlphttp: request failed",
			slog.String("remote", r.RemoteAddr), slog.String("path", r.URL.Path),
			slog.Int("status", rep.Status), slog.Any("error", rep.Err))
	}
	hd := w.Header()
	for _, x := range rep.Header {
		hd.Set(x.Name, x.Value)
	}
	hd.Set("Content-Length", strconv.Itoa(len(rep.Body)))
	w.WriteHeader(rep.Status)
	_, _ = w.Write(rep.Body)
}

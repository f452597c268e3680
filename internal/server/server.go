// Package server runs the standalone otlp2parquet: OTLP/HTTP and OTLP/gRPC receivers writing to local disk or S3.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	"github.com/otlp2parquet/otlp2parquet/buffer"
	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/receiver/admission"
	"github.com/otlp2parquet/otlp2parquet/receiver/otlpgrpc"
	"github.com/otlp2parquet/otlp2parquet/receiver/otlphttp"
	"github.com/otlp2parquet/otlp2parquet/storage"
	"github.com/otlp2parquet/otlp2parquet/storage/file"
	"github.com/otlp2parquet/otlp2parquet/storage/s3"
)

// Server is a configured, listening server; Serve runs it.
type Server struct {
	cfg    Config
	log    *slog.Logger
	bucket storage.Bucket
	httpL  net.Listener
	grpcL  net.Listener
	http   *http.Server
	grpc   *grpc.Server
	buffer *buffer.Buffer // nil when writing through
	conns  *connLimit     // nil when unbounded
}

// New opens the storage and the listeners, so that a bad address or an
// unusable output directory stops start-up with a clear error. An S3 bucket
// that does not answer yet does not: the server starts, /ready answers 503,
// and requests get 503 with Retry-After until the store is back.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	bucket, err := OpenBucket(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, bucket: bucket}
	m := newMetrics()
	var p ingest.Exporter
	if cfg.Batch {
		s.buffer, err = buffer.Open(cfg.WALPath(), bucket, buffer.Options{
			MaxRows:     cfg.BatchMaxRows,
			MaxBytes:    cfg.BatchMaxBytes,
			MaxAge:      cfg.BatchMaxAge,
			MaxLogBytes: cfg.WALMaxBytes,
			FlushProcs:  cfg.FlushProcs,
			Logger:      log,
			OnFlush:     m.onFlush,
		})
		if err != nil {
			return nil, fmt.Errorf("OTLP2PARQUET_WAL_DIR (--wal-dir): %w", err)
		}
		m.batching(s.buffer)
		p = exporter{next: s.buffer, m: m}
	} else {
		m.writeThrough()
		p = exporter{next: ingest.New(bucket, ingest.Options{}), m: m, countObjs: true}
	}
	// One bound for the requests of both receivers: MaxInFlightBytes is
	// what the server holds, whichever protocol they come by.
	inflight := admission.NewLimiter(cfg.MaxInFlightBytes)
	if cfg.HTTPAddr != "" {
		if n := cfg.ConnectionLimit(); n > 0 {
			var warned atomic.Int64 // when the bound was last logged (ns): once a minute at most
			s.conns = newConnLimit(n, func(full, first bool) {
				if !full {
					log.Debug("HTTP connections below their bound again: keep-alive back on", "max_connections", n)
					// Only an atomic store: this may run in a connection's
					// Close called by net/http with its server's lock held,
					// where SetKeepAlivesEnabled(false) would deadlock.
					// If the bound was reached again meanwhile, keep-alive
					// stays on until the next squeeze, within a second
					// while a connection waits.
					s.http.SetKeepAlivesEnabled(true)
					return
				}
				if now, last := time.Now().UnixNano(), warned.Load(); first && now-last >= int64(time.Minute) && warned.CompareAndSwap(last, now) {
					log.Warn("HTTP connection bound reached: new connections wait to be accepted, and keep-alive is off (idle connections closed) until connections no longer wait and room is free",
						"max_connections", n)
				}
				// Called from Accept, never from a Close.
				// SetKeepAlivesEnabled(false) also closes the idle
				// connections, and those that sent no request for 5 s.
				s.http.SetKeepAlivesEnabled(false)
			})
			m.connections(s.conns)
		}
		if s.httpL, err = s.listen(cfg.HTTPAddr); err != nil {
			s.closeBuffer()
			return nil, fmt.Errorf("OTLP2PARQUET_HTTP_ADDR (--http-addr): %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/", m.countHTTP(otlphttp.New(p, otlphttp.Options{
			MaxBodyBytes: cfg.MaxBodyBytes,
			InFlight:     inflight,
			AuthToken:    cfg.AuthToken,
			Logger:       log,
		})))
		mux.Handle("GET /metrics", m.handler())
		mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprintln(w, "ok")
		})
		mux.HandleFunc("GET /ready", s.ready)
		// Other methods on those paths: 405, not the OTLP receiver's 404.
		for _, path := range []string{"/metrics", "/health", "/ready"} {
			mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Allow", "GET, HEAD")
				http.Error(w, "method "+r.Method+" not allowed on "+path+": use GET", http.StatusMethodNotAllowed)
			})
		}
		s.http = &http.Server{
			Handler: mux,
			// A new connection's first request line is read under this
			// timeout, not IdleTimeout: a client that dials ahead and keeps
			// the connection in its pool (Go's transport does under load)
			// would otherwise find it closed after 10 s and fail a POST it
			// cannot retry. One minute, as the Collector's default; ReadTimeout
			// and the connection bound limit what slow clients can hold.
			ReadHeaderTimeout: time.Minute,
			ReadTimeout:       2 * time.Minute, // a 64 MiB body over a slow link, and no longer
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}
	}
	if cfg.GRPCAddr != "" {
		if s.grpcL, err = net.Listen("tcp", cfg.GRPCAddr); err != nil {
			s.closeListeners()
			s.closeBuffer()
			return nil, fmt.Errorf("OTLP2PARQUET_GRPC_ADDR (--grpc-addr): %w", err)
		}
		s.grpc = otlpgrpc.NewServer(p, otlpgrpc.Options{
			MaxRecvMsgSize: int(cfg.MaxBodyBytes),
			InFlight:       inflight,
			AuthToken:      cfg.AuthToken,
			Logger:         log,
			ServerOptions:  []grpc.ServerOption{grpc.ChainUnaryInterceptor(m.countGRPC)},
		})
	}
	return s, nil
}

// listen listens on addr, with the HTTP connection bound when there is one.
func (s *Server) listen(addr string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil || s.conns == nil {
		return l, err
	}
	return s.conns.listener(l), nil
}

// OpenBucket opens the storage the configuration names.
func OpenBucket(ctx context.Context, cfg Config) (storage.Bucket, error) {
	switch cfg.Storage {
	case "s3":
		b, err := s3.New(ctx, s3.Config{
			Bucket:         cfg.S3Bucket,
			Prefix:         cfg.S3Prefix,
			Region:         cfg.S3Region,
			Endpoint:       cfg.S3Endpoint,
			ForcePathStyle: cfg.S3ForcePathStyle,
		})
		if err != nil {
			return nil, fmt.Errorf("s3 storage: %w", err)
		}
		return b, nil
	default:
		b, err := file.New(cfg.OutputDir)
		if err != nil {
			return nil, fmt.Errorf("OTLP2PARQUET_OUTPUT_DIR (--output-dir): %w", err)
		}
		return b, nil
	}
}

// closeBuffer stops a buffer opened by a New that fails; what it holds
// stays in the log.
func (s *Server) closeBuffer() {
	if s.buffer != nil {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = s.buffer.Close(ctx)
	}
}

func (s *Server) closeListeners() {
	for _, l := range []net.Listener{s.httpL, s.grpcL} {
		if l != nil {
			l.Close()
		}
	}
}

// HTTPAddr and GRPCAddr are the addresses listened on ("" when off).
func (s *Server) HTTPAddr() string { return addr(s.httpL) }
func (s *Server) GRPCAddr() string { return addr(s.grpcL) }

func addr(l net.Listener) string {
	if l == nil {
		return ""
	}
	return l.Addr().String()
}

// ready answers 200 when the storage answers, 503 otherwise.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if c, ok := s.bucket.(storage.Checker); ok {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := c.Check(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "storage not ready: %v\n", err)
			return
		}
	}
	fmt.Fprintln(w, "ready")
}

// Serve runs until ctx is done, then stops taking requests, lets the ones
// in flight finish (up to ShutdownTimeout) and returns.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 2)
	var wg sync.WaitGroup
	if s.http != nil {
		wg.Go(func() {
			if err := s.http.Serve(s.httpL); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("http: %w", err)
			}
		})
	}
	if s.grpc != nil {
		wg.Go(func() {
			if err := s.grpc.Serve(s.grpcL); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
				errc <- fmt.Errorf("grpc: %w", err)
			}
		})
	}
	maxConns := 0
	if s.conns != nil {
		maxConns = s.conns.max()
	}
	s.log.Info("otlp2parquet listening", "http", s.HTTPAddr(), "grpc", s.GRPCAddr(), "storage", s.cfg.Storage, "max_connections", maxConns)

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.log.Info("shutting down: finishing requests in flight", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if s.buffer != nil {
		// Start storing the batch while the requests in flight finish.
		s.buffer.StoreNow()
	}
	// Both receivers stop taking requests at once, then drain side by side:
	// one after the other, gRPC would take new requests while HTTP drains.
	var stopping sync.WaitGroup
	if s.grpc != nil {
		stopping.Go(func() {
			done := make(chan struct{})
			go func() { s.grpc.GracefulStop(); close(done) }()
			select {
			case <-done:
			case <-sctx.Done():
				s.grpc.Stop()
			}
		})
	}
	if s.http != nil {
		if serr := s.http.Shutdown(sctx); serr != nil {
			s.log.Warn("http shutdown", "err", serr)
		}
	}
	stopping.Wait()
	wg.Wait()
	if s.buffer != nil {
		// Every request is answered: store what the buffer holds, in the
		// time left. What is not stored by then stays in the write-ahead
		// log and is stored at the next start.
		s.log.Info("shutting down: storing buffered records", "records", s.buffer.Stats().BufferedRecords)
		if berr := s.buffer.Close(sctx); berr != nil {
			s.log.Warn("shutdown", "err", berr)
		}
	}
	return err
}

package server

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/otlp2parquet/otlp2parquet/buffer"
)

// Config is the standalone server's configuration. Each field is one flag
// and one OTLP2PARQUET_* environment variable (see internal/cli).
type Config struct {
	HTTPAddr string // OTLP/HTTP listen address; "" turns it off
	GRPCAddr string // OTLP/gRPC listen address; "" turns it off

	Storage   string // "file" or "s3"
	OutputDir string // file storage root

	S3Bucket         string
	S3Prefix         string
	S3Region         string
	S3Endpoint       string
	S3ForcePathStyle bool

	// Batching (on by default) acknowledges requests once they are in the
	// write-ahead log and writes one object per (service, hour) of each
	// batch; off, every request is written through as its own objects.
	Batch         bool
	BatchMaxRows  int64
	BatchMaxBytes int64
	BatchMaxAge   time.Duration
	WALDir        string // "" means OutputDir/.wal
	WALMaxBytes   int64  // past it, requests get 503 until flushes catch up
	// FlushProcs is how many goroutines a flush keeps busy; 0 means all of
	// GOMAXPROCS but one. Not a setting: serve sets it with GOMAXPROCS.
	FlushProcs int

	MaxBodyBytes     int64 // per request, counted after decompression
	MaxInFlightBytes int64 // all requests being processed, HTTP and gRPC together; past it the server sheds load
	MaxConnections   int64 // HTTP connections open at once; 0 means ConnectionLimit's default
	AuthToken        string

	ShutdownTimeout time.Duration
	LogLevel        string // debug, info, warn, error
	LogFormat       string // text or json
}

// DefaultMaxInFlightBytes is the default bound on request bytes the server
// holds at once. Two bodies of the largest size, or thousands of usual
// ones: more in flight does not store more (the flushes are the limit) but
// makes answers wait and memory grow. At 60 requests/s of 5 MB bodies, past
// saturation, 128 MiB against 512 MiB stored as much and answered sooner,
// with a peak RSS of 0.67-0.81 GB against 0.99-1.34 GB (BENCHMARKS.md).
// Left unset, serve raises it to MaxBodyBytes when that is larger.
const DefaultMaxInFlightBytes = 128 << 20

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		HTTPAddr:         "127.0.0.1:4318",
		GRPCAddr:         "127.0.0.1:4317",
		Storage:          "file",
		OutputDir:        "./data",
		Batch:            true,
		BatchMaxRows:     buffer.DefaultMaxRows,
		BatchMaxBytes:    buffer.DefaultMaxBytes,
		BatchMaxAge:      buffer.DefaultMaxAge,
		WALMaxBytes:      buffer.DefaultMaxLogBytes,
		MaxBodyBytes:     64 << 20,
		MaxInFlightBytes: DefaultMaxInFlightBytes,
		ShutdownTimeout:  30 * time.Second,
		LogLevel:         "info",
		LogFormat:        "text",
	}
}

// Validate reports the first setting that cannot work, by its variable name.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		flag := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
		errs = append(errs, fmt.Errorf("OTLP2PARQUET_%s (--%s): %s", name, flag, fmt.Sprintf(format, args...)))
	}
	if c.HTTPAddr == "" && c.GRPCAddr == "" {
		bad("HTTP_ADDR", "empty, and so is OTLP2PARQUET_GRPC_ADDR (--grpc-addr): nothing to listen on")
	}
	for name, addr := range map[string]string{"HTTP_ADDR": c.HTTPAddr, "GRPC_ADDR": c.GRPCAddr} {
		if addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			bad(name, "%q is not host:port: %v", addr, err)
		}
	}
	switch c.Storage {
	case "file":
		if c.OutputDir == "" {
			bad("OUTPUT_DIR", "empty; file storage needs a directory")
		}
	case "s3":
		if c.S3Bucket == "" {
			bad("S3_BUCKET", "empty; s3 storage needs a bucket")
		}
	default:
		bad("STORAGE", "%q is not file or s3", c.Storage)
	}
	if c.Batch {
		if c.BatchMaxRows <= 0 {
			bad("BATCH_MAX_ROWS", "%d, want a positive number of records", c.BatchMaxRows)
		}
		if c.BatchMaxBytes <= 0 {
			bad("BATCH_MAX_BYTES", "%d, want a positive number of bytes", c.BatchMaxBytes)
		}
		if c.BatchMaxAge <= 0 {
			bad("BATCH_MAX_AGE", "%v, want a positive duration", c.BatchMaxAge)
		}
		if c.WALMaxBytes < c.MaxBodyBytes {
			bad("WAL_MAX_BYTES", "%d is less than MAX_BODY_BYTES %d: no request of the largest size could ever be logged", c.WALMaxBytes, c.MaxBodyBytes)
		}
		if c.WALDir == "" && c.OutputDir == "" {
			bad("WAL_DIR", "empty, and so is OTLP2PARQUET_OUTPUT_DIR (--output-dir), under which it goes by default")
		}
	}
	if c.MaxBodyBytes <= 0 {
		bad("MAX_BODY_BYTES", "%d, want a positive number of bytes", c.MaxBodyBytes)
	}
	if c.MaxInFlightBytes < c.MaxBodyBytes {
		bad("MAX_INFLIGHT_BYTES", "%d is less than MAX_BODY_BYTES %d: no request of the largest size could ever be taken", c.MaxInFlightBytes, c.MaxBodyBytes)
	}
	if c.ShutdownTimeout <= 0 {
		bad("SHUTDOWN_TIMEOUT", "%v, want a positive duration", c.ShutdownTimeout)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL", "%q is not debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("LOG_FORMAT", "%q is not text or json", c.LogFormat)
	}
	return errors.Join(errs...)
}

// reservedFiles is what the default connection bound leaves of the
// open-file limit to the server itself: log segments, objects being
// written, connections to S3, the listeners.
const reservedFiles = 1024

// ConnectionLimit is the bound on open HTTP connections: MaxConnections when
// set, else the process's open-file limit less what the server needs for
// itself (reservedFiles, or a quarter of a small limit); 0 means no bound
// (no limit is known).
func (c Config) ConnectionLimit() int {
	if c.MaxConnections > 0 {
		return int(min(c.MaxConnections, 1<<30))
	}
	n := openFileLimit()
	if n == 0 || n >= 1<<30 {
		return 0
	}
	return int(n - min(reservedFiles, n/4))
}

// WALPath is the write-ahead log's directory.
func (c Config) WALPath() string {
	if c.WALDir != "" {
		return c.WALDir
	}
	return filepath.Join(c.OutputDir, ".wal")
}

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/otlp2parquet/otlp2parquet/internal/gcfloor"
	"github.com/otlp2parquet/otlp2parquet/internal/platform"
	"github.com/otlp2parquet/otlp2parquet/internal/server"
	"github.com/otlp2parquet/otlp2parquet/internal/version"
)

const serveUsage = `Usage: otlp2parquet [serve] [flags]

Receives OTLP logs, traces and metrics over HTTP (POST /v1/logs, /v1/traces,
/v1/metrics; protobuf or JSON, gzip or zstd) and gRPC (the LogsService,
TraceService and MetricsService Export methods) and writes them as Parquet
files under {storage}/logs/{service}/year=YYYY/month=MM/day=DD/hour=HH/,
{storage}/traces/{service}/... and {storage}/metrics/{type}/{service}/....

Every flag can also be set by the environment variable shown beside it; a
flag given on the command line wins. GET /health answers when the process is
up, GET /ready when the storage answers too.

Flags:
`

// setting binds one configuration field to a flag and an environment variable.
type setting struct {
	flag, env, usage string
	value            flag.Value
}

func settings(cfg *server.Config) []setting {
	return []setting{
		{"http-addr", "OTLP2PARQUET_HTTP_ADDR", "OTLP/HTTP listen address (empty: off)", (*stringValue)(&cfg.HTTPAddr)},
		{"grpc-addr", "OTLP2PARQUET_GRPC_ADDR", "OTLP/gRPC listen address (empty: off)", (*stringValue)(&cfg.GRPCAddr)},
		{"storage", "OTLP2PARQUET_STORAGE", "where files go: file or s3", (*stringValue)(&cfg.Storage)},
		{"output-dir", "OTLP2PARQUET_OUTPUT_DIR", "file storage directory", (*stringValue)(&cfg.OutputDir)},
		{"s3-bucket", "OTLP2PARQUET_S3_BUCKET", "S3 bucket", (*stringValue)(&cfg.S3Bucket)},
		{"s3-prefix", "OTLP2PARQUET_S3_PREFIX", "prefix of every object key in the bucket", (*stringValue)(&cfg.S3Prefix)},
		{"s3-region", "OTLP2PARQUET_S3_REGION", "S3 region (default: from the AWS environment, else us-east-1; auto for R2)", (*stringValue)(&cfg.S3Region)},
		{"s3-endpoint", "OTLP2PARQUET_S3_ENDPOINT", "S3 endpoint URL for S3-compatible stores (MinIO, R2, versitygw)", (*stringValue)(&cfg.S3Endpoint)},
		{"s3-force-path-style", "OTLP2PARQUET_S3_FORCE_PATH_STYLE", "address buckets as endpoint/bucket instead of bucket.endpoint", (*boolValue)(&cfg.S3ForcePathStyle)},
		{"batch", "OTLP2PARQUET_BATCH", "batch requests behind a write-ahead log into larger files (false: one file per request, written before the answer)", (*boolValue)(&cfg.Batch)},
		{"batch-max-rows", "OTLP2PARQUET_BATCH_MAX_ROWS", "store a batch once it holds this many records", (*countValue)(&cfg.BatchMaxRows)},
		{"batch-max-bytes", "OTLP2PARQUET_BATCH_MAX_BYTES", "store a batch once its requests (decompressed) reach this size", (*bytesValue)(&cfg.BatchMaxBytes)},
		{"batch-max-age", "OTLP2PARQUET_BATCH_MAX_AGE", "store a batch once its first request is this old", (*durationValue)(&cfg.BatchMaxAge)},
		{"wal-dir", "OTLP2PARQUET_WAL_DIR", "write-ahead log directory (default: OUTPUT_DIR/.wal)", (*stringValue)(&cfg.WALDir)},
		{"wal-max-bytes", "OTLP2PARQUET_WAL_MAX_BYTES", "write-ahead log bytes not yet stored before the server answers 503", (*bytesValue)(&cfg.WALMaxBytes)},
		{"max-body-bytes", "OTLP2PARQUET_MAX_BODY_BYTES", "largest request body, counted after decompression", (*bytesValue)(&cfg.MaxBodyBytes)},
		{"max-inflight-bytes", "OTLP2PARQUET_MAX_INFLIGHT_BYTES", "request bytes processed at once before the server answers 503 (load shedding)", (*bytesValue)(&cfg.MaxInFlightBytes)},
		{"max-connections", "OTLP2PARQUET_MAX_CONNECTIONS", "HTTP connections open at once; at it new ones wait to be accepted and keep-alive is off (0: the open-file limit less 1024, less a quarter of it under 4096, leaving files to the server)", (*countValue)(&cfg.MaxConnections)},
		{"auth-token", "OTLP2PARQUET_AUTH_TOKEN", "when set, requests need \"Authorization: Bearer TOKEN\"", (*stringValue)(&cfg.AuthToken)},
		{"shutdown-timeout", "OTLP2PARQUET_SHUTDOWN_TIMEOUT", "how long to let requests in flight finish on SIGTERM/SIGINT", (*durationValue)(&cfg.ShutdownTimeout)},
		{"log-level", "OTLP2PARQUET_LOG_LEVEL", "debug, info, warn or error", (*stringValue)(&cfg.LogLevel)},
		{"log-format", "OTLP2PARQUET_LOG_FORMAT", "text or json", (*stringValue)(&cfg.LogFormat)},
	}
}

// parseServe reads the environment, then the flags, into a configuration.
// A variable that is set counts even when empty (OTLP2PARQUET_GRPC_ADDR=
// turns gRPC off). Help goes to stdout, errors to stderr.
//
// On AWS Lambda, where the only writable directory is an instance's /tmp,
// storage defaults to s3 and file storage is refused.
func parseServe(args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) (server.Config, error) {
	cfg := server.Defaults()
	onLambda := platform.Detect(func(k string) string { v, _ := lookupEnv(k); return v }) == platform.Lambda
	if onLambda {
		cfg.Storage = "s3"
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if wantsHelp(args) {
		fs.SetOutput(stdout)
	}
	set := settings(&cfg)
	for _, s := range set {
		fs.Var(s.value, s.flag, fmt.Sprintf("%s (env %s)", s.usage, s.env))
	}
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveUsage)
		fs.PrintDefaults()
	}
	for _, s := range set {
		if v, ok := lookupEnv(s.env); ok {
			if err := s.value.Set(v); err != nil {
				return cfg, fmt.Errorf("%s=%q: %v", s.env, v, err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if !isSet(fs, lookupEnv, "max-inflight-bytes", "OTLP2PARQUET_MAX_INFLIGHT_BYTES") {
		// Unset, the bound takes at least one body of the largest size.
		cfg.MaxInFlightBytes = max(cfg.MaxInFlightBytes, cfg.MaxBodyBytes)
	}
	if onLambda && cfg.Storage != "s3" {
		return cfg, fmt.Errorf("OTLP2PARQUET_STORAGE (--storage): %q on AWS Lambda, whose only writable directory (/tmp) goes away with the instance: use s3 and set OTLP2PARQUET_S3_BUCKET", cfg.Storage)
	}
	return cfg, cfg.Validate()
}

// isSet reports whether a setting was given, by its flag or its variable.
func isSet(fs *flag.FlagSet, lookupEnv func(string) (string, bool), flagName, env string) bool {
	_, set := lookupEnv(env)
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == flagName })
	return set
}

func serve(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseServe(args, os.LookupEnv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "otlp2parquet: bad configuration:\n%v\n", err)
		return 2
	}
	log := newLogger(stderr, cfg)
	p := platform.Detect(os.Getenv)
	log.Info("otlp2parquet starting", "version", version.Version, "platform", p.String())
	switch p {
	case platform.Lambda:
		return runLambda(cfg, log)
	case platform.Workers:
		log.Error("CF_WORKER is set: the Cloudflare Worker is the WebAssembly build, not this binary; unset it to run the standalone server")
		return 1
	}
	if cfg.Batch {
		cfg.FlushProcs = extraProc(os.LookupEnv)
	}
	_, gogc := os.LookupEnv("GOGC")
	gcfloor.Start(gcHeadroom, gogc)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	if err := srv.Serve(ctx); err != nil {
		log.Error("server failed", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// gcHeadroom is the heap growth the server allows between collections
// while its live heap is smaller (see gcfloor). At 1000 requests/s of 100
// records, in four 20 s runs from a fresh start each: p99 7.4-12.2 ms and
// peak RSS 126-134 MiB, against 11.3-19.5 ms and 101-112 MiB with GOGC=100
// alone (a start and a first flush, which grows the heap from 5 to 80 MB,
// took 8 collections; with the floor, 3).
const gcHeadroom = 64 << 20

// extraProc gives the Go scheduler one P more than it found (the CPUs the
// process may use) and returns how many goroutines a flush should keep
// busy: one per CPU, so that one decodes the logged requests while the
// others encode (see buffer). A batching server flushes, while it keeps
// up, on a thread of the lowest OS priority; the P such a thread holds is a
// P requests cannot run on, and while a flush holds one of two,
// acknowledgements queue for the other (p99 at 1000 requests/s of 100
// records 10.9-14.9 ms on two CPUs; 6.8-7.1 ms with the extra P). With
// GOMAXPROCS set by the user, it is left alone and a flush leaves one P to
// requests.
func extraProc(getenv func(string) (string, bool)) (flushProcs int) {
	n := runtime.GOMAXPROCS(0)
	if _, set := getenv("GOMAXPROCS"); set {
		return max(1, n-1)
	}
	runtime.GOMAXPROCS(n + 1)
	return n
}

func newLogger(w io.Writer, cfg server.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// wantsHelp reports whether args ask for help, so that it goes to stdout.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help", "--h":
			return true
		}
	}
	return false
}

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("%q is not true or false", s)
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }

// countValue is a number of items: a whole number, without units.
type countValue int64

func (v *countValue) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a count (a whole number like 1000000)", s)
	}
	*v = countValue(n)
	return nil
}
func (v *countValue) String() string { return strconv.FormatInt(int64(*v), 10) }

// bytesValue is a byte count: a number, optionally with KiB, MiB or GiB.
type bytesValue int64

func (v *bytesValue) Set(s string) error {
	n, err := parseBytes(s)
	if err != nil {
		return err
	}
	*v = bytesValue(n)
	return nil
}
func (v *bytesValue) String() string {
	n := int64(*v)
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// parseBytes reads a byte count: a number, optionally with KiB, MiB or GiB.
func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if rest, ok := strings.CutSuffix(s, suffix); ok {
			s, mult = strings.TrimSpace(rest), m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a byte count (like 67108864 or 64MiB)", s)
	}
	return n * mult, nil
}

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration (like 30s)", s)
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }

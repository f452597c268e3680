package cli

import (
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/otlp2parquet/otlp2parquet/internal/server"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseServeDefaults(t *testing.T) {
	cfg, err := parseServe(nil, env(nil), io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != "127.0.0.1:4318" || cfg.GRPCAddr != "127.0.0.1:4317" || cfg.Storage != "file" ||
		cfg.OutputDir != "./data" || cfg.MaxBodyBytes != 64<<20 || cfg.AuthToken != "" {
		t.Fatalf("defaults %+v", cfg)
	}
}

func TestParseServeEnvAndFlags(t *testing.T) {
	e := env(map[string]string{
		"OTLP2PARQUET_HTTP_ADDR":           "127.0.0.1:9318",
		"OTLP2PARQUET_GRPC_ADDR":           "",
		"OTLP2PARQUET_STORAGE":             "s3",
		"OTLP2PARQUET_S3_BUCKET":           "logs",
		"OTLP2PARQUET_S3_PREFIX":           "otel/",
		"OTLP2PARQUET_S3_REGION":           "auto",
		"OTLP2PARQUET_S3_ENDPOINT":         "http://127.0.0.1:7070",
		"OTLP2PARQUET_S3_FORCE_PATH_STYLE": "true",
		"OTLP2PARQUET_MAX_BODY_BYTES":      "8MiB",
		"OTLP2PARQUET_AUTH_TOKEN":          "secret",
		"OTLP2PARQUET_SHUTDOWN_TIMEOUT":    "5s",
		"OTLP2PARQUET_MAX_CONNECTIONS":     "500",
	})
	cfg, err := parseServe([]string{"--http-addr", "127.0.0.1:1234", "--s3-prefix=x/"}, e, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != "127.0.0.1:1234" || cfg.S3Prefix != "x/" {
		t.Errorf("flags did not win over the environment: %+v", cfg)
	}
	if cfg.GRPCAddr != "" {
		t.Errorf("an empty variable turns gRPC off: GRPCAddr %q", cfg.GRPCAddr)
	}
	if cfg.Storage != "s3" || cfg.S3Bucket != "logs" || cfg.S3Region != "auto" || cfg.S3Endpoint != "http://127.0.0.1:7070" ||
		!cfg.S3ForcePathStyle || cfg.MaxBodyBytes != 8<<20 || cfg.AuthToken != "secret" || cfg.ShutdownTimeout != 5*time.Second ||
		cfg.MaxConnections != 500 {
		t.Errorf("environment not applied: %+v", cfg)
	}
}

func TestParseServeBadSettingsNameTheVariable(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"OTLP2PARQUET_STORAGE": "ftp"}, nil, "OTLP2PARQUET_STORAGE"},
		{map[string]string{"OTLP2PARQUET_S3_FORCE_PATH_STYLE": "maybe"}, nil, "OTLP2PARQUET_S3_FORCE_PATH_STYLE"},
		{map[string]string{"OTLP2PARQUET_MAX_BODY_BYTES": "lots"}, nil, "OTLP2PARQUET_MAX_BODY_BYTES"},
		{map[string]string{"OTLP2PARQUET_MAX_BODY_BYTES": "0"}, nil, "OTLP2PARQUET_MAX_BODY_BYTES"},
		{map[string]string{"OTLP2PARQUET_HTTP_ADDR": "localhost"}, nil, "OTLP2PARQUET_HTTP_ADDR"},
		{map[string]string{"OTLP2PARQUET_BATCH_MAX_ROWS": "2KiB"}, nil, `"2KiB" is not a count`}, // rows, not bytes
		{map[string]string{"OTLP2PARQUET_BATCH_MAX_ROWS": "-1"}, nil, "OTLP2PARQUET_BATCH_MAX_ROWS"},
		{nil, []string{"--batch-max-rows=1e6"}, `"1e6" is not a count`},
		{map[string]string{"OTLP2PARQUET_STORAGE": "s3"}, nil, "OTLP2PARQUET_S3_BUCKET"},
		{map[string]string{"OTLP2PARQUET_SHUTDOWN_TIMEOUT": "soon"}, nil, "OTLP2PARQUET_SHUTDOWN_TIMEOUT"},
		{map[string]string{"OTLP2PARQUET_LOG_LEVEL": "loud"}, nil, "OTLP2PARQUET_LOG_LEVEL"},
		{nil, []string{"--storage", "ftp"}, "OTLP2PARQUET_STORAGE"},
		{nil, []string{"--nope"}, "nope"},
		{nil, []string{"extra"}, "unexpected arguments"},
	} {
		_, err := parseServe(c.args, env(c.env), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("env %v args %q: error %v, want one naming %s", c.env, c.args, err, c.want)
		}
	}
}

// The in-flight bound, when not set, takes at least one body of the
// largest size; set, it must.
func TestParseServeInFlightFollowsBodyLimit(t *testing.T) {
	cfg, err := parseServe(nil, env(map[string]string{"OTLP2PARQUET_MAX_BODY_BYTES": "256MiB"}), io.Discard, io.Discard)
	if err != nil || cfg.MaxInFlightBytes != 256<<20 {
		t.Errorf("MAX_BODY_BYTES=256MiB alone: in-flight %d, %v; want 256 MiB", cfg.MaxInFlightBytes, err)
	}
	cfg, err = parseServe([]string{"--max-body-bytes=1MiB"}, env(nil), io.Discard, io.Discard)
	if err != nil || cfg.MaxInFlightBytes != server.DefaultMaxInFlightBytes {
		t.Errorf("a small body limit: in-flight %d, %v; want the default", cfg.MaxInFlightBytes, err)
	}
	for _, args := range [][]string{{"--max-inflight-bytes=64MiB"}, nil} {
		e := map[string]string{"OTLP2PARQUET_MAX_BODY_BYTES": "256MiB"}
		if args == nil {
			e["OTLP2PARQUET_MAX_INFLIGHT_BYTES"] = "64MiB"
		}
		if _, err := parseServe(args, env(e), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "MAX_INFLIGHT_BYTES") {
			t.Errorf("in-flight set below the body limit (args %q): %v, want an error naming it", args, err)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1024": 1024, "64MiB": 64 << 20, "1 GiB": 1 << 30, "3KiB": 3072} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.5MiB", "1TB", "99999999999GiB"} {
		if _, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) succeeded", in)
		}
	}
}

func TestParseServeOnLambda(t *testing.T) {
	lambda := map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "otlp2parquet", "OTLP2PARQUET_S3_BUCKET": "logs"}
	cfg, err := parseServe(nil, env(lambda), io.Discard, io.Discard)
	if err != nil || cfg.Storage != "s3" || cfg.S3Bucket != "logs" {
		t.Fatalf("on Lambda: %+v, %v; want s3 storage by default", cfg, err)
	}
	delete(lambda, "OTLP2PARQUET_S3_BUCKET")
	if _, err := parseServe(nil, env(lambda), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "OTLP2PARQUET_S3_BUCKET") {
		t.Errorf("no bucket on Lambda: %v", err)
	}
	lambda["OTLP2PARQUET_STORAGE"] = "file"
	if _, err := parseServe(nil, env(lambda), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "OTLP2PARQUET_STORAGE") {
		t.Errorf("file storage on Lambda: %v", err)
	}
}

// A batching server gets one P more than the CPUs, unless GOMAXPROCS is
// the user's; a flush keeps all CPUs but one busy.
func TestExtraProc(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	unset := func(string) (string, bool) { return "", false }
	if procs := extraProc(unset); procs != 3 || runtime.GOMAXPROCS(0) != 4 {
		t.Errorf("3 Ps: flush procs %d, GOMAXPROCS %d; want 3 and 4", procs, runtime.GOMAXPROCS(0))
	}
	runtime.GOMAXPROCS(1)
	if procs := extraProc(unset); procs != 1 || runtime.GOMAXPROCS(0) != 2 {
		t.Errorf("1 P: flush procs %d, GOMAXPROCS %d; want 1 and 2", procs, runtime.GOMAXPROCS(0))
	}
	runtime.GOMAXPROCS(3)
	set := func(k string) (string, bool) { return "3", k == "GOMAXPROCS" }
	if procs := extraProc(set); procs != 2 || runtime.GOMAXPROCS(0) != 3 {
		t.Errorf("GOMAXPROCS=3 set: flush procs %d, GOMAXPROCS %d; want 2 and 3", procs, runtime.GOMAXPROCS(0))
	}
}

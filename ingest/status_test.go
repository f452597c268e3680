package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	memstore "github.com/otlp2parquet/otlp2parquet/storage/memory"
)

func TestClassify(t *testing.T) {
	// A real decoder error, through the Pipeline and on its own.
	_, badData := ingest.New(memstore.New(), ingest.Options{}).Export(context.Background(), ingest.Logs, []byte{0x0a, 0x05, 0x01}, ingest.Protobuf)
	if badData == nil {
		t.Fatal("truncated protobuf: ExportLogs succeeded")
	}
	var l otlp.Logs
	rawDecode := otlp.DecodeLogsJSON(&l, []byte(`{"resourceLogs":[}`))

	for _, c := range []struct {
		name      string
		err       error
		http      int
		grpc      int
		retryable bool
		after     bool
		msg       string // a substring of Message
		level     int
	}{
		{"success", nil, 200, 0, false, false, "", 0},
		{"bad data", badData, 400, 3, false, false, "otlp: invalid protobuf", ingest.LevelWarn},
		{"decoder error", rawDecode, 400, 3, false, false, "otlp: invalid json", ingest.LevelWarn},
		{"wrapped bad data", fmt.Errorf("otlphttp: %w", &ingest.BadDataError{Err: errors.New("gzip: invalid header")}), 400, 3, false, false, "gzip: invalid header", ingest.LevelWarn},
		{"too large", fmt.Errorf("body over 10 bytes: %w", ingest.ErrTooLarge), 413, 8, false, false, "body over 10 bytes", ingest.LevelWarn},
		{"unauthenticated", ingest.ErrUnauthenticated, 401, 16, false, false, "unauthenticated", ingest.LevelWarn},
		{"unsupported", fmt.Errorf("%w: Content-Type text/plain", ingest.ErrUnsupportedMediaType), 415, 3, false, false, "text/plain", ingest.LevelWarn},
		{"overloaded", ingest.ErrOverloaded, 503, 14, true, true, "retry later", ingest.LevelDebug},
		{"storage", fmt.Errorf("ingest: store: %w", errors.New("s3: put \"logs/x\": connection refused")), 503, 14, true, true, "retry later", ingest.LevelError},
		{"canceled", fmt.Errorf("ingest: store: %w", context.Canceled), 499, 1, false, false, "canceled", ingest.LevelDebug},
		{"deadline", fmt.Errorf("ingest: store: %w", context.DeadlineExceeded), 504, 4, true, false, "deadline", ingest.LevelError},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := ingest.Classify(c.err)
			if o.HTTPStatus != c.http || o.GRPCCode != c.grpc || o.Retryable != c.retryable {
				t.Errorf("Classify(%v) = HTTP %d gRPC %d retryable %v, want %d %d %v", c.err, o.HTTPStatus, o.GRPCCode, o.Retryable, c.http, c.grpc, c.retryable)
			}
			if (o.RetryAfter > 0) != c.after {
				t.Errorf("Classify(%v).RetryAfter = %v", c.err, o.RetryAfter)
			}
			if o.Level != c.level {
				t.Errorf("Classify(%v).Level = %d, want %d", c.err, o.Level, c.level)
			}
			if !strings.Contains(o.Message, c.msg) {
				t.Errorf("Classify(%v).Message = %q, want it to contain %q", c.err, o.Message, c.msg)
			}
			// The OTLP/HTTP rule: only these are retried.
			httpRetryable := o.HTTPStatus == 429 || o.HTTPStatus == 502 || o.HTTPStatus == 503 || o.HTTPStatus == 504
			if o.Retryable != httpRetryable {
				t.Errorf("HTTP %d with Retryable %v breaks the OTLP retry rule", o.HTTPStatus, o.Retryable)
			}
			if o.RetryAfter > 0 && o.HTTPStatus != 429 && o.HTTPStatus != 503 {
				t.Errorf("Retry-After on HTTP %d: clients only read it on 429 and 503", o.HTTPStatus)
			}
		})
	}
}

// Failures of this side must not tell clients about the bucket.
func TestClassifyHidesInternalErrors(t *testing.T) {
	o := ingest.Classify(errors.New("s3: put \"logs/secret-bucket/x\": dial tcp 10.0.0.7:9000: connection refused"))
	if strings.Contains(o.Message, "secret") || strings.Contains(o.Message, "10.0.0.7") {
		t.Errorf("Message %q leaks the internal error", o.Message)
	}
	if o.RetryAfter < time.Second {
		t.Errorf("RetryAfter %v: want whole seconds for the header", o.RetryAfter)
	}
}

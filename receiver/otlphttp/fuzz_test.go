package otlphttp_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/receiver/otlphttp"
	"github.com/otlp2parquet/otlp2parquet/storage"
	memstore "github.com/otlp2parquet/otlp2parquet/storage/memory"
)

// countingBucket keeps no data, only the number of objects, so that the
// fuzzer does not slow down as they pile up.
type countingBucket struct {
	storage.Bucket
	n atomic.Int64
}

func (b *countingBucket) Put(ctx context.Context, key string, data []byte) error {
	if err := storage.ValidKey(key); err != nil {
		return err
	}
	b.n.Add(1)
	return nil
}

func (b *countingBucket) Delete(ctx context.Context, key string) error {
	b.n.Add(-1)
	return nil
}

// FuzzHTTPHandler sends arbitrary bodies under arbitrary Content-Type and
// Content-Encoding headers. The handler must not panic, must answer every
// client mistake with a 4xx (the memory bucket never fails, so no 5xx at
// all), must store nothing when it refuses a request, and must answer 200
// with a response the official types read.
func FuzzHTTPHandler(f *testing.F) {
	pb := encodeProto(f, logsRequest(2, "checkout", "cart"))
	js := encodeJSON(f, logsRequest(2, "checkout"))
	f.Add(pb, ctProto, "")
	f.Add(js, ctJSON, "")
	f.Add(otlptest.Gzip(f, pb), ctProto, "gzip")
	f.Add(otlptest.Zstd(f, js), "application/json; charset=utf-8", "zstd")
	f.Add(pb[:len(pb)-3], ctProto, "identity")
	f.Add(js, "text/plain", "")
	f.Add(js, ctJSON, "br")
	f.Add([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"18446744073709551615"}]}]}]}`), ctJSON, "")

	bucket := &countingBucket{Bucket: memstore.New()}
	h := otlphttp.New(ingest.New(bucket, ingest.Options{}), otlphttp.Options{Logger: quiet, MaxBodyBytes: 1 << 20})
	f.Fuzz(func(t *testing.T, body []byte, contentType, encoding string) {
		before := bucket.n.Load()
		req := httptest.NewRequest(http.MethodPost, "/v1/logs", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Content-Encoding", encoding)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		r := reply{rec.Code, rec.Header(), rec.Body.Bytes()}

		stored := bucket.n.Load() - before
		switch {
		case r.status == 200:
			parseResponse(t, r)
		case r.status >= 400 && r.status < 500:
			if stored != 0 {
				t.Fatalf("status %d but %d objects stored", r.status, stored)
			}
			if st := parseStatus(t, r); st.GetMessage() == "" {
				t.Fatalf("status %d without a message", r.status)
			}
		default:
			t.Fatalf("status %d: %q", r.status, r.body)
		}
	})
}

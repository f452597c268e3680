package exchange_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/receiver/exchange"
)

func header(rep *exchange.Reply, name string) string {
	for _, h := range rep.Header {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

// Admit checks path, method, token, content type, encoding and length in
// that order: a request wrong in several ways gets the first answer.
func TestAdmit(t *testing.T) {
	r := exchange.New(exchange.Options{AuthToken: "tok", MaxBodyBytes: 100, Encodings: []exchange.Encoding{exchange.Gzip}})
	ok := exchange.Request{Method: "POST", Path: "/v1/logs", ContentType: "application/json", Authorization: "Bearer tok", ContentLength: -1}
	cases := []struct {
		name   string
		change func(*exchange.Request)
		status int
		kind   exchange.Kind
		msg    string
		header string
	}{
		{"path first", func(q *exchange.Request) { q.Path, q.Method, q.Authorization = "/v1/profiles", "GET", "" }, 404, exchange.Refused, "not found", ""},
		{"method before token", func(q *exchange.Request) { q.Method, q.Authorization = "PUT", "" }, 405, exchange.Refused, "method PUT", "Allow"},
		{"token before content type", func(q *exchange.Request) { q.Authorization, q.ContentType = "Bearer nope", "text/plain" }, 401, exchange.Failed, "bearer token", "WWW-Authenticate"},
		{"content type", func(q *exchange.Request) { q.ContentType = "text/plain" }, 415, exchange.Failed, `"text/plain"`, ""},
		{"encoding not taken here", func(q *exchange.Request) { q.ContentEncoding = "zstd" }, 415, exchange.Failed, `\"zstd\"; want gzip or none`, ""},
		{"unknown encoding", func(q *exchange.Request) { q.ContentEncoding = "br" }, 415, exchange.Failed, `\"br\"`, ""},
		{"too long", func(q *exchange.Request) { q.ContentLength = 101 }, 413, exchange.Failed, "101 bytes is over the limit of 100", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := ok
			c.change(&q)
			_, rep := r.Admit(q)
			if rep == nil {
				t.Fatal("admitted")
			}
			if rep.Status != c.status || rep.Kind != c.kind || !bytes.Contains(rep.Body, []byte(c.msg)) {
				t.Errorf("got %d kind %d %q, want %d kind %d with %q", rep.Status, rep.Kind, rep.Body, c.status, c.kind, c.msg)
			}
			if c.header != "" && header(rep, c.header) == "" {
				t.Errorf("no %s header", c.header)
			}
		})
	}
	adm, rep := r.Admit(exchange.Request{Method: "POST", Path: "/v1/logs", ContentType: "application/x-protobuf",
		ContentEncoding: "X-GZIP", Authorization: "bearer tok", ContentLength: 1000})
	if rep != nil || adm.Format != exchange.Protobuf || adm.Encoding != exchange.Gzip {
		t.Fatalf("Admit = %+v, %+v; want protobuf gzip (the length of a compressed body is not its size)", adm, rep)
	}
}

func TestReplies(t *testing.T) {
	rep := exchange.Success(ingest.Logs, exchange.JSON, ingest.Result{Rejected: 2, Message: "two too old"})
	if rep.Status != 200 || rep.ContentType() != "application/json" || string(rep.Body) != `{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"two too old"}}` {
		t.Errorf("Success = %d %s %s", rep.Status, rep.ContentType(), rep.Body)
	}
	rep = exchange.Failure(exchange.Protobuf, errors.New("r2: put: connection reset"))
	if rep.Status != 503 || header(rep, "Retry-After") != "5" || rep.Level() != exchange.LevelError ||
		!bytes.Equal(rep.Body, otlp.AppendStatusProto(nil, 14, "the data could not be stored: retry later")) {
		t.Errorf("Failure(storage) = %d Retry-After %q level %d %q", rep.Status, header(rep, "Retry-After"), rep.Level(), rep.Body)
	}
	rep = exchange.Failure(exchange.JSON, fmt.Errorf("log full: %w", ingest.ErrOverloaded))
	if rep.Status != 503 || header(rep, "Retry-After") == "" || rep.Level() != exchange.LevelDebug {
		t.Errorf("Failure(overloaded) = %d Retry-After %q level %d", rep.Status, header(rep, "Retry-After"), rep.Level())
	}
	rep = exchange.Failure(exchange.Unknown, &ingest.BadDataError{Err: errors.New("bad")})
	if rep.Status != 400 || rep.ContentType() != "application/x-protobuf" || rep.Level() != exchange.LevelWarn || header(rep, "Retry-After") != "" {
		t.Errorf("Failure(bad data) = %d %s level %d", rep.Status, rep.ContentType(), rep.Level())
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestBodyReader(t *testing.T) {
	ctx := context.Background()
	br := exchange.BodyReader{Max: 10}
	read := func(src string, enc exchange.Encoding) ([]byte, error) {
		raw := &exchange.RawReader{R: strings.NewReader(src)}
		return br.Read(ctx, nil, raw, raw, enc)
	}
	if b, err := read("0123456789", exchange.Identity); err != nil || string(b) != "0123456789" {
		t.Errorf("at the limit: %q, %v", b, err)
	}
	if _, err := read("0123456789A", exchange.Identity); !errors.Is(err, ingest.ErrTooLarge) || !strings.Contains(err.Error(), "body over the limit of 10 bytes") {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := read("0123456789A", exchange.Gzip); err == nil || !strings.Contains(err.Error(), "gzip body, decompressed, over") {
		t.Errorf("over the limit, compressed: %v", err)
	}
	var taken int64
	br.Take = func(n int64) error {
		if taken += n; taken > 4 {
			return fmt.Errorf("full: %w", ingest.ErrOverloaded)
		}
		return nil
	}
	if _, err := read("0123456789", exchange.Identity); !errors.Is(err, ingest.ErrOverloaded) {
		t.Errorf("Take's error: %v", err)
	}
	br.Take = nil
	raw := &exchange.RawReader{R: failingReader{errors.New("connection reset")}}
	_, err := br.Read(ctx, nil, raw, raw, exchange.Identity)
	if !ingest.IsBadData(err) || !strings.Contains(err.Error(), "reading the body: connection reset") {
		t.Errorf("transport error: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	raw = &exchange.RawReader{R: failingReader{errors.New("canceled")}}
	if _, err := br.Read(cctx, nil, raw, raw, exchange.Identity); !errors.Is(err, context.Canceled) {
		t.Errorf("transport error of a canceled request: %v", err)
	}
}

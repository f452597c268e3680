package otlphttp_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/receiver/admission"
	"github.com/otlp2parquet/otlp2parquet/receiver/internal/admittest"
	"github.com/otlp2parquet/otlp2parquet/receiver/otlphttp"
	"github.com/otlp2parquet/otlp2parquet/storage"
	memstore "github.com/otlp2parquet/otlp2parquet/storage/memory"
)

const (
	ctProto = "application/x-protobuf"
	ctJSON  = "application/json"
)

var quiet = slog.New(slog.DiscardHandler)

// logsRequest is a request of n records for each of the services, all in
// one hour of 2026.
func logsRequest(n int, services ...string) *collogspb.ExportLogsServiceRequest {
	req := &collogspb.ExportLogsServiceRequest{}
	ts := uint64(time.Date(2026, 11, 25, 17, 4, 5, 0, time.UTC).UnixNano())
	for _, svc := range services {
		var recs []*logspb.LogRecord
		for i := range n {
			recs = append(recs, &logspb.LogRecord{
				TimeUnixNano:   ts + uint64(i),
				SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_INFO,
				SeverityText:   "INFO",
				Body:           &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "hello " + svc}},
				TraceId:        bytes.Repeat([]byte{0xab}, 16),
				SpanId:         bytes.Repeat([]byte{0xcd}, 8),
			})
		}
		req.ResourceLogs = append(req.ResourceLogs, &logspb.ResourceLogs{
			Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{{
				Key: "service.name", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: svc}},
			}}},
			ScopeLogs: []*logspb.ScopeLogs{{LogRecords: recs}},
		})
	}
	return req
}

func encodeProto(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func encodeJSON(t testing.TB, req *collogspb.ExportLogsServiceRequest) []byte {
	t.Helper()
	b, err := otlptest.PdataJSON(req) // OTLP/JSON: hex ids, unlike protojson
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// failingBucket stores nothing from the nth Put on (1-based).
type failingBucket struct {
	storage.Bucket
	failFrom int
	puts     atomic.Int32
}

func (b *failingBucket) Put(ctx context.Context, key string, data []byte) error {
	if int(b.puts.Add(1)) >= b.failFrom {
		return errors.New("s3: put: connection refused")
	}
	return b.Bucket.Put(ctx, key, data)
}

func objects(t testing.TB, b storage.Bucket) []string {
	t.Helper()
	keys, err := b.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// reply is what a handler answered.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func do(h http.Handler, method, path string, hdr map[string]string, body io.Reader) reply {
	req := httptest.NewRequest(method, path, body)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if body == nil {
		req.ContentLength = 0
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return reply{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// parseResponse decodes an ExportLogsServiceResponse with the official
// types, in the encoding the Content-Type names.
func parseResponse(t testing.TB, r reply) *collogspb.ExportLogsServiceResponse {
	t.Helper()
	resp := &collogspb.ExportLogsServiceResponse{}
	var err error
	switch r.header.Get("Content-Type") {
	case ctProto:
		err = proto.Unmarshal(r.body, resp)
	case ctJSON:
		err = protojson.Unmarshal(r.body, resp)
	default:
		t.Fatalf("response Content-Type %q", r.header.Get("Content-Type"))
	}
	if err != nil {
		t.Fatalf("response %q does not parse as ExportLogsServiceResponse: %v", r.body, err)
	}
	return resp
}

func parseStatus(t testing.TB, r reply) *spb.Status {
	t.Helper()
	st := &spb.Status{}
	var err error
	switch r.header.Get("Content-Type") {
	case ctProto:
		err = proto.Unmarshal(r.body, st)
	case ctJSON:
		err = protojson.Unmarshal(r.body, st)
	default:
		t.Fatalf("response Content-Type %q", r.header.Get("Content-Type"))
	}
	if err != nil {
		t.Fatalf("response %q does not parse as google.rpc.Status: %v", r.body, err)
	}
	return st
}

func TestHandler(t *testing.T) {
	req := logsRequest(3, "checkout", "cart") // 2 partitions, 6 records
	pb := encodeProto(t, req)
	js := encodeJSON(t, req)

	past2262 := logsRequest(2, "checkout")
	past2262.ResourceLogs[0].ScopeLogs[0].LogRecords[1].TimeUnixNano = math.MaxUint64

	randomBytes := []byte("\xff\xfe\x00garbage that is not protobuf \x07\x08")
	truncated := pb[:len(pb)-5]
	big := encodeProto(t, logsRequest(200, "checkout"))

	gzipCorrupt := otlptest.Gzip(t, pb)
	gzipCorrupt[len(gzipCorrupt)/2] ^= 0xff

	type hdr = map[string]string
	cases := []struct {
		name    string
		opts    otlphttp.Options
		bucket  func() storage.Bucket // nil: memory
		method  string
		path    string
		hdr     hdr
		body    []byte
		chunked bool // no Content-Length

		status   int
		respType string // Content-Type of the response
		objects  int    // objects in the bucket afterwards
		rejected int64
		msg      string // in the Status message or partial_success
		header   hdr    // response headers that must be set
	}{
		{name: "protobuf", hdr: hdr{"Content-Type": ctProto}, body: pb, status: 200, respType: ctProto, objects: 2},
		{name: "json", hdr: hdr{"Content-Type": ctJSON}, body: js, status: 200, respType: ctJSON, objects: 2},
		{name: "json with charset, any case", hdr: hdr{"Content-Type": "Application/JSON; charset=utf-8"}, body: js, status: 200, respType: ctJSON, objects: 2},
		{name: "protobuf gzip", hdr: hdr{"Content-Type": ctProto, "Content-Encoding": "gzip"}, body: otlptest.Gzip(t, pb), status: 200, respType: ctProto, objects: 2},
		{name: "json gzip", hdr: hdr{"Content-Type": ctJSON, "Content-Encoding": "gzip"}, body: otlptest.Gzip(t, js), chunked: true, status: 200, respType: ctJSON, objects: 2},
		{name: "protobuf zstd", hdr: hdr{"Content-Type": ctProto, "Content-Encoding": "zstd"}, body: otlptest.Zstd(t, pb), status: 200, respType: ctProto, objects: 2},
		{name: "json zstd", hdr: hdr{"Content-Type": ctJSON, "Content-Encoding": "ZSTD"}, body: otlptest.Zstd(t, js), status: 200, respType: ctJSON, objects: 2},
		{name: "identity", hdr: hdr{"Content-Type": ctProto, "Content-Encoding": "identity"}, body: pb, chunked: true, status: 200, respType: ctProto, objects: 2},
		{name: "empty protobuf request", hdr: hdr{"Content-Type": ctProto}, status: 200, respType: ctProto},
		{name: "empty json request", hdr: hdr{"Content-Type": ctJSON}, body: []byte("{}"), status: 200, respType: ctJSON},

		{name: "partial success protobuf", hdr: hdr{"Content-Type": ctProto}, body: encodeProto(t, past2262), status: 200, respType: ctProto, objects: 1, rejected: 1, msg: "2262"},
		{name: "partial success json", hdr: hdr{"Content-Type": ctJSON}, body: encodeJSON(t, past2262), status: 200, respType: ctJSON, objects: 1, rejected: 1, msg: "2262"},

		{name: "random bytes", hdr: hdr{"Content-Type": ctProto}, body: randomBytes, status: 400, respType: ctProto, msg: "otlp: invalid protobuf"},
		{name: "truncated protobuf", hdr: hdr{"Content-Type": ctProto}, body: truncated, status: 400, respType: ctProto, msg: "(byte "},
		{name: "broken json", hdr: hdr{"Content-Type": ctJSON}, body: []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"x"}]}]}]}`), status: 400, respType: ctJSON, msg: "resourceLogs[0].scopeLogs[0].logRecords[0].timeUnixNano (byte 62)"},
		{name: "json cut short", hdr: hdr{"Content-Type": ctJSON}, body: js[:len(js)/2], status: 400, respType: ctJSON, msg: "otlp: invalid json"},
		{name: "corrupt gzip", hdr: hdr{"Content-Type": ctProto, "Content-Encoding": "gzip"}, body: gzipCorrupt, status: 400, respType: ctProto, msg: "gzip"},
		{name: "gzip header on plain body", hdr: hdr{"Content-Type": ctJSON, "Content-Encoding": "gzip"}, body: js, status: 400, respType: ctJSON, msg: "invalid gzip body"},
		{name: "corrupt zstd", hdr: hdr{"Content-Type": ctProto, "Content-Encoding": "zstd"}, body: pb, status: 400, respType: ctProto, msg: "invalid zstd body"},

		{name: "wrong content type", hdr: hdr{"Content-Type": "text/plain"}, body: pb, status: 415, respType: ctProto, msg: "text/plain"},
		{name: "no content type", body: pb, status: 415, respType: ctProto, msg: "Content-Type"},
		{name: "unknown encoding", hdr: hdr{"Content-Type": ctJSON, "Content-Encoding": "br"}, body: js, status: 415, respType: ctJSON, msg: `"br"`},
		{name: "wrong method", method: http.MethodGet, hdr: hdr{"Content-Type": ctProto}, status: 405, respType: ctProto, header: hdr{"Allow": "POST"}},
		{name: "empty traces", path: "/v1/traces", hdr: hdr{"Content-Type": ctJSON}, body: []byte("{}"), status: 200, respType: ctJSON},
		{name: "logs to traces", path: "/v1/traces", hdr: hdr{"Content-Type": ctProto}, body: pb, status: 400, respType: ctProto, msg: "resource_spans[0]"},
		{name: "empty metrics", path: "/v1/metrics", hdr: hdr{"Content-Type": ctProto}, status: 200, respType: ctProto},
		{name: "logs JSON to metrics: an unknown field, ignored", path: "/v1/metrics", hdr: hdr{"Content-Type": ctJSON}, body: js, status: 200, respType: ctJSON},
		{name: "other path", path: "/v1/logs/x", hdr: hdr{"Content-Type": ctProto}, status: 404, respType: ctProto, msg: "not found"},

		{name: "over limit", opts: otlphttp.Options{MaxBodyBytes: 1000}, hdr: hdr{"Content-Type": ctProto}, body: big, status: 413, respType: ctProto, msg: "limit of 1000 bytes"},
		{name: "over limit chunked", opts: otlphttp.Options{MaxBodyBytes: 1000}, hdr: hdr{"Content-Type": ctProto}, body: big, chunked: true, status: 413, respType: ctProto, msg: "limit of 1000 bytes"},
		{name: "over limit after gzip", opts: otlphttp.Options{MaxBodyBytes: 1000}, hdr: hdr{"Content-Type": ctProto, "Content-Encoding": "gzip"}, body: otlptest.Gzip(t, big), status: 413, respType: ctProto, msg: "decompressed"},
		{name: "at the limit", opts: otlphttp.Options{MaxBodyBytes: int64(len(pb))}, hdr: hdr{"Content-Type": ctProto, "Content-Encoding": "gzip"}, body: otlptest.Gzip(t, pb), status: 200, respType: ctProto, objects: 2},

		{name: "token missing", opts: otlphttp.Options{AuthToken: "s3cret"}, hdr: hdr{"Content-Type": ctProto}, body: pb, status: 401, respType: ctProto, msg: "bearer token", header: hdr{"WWW-Authenticate": `Bearer realm="otlp2parquet"`}},
		{name: "token wrong", opts: otlphttp.Options{AuthToken: "s3cret"}, hdr: hdr{"Content-Type": ctJSON, "Authorization": "Bearer s3cre"}, body: js, status: 401, respType: ctJSON, msg: "bearer token"},
		{name: "token right", opts: otlphttp.Options{AuthToken: "s3cret"}, hdr: hdr{"Content-Type": ctProto, "Authorization": "Bearer s3cret"}, body: pb, status: 200, respType: ctProto, objects: 2},

		{name: "storage failure", bucket: func() storage.Bucket { return &failingBucket{Bucket: memstore.New(), failFrom: 2} },
			hdr: hdr{"Content-Type": ctProto}, body: pb, status: 503, respType: ctProto, msg: "retry later", header: hdr{"Retry-After": "5"}},
		{name: "storage failure json", bucket: func() storage.Bucket { return &failingBucket{Bucket: memstore.New(), failFrom: 1} },
			hdr: hdr{"Content-Type": ctJSON}, body: js, status: 503, respType: ctJSON, msg: "retry later", header: hdr{"Retry-After": "5"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var bucket storage.Bucket = memstore.New()
			if c.bucket != nil {
				bucket = c.bucket()
			}
			c.opts.Logger = quiet
			h := otlphttp.New(ingest.New(bucket, ingest.Options{}), c.opts)
			method, path := c.method, c.path
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = "/v1/logs"
			}
			var body io.Reader = bytes.NewReader(c.body)
			if c.chunked {
				body = io.MultiReader(bytes.NewReader(c.body)) // hides the length
			}
			r := do(h, method, path, c.hdr, body)

			if r.status != c.status {
				t.Fatalf("status %d, want %d; body %q", r.status, c.status, r.body)
			}
			if got := r.header.Get("Content-Type"); got != c.respType {
				t.Errorf("Content-Type %q, want %q", got, c.respType)
			}
			for k, v := range c.header {
				if got := r.header.Get(k); got != v {
					t.Errorf("header %s: %q, want %q", k, got, v)
				}
			}
			if c.status != 503 && c.status != 429 && r.header.Get("Retry-After") != "" {
				t.Errorf("Retry-After on %d", c.status)
			}
			var keys []string
			if fb, ok := bucket.(*failingBucket); ok {
				keys = objects(t, fb.Bucket)
			} else {
				keys = objects(t, bucket)
			}
			if len(keys) != c.objects {
				t.Errorf("%d objects stored, want %d: %v", len(keys), c.objects, keys)
			}

			if c.status == 200 {
				resp := parseResponse(t, r)
				ps := resp.GetPartialSuccess()
				if c.rejected == 0 && ps != nil {
					t.Errorf("full success with partial_success set: %v", ps)
				}
				if ps.GetRejectedLogRecords() != c.rejected || !strings.Contains(ps.GetErrorMessage(), c.msg) {
					t.Errorf("partial_success %v, want %d rejected, message containing %q", ps, c.rejected, c.msg)
				}
				return
			}
			st := parseStatus(t, r)
			if !strings.Contains(st.GetMessage(), c.msg) || st.GetMessage() == "" {
				t.Errorf("Status message %q, want it to contain %q", st.GetMessage(), c.msg)
			}
			if st.GetCode() == 0 {
				t.Errorf("Status code 0 on HTTP %d", c.status)
			}
		})
	}
}

// Each service of the request lands in its own Parquet object under its key.
func TestStoredObjects(t *testing.T) {
	bucket := memstore.New()
	h := otlphttp.New(ingest.New(bucket, ingest.Options{}), otlphttp.Options{Logger: quiet})
	r := do(h, http.MethodPost, "/v1/logs", map[string]string{"Content-Type": ctProto, "Content-Encoding": "zstd"},
		bytes.NewReader(otlptest.Zstd(t, encodeProto(t, logsRequest(5, "a", "b", "c")))))
	if r.status != 200 {
		t.Fatalf("status %d: %q", r.status, r.body)
	}
	keys := objects(t, bucket)
	if len(keys) != 3 {
		t.Fatalf("objects %v, want one per service", keys)
	}
	for i, svc := range []string{"a", "b", "c"} {
		if !strings.HasPrefix(keys[i], "logs/"+svc+"/year=2026/month=11/day=25/hour=17/") {
			t.Errorf("key %q: want service %s, 2026-11-25 17h", keys[i], svc)
		}
		data, err := bucket.Get(context.Background(), keys[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte("PAR1")) || !bytes.HasSuffix(data, []byte("PAR1")) {
			t.Errorf("%s is not a Parquet file", keys[i])
		}
	}
}

// blockingBucket holds every Put until release is closed.
type blockingBucket struct {
	storage.Bucket
	entered chan struct{}
	release chan struct{}
}

func (b *blockingBucket) Put(ctx context.Context, key string, data []byte) error {
	b.entered <- struct{}{}
	<-b.release
	return b.Bucket.Put(ctx, key, data)
}

func TestOverloaded(t *testing.T) {
	bucket := &blockingBucket{Bucket: memstore.New(), entered: make(chan struct{}, 1), release: make(chan struct{})}
	first := encodeProto(t, logsRequest(300, "checkout"))
	second := encodeProto(t, logsRequest(300, "cart"))
	h := otlphttp.New(ingest.New(bucket, ingest.Options{}), otlphttp.Options{
		Logger:           quiet,
		MaxBodyBytes:     int64(len(first)) * 3 / 2,
		MaxInFlightBytes: int64(len(first)) * 3 / 2,
	})
	hdr := map[string]string{"Content-Type": ctProto}

	var wg sync.WaitGroup
	var firstReply reply
	wg.Go(func() { firstReply = do(h, http.MethodPost, "/v1/logs", hdr, bytes.NewReader(first)) })
	<-bucket.entered // the first request holds its body while it stores

	r := do(h, http.MethodPost, "/v1/logs", hdr, bytes.NewReader(second))
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "1" {
		t.Errorf("second request while the first holds the memory: status %d Retry-After %q, want 503 and 1", r.status, r.header.Get("Retry-After"))
	}
	if st := parseStatus(t, r); st.GetCode() != 14 || !strings.Contains(st.GetMessage(), "overloaded") {
		t.Errorf("Status %v, want UNAVAILABLE saying overloaded", st)
	}
	close(bucket.release)
	wg.Wait()
	if firstReply.status != 200 {
		t.Fatalf("first request: %d %q", firstReply.status, firstReply.body)
	}
	// The memory is given back: the same request now passes.
	bucket.entered = make(chan struct{}, 1)
	if r := do(h, http.MethodPost, "/v1/logs", hdr, bytes.NewReader(second)); r.status != 200 {
		t.Errorf("after the first finished: status %d %q, want 200", r.status, r.body)
	}
}

// repeatReader streams head, then body count times, then tail, without
// holding the whole in memory, and counts what was read.
type repeatReader struct {
	head, body, tail []byte
	count            int
	cur              []byte
	stage            int
	read             int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		switch {
		case r.stage == 0:
			r.cur = r.head
		case r.stage <= r.count:
			r.cur = r.body
		case r.stage == r.count+1:
			r.cur = r.tail
		default:
			return 0, io.EOF
		}
		r.stage++
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	r.read += int64(n)
	return n, nil
}

func (r *repeatReader) size() int64 {
	return int64(len(r.head)) + int64(r.count)*int64(len(r.body)) + int64(len(r.tail))
}

const (
	bombChunk = 1 << 20 // zeros per repeated piece
	bombCount = 1024    // 1 GiB decompressed
)

// gzipBomb is one gzip member holding count MiB of zeros: the deflate blocks
// of 1 MiB of zeros, flushed so that they end on a byte boundary and are not
// final, repeated (they only refer back to zeros), then a final empty block
// and the trailer.
func gzipBomb(t testing.TB, count int) *repeatReader {
	zeros := make([]byte, bombChunk)
	var chunk bytes.Buffer
	fw, err := flate.NewWriter(&chunk, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(zeros); err != nil {
		t.Fatal(err)
	}
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	crc := uint32(0)
	for range count {
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	head := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}
	tail := []byte{0x03, 0x00} // final fixed-Huffman block with no data
	tail = binary.LittleEndian.AppendUint32(tail, crc)
	tail = binary.LittleEndian.AppendUint32(tail, uint32(int64(count)*bombChunk))
	return &repeatReader{head: head, body: chunk.Bytes(), tail: tail, count: count}
}

// zstdBomb is count zstd frames of 1 MiB of zeros each (a valid stream of
// concatenated frames).
func zstdBomb(t testing.TB, count int) *repeatReader {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return &repeatReader{body: enc.EncodeAll(make([]byte, bombChunk), nil), count: count}
}

// The bombs are what they claim: small ones decompress to count MiB of zeros.
func TestBombsAreValid(t *testing.T) {
	zr, err := gzip.NewReader(gzipBomb(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, zr)
	if err != nil || n != 3*bombChunk {
		t.Fatalf("gzip bomb of 3: %d bytes, %v; want %d", n, err, 3*bombChunk)
	}
	zd, err := zstd.NewReader(zstdBomb(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	defer zd.Close()
	n, err = io.Copy(io.Discard, zd)
	if err != nil || n != 3*bombChunk {
		t.Fatalf("zstd bomb of 3: %d bytes, %v; want %d", n, err, 3*bombChunk)
	}
}

func TestBombs(t *testing.T) {
	const limit = 1 << 20
	for _, c := range []struct {
		enc  string
		bomb func(testing.TB, int) *repeatReader
	}{{"gzip", gzipBomb}, {"zstd", zstdBomb}} {
		t.Run(c.enc, func(t *testing.T) {
			bomb := c.bomb(t, bombCount)
			bucket := memstore.New()
			h := otlphttp.New(ingest.New(bucket, ingest.Options{}), otlphttp.Options{Logger: quiet, MaxBodyBytes: limit})
			req := httptest.NewRequest(http.MethodPost, "/v1/logs", bomb)
			req.Header.Set("Content-Type", ctProto)
			req.Header.Set("Content-Encoding", c.enc)
			rec := httptest.NewRecorder()

			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			h.ServeHTTP(rec, req)
			runtime.ReadMemStats(&after)

			if rec.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413: %q", rec.Code, rec.Body.Bytes())
			}
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s bomb of %d MiB (%d bytes compressed): read %d bytes, allocated %d bytes", c.enc, bombCount, bomb.size(), bomb.read, allocated)
			// The body buffer doubles up to the limit (2x), plus the
			// decompressor's state; a handler without the limit reads 1 GiB.
			if allocated > 8*limit {
				t.Errorf("allocated %d bytes for a %d-byte limit", allocated, limit)
			}
			if bomb.read > bomb.size()/100 {
				t.Errorf("read %d of %d compressed bytes: the handler did not stop at the limit", bomb.read, bomb.size())
			}
			if keys := objects(t, bucket); len(keys) != 0 {
				t.Errorf("stored %v", keys)
			}
		})
	}
}

// A zstd frame asking for a window over MaxZstdWindow is refused before the
// decoder allocates it.
func TestZstdWindowTooLarge(t *testing.T) {
	// A frame written by hand: no content size, not single-segment, window
	// descriptor 0x80 (2^(10+16) = 64 MiB), one raw last block holding body.
	body := encodeProto(t, logsRequest(3, "a"))
	frame := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x80}
	bh := uint32(1 | len(body)<<3) // last block, raw, size
	frame = append(frame, byte(bh), byte(bh>>8), byte(bh>>16))
	frame = append(frame, body...)

	// The frame is valid: a decoder allowing the window reads it.
	dec, err := zstd.NewReader(bytes.NewReader(frame), zstd.WithDecoderMaxWindow(128<<20))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(dec)
	dec.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("hand-made frame does not decode: %v", err)
	}

	h := otlphttp.New(ingest.New(memstore.New(), ingest.Options{}), otlphttp.Options{Logger: quiet})
	r := do(h, http.MethodPost, "/v1/logs", map[string]string{"Content-Type": ctProto, "Content-Encoding": "zstd"}, bytes.NewReader(frame))
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413: %q", r.status, r.body)
	}
	if st := parseStatus(t, r); !strings.Contains(st.GetMessage(), "window") {
		t.Errorf("message %q: want it to name the window", st.GetMessage())
	}
}

// Requests one after another reuse pooled buffers and decoders: each must see
// only its own body.
func TestPooledStateIsolated(t *testing.T) {
	bucket := memstore.New()
	h := otlphttp.New(ingest.New(bucket, ingest.Options{}), otlphttp.Options{Logger: quiet})
	var wg sync.WaitGroup
	var bad atomic.Int32
	for i := range 8 {
		wg.Go(func() {
			for j := range 10 {
				n := 1 + (i*7+j)%13
				body := encodeProto(t, logsRequest(n, "svc"))
				hdr := map[string]string{"Content-Type": ctProto}
				switch j % 3 {
				case 1:
					hdr["Content-Encoding"], body = "gzip", otlptest.Gzip(t, body)
				case 2:
					hdr["Content-Encoding"], body = "zstd", otlptest.Zstd(t, body)
				}
				if j%4 == 3 {
					body = body[:len(body)-1] // a bad one in between
					if r := do(h, http.MethodPost, "/v1/logs", hdr, bytes.NewReader(body)); r.status != 400 {
						bad.Add(1)
					}
					continue
				}
				if r := do(h, http.MethodPost, "/v1/logs", hdr, bytes.NewReader(body)); r.status != 200 {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d requests got the wrong status", bad.Load())
	}
}

// An exporter that can refuse a request by its declared size is asked
// before the body is read: a refusal is a 503 that reads nothing.
func TestAdmitBeforeReading(t *testing.T) {
	body := encodeProto(t, logsRequest(50, "checkout"))
	a := admittest.NewAdmitter(ingest.New(memstore.New(), ingest.Options{}), int64(len(body))-1)
	h := otlphttp.New(a, otlphttp.Options{Logger: quiet})
	hdr := map[string]string{"Content-Type": ctProto}

	rr := &repeatReader{body: body, count: 1}
	req := httptest.NewRequest(http.MethodPost, "/v1/logs", rr)
	req.ContentLength = rr.size()
	req.Header.Set("Content-Type", ctProto)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := reply{rec.Code, rec.Header(), rec.Body.Bytes()}
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Errorf("refused by Admit: status %d Retry-After %q, want 503 with Retry-After", r.status, r.header.Get("Retry-After"))
	}
	if rr.read != 0 {
		t.Errorf("%d bytes of the refused body read, want none", rr.read)
	}
	if asked := a.Asked(); len(asked) != 1 || asked[0] != int64(len(body)) {
		t.Errorf("Admit asked %v, want [%d]", asked, len(body))
	}

	a.SetMax(int64(len(body)))
	if r := do(h, http.MethodPost, "/v1/logs", hdr, bytes.NewReader(body)); r.status != 200 {
		t.Errorf("admitted: status %d %q", r.status, r.body)
	}
	// Without a declared length (chunked) there is nothing to ask.
	req = httptest.NewRequest(http.MethodPost, "/v1/logs", io.NopCloser(bytes.NewReader(body)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", ctProto)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || len(a.Asked()) != 2 {
		t.Errorf("chunked: status %d, Admit asked %v", rec.Code, a.Asked())
	}
}

// TestSharedInFlight: with Options.InFlight the bound is the one given,
// which other receivers of the server draw from too.
func TestSharedInFlight(t *testing.T) {
	body := encodeProto(t, logsRequest(10, "checkout"))
	size := int64(len(body))
	shared := admission.NewLimiter(2 * size)
	h := otlphttp.New(ingest.New(memstore.New(), ingest.Options{}), otlphttp.Options{Logger: quiet, MaxInFlightBytes: -1, InFlight: shared})
	hdr := map[string]string{"Content-Type": ctProto}
	if !shared.TryAcquire(size + 1) { // what a gRPC call holds
		t.Fatal("TryAcquire on an empty limiter failed")
	}
	if r := do(h, http.MethodPost, "/v1/logs", hdr, bytes.NewReader(body)); r.status != http.StatusServiceUnavailable {
		t.Errorf("request while the shared bound is taken: status %d, want 503", r.status)
	}
	shared.Release(size + 1)
	if r := do(h, http.MethodPost, "/v1/logs", hdr, bytes.NewReader(body)); r.status != 200 {
		t.Errorf("after the other receiver's call ended: status %d %q, want 200", r.status, r.body)
	}
	if n := shared.InUse(); n != 0 {
		t.Errorf("%d bytes still held after the requests ended", n)
	}
}

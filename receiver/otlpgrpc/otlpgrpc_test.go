package otlpgrpc_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/receiver/admission"
	"github.com/otlp2parquet/otlp2parquet/receiver/internal/admittest"
	"github.com/otlp2parquet/otlp2parquet/receiver/otlpgrpc"
	"github.com/otlp2parquet/otlp2parquet/storage"
	memstore "github.com/otlp2parquet/otlp2parquet/storage/memory"
)

var quiet = slog.New(slog.DiscardHandler)

func logsRequest(n int, services ...string) *collogspb.ExportLogsServiceRequest {
	req := &collogspb.ExportLogsServiceRequest{}
	ts := uint64(time.Date(2026, 11, 25, 17, 4, 5, 0, time.UTC).UnixNano())
	for _, svc := range services {
		var recs []*logspb.LogRecord
		for i := range n {
			recs = append(recs, &logspb.LogRecord{
				TimeUnixNano: ts + uint64(i),
				SeverityText: "INFO",
				Body:         &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: strings.Repeat("hello ", 10) + svc}},
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

// serve starts the receiver on an in-memory listener and returns a client
// connection to it.
func serve(t *testing.T, bucket storage.Bucket, opts otlpgrpc.Options) *grpc.ClientConn {
	t.Helper()
	return serveExporter(t, ingest.New(bucket, ingest.Options{}), opts)
}

func serveExporter(t *testing.T, p ingest.Exporter, opts otlpgrpc.Options) *grpc.ClientConn {
	t.Helper()
	opts.Logger = quiet
	srv := otlpgrpc.NewServer(p, opts)
	lis := bufconn.Listen(1 << 20)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///otlp",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(math.MaxInt32)),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		srv.Stop()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return conn
}

func objects(t *testing.T, b storage.Bucket) []string {
	t.Helper()
	keys, err := b.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

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

func TestExport(t *testing.T) {
	past2262 := logsRequest(2, "checkout")
	past2262.ResourceLogs[0].ScopeLogs[0].LogRecords[0].TimeUnixNano = math.MaxUint64
	badTraceID := logsRequest(2, "checkout")
	badTraceID.ResourceLogs[0].ScopeLogs[0].LogRecords[1].TraceId = []byte{1, 2, 3, 4, 5}
	big := logsRequest(200, "checkout")

	authed := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer s3cret")
	wrongToken := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer nope")

	for _, c := range []struct {
		name     string
		opts     otlpgrpc.Options
		bucket   *failingBucket // nil: memory
		ctx      context.Context
		req      *collogspb.ExportLogsServiceRequest
		callOpts []grpc.CallOption

		code     codes.Code
		msg      string
		objects  int
		rejected int64
	}{
		{name: "success", req: logsRequest(3, "checkout", "cart"), objects: 2},
		{name: "gzip", req: logsRequest(3, "checkout", "cart"), callOpts: []grpc.CallOption{grpc.UseCompressor(gzip.Name)}, objects: 2},
		{name: "empty request", req: &collogspb.ExportLogsServiceRequest{}},
		{name: "partial success", req: past2262, objects: 1, rejected: 1, msg: "2262"},
		{name: "bad data", req: badTraceID, code: codes.InvalidArgument, msg: "resource_logs[0].scope_logs[0].log_records[1].trace_id"},
		{name: "too large", opts: otlpgrpc.Options{MaxRecvMsgSize: 1000}, req: big, code: codes.ResourceExhausted, msg: "larger than max"},
		{name: "too large after gzip", opts: otlpgrpc.Options{MaxRecvMsgSize: 1000}, req: big, callOpts: []grpc.CallOption{grpc.UseCompressor(gzip.Name)}, code: codes.ResourceExhausted, msg: "after decompression"},
		{name: "token missing", opts: otlpgrpc.Options{AuthToken: "s3cret"}, req: logsRequest(1, "a"), code: codes.Unauthenticated, msg: "bearer token"},
		{name: "token wrong", opts: otlpgrpc.Options{AuthToken: "s3cret"}, ctx: wrongToken, req: logsRequest(1, "a"), code: codes.Unauthenticated, msg: "bearer token"},
		{name: "token right", opts: otlpgrpc.Options{AuthToken: "s3cret"}, ctx: authed, req: logsRequest(1, "a"), objects: 1},
		{name: "storage failure", bucket: &failingBucket{Bucket: memstore.New(), failFrom: 2}, req: logsRequest(3, "checkout", "cart"), code: codes.Unavailable, msg: "retry later"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var bucket storage.Bucket = memstore.New()
			inner := bucket
			if c.bucket != nil {
				bucket, inner = c.bucket, c.bucket.Bucket
			}
			client := collogspb.NewLogsServiceClient(serve(t, bucket, c.opts))
			ctx := c.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			resp, err := client.Export(ctx, c.req, c.callOpts...)
			if got := status.Code(err); got != c.code {
				t.Fatalf("code %v (%v), want %v", got, err, c.code)
			}
			if keys := objects(t, inner); len(keys) != c.objects {
				t.Errorf("%d objects stored, want %d: %v", len(keys), c.objects, keys)
			}
			if err != nil {
				if msg := status.Convert(err).Message(); !strings.Contains(msg, c.msg) {
					t.Errorf("message %q, want it to contain %q", msg, c.msg)
				}
				return
			}
			ps := resp.GetPartialSuccess()
			if c.rejected == 0 && ps != nil {
				t.Errorf("full success with partial_success %v", ps)
			}
			if ps.GetRejectedLogRecords() != c.rejected || !strings.Contains(ps.GetErrorMessage(), c.msg) {
				t.Errorf("partial_success %v, want %d rejected, message with %q", ps, c.rejected, c.msg)
			}
		})
	}
}

// rawClientCodec sends bytes as they are, to send what no official client would.
type rawClientCodec struct{}

func (rawClientCodec) Name() string { return "proto" }
func (rawClientCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}
func (rawClientCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func TestExportRawBytes(t *testing.T) {
	bucket := memstore.New()
	conn := serve(t, bucket, otlpgrpc.Options{})
	invoke := func(in []byte) ([]byte, error) {
		var out []byte
		err := conn.Invoke(context.Background(), "/"+otlpgrpc.ServiceName+"/Export", &in, &out, grpc.ForceCodecV2(rawClientCodec{}))
		return out, err
	}
	_, err := invoke([]byte("\xff\xfe random bytes, not protobuf"))
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), "(byte ") {
		t.Errorf("random bytes: %v, want INVALID_ARGUMENT naming the byte offset", err)
	}
	// A message larger than one gRPC buffer arrives in pieces.
	buf := &bytes.Buffer{}
	req := logsRequest(2000, "big")
	b, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(b)
	out, err := invoke(buf.Bytes())
	if err != nil {
		t.Fatalf("%d-byte request: %v", buf.Len(), err)
	}
	if len(out) != 0 {
		t.Errorf("response %x, want empty (no partial_success)", out)
	}
	if keys := objects(t, bucket); len(keys) != 1 {
		t.Errorf("objects %v, want 1", keys)
	}
	if _, err := invoke(b[:len(b)-3]); status.Code(err) != codes.InvalidArgument {
		t.Errorf("truncated: %v, want INVALID_ARGUMENT", err)
	}
}

func TestTraces(t *testing.T) {
	bucket := memstore.New()
	client := coltracepb.NewTraceServiceClient(serve(t, bucket, otlpgrpc.Options{}))
	if _, err := client.Export(context.Background(), otlptest.RealisticTracesRequest(30, 2)); err != nil {
		t.Fatalf("traces: %v", err)
	}
	keys := objects(t, bucket)
	if len(keys) != 2 || !strings.HasPrefix(keys[0], "traces/") {
		t.Errorf("objects %v, want one per service under traces/", keys)
	}
}

func TestMetrics(t *testing.T) {
	bucket := memstore.New()
	client := colmetricspb.NewMetricsServiceClient(serve(t, bucket, otlpgrpc.Options{}))
	if _, err := client.Export(context.Background(), otlptest.RealisticMetricsRequest(50, 1)); err != nil {
		t.Fatalf("metrics: %v", err)
	}
	keys := objects(t, bucket)
	if len(keys) == 0 {
		t.Fatal("nothing stored")
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "metrics/") {
			t.Errorf("key %q, want metrics/{type}/...", k)
		}
	}
}

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
	bucket := &blockingBucket{Bucket: memstore.New(), entered: make(chan struct{}, 4), release: make(chan struct{})}
	req := logsRequest(300, "checkout")
	size := proto.Size(req)
	client := collogspb.NewLogsServiceClient(serve(t, bucket, otlpgrpc.Options{
		MaxRecvMsgSize:   size * 3 / 2,
		MaxInFlightBytes: int64(size) * 3 / 2,
	}))
	var wg sync.WaitGroup
	var firstErr error
	wg.Go(func() { _, firstErr = client.Export(context.Background(), req) })
	<-bucket.entered
	_, err := client.Export(context.Background(), req)
	if status.Code(err) != codes.Unavailable || !strings.Contains(status.Convert(err).Message(), "overloaded") {
		t.Errorf("second call while the first holds the memory: %v, want UNAVAILABLE, overloaded", err)
	}
	close(bucket.release)
	wg.Wait()
	if firstErr != nil {
		t.Fatalf("first call: %v", firstErr)
	}
	if _, err := client.Export(context.Background(), req); err != nil {
		t.Errorf("after the first finished: %v", err)
	}
}

// An exporter that cannot take a request is asked before the message is
// read: a message over the size limit gets UNAVAILABLE from it, not the
// RESOURCE_EXHAUSTED that reading it would give.
func TestAdmitBeforeReading(t *testing.T) {
	req := logsRequest(300, "checkout")
	a := admittest.NewAdmitter(ingest.New(memstore.New(), ingest.Options{}), -1) // full
	client := collogspb.NewLogsServiceClient(serveExporter(t, a, otlpgrpc.Options{MaxRecvMsgSize: proto.Size(req) / 2}))
	_, err := client.Export(context.Background(), req)
	if status.Code(err) != codes.Unavailable || !strings.Contains(status.Convert(err).Message(), "overloaded") {
		t.Errorf("log full: %v, want UNAVAILABLE, overloaded", err)
	}
	if asked := a.Asked(); len(asked) != 1 || asked[0] != 0 {
		t.Errorf("Admit asked %v, want [0] (the size is not known before reading)", asked)
	}
	a.SetMax(math.MaxInt64)
	if _, err := client.Export(context.Background(), req); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("admitted, over the size limit: %v, want RESOURCE_EXHAUSTED", err)
	}
}

// TestSharedInFlight: with Options.InFlight the bound is the one given,
// which other receivers of the server draw from too.
func TestSharedInFlight(t *testing.T) {
	req := logsRequest(10, "checkout")
	size := int64(proto.Size(req))
	shared := admission.NewLimiter(2 * size)
	client := collogspb.NewLogsServiceClient(serve(t, memstore.New(), otlpgrpc.Options{MaxInFlightBytes: -1, InFlight: shared}))
	if !shared.TryAcquire(size + 1) { // what an HTTP request holds
		t.Fatal("TryAcquire on an empty limiter failed")
	}
	_, err := client.Export(context.Background(), req)
	if status.Code(err) != codes.Unavailable {
		t.Errorf("call while the shared bound is taken: %v, want UNAVAILABLE", err)
	}
	shared.Release(size + 1)
	if _, err := client.Export(context.Background(), req); err != nil {
		t.Errorf("after the other receiver's request ended: %v", err)
	}
	if n := shared.InUse(); n != 0 {
		t.Errorf("%d bytes still held after the calls ended", n)
	}
}

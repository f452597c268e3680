package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/storage"
	memstore "github.com/otlp2parquet/otlp2parquet/storage/memory"
)

// seedSchema is the seed's Arrow schema plus the four otel_logs columns, as
// arrow-go prints it.
const seedSchema = `- Timestamp: type=timestamp[ns, tz=UTC]
- ObservedTimestamp: type=timestamp[ns, tz=UTC]
- TraceId: type=fixed_size_binary[16]
- SpanId: type=fixed_size_binary[8]
- TraceFlags: type=uint32
- SeverityText: type=utf8
- SeverityNumber: type=int32
- Body: type=utf8
- ServiceName: type=utf8
- ServiceNamespace: type=utf8, nullable
- ServiceInstanceId: type=utf8, nullable
- ScopeName: type=utf8
- ScopeVersion: type=utf8, nullable
- ResourceAttributes: type=map<utf8, utf8, items_nullable>
- LogAttributes: type=map<utf8, utf8, items_nullable>
- ResourceSchemaUrl: type=utf8
- ScopeSchemaUrl: type=utf8
- ScopeAttributes: type=map<utf8, utf8, items_nullable>
- EventName: type=utf8`

// schemaString prints names, types and nullability, one field a line
// (arrow-go adds PARQUET:field_id metadata, which is not part of the type).
func schemaString(s *arrow.Schema) string {
	var lines []string
	for _, f := range s.Fields() {
		line := fmt.Sprintf("- %s: type=%s", f.Name, f.Type)
		if f.Nullable {
			line += ", nullable"
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func readArrow(t *testing.T, data []byte) arrow.Table {
	t.Helper()
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("arrow-go cannot open the file: %v", err)
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("arrow-go cannot read the file: %v", err)
	}
	t.Cleanup(tbl.Release)
	return tbl
}

func request(t *testing.T) []byte {
	t.Helper()
	ld := plog.NewLogs()
	for s, svc := range []string{"api", "db"} {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", svc)
		if s == 0 {
			rl.Resource().Attributes().PutStr("service.namespace", "shop")
		}
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName("scope-" + svc)
		for i := range 3 {
			r := sl.LogRecords().AppendEmpty()
			r.SetTimestamp(pcommon.NewTimestampFromTime(time.Date(2026, 1, 2, 3, 4, 5, i, time.UTC)))
			r.SetObservedTimestamp(pcommon.NewTimestampFromTime(time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC)))
			r.SetTraceID(pcommon.TraceID{byte(i + 1)})
			r.SetSpanID(pcommon.SpanID{7, byte(i)})
			r.SetFlags(plog.LogRecordFlags(i))
			r.SetSeverityNumber(plog.SeverityNumber(9 + i))
			r.SetSeverityText("INFO")
			r.Body().SetStr(fmt.Sprintf("%s-%d", svc, i))
			if i > 0 {
				r.Attributes().PutInt("i", int64(i))
			}
		}
	}
	b, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExportLogsReadByArrow(t *testing.T) {
	bucket := memstore.New()
	p := ingest.New(bucket, ingest.Options{})
	res, err := p.Export(context.Background(), ingest.Logs, request(t), ingest.Protobuf)
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 6 || len(res.Objects) != 2 || res.Rejected != 0 {
		t.Fatalf("result %+v", res)
	}
	for _, o := range res.Objects {
		if !strings.HasPrefix(o.Key, "logs/api/year=2026/month=01/day=02/hour=03/") && !strings.HasPrefix(o.Key, "logs/db/year=2026/month=01/day=02/hour=03/") {
			t.Errorf("key %q", o.Key)
		}
		if !strings.HasSuffix(o.Key, fmt.Sprintf("-%d.parquet", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())) {
			t.Errorf("key %q does not end in the earliest timestamp", o.Key)
		}
		data, err := bucket.Get(context.Background(), o.Key)
		if err != nil {
			t.Fatal(err)
		}
		tbl := readArrow(t, data)
		if got := schemaString(tbl.Schema()); got != seedSchema {
			t.Fatalf("arrow schema:\n%s\nwant:\n%s", got, seedSchema)
		}
		if tbl.NumRows() != 3 {
			t.Fatalf("%d rows", tbl.NumRows())
		}
		svc := tbl.Column(8).Data().Chunk(0).(*array.String).Value(0)
		for i := range 3 {
			cell := func(c int) any {
				arr := tbl.Column(c).Data().Chunk(0)
				if arr.IsNull(i) {
					return nil
				}
				return arr.GetOneForMarshal(i)
			}
			ts := tbl.Column(0).Data().Chunk(0).(*array.Timestamp).Value(i)
			if want := arrow.Timestamp(time.Date(2026, 1, 2, 3, 4, 5, i, time.UTC).UnixNano()); ts != want {
				t.Errorf("Timestamp %d, want %d", ts, want)
			}
			tid := tbl.Column(2).Data().Chunk(0).(*array.FixedSizeBinary).Value(i)
			if !bytes.Equal(tid, append([]byte{byte(i + 1)}, make([]byte, 15)...)) {
				t.Errorf("TraceId %x", tid)
			}
			sid := tbl.Column(3).Data().Chunk(0).(*array.FixedSizeBinary).Value(i)
			if !bytes.Equal(sid, []byte{7, byte(i), 0, 0, 0, 0, 0, 0}) {
				t.Errorf("SpanId %x", sid)
			}
			if f := tbl.Column(4).Data().Chunk(0).(*array.Uint32).Value(i); f != uint32(i) {
				t.Errorf("TraceFlags %d", f)
			}
			if n := tbl.Column(6).Data().Chunk(0).(*array.Int32).Value(i); n != int32(9+i) {
				t.Errorf("SeverityNumber %d", n)
			}
			if b := cell(7); b != fmt.Sprintf("%s-%d", svc, i) {
				t.Errorf("Body %v", b)
			}
			wantNS := any(nil)
			if svc == "api" {
				wantNS = "shop"
			}
			if ns := cell(9); ns != wantNS {
				t.Errorf("ServiceNamespace %v, want %v", ns, wantNS)
			}
			if v := cell(12); v != nil {
				t.Errorf("ScopeVersion %v, want null", v)
			}
			m := tbl.Column(14).Data().Chunk(0).(*array.Map)
			start, end := m.ValueOffsets(i)
			keys := m.Keys().(*array.String)
			items := m.Items().(*array.String)
			var got []string
			for j := start; j < end; j++ {
				got = append(got, keys.Value(int(j))+"="+items.Value(int(j)))
			}
			want := ""
			if i > 0 {
				want = fmt.Sprintf("i=%d", i)
			}
			if strings.Join(got, ",") != want {
				t.Errorf("LogAttributes %q, want %q", got, want)
			}
		}
	}
}

func TestExportLogsBadData(t *testing.T) {
	bucket := memstore.New()
	p := ingest.New(bucket, ingest.Options{})
	for _, tc := range []struct {
		body []byte
		f    ingest.Format
	}{
		{[]byte{0x0a, 0x05, 0x01}, ingest.Protobuf},
		{[]byte(`{"resourceLogs":[`), ingest.JSON},
		{[]byte("{}\n{\n"), ingest.JSONLines},
	} {
		_, err := p.Export(context.Background(), ingest.Logs, tc.body, tc.f)
		if !ingest.IsBadData(err) {
			t.Errorf("%v %q: error %v is not bad data", tc.f, tc.body, err)
		}
	}
	if keys, _ := bucket.List(context.Background(), ""); len(keys) != 0 {
		t.Fatalf("objects stored for bad requests: %q", keys)
	}
}

// failing fails every Put after the first n.
type failing struct {
	storage.Bucket
	n int
}

func (f *failing) Put(ctx context.Context, key string, data []byte) error {
	if f.n == 0 {
		return errors.New("store is down")
	}
	f.n--
	return f.Bucket.Put(ctx, key, data)
}

func TestExportLogsStorageFailureStoresNothing(t *testing.T) {
	mem := memstore.New()
	p := ingest.New(&failing{Bucket: mem, n: 1}, ingest.Options{})
	_, err := p.Export(context.Background(), ingest.Logs, request(t), ingest.Protobuf)
	if err == nil || ingest.IsBadData(err) || !strings.Contains(err.Error(), "store is down") {
		t.Fatalf("error %v, want a storage failure", err)
	}
	if keys, _ := mem.List(context.Background(), ""); len(keys) != 0 {
		t.Fatalf("objects of a failed request remain: %q", keys)
	}
}

func TestEmptyRequest(t *testing.T) {
	p := ingest.New(memstore.New(), ingest.Options{})
	for _, f := range []ingest.Format{ingest.Protobuf, ingest.JSON} {
		body := []byte{}
		if f == ingest.JSON {
			body = []byte("{}")
		}
		res, err := p.Export(context.Background(), ingest.Logs, body, f)
		if err != nil || res.Records != 0 || len(res.Objects) != 0 {
			t.Fatalf("%v: %+v, %v", f, res, err)
		}
	}
}

// blocking holds every Put until release is closed.
type blocking struct {
	storage.Bucket
	entered chan struct{}
	release chan struct{}
}

func (b *blocking) Put(ctx context.Context, key string, data []byte) error {
	b.entered <- struct{}{}
	<-b.release
	return b.Bucket.Put(ctx, key, data)
}

func TestOverloadIsRefusedFast(t *testing.T) {
	b := &blocking{Bucket: memstore.New(), entered: make(chan struct{}, 4), release: make(chan struct{})}
	p := ingest.New(b, ingest.Options{MaxConcurrent: 1, MaxWait: 50 * time.Millisecond})
	body := request(t)
	first := make(chan error, 1)
	go func() {
		_, err := p.Export(context.Background(), ingest.Logs, body, ingest.Protobuf)
		first <- err
	}()
	<-b.entered // the only slot is taken
	start := time.Now()
	_, err := p.Export(context.Background(), ingest.Logs, body, ingest.Protobuf)
	if !errors.Is(err, ingest.ErrOverloaded) {
		t.Fatalf("second request: %v, want ErrOverloaded", err)
	}
	if o := ingest.Classify(err); o.HTTPStatus != 503 || o.RetryAfter <= 0 {
		t.Fatalf("overload outcome %+v, want 503 with Retry-After", o)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Fatalf("refusal took %v", waited)
	}
	close(b.release) // entered has room for the next Put
	if err := <-first; err != nil {
		t.Fatalf("first request: %v", err)
	}
	// The slot is free again.
	if _, err := p.Export(context.Background(), ingest.Logs, body, ingest.Protobuf); err != nil {
		t.Fatalf("after the overload: %v", err)
	}
}

func TestExportTraces(t *testing.T) {
	bucket := memstore.New()
	p := ingest.New(bucket, ingest.Options{})
	req := otlptest.RealisticTracesRequest(60, 3)
	body, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Export(context.Background(), ingest.Traces, body, ingest.Protobuf)
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 60 || res.Rejected != 0 || len(res.Objects) < 3 {
		t.Fatalf("result %+v", res)
	}
	rows := 0
	for _, o := range res.Objects {
		if !strings.HasPrefix(o.Key, "traces/service-") {
			t.Errorf("key %q, want traces/{service}/...", o.Key)
		}
		data, err := bucket.Get(context.Background(), o.Key)
		if err != nil {
			t.Fatal(err)
		}
		tbl := readArrow(t, data)
		rows += int(tbl.NumRows())
		if _, ok := tbl.Schema().FieldsByName("Events"); !ok {
			t.Errorf("%s: no Events column in %s", o.Key, tbl.Schema())
		}
		tbl.Release()
	}
	if rows != 60 {
		t.Errorf("%d rows stored, want 60", rows)
	}
	// A logs request sent as traces is bad data, and stores nothing.
	if _, err := p.Export(context.Background(), ingest.Traces, request(t), ingest.Protobuf); !ingest.IsBadData(err) {
		t.Errorf("logs as traces: %v, want bad data", err)
	}
}

// Forget drops other signals' memory; requests of every signal work after it.
func TestForget(t *testing.T) {
	p := ingest.New(memstore.New(), ingest.Options{})
	traces, err := proto.Marshal(otlptest.RealisticTracesRequest(20, 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []ingest.Signal{ingest.Logs, ingest.Traces, ingest.Metrics} {
		if _, err := p.Export(context.Background(), ingest.Logs, request(t), ingest.Protobuf); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Export(context.Background(), ingest.Traces, traces, ingest.Protobuf); err != nil {
			t.Fatal(err)
		}
		p.Forget(keep)
	}
	if res, err := p.Export(context.Background(), ingest.Traces, traces, ingest.Protobuf); err != nil || res.Records != 20 {
		t.Fatalf("after Forget: %+v, %v", res, err)
	}
}

package buffer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/storage"
	memstore "github.com/otlp2parquet/otlp2parquet/storage/memory"
	"github.com/otlp2parquet/otlp2parquet/wal"
)

var quiet = slog.New(slog.DiscardHandler)

var hour0 = time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)

// request is n records of service with attribute seq = first..first+n-1;
// with zeroTimes the records carry no timestamps at all.
func request(t testing.TB, service string, first, n int, zeroTimes bool) []byte {
	t.Helper()
	recs := make([]*logspb.LogRecord, n)
	for i := range recs {
		r := &logspb.LogRecord{
			Body: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "hello"}},
			Attributes: []*commonpb.KeyValue{{Key: "seq", Value: &commonpb.AnyValue{
				Value: &commonpb.AnyValue_IntValue{IntValue: int64(first + i)}}}},
		}
		if !zeroTimes {
			r.TimeUnixNano = uint64(hour0.Add(time.Duration(first+i) * time.Millisecond).UnixNano())
			r.ObservedTimeUnixNano = r.TimeUnixNano
		}
		recs[i] = r
	}
	b, err := proto.Marshal(&collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{{Key: "service.name",
			Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: service}}}}},
		ScopeLogs: []*logspb.ScopeLogs{{LogRecords: recs}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// contents reads every object of the bucket with arrow-go: the seq
// attribute of each row, and the rows' timestamps, by key.
func contents(t *testing.T, b storage.Bucket) (seqs map[string]int, keys []string, stamps []int64) {
	t.Helper()
	ctx := context.Background()
	keys, err := b.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	seqs = map[string]int{}
	for _, k := range keys {
		data, err := b.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		rdr, err := file.NewParquetReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := fr.ReadTable(ctx)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		tr := array.NewTableReader(tbl, 1024)
		for tr.Next() {
			rec := tr.RecordBatch()
			attrs := rec.Column(int(rec.Schema().FieldIndices("LogAttributes")[0])).(*array.Map)
			ts := rec.Column(0).(*array.Timestamp)
			keysArr, items := attrs.Keys().(*array.String), attrs.Items().(*array.String)
			for row := 0; row < int(rec.NumRows()); row++ {
				stamps = append(stamps, int64(ts.Value(row)))
				start, end := attrs.ValueOffsets(row)
				for j := start; j < end; j++ {
					if keysArr.Value(int(j)) == "seq" {
						seqs[items.Value(int(j))]++
					}
				}
			}
		}
		tr.Release()
		tbl.Release()
	}
	return seqs, keys, stamps
}

// exactlyOnce checks that seq values 0..n-1 are each stored once.
func exactlyOnce(t *testing.T, seqs map[string]int, n int) {
	t.Helper()
	if len(seqs) != n {
		t.Errorf("%d distinct records stored, want %d", len(seqs), n)
	}
	for i := range n {
		if c := seqs[fmt.Sprint(i)]; c != 1 {
			t.Fatalf("record seq=%d stored %d times, want once", i, c)
		}
	}
}

func open(t *testing.T, dir string, b storage.Bucket, opts Options) *Buffer {
	t.Helper()
	opts.Logger = quiet
	buf, err := Open(dir, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	return buf
}

func export(t *testing.T, buf *Buffer, body []byte) ingest.Result {
	t.Helper()
	res, err := buf.Export(context.Background(), ingest.Logs, body, ingest.Protobuf)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestBatchesOnClose(t *testing.T) {
	bucket := memstore.New()
	buf := open(t, t.TempDir(), bucket, Options{})
	for i := range 20 {
		svc := []string{"api", "db"}[i%2]
		if res := export(t, buf, request(t, svc, i*10, 10, false)); res.Records != 10 || res.Objects != nil {
			t.Fatalf("result %+v", res)
		}
	}
	if keys, _ := bucket.List(context.Background(), ""); len(keys) != 0 {
		t.Fatalf("stored before the batch was full: %v", keys)
	}
	if st := buf.Stats(); st.BufferedRecords != 200 || st.LogBytes <= 0 {
		t.Errorf("stats %+v", st)
	}
	if err := buf.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	seqs, keys, _ := contents(t, bucket)
	exactlyOnce(t, seqs, 200)
	if len(keys) != 2 {
		t.Errorf("objects %v, want one per service", keys)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "logs/api/year=2026/month=11/day=25/hour=17/") && !strings.HasPrefix(k, "logs/db/year=2026/month=11/day=25/hour=17/") {
			t.Errorf("key %s", k)
		}
	}
	if st := buf.Stats(); st.BufferedRecords != 0 || st.RecordsWritten != 200 || st.ObjectsWritten != 2 || st.LogBytes > 64 { // the new, empty segment
		t.Errorf("stats after close %+v", st)
	}
}

// StoreNow (a shutdown beginning) stores the open batch at once, at normal
// priority, while requests may still come; Close stores the rest.
func TestStoreNow(t *testing.T) {
	bucket := memstore.New()
	buf := open(t, t.TempDir(), bucket, Options{MaxAge: time.Hour})
	for i := range 10 {
		export(t, buf, request(t, "api", i*10, 10, false))
	}
	if !buf.keepingUp() {
		t.Error("not keeping up before StoreNow")
	}
	buf.StoreNow()
	if buf.keepingUp() {
		t.Error("a shutdown's flush runs at the lowest priority")
	}
	deadline := time.Now().Add(10 * time.Second)
	for buf.Stats().RecordsWritten != 100 {
		if time.Now().After(deadline) {
			t.Fatalf("batch not stored after StoreNow: %+v", buf.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	buf.StoreNow() // nothing buffered: no empty batch
	export(t, buf, request(t, "api", 100, 10, false))
	if err := buf.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	seqs, keys, _ := contents(t, bucket)
	exactlyOnce(t, seqs, 110)
	if len(keys) != 2 {
		t.Errorf("objects %v, want the batch StoreNow stored and the one Close did", keys)
	}
}

func TestFlushByRowsBytesAndAge(t *testing.T) {
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"rows", Options{MaxRows: 50, MaxAge: time.Hour}},
		{"bytes", Options{MaxBytes: 2000, MaxAge: time.Hour}},
		{"age", Options{MaxAge: 30 * time.Millisecond}},
	} {
		t.Run(c.name, func(t *testing.T) {
			bucket := memstore.New()
			buf := open(t, t.TempDir(), bucket, c.opts)
			defer buf.Close(context.Background())
			for i := range 10 {
				export(t, buf, request(t, "api", i*10, 10, false))
			}
			deadline := time.Now().Add(10 * time.Second)
			for buf.Stats().RecordsWritten < 50 {
				if time.Now().After(deadline) {
					t.Fatalf("nothing flushed by %s: %+v", c.name, buf.Stats())
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

// flaky fails every Put while down is set, and the Puts after the first
// okFirst ones when failAfter is set.
type flaky struct {
	*memstore.Bucket
	down  atomic.Bool
	puts  atomic.Int64
	limit int64 // fail Puts past this many (0: no limit)
}

func (f *flaky) Put(ctx context.Context, key string, data []byte) error {
	if f.down.Load() {
		return errors.New("store unreachable")
	}
	if n := f.puts.Add(1); f.limit > 0 && n > f.limit {
		return errors.New("store unreachable")
	}
	return f.Bucket.Put(ctx, key, data)
}

// copyDir copies the log as a crash would leave it on disk.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// A crash after some of a batch's objects are stored: the next process
// stores the batch again under the same keys, and nothing is duplicated.
func TestReplayAfterCrashStoresExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	bucket := &flaky{Bucket: memstore.New(), limit: 2}
	buf := open(t, dir, bucket, Options{MaxAge: time.Hour, RetryMin: time.Hour})
	services := []string{"a", "b", "c", "d"}
	for i := range 40 {
		export(t, buf, request(t, services[i%4], i*5, 5, false))
	}
	buf.seal() // the batch: four objects, of which the store takes two
	deadline := time.Now().Add(10 * time.Second)
	for buf.Stats().StorageErrors == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no failed flush")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// More acknowledged requests in the open segment, then the crash.
	for i := 40; i < 50; i++ {
		export(t, buf, request(t, services[i%4], i*5, 5, false))
	}
	crashed := copyDir(t, dir)
	if keys, _ := bucket.List(context.Background(), ""); len(keys) != 2 {
		t.Fatalf("before the crash %d objects stored, want 2", len(keys))
	}
	// Stop the old process without storing the rest (its store is down).
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	buf.Close(ctx)

	bucket.limit = 0
	again := open(t, crashed, bucket, Options{MaxAge: time.Hour})
	if st := again.Stats(); st.Replayed != 2 {
		t.Errorf("replayed %d segments, want 2", st.Replayed)
	}
	if err := again.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := again.Stats(); st.BufferedRecords != 0 || st.RecordsWritten == 0 {
		t.Errorf("stats after replay %+v, want nothing buffered", st)
	}
	seqs, _, _ := contents(t, bucket)
	exactlyOnce(t, seqs, 250)
	if left, _ := filepath.Glob(filepath.Join(crashed, "*.seg")); len(left) != 1 {
		// The new process's own (empty) open segment stays.
		t.Errorf("segments left after replay: %v", left)
	}
}

// Storing the same segment twice makes the same keys.
func TestKeysAreDeterministic(t *testing.T) {
	dir := t.TempDir()
	b1 := memstore.New()
	buf := open(t, dir, b1, Options{MaxAge: time.Hour})
	for i := range 6 {
		export(t, buf, request(t, []string{"x", "y"}[i%2], i*3, 3, true))
	}
	snapshot := copyDir(t, dir)
	buf.Close(context.Background())
	b2 := memstore.New()
	again := open(t, snapshot, b2, Options{MaxAge: time.Hour, Now: func() time.Time { return time.Unix(0, 1) }})
	again.Close(context.Background())
	k1, _ := b1.List(context.Background(), "")
	k2, _ := b2.List(context.Background(), "")
	if fmt.Sprint(k1) != fmt.Sprint(k2) || len(k1) != 2 {
		t.Fatalf("keys differ:\n%v\n%v", k1, k2)
	}
	// Records without timestamps keep the receive time of their request,
	// not the replaying process's clock.
	_, _, s1 := contents(t, b1)
	_, _, s2 := contents(t, b2)
	sort.Slice(s1, func(i, j int) bool { return s1[i] < s1[j] })
	sort.Slice(s2, func(i, j int) bool { return s2[i] < s2[j] })
	if fmt.Sprint(s1) != fmt.Sprint(s2) || s1[0] < time.Now().Add(-time.Hour).UnixNano() {
		t.Errorf("timestamps differ after replay:\n%v\n%v", s1, s2)
	}
}

func TestBackpressureAndRecovery(t *testing.T) {
	bucket := &flaky{Bucket: memstore.New()}
	bucket.down.Store(true)
	body := request(t, "api", 0, 50, false)
	buf := open(t, t.TempDir(), bucket, Options{MaxRows: 100, MaxAge: time.Hour,
		MaxLogBytes: int64(len(body)) * 8, RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond})
	var accepted, refused int
	for i := range 20 {
		_, err := buf.Export(context.Background(), ingest.Logs, request(t, "api", i*50, 50, false), ingest.Protobuf)
		switch {
		case err == nil:
			accepted++
		case errors.Is(err, ingest.ErrOverloaded):
			refused++
			if o := ingest.Classify(err); o.HTTPStatus != 503 || o.RetryAfter == 0 {
				t.Errorf("overloaded answered %+v", o)
			}
		default:
			t.Fatal(err)
		}
	}
	if refused == 0 || accepted == 0 || accepted > 8 {
		t.Fatalf("accepted %d, refused %d with the log bound at 8 requests", accepted, refused)
	}
	// A full log refuses a request before decoding it (the CPU goes to the
	// flushes that free the log): a malformed one gets 503 too, not 400.
	bad := bytes.Repeat([]byte{0xff}, len(body))
	if _, err := buf.Export(context.Background(), ingest.Logs, bad, ingest.Protobuf); !errors.Is(err, ingest.ErrOverloaded) {
		t.Errorf("malformed request with the log full: %v, want overloaded", err)
	}
	time.Sleep(50 * time.Millisecond)
	if buf.Stats().StorageErrors == 0 {
		t.Error("no storage errors counted while the store was down")
	}
	bucket.down.Store(false)
	deadline := time.Now().Add(10 * time.Second)
	for buf.Stats().LogBytes > int64(len(body))*2 {
		if time.Now().After(deadline) {
			t.Fatalf("log not drained after the store came back: %+v", buf.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := buf.Export(context.Background(), ingest.Logs, request(t, "api", 1000, 50, false), ingest.Protobuf); err != nil {
		t.Errorf("after recovery: %v", err)
	}
	if err := buf.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	seqs, _, _ := contents(t, bucket)
	if len(seqs) != accepted*50+50 {
		t.Errorf("%d records stored, want the %d acknowledged", len(seqs), accepted*50+50)
	}
}

func TestBadRequestsAreNotLogged(t *testing.T) {
	bucket := memstore.New()
	dir := t.TempDir()
	buf := open(t, dir, bucket, Options{})
	_, err := buf.Export(context.Background(), ingest.Logs, []byte{0x0a, 0xff}, ingest.Protobuf)
	if !ingest.IsBadData(err) {
		t.Fatalf("malformed request: %v", err)
	}
	if st := buf.Stats(); st.BufferedRecords != 0 {
		t.Errorf("stats %+v", st)
	}
	// An empty request is acknowledged without touching the log.
	if res := export(t, buf, nil); res.Records != 0 {
		t.Errorf("empty request %+v", res)
	}
	buf.Close(context.Background())
	if keys, _ := bucket.List(context.Background(), ""); len(keys) != 0 {
		t.Errorf("stored %v", keys)
	}
}

// Shutdown with the store down: Close gives up at its deadline and the
// batch stays in the log for the next start.
func TestCloseWithStoreDownKeepsTheLog(t *testing.T) {
	dir := t.TempDir()
	bucket := &flaky{Bucket: memstore.New()}
	bucket.down.Store(true)
	buf := open(t, dir, bucket, Options{RetryMin: 5 * time.Millisecond})
	export(t, buf, request(t, "api", 0, 10, false))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := buf.Close(ctx); err == nil {
		t.Fatal("Close with the store down: no error")
	}
	bucket.down.Store(false)
	again := open(t, dir, bucket, Options{})
	if err := again.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	seqs, _, _ := contents(t, bucket)
	exactlyOnce(t, seqs, 10)
}

func TestConcurrentExports(t *testing.T) {
	bucket := memstore.New()
	buf := open(t, t.TempDir(), bucket, Options{MaxRows: 300, MaxAge: 20 * time.Millisecond})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 25 {
				first := (w*25 + i) * 4
				if _, err := buf.Export(context.Background(), ingest.Logs, request(t, fmt.Sprint("svc", w%3), first, 4, false), ingest.Protobuf); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := buf.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	seqs, _, _ := contents(t, bucket)
	exactlyOnce(t, seqs, 800)
}

// TestVersion1Records: a log written before records named their signal
// (version 1: logs only) is stored as logs after an upgrade.
func TestVersion1Records(t *testing.T) {
	dir := t.TempDir()
	l, _, err := wal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var h [recordHeader1]byte
	h[0], h[1] = recordVersion1, byte(ingest.Protobuf)
	binary.LittleEndian.PutUint64(h[2:], uint64(hour0.UnixNano()))
	if _, err := l.Append(context.Background(), h[:], request(t, "old", 0, 20, false)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	bucket := memstore.New()
	buf := open(t, dir, bucket, Options{})
	if err := buf.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	seqs, keys, _ := contents(t, bucket)
	exactlyOnce(t, seqs, 20)
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "logs/old/") {
		t.Errorf("keys %q, want one under logs/old/", keys)
	}
}

// Logs and traces share batches: each lands under its own table, and a
// replay of the same segment makes the same keys for both.
func TestSignalsShareBatches(t *testing.T) {
	dir := t.TempDir()
	b1 := memstore.New()
	buf := open(t, dir, b1, Options{MaxAge: time.Hour})
	traces, err := proto.Marshal(otlptest.RealisticTracesRequest(40, 2))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		export(t, buf, request(t, "x", i*5, 5, false))
		res, err := buf.Export(context.Background(), ingest.Traces, traces, ingest.Protobuf)
		if err != nil || res.Records != 40 {
			t.Fatalf("traces: %+v, %v", res, err)
		}
	}
	if _, err := buf.Export(context.Background(), ingest.Traces, request(t, "x", 0, 1, false), ingest.Protobuf); !ingest.IsBadData(err) {
		t.Errorf("logs as traces: %v, want bad data", err)
	}
	snapshot := copyDir(t, dir)
	if err := buf.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys, _ := b1.List(context.Background(), "")
	var logs, spans int
	for _, k := range keys {
		data, _ := b1.Get(context.Background(), k)
		rdr, err := file.NewParquetReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		switch {
		case strings.HasPrefix(k, "logs/x/"):
			logs += int(rdr.NumRows())
		case strings.HasPrefix(k, "traces/service-"):
			spans += int(rdr.NumRows())
		default:
			t.Errorf("unexpected key %q", k)
		}
	}
	if logs != 20 || spans != 160 || len(keys) < 3 {
		t.Errorf("stored %d log records and %d spans in %v, want 20 and 160", logs, spans, keys)
	}
	b2 := memstore.New()
	again := open(t, snapshot, b2, Options{MaxAge: time.Hour})
	again.Close(context.Background())
	k2, _ := b2.List(context.Background(), "")
	if fmt.Sprint(keys) != fmt.Sprint(k2) {
		t.Fatalf("keys differ after replay:\n%v\n%v", keys, k2)
	}
}

// A batch of many chunks (each decoded while the one before is encoded, its
// partitions side by side) stores every record once, one object per
// partition.
func TestFlushInChunks(t *testing.T) {
	defer func(n int, procs func() int) { chunkBytes, flushProcs = n, procs }(chunkBytes, flushProcs)
	chunkBytes = 4 << 10
	for _, procs := range []int{1, 2, 3} { // in turn; pipelined; pipelined, two encoders
		flushProcs = func() int { return procs }
		bucket := memstore.New()
		buf := open(t, t.TempDir(), bucket, Options{MaxAge: time.Hour})
		for i := range 60 {
			export(t, buf, request(t, fmt.Sprint("svc", i%4), i*10, 10, false))
		}
		if err := buf.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		seqs, keys, _ := contents(t, bucket)
		exactlyOnce(t, seqs, 600)
		if len(keys) != 4 {
			t.Errorf("flush on %d goroutines: %d objects, want one per service: %v", procs, len(keys), keys)
		}
	}
}

// A partition first seen in a later chunk of a batch (a new service or
// hour mid-batch) is named by the request's bytes, in an arena the next
// chunks reuse: its key must not change with them. It once did, and the
// flush panicked on a partition it could no longer find.
func TestPartitionFirstSeenLate(t *testing.T) {
	defer func(n int, procs func() int) { chunkBytes, flushProcs = n, procs }(chunkBytes, flushProcs)
	chunkBytes = 4 << 10
	for _, procs := range []int{1, 2, 3} {
		flushProcs = func() int { return procs }
		bucket := memstore.New()
		buf := open(t, t.TempDir(), bucket, Options{MaxAge: time.Hour})
		for i := range 40 {
			export(t, buf, request(t, "early", i*10, 10, false))
		}
		export(t, buf, request(t, "late", 400, 10, false))
		for i := range 40 {
			export(t, buf, request(t, "early", 410+i*10, 10, false))
		}
		if err := buf.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		seqs, keys, _ := contents(t, bucket)
		exactlyOnce(t, seqs, 810)
		if len(keys) != 2 || !strings.HasPrefix(keys[0], "logs/early/") || !strings.HasPrefix(keys[1], "logs/late/") {
			t.Errorf("flush on %d goroutines: objects %v, want one for early and one for late", procs, keys)
		}
	}
}

// A process that stopped cleanly leaves its open segment, empty and ended:
// the next start has nothing to replay and says so.
func TestCleanRestartReplaysNothing(t *testing.T) {
	dir := t.TempDir()
	bucket := memstore.New()
	buf := open(t, dir, bucket, Options{MaxAge: time.Hour})
	export(t, buf, request(t, "a", 0, 5, false))
	if err := buf.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 2 { // and again after a restart that received nothing
		again := open(t, dir, bucket, Options{MaxAge: time.Hour})
		if st := again.Stats(); st.Replayed != 0 || st.LogBytes > 1024 {
			t.Errorf("after a clean stop: replayed %d segments, log %d bytes; want 0 and only the new segment's header", st.Replayed, st.LogBytes)
		}
		if err := again.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if keys, _ := bucket.List(context.Background(), ""); len(keys) != 1 {
		t.Errorf("%d objects, want the one batch's", len(keys))
	}
}

// TestArena checks that kept bodies never move or change while the arena
// fills, that blocks are reused after a reset, and that a body larger than
// a block gets one of its own.
func TestArena(t *testing.T) {
	defer func(n int) { chunkBytes = n }(chunkBytes)
	chunkBytes = 1000
	var a arena
	var kept [][]byte
	var want []string
	for i := range 40 {
		body := bytes.Repeat([]byte{byte('a' + i%26)}, 50+i*3)
		kept = append(kept, a.keep(body))
		want = append(want, string(body))
	}
	big := bytes.Repeat([]byte("z"), 5000)
	kept = append(kept, a.keep(big))
	want = append(want, string(big))
	for i := range kept {
		if string(kept[i]) != want[i] {
			t.Fatalf("body %d changed: %.20q..., want %.20q...", i, kept[i], want[i])
		}
		if cap(kept[i]) != len(kept[i]) {
			t.Fatalf("body %d: cap %d, len %d: appending to it would overwrite the next", i, cap(kept[i]), len(kept[i]))
		}
	}
	if a.size != len(strings.Join(want, "")) {
		t.Errorf("size %d, want %d", a.size, len(strings.Join(want, "")))
	}
	blocks := len(a.blocks)
	if blocks < 3 {
		t.Fatalf("%d blocks for %d bytes in blocks of %d", blocks, a.size, chunkBytes+arenaSlack())
	}
	first := &a.blocks[0][:1][0]
	a.reset()
	if a.size != 0 {
		t.Errorf("size %d after reset", a.size)
	}
	if p := a.keep([]byte("again")); &p[0] != first || len(a.blocks) != blocks {
		t.Errorf("after a reset the first block is not reused (%d blocks, %d before)", len(a.blocks), blocks)
	}
}

// A flush that keeps up leaves a CPU free and reads the next chunk beside
// its encoders; one behind encodes on all its threads.
func TestFlushThreads(t *testing.T) {
	for _, c := range []struct {
		procs                           int
		threadsLow, encLow, threadsHigh int
	}{
		{1, 1, 1, 1},
		{2, 1, 1, 2},
		{4, 3, 2, 4},
	} {
		f := &flusherState{procs: c.procs}
		if got := f.threads(true); got != c.threadsLow {
			t.Errorf("procs %d, keeping up: %d threads, want %d", c.procs, got, c.threadsLow)
		}
		if got := f.encoders(true); got != c.encLow {
			t.Errorf("procs %d, keeping up: %d encoders, want %d", c.procs, got, c.encLow)
		}
		if got := f.threads(false); got != c.threadsHigh {
			t.Errorf("procs %d, behind: %d threads, want %d", c.procs, got, c.threadsHigh)
		}
		if got := f.encoders(false); got != c.procs {
			t.Errorf("procs %d, behind: %d encoders, want all %d", c.procs, got, c.procs)
		}
	}
}

// failOnce refuses the first Put of keys containing a word, and counts the
// Puts of each key.
type failOnce struct {
	*memstore.Bucket
	word   string
	mu     sync.Mutex
	failed bool
	puts   map[string]int
}

func (f *failOnce) Put(ctx context.Context, key string, data []byte) error {
	f.mu.Lock()
	f.puts[key]++
	fail := !f.failed && strings.Contains(key, f.word)
	f.failed = f.failed || fail
	f.mu.Unlock()
	if fail {
		return errors.New("store unreachable")
	}
	return f.Bucket.Put(ctx, key, data)
}

// The objects of a batch are stored side by side: one that fails is tried
// again, the others are not, and every record lands once.
func TestStorePartlyFailed(t *testing.T) {
	bucket := &failOnce{Bucket: memstore.New(), word: "/svc-2/", puts: map[string]int{}}
	buf := open(t, t.TempDir(), bucket, Options{MaxRows: 1 << 20, MaxAge: time.Hour,
		RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond})
	const services, per = 6, 40
	for s := range services {
		export(t, buf, request(t, fmt.Sprintf("svc-%d", s), s*per, per, false))
	}
	if err := buf.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	seqs, keys, _ := contents(t, bucket)
	exactlyOnce(t, seqs, services*per)
	if len(keys) != services {
		t.Fatalf("%d objects, want one per service: %v", len(keys), keys)
	}
	if buf.Stats().StorageErrors != 1 {
		t.Errorf("%d storage errors counted, want 1", buf.Stats().StorageErrors)
	}
	for _, k := range keys {
		want := 1
		if strings.Contains(k, bucket.word) {
			want = 2
		}
		if got := bucket.puts[k]; got != want {
			t.Errorf("%s: put %d times, want %d", k, got, want)
		}
	}
}

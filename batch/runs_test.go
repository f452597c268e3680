package batch

import (
	"bytes"
	"context"
	"fmt"
	"math"
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
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/pqenc"
)

// The resource and scope columns are given as runs of records from one
// scope. A partition gets records of several resources of one service,
// scopes without records, records of another hour in between and a
// rejected record inside a run: each row read back carries its own
// record's resource and scope.
func TestScopeRuns(t *testing.T) {
	at := func(h, i int) pcommon.Timestamp {
		return pcommon.Timestamp(time.Date(2026, 11, 25, h, 0, i, 0, time.UTC).UnixNano())
	}
	ld := plog.NewLogs()
	var want []string // "instance scope body" of each row of service s at hour 10
	add := func(sl plog.ScopeLogs, instance string, h, i int) {
		r := sl.LogRecords().AppendEmpty()
		r.SetTimestamp(at(h, i))
		body := fmt.Sprintf("%s/%s/%d", instance, sl.Scope().Name(), i)
		r.Body().SetStr(body)
		if h == 10 {
			want = append(want, instance+" "+sl.Scope().Name()+" "+body)
		}
	}
	resource := func(instance string) plog.ResourceLogs {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", "s")
		rl.Resource().Attributes().PutStr("service.instance.id", instance)
		return rl
	}
	scope := func(rl plog.ResourceLogs, name string) plog.ScopeLogs {
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName(name)
		sl.Scope().Attributes().PutStr("scope", name)
		return sl
	}
	a := resource("A")
	a1 := scope(a, "a1")
	add(a1, "A", 10, 0)
	add(a1, "A", 11, 1) // another partition
	add(a1, "A", 10, 2)
	past := a1.LogRecords().AppendEmpty() // rejected: after 2262
	past.SetTimestamp(pcommon.Timestamp(math.MaxUint64))
	add(a1, "A", 10, 3)
	a2 := scope(a, "a2")
	add(a2, "A", 10, 4)
	add(a2, "A", 10, 5)
	scope(a, "empty")
	b := resource("B")
	b1 := scope(b, "b1")
	for i := range 3 {
		add(b1, "B", 10, 6+i)
	}
	scope(resource("C"), "c1") // no records
	add(scope(resource("D"), "d1"), "D", 10, 9)

	var bld Builder
	res := bld.Build(decodePdata(t, ld), time.Unix(0, 0))
	if res.Rejected != 1 {
		t.Fatalf("rejected %d, want 1", res.Rejected)
	}
	var p *Logs
	for _, q := range res.Partitions {
		if q.Hour%24 == 10 {
			p = q
		}
	}
	if p == nil || p.Rows != len(want) {
		t.Fatalf("partition at hour 10: %+v, want %d rows", p, len(want))
	}
	if got := fmt.Sprint(p.runs); got != "[3 2 3 1]" {
		t.Errorf("runs %s, want [3 2 3 1]", got)
	}

	w := pqenc.NewWriter(Schema(), pqenc.Options{})
	if err := w.WriteRows(p.Columns(), p.Rows); err != nil {
		t.Fatal(err)
	}
	data, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	tbl := readTable(t, data)
	defer tbl.Release()
	col := func(name string) arrow.Array { return tableCol(t, tbl, name) }
	mapStr := mapString
	inst, scopeName := col("ServiceInstanceId").(*array.String), col("ScopeName").(*array.String)
	body := col("Body").(*array.String)
	resAttrs, scopeAttrs := col("ResourceAttributes").(*array.Map), col("ScopeAttributes").(*array.Map)
	for i, w := range want {
		got := inst.Value(i) + " " + scopeName.Value(i) + " " + body.Value(i)
		if got != w {
			t.Errorf("row %d: %q, want %q", i, got, w)
		}
		f := strings.Fields(w)
		if got, want := mapStr(resAttrs, i), "service.name=s,service.instance.id="+f[0]; got != want {
			t.Errorf("row %d: ResourceAttributes %q, want %q", i, got, want)
		}
		if got, want := mapStr(scopeAttrs, i), "scope="+f[1]; got != want {
			t.Errorf("row %d: ScopeAttributes %q, want %q", i, got, want)
		}
	}
}

// Spans too: the resource and scope columns of traces are runs.
func TestTraceScopeRuns(t *testing.T) {
	td := ptrace.NewTraces()
	var want []string // "instance scope name" of each row of service s at hour 10
	for _, inst := range []string{"A", "B"} {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", "s")
		rs.Resource().Attributes().PutStr("service.instance.id", inst)
		for _, sc := range []string{"x", "y", "empty"} {
			ss := rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName(inst + sc)
			ss.Scope().Attributes().PutStr("scope", inst+sc)
			if sc == "empty" {
				continue
			}
			for i, h := range []int{10, 11, 10, 10} {
				sp := ss.Spans().AppendEmpty()
				name := fmt.Sprintf("%s%s-%d", inst, sc, i)
				sp.SetName(name)
				start := time.Date(2026, 11, 25, h, 0, i, 0, time.UTC)
				sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
				sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Millisecond)))
				if h == 10 {
					want = append(want, inst+" "+inst+sc+" "+name)
				}
			}
		}
	}
	body, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	var tr otlp.Traces
	if err := otlp.DecodeTracesProto(&tr, body); err != nil {
		t.Fatal(err)
	}
	var b TracesBuilder
	var p *Traces
	for _, q := range b.Build(&tr).Partitions {
		if q.Hour%24 == 10 {
			p = q
		}
	}
	if p == nil || p.Rows != len(want) {
		t.Fatalf("partition at hour 10: %+v, want %d rows", p, len(want))
	}
	if got := fmt.Sprint(p.runs); got != "[3 3 3 3]" {
		t.Errorf("runs %s, want [3 3 3 3]", got)
	}
	tbl := readTable(t, writeTraces(t, []*Traces{p}))
	defer tbl.Release()
	res, scope, name := tableCol(t, tbl, "ResourceAttributes").(*array.Map), tableCol(t, tbl, "ScopeName").(*array.String), tableCol(t, tbl, "SpanName").(*array.String)
	scopeAttrs := tableCol(t, tbl, "ScopeAttributes").(*array.Map)
	for i, w := range want {
		f := strings.Fields(w)
		if got := mapString(res, i) + " " + scope.Value(i) + " " + name.Value(i); got != "service.name=s,service.instance.id="+f[0]+" "+f[1]+" "+f[2] {
			t.Errorf("row %d: %q, want %q", i, got, w)
		}
		if got := mapString(scopeAttrs, i); got != "scope="+f[1] {
			t.Errorf("row %d: ScopeAttributes %q, want scope=%s", i, got, f[1])
		}
	}
}

func readTable(t *testing.T, data []byte) arrow.Table {
	t.Helper()
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func tableCol(t *testing.T, tbl arrow.Table, name string) arrow.Array {
	t.Helper()
	idx := tbl.Schema().FieldIndices(name)
	if len(idx) != 1 {
		t.Fatalf("no column %s", name)
	}
	return tbl.Column(idx[0]).Data().Chunk(0)
}

func mapString(m *array.Map, i int) string {
	start, end := m.ValueOffsets(i)
	var kv []string
	for j := start; j < end; j++ {
		kv = append(kv, m.Keys().(*array.String).Value(int(j))+"="+m.Items().(*array.String).Value(int(j)))
	}
	return strings.Join(kv, ",")
}

// Data points too: the resource and scope columns are runs, and the
// metric's name, unit and metadata are runs of points of one metric.
func TestMetricRuns(t *testing.T) {
	md := pmetric.NewMetrics()
	var want []string // "instance scope metric unit metadata" of each row at hour 10
	for _, inst := range []string{"A", "B"} {
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("service.name", "s")
		rm.Resource().Attributes().PutStr("service.instance.id", inst)
		for _, sc := range []string{"x", "y"} {
			sm := rm.ScopeMetrics().AppendEmpty()
			sm.Scope().SetName(inst + sc)
			for _, name := range []string{"m1", "m2", "m3"} {
				mt := sm.Metrics().AppendEmpty()
				mt.SetName(inst + sc + name)
				mt.SetUnit("u" + name)
				mt.Metadata().PutStr("md", name)
				g := mt.SetEmptyGauge()
				for i, h := range []int{10, 11, 10} {
					dp := g.DataPoints().AppendEmpty()
					dp.SetTimestamp(pcommon.NewTimestampFromTime(time.Date(2026, 11, 25, h, 0, i, 0, time.UTC)))
					dp.SetIntValue(int64(i))
					if h == 10 {
						want = append(want, inst+" "+inst+sc+" "+inst+sc+name+" u"+name+" md="+name)
					}
				}
			}
		}
	}
	body, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	if err != nil {
		t.Fatal(err)
	}
	var m otlp.Metrics
	if err := otlp.DecodeMetricsProto(&m, body); err != nil {
		t.Fatal(err)
	}
	var b MetricsBuilder
	var p *Metrics
	for _, q := range b.Build(&m, time.Unix(0, 0)).Partitions {
		if q.Hour%24 == 10 {
			p = q
		}
	}
	if p == nil || p.Rows != len(want) {
		t.Fatalf("partition at hour 10: %+v, want %d rows", p, len(want))
	}
	if got, want := fmt.Sprint(p.runs, p.metricRuns), "[6 6 6 6] [2 2 2 2 2 2 2 2 2 2 2 2]"; got != want {
		t.Errorf("runs %s, want %s", got, want)
	}
	tbl := readTable(t, writeMetrics(t, p))
	defer tbl.Release()
	res, scope := tableCol(t, tbl, "ResourceAttributes").(*array.Map), tableCol(t, tbl, "ScopeName").(*array.String)
	name, unit := tableCol(t, tbl, "MetricName").(*array.String), tableCol(t, tbl, "MetricUnit").(*array.String)
	meta := tableCol(t, tbl, "MetricMetadata").(*array.Map)
	for i, w := range want {
		f := strings.Fields(w)
		got := strings.Join([]string{mapString(res, i), scope.Value(i), name.Value(i), unit.Value(i), mapString(meta, i)}, " ")
		if got != "service.name=s,service.instance.id="+f[0]+" "+strings.Join(f[1:], " ") {
			t.Errorf("row %d: %q, want %q", i, got, w)
		}
	}
}

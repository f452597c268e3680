package batch

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/internal/duckdbtest"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/pqenc"
)

var t0 = time.Date(2026, 11, 25, 17, 30, 0, 0, time.UTC)

// edgeTraces is one realistic span with events and links, and spans at the
// edges: no events or links, empty attributes, absent parent and ids,
// end before start, kinds and codes outside their enums, a start in the
// next hour, another service, and one span past 2262.
func edgeTraces(t testing.TB) (*otlp.Traces, ptrace.Traces) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	rs.Resource().Attributes().PutInt("host.cpus", 8)
	ss := rs.ScopeSpans().AppendEmpty()
	ss.SetSchemaUrl("scope-schema")
	ss.Scope().SetName("otelhttp")
	ss.Scope().SetVersion("0.63.0")
	ss.Scope().Attributes().PutBool("scope.flag", true)

	s := ss.Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	s.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	s.SetParentSpanID(pcommon.SpanID{8, 7, 6, 5, 4, 3, 2, 1})
	s.TraceState().FromRaw("rojo=00f067aa0ba902b7")
	s.SetName("GET /api/v1/orders")
	s.SetKind(ptrace.SpanKindServer)
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(t0))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(t0.Add(1500 * time.Microsecond)))
	s.Attributes().PutStr("http.route", "/api/v1/orders")
	s.Attributes().PutInt("http.response.status_code", 500)
	s.Attributes().PutDouble("ratio", 0.25)
	s.Status().SetCode(ptrace.StatusCodeError)
	s.Status().SetMessage("boom")
	s.SetFlags(0x101)
	s.SetDroppedAttributesCount(1)
	s.SetDroppedEventsCount(2)
	s.SetDroppedLinksCount(3)
	for i, name := range []string{"exception", "retry", "done"} {
		e := s.Events().AppendEmpty()
		e.SetName(name)
		e.SetTimestamp(pcommon.NewTimestampFromTime(t0.Add(time.Duration(i) * time.Millisecond)))
		if i != 1 {
			e.Attributes().PutStr("exception.type", "io.EOF")
			e.Attributes().PutEmptySlice("list").AppendEmpty().SetInt(int64(i))
		}
		e.SetDroppedAttributesCount(uint32(i))
	}
	l := s.Links().AppendEmpty()
	l.SetTraceID(pcommon.TraceID{0: 9})
	l.SetSpanID(pcommon.SpanID{0: 7})
	l.TraceState().FromRaw("k=v")
	l.Attributes().PutStr("link.kind", "follows")
	l.SetFlags(1)
	l.SetDroppedAttributesCount(4)
	s.Links().AppendEmpty() // a link with nothing: zero ids, no attributes

	// No events, links, attributes, ids or status; end before start; odd enums.
	s2 := ss.Spans().AppendEmpty()
	s2.SetName("bare")
	s2.SetKind(ptrace.SpanKind(99))
	s2.Status().SetCode(ptrace.StatusCode(-3))
	s2.SetStartTimestamp(pcommon.NewTimestampFromTime(t0.Add(time.Hour)))
	s2.SetEndTimestamp(pcommon.NewTimestampFromTime(t0.Add(time.Hour - time.Second)))
	// Past 2262: rejected.
	s3 := ss.Spans().AppendEmpty()
	s3.SetStartTimestamp(1)
	s3.Events().AppendEmpty().SetTimestamp(pcommon.Timestamp(math.MaxUint64))

	rs2 := td.ResourceSpans().AppendEmpty()
	s4 := rs2.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s4.SetName("no service")
	s4.SetKind(ptrace.SpanKindConsumer)
	s4.SetStartTimestamp(pcommon.NewTimestampFromTime(t0))
	s4.SetEndTimestamp(pcommon.NewTimestampFromTime(t0.Add(time.Second)))
	s4.Status().SetCode(ptrace.StatusCodeOk)

	b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	var tr otlp.Traces
	if err := otlp.DecodeTracesProto(&tr, b); err != nil {
		t.Fatal(err)
	}
	return &tr, td
}

func TestTracesBuild(t *testing.T) {
	tr, td := edgeTraces(t)
	var b TracesBuilder
	res := b.Build(tr)
	if res.Rejected != 1 || !strings.Contains(res.Reason, "resource_spans[0].scope_spans[0].spans[2] (the first of them): events[0].time_unix_nano 18446744073709551615 is after the year 2262") {
		t.Fatalf("rejected %d: %q", res.Rejected, res.Reason)
	}
	if n, reason := RejectedSpans(tr); n != res.Rejected || reason != res.Reason {
		t.Fatalf("RejectedSpans: %d %q", n, reason)
	}
	if len(res.Partitions) != 3 {
		t.Fatalf("%d partitions, want checkout@17, checkout@18, unknown_service@17", len(res.Partitions))
	}
	p, p2, pu := res.Partitions[0], res.Partitions[1], res.Partitions[2]
	if p.Service != "checkout" || p.Hour%24 != 17 || p2.Hour%24 != 18 || pu.Service != UnknownService || p.Rows != 1 || p2.Rows != 1 || pu.Rows != 1 {
		t.Fatalf("partitions %+v %+v %+v", p, p2, pu)
	}
	span := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	checks := []struct {
		name      string
		got, want any
	}{
		{"Timestamp", p.timestamp[0], t0.UnixNano()},
		{"MinTimestamp", p.MinTimestamp, t0.UnixNano()},
		{"ParentSpanId", p.parentID[0], "\x08\x07\x06\x05\x04\x03\x02\x01"},
		{"TraceState", p.traceState[0], "rojo=00f067aa0ba902b7"},
		{"SpanKind", p.kind[0], span.Kind().String()},
		{"StatusCode", p.statusCode[0], span.Status().Code().String()},
		{"Duration", p.duration[0], int64(1500 * time.Microsecond)},
		{"SpanAttributes", strings.Join(p.spanAttrs.keys, ",") + "=" + strings.Join(p.spanAttrs.vals, ","), "http.route,http.response.status_code,ratio=/api/v1/orders,500,0.25"},
		{"Events.Name", strings.Join(p.evName, ","), "exception,retry,done"},
		{"Events levels", string(p.events.rep) + string(p.events.def), "\x00\x01\x01\x01\x01\x01"},
		{"Events.Attributes keys", strings.Join(p.evAttrs.keys, ","), "exception.type,list,exception.type,list"},
		{"Events.Attributes vals", strings.Join(p.evAttrs.vals, ","), "io.EOF,[0],io.EOF,[2]"},
		{"Events.Attributes rep", string(p.evAttrs.rep), "\x00\x02\x01\x01\x02"},
		{"Events.Attributes keyDef", string(p.evAttrs.keyDef), "\x02\x02\x01\x02\x02"},
		{"Links.SpanId", p.lnSpanID[1], zeroSpanID},
		{"Links.TraceFlags", p.lnFlags[0], int32(1)},
		{"ScopeVersion", p.scopeVersion[0], "0.63.0"},
		{"TraceFlags", p.flags[0], int32(0x101)},
		{"Dropped", [3]int32{p.dropAttrs[0], p.dropEv[0], p.dropLink[0]}, [3]int32{1, 2, 3}},
		{"bare SpanKind", p2.kind[0], "99"},
		{"bare StatusCode", p2.statusCode[0], "-3"},
		{"bare Duration", p2.duration[0], -int64(time.Second)},
		{"bare ids", p2.traceID[0] + p2.spanID[0] + p2.parentID[0], zeroTraceID + zeroSpanID + zeroSpanID},
		{"bare Events levels", string(p2.events.rep) + string(p2.events.def) + string(p2.evAttrs.keyDef), "\x00\x00\x00"},
		{"unknown SpanKind", pu.kind[0] + "/" + pu.statusCode[0], "Consumer/Ok"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

// writeTraces encodes the partitions as one Parquet file.
func writeTraces(t testing.TB, parts []*Traces) []byte {
	t.Helper()
	w := pqenc.NewWriter(TracesTable(), pqenc.Options{})
	for _, p := range parts {
		if err := w.WriteRows(p.Columns(), p.Rows); err != nil {
			t.Fatal(err)
		}
	}
	data, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestTracesArrow reads the edge cases back with arrow-go: the Arrow types
// of every column and the values of the nested ones.
func TestTracesArrow(t *testing.T) {
	tr, _ := edgeTraces(t)
	var b TracesBuilder
	tbl := readTable(t, writeTraces(t, b.Build(tr).Partitions))
	defer tbl.Release()
	wantTypes := map[string]string{
		"Timestamp":          "timestamp[ns, tz=UTC]",
		"TraceId":            "fixed_size_binary[16]",
		"ParentSpanId":       "fixed_size_binary[8]",
		"SpanKind":           "utf8",
		"ResourceAttributes": "map<utf8, utf8, items_nullable>",
		"Duration":           "int64",
		"Events":             "list<element: struct<Timestamp: timestamp[ns, tz=UTC], Name: utf8, Attributes: map<utf8, utf8, items_nullable>, DroppedAttributesCount: uint32>>",
		"Links":              "list<element: struct<TraceId: fixed_size_binary[16], SpanId: fixed_size_binary[8], TraceState: utf8, Attributes: map<utf8, utf8, items_nullable>, TraceFlags: uint32, DroppedAttributesCount: uint32>>",
		"DroppedLinksCount":  "uint32",
	}
	schema := tbl.Schema()
	if len(schema.Fields()) != len(TracesSchema) {
		t.Fatalf("%d columns, want %d", len(schema.Fields()), len(TracesSchema))
	}
	for i, f := range schema.Fields() {
		if f.Name != TracesSchema[i].Name {
			t.Errorf("column %d is %s, want %s", i, f.Name, TracesSchema[i].Name)
		}
		if want, ok := wantTypes[f.Name]; ok && f.Type.String() != want {
			t.Errorf("%s: %s, want %s", f.Name, f.Type, want)
		}
		if f.Nullable && !strings.Contains(f.Type.String(), "map") {
			// Arrow marks every Parquet field nullable unless required: all are.
			t.Errorf("%s is nullable", f.Name)
		}
	}
	col := func(name string) string {
		i := schema.FieldIndices(name)[0]
		var sb strings.Builder
		for _, c := range tbl.Column(i).Data().Chunks() {
			sb.WriteString(c.String())
		}
		return sb.String()
	}
	for name, want := range map[string]string{
		"SpanName": `["GET /api/v1/orders" "bare" "no service"]`,
		"Duration": `[1500000 -1000000000 1000000000]`,
		"Events":   `[{[1795627800000000000 1795627800001000000 1795627800002000000] ["exception" "retry" "done"]`,
		"Links":    `["k=v" ""] [{["link.kind"] ["follows"]} {[] []}]`,
	} {
		if got := col(name); !strings.Contains(got, want) {
			t.Errorf("%s = %s, want it to contain %s", name, got, want)
		}
	}
}

// TestTracesDuckDB reads the edge cases and a realistic request back with
// DuckDB: its types, and values down to list-of-struct fields.
func TestTracesDuckDB(t *testing.T) {
	duckdbtest.Require(t)
	dir := t.TempDir()
	tr, _ := edgeTraces(t)
	var b TracesBuilder
	edge := filepath.Join(dir, "edge.parquet")
	if err := os.WriteFile(edge, writeTraces(t, b.Build(tr).Partitions), 0o644); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range duckdbtest.Query(t, "DESCRIBE SELECT * FROM read_parquet('"+edge+"')") {
		types = append(types, r["column_name"].(string)+" "+r["column_type"].(string))
	}
	want := []string{
		"Timestamp TIMESTAMP WITH TIME ZONE", "TraceId BLOB", "SpanId BLOB", "ParentSpanId BLOB", "TraceState VARCHAR",
		"SpanName VARCHAR", "SpanKind VARCHAR", "ServiceName VARCHAR", "ResourceAttributes MAP(VARCHAR, VARCHAR)",
		"ScopeName VARCHAR", "ScopeVersion VARCHAR", "SpanAttributes MAP(VARCHAR, VARCHAR)", "Duration BIGINT",
		"StatusCode VARCHAR", "StatusMessage VARCHAR",
		`Events STRUCT("Timestamp" TIMESTAMP WITH TIME ZONE, "Name" VARCHAR, Attributes MAP(VARCHAR, VARCHAR), DroppedAttributesCount UINTEGER)[]`,
		`Links STRUCT(TraceId BLOB, SpanId BLOB, TraceState VARCHAR, Attributes MAP(VARCHAR, VARCHAR), TraceFlags UINTEGER, DroppedAttributesCount UINTEGER)[]`,
		"ResourceSchemaUrl VARCHAR", "ScopeSchemaUrl VARCHAR", "ScopeAttributes MAP(VARCHAR, VARCHAR)",
		"TraceFlags UINTEGER", "DroppedAttributesCount UINTEGER", "DroppedEventsCount UINTEGER", "DroppedLinksCount UINTEGER",
	}
	if strings.Join(types, "\n") != strings.Join(want, "\n") {
		t.Errorf("DESCRIBE:\n%s\nwant:\n%s", strings.Join(types, "\n"), strings.Join(want, "\n"))
	}
	rows := duckdbtest.Query(t, `SELECT SpanName, SpanKind, StatusCode, Duration::VARCHAR AS d, hex(ParentSpanId) AS parent,
		len(Events)::VARCHAR AS ne, len(Links)::VARCHAR AS nl, coalesce(Events[1].Name, '-') AS e1,
		coalesce(Events[3].Attributes['list'], '-') AS e3list, coalesce(cardinality(Events[2].Attributes)::VARCHAR, '-') AS e2attrs,
		coalesce(hex(Links[1].TraceId), '-') AS l1, coalesce(Links[1].Attributes['link.kind'], '-') AS l1kind,
		coalesce(hex(Links[2].SpanId), '-') AS l2span, cardinality(SpanAttributes)::VARCHAR AS nattrs, ScopeAttributes['scope.flag'] AS flag
		FROM read_parquet('`+edge+`') ORDER BY Timestamp, SpanName`)
	got := make([]string, len(rows))
	for i, r := range rows {
		got[i] = strings.Join([]string{r["SpanName"].(string), r["SpanKind"].(string), r["StatusCode"].(string), r["d"].(string), r["parent"].(string),
			r["ne"].(string), r["nl"].(string), r["e1"].(string), r["e3list"].(string), r["e2attrs"].(string), r["l1"].(string), r["l1kind"].(string), r["l2span"].(string), r["nattrs"].(string), str0(r["flag"])}, "|")
	}
	wantRows := []string{
		"GET /api/v1/orders|Server|Error|1500000|0807060504030201|3|2|exception|[2]|0|09000000000000000000000000000000|follows|0000000000000000|3|true",
		"no service|Consumer|Ok|1000000000|0000000000000000|0|0|-|-|-|-|-|-|0|",
		"bare|99|-3|-1000000000|0000000000000000|0|0|-|-|-|-|-|-|0|true",
	}
	if strings.Join(got, "\n") != strings.Join(wantRows, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantRows, "\n"))
	}

	// A realistic request: counts and sums agree with the request.
	req := otlptest.RealisticTracesRequest(2000, 3)
	pb, _ := proto.Marshal(req)
	var rt otlp.Traces
	if err := otlp.DecodeTracesProto(&rt, pb); err != nil {
		t.Fatal(err)
	}
	res := b.Build(&rt)
	real := filepath.Join(dir, "realistic.parquet")
	if err := os.WriteFile(real, writeTraces(t, res.Partitions), 0o644); err != nil {
		t.Fatal(err)
	}
	var events, links, errs, roots int
	for _, s := range rt.Spans {
		if s.ParentSpanID == "" {
			roots++
		}
		events += s.Events.Len()
		links += s.Links.Len()
		if s.StatusCode == 2 {
			errs++
		}
	}
	r := duckdbtest.Query(t, `SELECT count(*)::VARCHAR AS n, sum(len(Events))::VARCHAR AS ev, sum(len(Links))::VARCHAR AS ln,
		count(*) FILTER (WHERE StatusCode = 'Error')::VARCHAR AS errs, count(DISTINCT ServiceName)::VARCHAR AS svcs,
		count(*) FILTER (WHERE ParentSpanId = '\x00\x00\x00\x00\x00\x00\x00\x00'::BLOB)::VARCHAR AS roots
		FROM read_parquet('`+real+`')`)[0]
	if g := [6]any{r["n"], r["ev"], r["ln"], r["errs"], r["svcs"], r["roots"]}; g != [6]any{"2000", itoa(events), itoa(links), itoa(errs), "3", itoa(roots)} {
		t.Errorf("realistic: %v, want 2000 spans, %d events, %d links, %d errors, 3 services, %d roots", g, events, links, errs, roots)
	}
}

func str0(v any) string {
	if v == nil {
		return ""
	}
	return v.(string)
}

func itoa(n int) string { return strconv.Itoa(n) }

package batch

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otlp2parquet/otlp2parquet/otlp"
)

// decodePdata marshals ld with the Collector's own encoder and decodes it with ours.
func decodePdata(t testing.TB, ld plog.Logs) *otlp.Logs {
	t.Helper()
	b, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	if err != nil {
		t.Fatal(err)
	}
	var l otlp.Logs
	if err := otlp.DecodeLogsProto(&l, b); err != nil {
		t.Fatal(err)
	}
	return &l
}

// randomValue fills v with a random AnyValue; nested values may hold NaN only when nan is set.
func randomValue(r *rand.Rand, v pcommon.Value, depth int, nan bool) {
	kinds := 8
	if depth > 3 {
		kinds = 6 // no more nesting
	}
	switch r.IntN(kinds) {
	case 0:
		v.SetStr(randomString(r))
	case 1:
		v.SetBool(r.IntN(2) == 0)
	case 2:
		ints := []int64{0, -1, 1, math.MaxInt64, math.MinInt64, r.Int64() - r.Int64()}
		v.SetInt(ints[r.IntN(len(ints))])
	case 3:
		doubles := []float64{0, math.Copysign(0, -1), 1.5, 100, 1e21, 1e20, 1e-7, 1e-6, 123456789.125, -2.5e-300, math.MaxFloat64, math.SmallestNonzeroFloat64, r.NormFloat64() * 1e6}
		if nan || depth == 0 {
			doubles = append(doubles, math.NaN(), math.Inf(1), math.Inf(-1))
		}
		v.SetDouble(doubles[r.IntN(len(doubles))])
	case 4:
		b := make([]byte, r.IntN(20))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		v.SetEmptyBytes().FromRaw(b)
	case 5:
		// leave empty
	case 6:
		s := v.SetEmptySlice()
		for range r.IntN(4) {
			randomValue(r, s.AppendEmpty(), depth+1, nan)
		}
	case 7:
		m := v.SetEmptyMap()
		for range r.IntN(4) {
			randomValue(r, m.PutEmpty(randomString(r)), depth+1, nan)
		}
	}
}

func randomString(r *rand.Rand) string {
	parts := []string{"", "a", "key", "<&>", "\"q\"", "back\\slash", "\n\t\r\b\f", "\x00\x01\x1f\x7f", "é", "日本", "\u2028\u2029", "😀", " ", "k.v"}
	var sb strings.Builder
	for range r.IntN(4) {
		sb.WriteString(parts[r.IntN(len(parts))])
	}
	return sb.String()
}

// TestAsStringMatchesPdata checks every value rendering against the
// Collector's pcommon.Value.AsString, which the ClickHouse exporter stores.
func TestAsStringMatchesPdata(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "svc")
	sl := rl.ScopeLogs().AppendEmpty()
	const n = 5000
	for range n {
		rec := sl.LogRecords().AppendEmpty()
		rec.SetTimestamp(pcommon.Timestamp(time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC).UnixNano()))
		randomValue(r, rec.Body(), 0, false)
		randomValue(r, rec.Attributes().PutEmpty("a"), 0, false)
	}
	l := decodePdata(t, ld)
	var b Builder
	res := b.Build(l, time.Now())
	if len(res.Partitions) != 1 || res.Partitions[0].Rows != n {
		t.Fatalf("got %d partitions", len(res.Partitions))
	}
	p := res.Partitions[0]
	for i := range n {
		rec := sl.LogRecords().At(i)
		if want := rec.Body().AsString(); p.body[i] != want {
			t.Fatalf("record %d body %#v: got %q, want %q", i, rec.Body().AsRaw(), p.body[i], want)
		}
		av, _ := rec.Attributes().Get("a")
		if want := av.AsString(); p.logAttrs.vals[i] != want {
			t.Fatalf("record %d attribute %#v: got %q, want %q", i, av.AsRaw(), p.logAttrs.vals[i], want)
		}
	}
}

// TestNestedNaNKeepsValue documents the one difference from pdata, which
// renders a kvlist or array holding NaN as "".
func TestNestedNaNKeepsValue(t *testing.T) {
	ld := plog.NewLogs()
	rec := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	s := rec.Body().SetEmptySlice()
	s.AppendEmpty().SetDouble(math.NaN())
	s.AppendEmpty().SetDouble(math.Inf(-1))
	s.AppendEmpty().SetInt(3)
	l := decodePdata(t, ld)
	var b Builder
	p := b.Build(l, time.Now()).Partitions[0]
	if got, want := p.body[0], `["NaN","-Infinity",3]`; got != want {
		t.Fatalf("body %q, want %q", got, want)
	}
}

func TestBuildPartitionsAndColumns(t *testing.T) {
	hour := func(h int) uint64 {
		return uint64(time.Date(2026, 11, 25, h, 30, 0, 0, time.UTC).UnixNano())
	}
	now := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	ld := plog.NewLogs()

	// Resource 1: service a, with namespace and instance, two hours.
	rl := ld.ResourceLogs().AppendEmpty()
	rl.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
	ra := rl.Resource().Attributes()
	ra.PutStr("service.name", "a")
	ra.PutStr("service.namespace", "ns")
	ra.PutStr("service.instance.id", "i-1")
	ra.PutInt("host.cpus", 8)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.SetSchemaUrl("scope-schema")
	sl.Scope().SetName("lib")
	sl.Scope().SetVersion("1.2.3")
	sl.Scope().Attributes().PutBool("scope.flag", true)
	r1 := sl.LogRecords().AppendEmpty()
	r1.SetTimestamp(pcommon.Timestamp(hour(17)))
	r1.SetObservedTimestamp(pcommon.Timestamp(hour(17) + 5))
	r1.SetSeverityNumber(plog.SeverityNumberWarn)
	r1.SetSeverityText("WARN")
	r1.Body().SetStr("first")
	r1.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	r1.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	r1.SetFlags(plog.LogRecordFlags(1))
	r1.SetEventName("ev")
	r1.Attributes().PutStr("k", "v")
	r1.Attributes().PutDouble("d", 2.5)
	r2 := sl.LogRecords().AppendEmpty()
	r2.SetObservedTimestamp(pcommon.Timestamp(hour(18))) // no time: falls back to observed
	r2.Body().SetEmptyMap().PutStr("msg", "second")

	// Resource 2: no service.name, no scope version; a record with no times at all.
	rl2 := ld.ResourceLogs().AppendEmpty()
	rl2.Resource().Attributes().PutStr("host.name", "h")
	r3 := rl2.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	r3.Body().SetInt(42)

	l := decodePdata(t, ld)
	var b Builder
	res := b.Build(l, now)
	if res.Rejected != 0 {
		t.Fatalf("rejected %d: %s", res.Rejected, res.Reason)
	}
	type key struct {
		svc  string
		hour int
	}
	got := map[key]*Logs{}
	for _, p := range res.Partitions {
		got[key{p.Service, int(p.Hour % 24)}] = p
	}
	if len(got) != 3 {
		t.Fatalf("partitions %v, want a@17, a@18, unknown_service@20", got)
	}
	pa17, pa18, pu := got[key{"a", 17}], got[key{"a", 18}], got[key{UnknownService, 20}]
	if pa17 == nil || pa18 == nil || pu == nil {
		t.Fatalf("missing partitions: %v", got)
	}
	if pa17.Rows != 1 || pa18.Rows != 1 || pu.Rows != 1 {
		t.Fatalf("rows %d %d %d", pa17.Rows, pa18.Rows, pu.Rows)
	}
	// Record 1, every column.
	p := pa17
	checks := []struct {
		name      string
		got, want any
	}{
		{"Timestamp", p.timestamp[0], int64(hour(17))},
		{"ObservedTimestamp", p.observed[0], int64(hour(17) + 5)},
		{"TraceId", p.traceID[0], "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"},
		{"SpanId", p.spanID[0], "\x01\x02\x03\x04\x05\x06\x07\x08"},
		{"TraceFlags", p.flags[0], int32(1)},
		{"SeverityText", p.severityText[0], "WARN"},
		{"SeverityNumber", p.severityNumber[0], int32(13)},
		{"Body", p.body[0], "first"},
		{"ServiceName", p.serviceName[0], "a"},
		{"ServiceNamespace", p.serviceNamespace.vals[0], "ns"},
		{"ServiceInstanceId", p.serviceInstanceID.vals[0], "i-1"},
		{"ScopeName", p.scopeName[0], "lib"},
		{"ScopeVersion", p.scopeVersion.vals[0], "1.2.3"},
		{"ResourceAttributes", strings.Join(p.resourceAttrs.keys, ",") + "=" + strings.Join(p.resourceAttrs.vals, ","), "service.name,service.namespace,service.instance.id,host.cpus=a,ns,i-1,8"},
		{"LogAttributes", strings.Join(p.logAttrs.keys, ",") + "=" + strings.Join(p.logAttrs.vals, ","), "k,d=v,2.5"},
		{"ResourceSchemaUrl", p.resourceSchemaURL[0], "https://opentelemetry.io/schemas/1.26.0"},
		{"ScopeSchemaUrl", p.scopeSchemaURL[0], "scope-schema"},
		{"ScopeAttributes", p.scopeAttrs.keys[0] + "=" + p.scopeAttrs.vals[0], "scope.flag=true"},
		{"EventName", p.eventName[0], "ev"},
		{"MinTimestamp", p.MinTimestamp, int64(hour(17))},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	// Record 2: timestamp from observed, zero ids, kvlist body as JSON.
	if pa18.timestamp[0] != int64(hour(18)) || pa18.observed[0] != int64(hour(18)) {
		t.Errorf("record 2 times %d %d", pa18.timestamp[0], pa18.observed[0])
	}
	if pa18.traceID[0] != zeroTraceID || pa18.spanID[0] != zeroSpanID {
		t.Errorf("record 2 ids not zero")
	}
	if pa18.body[0] != `{"msg":"second"}` {
		t.Errorf("record 2 body %q", pa18.body[0])
	}
	if len(pa18.logAttrs.rep) != 1 || pa18.logAttrs.keyDef[0] != 0 {
		t.Errorf("record 2 empty attributes: levels %v %v", pa18.logAttrs.rep, pa18.logAttrs.keyDef)
	}
	// Record 3: receive time, unknown service, nulls.
	if pu.timestamp[0] != now.UnixNano() || pu.observed[0] != now.UnixNano() {
		t.Errorf("record 3 times %d %d, want %d", pu.timestamp[0], pu.observed[0], now.UnixNano())
	}
	if pu.serviceName[0] != UnknownService || pu.serviceNamespace.def[0] != 0 || pu.serviceInstanceID.def[0] != 0 || pu.scopeVersion.def[0] != 0 {
		t.Errorf("record 3: service %q, null levels %v %v %v", pu.serviceName[0], pu.serviceNamespace.def, pu.serviceInstanceID.def, pu.scopeVersion.def)
	}
	if pu.body[0] != "42" {
		t.Errorf("record 3 body %q", pu.body[0])
	}
}

func TestDuplicateKeysKeepLast(t *testing.T) {
	for _, n := range []int{3, 40} { // short and long lists take different paths
		ld := plog.NewLogs()
		rec := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		// pdata's Put replaces; build duplicates through the raw slice instead.
		attrs := rec.Attributes()
		for i := range n {
			attrs.PutInt(fmt.Sprintf("key%d", i), int64(i))
		}
		l := decodePdata(t, ld)
		// Duplicate the first key at the end with a new value.
		first := l.Records[0].Attributes.Start
		dup := l.KeyValues[first]
		dup.Value = otlp.Value{Kind: otlp.KindString, Str: "last"}
		l.KeyValues = append(l.KeyValues, dup)
		l.Records[0].Attributes.End++
		if int(l.Records[0].Attributes.End) != len(l.KeyValues) {
			t.Fatal("test assumes the record's attributes are last")
		}
		var b Builder
		p := b.Build(l, time.Now()).Partitions[0]
		if len(p.logAttrs.keys) != n {
			t.Fatalf("n=%d: %d entries, want %d", n, len(p.logAttrs.keys), n)
		}
		if k, v := p.logAttrs.keys[n-1], p.logAttrs.vals[n-1]; k != dup.Key || v != "last" {
			t.Fatalf("n=%d: last entry %q=%q, want %q=last", n, k, v, dup.Key)
		}
		for _, k := range p.logAttrs.keys[:n-1] {
			if k == dup.Key {
				t.Fatalf("n=%d: duplicate key %q kept", n, k)
			}
		}
	}
}

func TestRejectsTimesPast2262(t *testing.T) {
	ld := plog.NewLogs()
	sl := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	sl.LogRecords().AppendEmpty().SetTimestamp(pcommon.Timestamp(math.MaxUint64))
	sl.LogRecords().AppendEmpty().SetTimestamp(1)
	l := decodePdata(t, ld)
	var b Builder
	res := b.Build(l, time.Now())
	if res.Rejected != 1 || !strings.Contains(res.Reason, "2262") {
		t.Fatalf("rejected %d (%q), want 1", res.Rejected, res.Reason)
	}
	if len(res.Partitions) != 1 || res.Partitions[0].Rows != 1 {
		t.Fatalf("partitions %+v", res.Partitions)
	}
}

package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/internal/duckdbtest"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/pqenc"
)

var metricsHour = time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)

func ts(sec int) pcommon.Timestamp { return pcommon.Timestamp(metricsHour.UnixNano() + int64(sec)*1e9) }

// metricsFixture has each metric type with edge cases: empty buckets,
// absent sum, min and max, NaN, int values, exemplars with and without ids
// and values, metadata, a metric without data.
func metricsFixture(t testing.TB) *otlp.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
	rm.Resource().Attributes().PutStr("service.name", "api")
	rm.Resource().Attributes().PutInt("host.cpus", 8)
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("meter")
	sm.Scope().SetVersion("1.0")
	sm.Scope().Attributes().PutBool("s", true)
	sm.Scope().SetDroppedAttributesCount(3)
	sm.SetSchemaUrl("scope-schema")

	g := sm.Metrics().AppendEmpty()
	g.SetName("mem")
	g.SetDescription("memory")
	g.SetUnit("By")
	g.Metadata().PutStr("m", "v")
	gp := g.SetEmptyGauge().DataPoints()
	p := gp.AppendEmpty()
	p.SetTimestamp(ts(1))
	p.SetIntValue(math.MaxInt64)
	p.Attributes().PutStr("k", "v")
	e := p.Exemplars().AppendEmpty()
	e.SetTimestamp(ts(1))
	e.SetDoubleValue(2.5)
	e.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	e.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	e.FilteredAttributes().PutStr("user", "u1")
	e2 := p.Exemplars().AppendEmpty() // no ids, no value
	e2.SetTimestamp(ts(2))
	p = gp.AppendEmpty()
	p.SetTimestamp(ts(2))
	p.SetDoubleValue(math.NaN())
	p = gp.AppendEmpty() // no value at all
	p.SetTimestamp(ts(3))
	p.SetFlags(pmetric.DefaultDataPointFlags.WithNoRecordedValue(true))

	s := sm.Metrics().AppendEmpty()
	s.SetName("requests")
	sum := s.SetEmptySum()
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	sum.SetIsMonotonic(true)
	p = sum.DataPoints().AppendEmpty()
	p.SetStartTimestamp(ts(0))
	p.SetTimestamp(ts(10))
	p.SetIntValue(42)
	ex := p.Exemplars().AppendEmpty()
	ex.SetIntValue(-7)
	ex.SetTimestamp(ts(9))

	h := sm.Metrics().AppendEmpty()
	h.SetName("latency")
	hist := h.SetEmptyHistogram()
	hist.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	hp := hist.DataPoints().AppendEmpty()
	hp.SetStartTimestamp(ts(0))
	hp.SetTimestamp(ts(20))
	hp.SetCount(6)
	hp.SetSum(12.5)
	hp.SetMin(0.5)
	hp.SetMax(math.Inf(1))
	hp.BucketCounts().FromRaw([]uint64{1, 2, math.MaxUint64})
	hp.ExplicitBounds().FromRaw([]float64{1, 2.5})
	hp = hist.DataPoints().AppendEmpty() // empty buckets, no sum, min, max
	hp.SetTimestamp(ts(21))

	x := sm.Metrics().AppendEmpty()
	x.SetName("size")
	exp := x.SetEmptyExponentialHistogram()
	exp.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	xp := exp.DataPoints().AppendEmpty()
	xp.SetTimestamp(ts(30))
	xp.SetCount(5)
	xp.SetScale(-2)
	xp.SetZeroCount(1)
	xp.SetZeroThreshold(1e-9)
	xp.Positive().SetOffset(-3)
	xp.Positive().BucketCounts().FromRaw([]uint64{1, 3})
	xp.SetSum(4)
	xp.Exemplars().AppendEmpty().SetDoubleValue(1)

	su := sm.Metrics().AppendEmpty()
	su.SetName("gc")
	sp := su.SetEmptySummary().DataPoints().AppendEmpty()
	sp.SetTimestamp(ts(40))
	sp.SetCount(3)
	sp.SetSum(1.5)
	q := sp.QuantileValues().AppendEmpty()
	q.SetQuantile(0.5)
	q.SetValue(0.25)
	q = sp.QuantileValues().AppendEmpty()
	q.SetQuantile(1)
	q.SetValue(math.NaN())
	sp = su.Summary().DataPoints().AppendEmpty() // no quantiles
	sp.SetTimestamp(ts(41))

	sm.Metrics().AppendEmpty().SetName("no data")

	b, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	if err != nil {
		t.Fatal(err)
	}
	var m otlp.Metrics
	if err := otlp.DecodeMetricsProto(&m, b); err != nil {
		t.Fatal(err)
	}
	return &m
}

func writeMetrics(t testing.TB, p *Metrics) []byte {
	t.Helper()
	w := pqenc.NewWriter(p.Schema(), pqenc.Options{})
	if err := w.WriteRows(p.Columns(), p.Rows); err != nil {
		t.Fatalf("%s: %v", p.Type, err)
	}
	data, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// arrowJSON reads the file with arrow-go and returns its schema, one field
// a line, and each column as JSON.
func arrowJSON(t testing.TB, data []byte) (string, map[string]string) {
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
	defer tbl.Release()
	var schema []string
	cols := map[string]string{}
	for i, f := range tbl.Schema().Fields() {
		schema = append(schema, f.Name+": "+f.Type.String())
		var parts []string
		for _, chunk := range tbl.Column(i).Data().Chunks() {
			b, err := json.Marshal(chunk)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, strings.TrimSuffix(strings.TrimPrefix(string(b), "["), "]"))
		}
		cols[f.Name] = "[" + strings.Join(parts, ",") + "]"
	}
	return strings.Join(schema, "\n"), cols
}

var metricsHeadArrow = `ResourceAttributes: map<utf8, utf8, items_nullable>
ResourceSchemaUrl: utf8
ScopeName: utf8
ScopeVersion: utf8
ScopeAttributes: map<utf8, utf8, items_nullable>
ScopeDroppedAttrCount: uint32
ScopeSchemaUrl: utf8
ServiceName: utf8
MetricName: utf8
MetricDescription: utf8
MetricUnit: utf8
Attributes: map<utf8, utf8, items_nullable>
StartTimeUnix: timestamp[ns, tz=UTC]
TimeUnix: timestamp[ns, tz=UTC]
`

const exemplarsArrow = `Exemplars: list<element: struct<FilteredAttributes: map<utf8, utf8, items_nullable>, TimeUnix: timestamp[ns, tz=UTC], Value: float64 nullable, SpanId: fixed_size_binary[8], TraceId: fixed_size_binary[16], ValueInt: int64 nullable>>`

var metricsArrowSchemas = map[otlp.MetricType]string{
	otlp.MetricGauge: metricsHeadArrow + "Value: float64\nFlags: uint32\n" + exemplarsArrow + "\nValueInt: int64\nMetricMetadata: map<utf8, utf8, items_nullable>",
	otlp.MetricSum: metricsHeadArrow + "Value: float64\nFlags: uint32\n" + exemplarsArrow + "\nAggregationTemporality: int32\nIsMonotonic: bool\nValueInt: int64\n" +
		"MetricMetadata: map<utf8, utf8, items_nullable>",
	otlp.MetricHistogram: metricsHeadArrow + "Count: uint64\nSum: float64\nBucketCounts: list<element: uint64>\nExplicitBounds: list<element: float64>\n" +
		exemplarsArrow + "\nFlags: uint32\nMin: float64\nMax: float64\nAggregationTemporality: int32\nMetricMetadata: map<utf8, utf8, items_nullable>",
	otlp.MetricExponentialHistogram: metricsHeadArrow + "Count: uint64\nSum: float64\nScale: int32\nZeroCount: uint64\nPositiveOffset: int32\n" +
		"PositiveBucketCounts: list<element: uint64>\nNegativeOffset: int32\nNegativeBucketCounts: list<element: uint64>\n" + exemplarsArrow +
		"\nFlags: uint32\nMin: float64\nMax: float64\nAggregationTemporality: int32\nZeroThreshold: float64\nMetricMetadata: map<utf8, utf8, items_nullable>",
	otlp.MetricSummary: metricsHeadArrow + "Count: uint64\nSum: float64\nValueAtQuantiles: list<element: struct<Quantile: float64, Value: float64>>\n" +
		"Flags: uint32\nMetricMetadata: map<utf8, utf8, items_nullable>",
}

// TestMetricsReadByArrow writes each table and reads it back with arrow-go.
func TestMetricsReadByArrow(t *testing.T) {
	m := metricsFixture(t)
	var mb MetricsBuilder
	res := mb.Build(m, metricsHour.Add(time.Hour))
	if res.Rejected != 0 || len(res.Partitions) != 5 {
		t.Fatalf("%d partitions, %d rejected (%s)", len(res.Partitions), res.Rejected, res.Reason)
	}
	want := map[otlp.MetricType]map[string]string{
		otlp.MetricGauge: {
			"Value":                 `[9223372036854776000,"NaN",null]`,
			"ValueInt":              `[9223372036854775807,null,null]`,
			"Flags":                 `[0,0,1]`,
			"MetricName":            `["mem","mem","mem"]`,
			"MetricMetadata":        `[[{"key":"m","value":"v"}],[{"key":"m","value":"v"}],[{"key":"m","value":"v"}]]`,
			"Attributes":            `[[{"key":"k","value":"v"}],[],[]]`,
			"ResourceAttributes":    `[[{"key":"service.name","value":"api"},{"key":"host.cpus","value":"8"}],[{"key":"service.name","value":"api"},{"key":"host.cpus","value":"8"}],[{"key":"service.name","value":"api"},{"key":"host.cpus","value":"8"}]]`,
			"ScopeDroppedAttrCount": `[3,3,3]`,
			"Exemplars": `[[{"FilteredAttributes":[{"key":"user","value":"u1"}],"SpanId":"AQIDBAUGBwg=","TimeUnix":"` + tsText(1) + `","TraceId":"AQIDBAUGBwgJCgsMDQ4PEA==","Value":2.5,"ValueInt":null},` +
				`{"FilteredAttributes":[],"SpanId":"AAAAAAAAAAA=","TimeUnix":"` + tsText(2) + `","TraceId":"AAAAAAAAAAAAAAAAAAAAAA==","Value":null,"ValueInt":null}],[],[]]`,
		},
		otlp.MetricSum: {
			"Value": `[42]`, "ValueInt": `[42]`, "AggregationTemporality": `[2]`, "IsMonotonic": `[true]`,
			"Exemplars": `[[{"FilteredAttributes":[],"SpanId":"AAAAAAAAAAA=","TimeUnix":"` + tsText(9) + `","TraceId":"AAAAAAAAAAAAAAAAAAAAAA==","Value":-7,"ValueInt":-7}]]`,
		},
		otlp.MetricHistogram: {
			"Count": `[6,0]`, "Sum": `[12.5,null]`, "Min": `[0.5,null]`, "Max": `["+Inf",null]`,
			"BucketCounts": `[[1,2,18446744073709551615],[]]`, "ExplicitBounds": `[[1,2.5],[]]`, "AggregationTemporality": `[1,1]`,
			"StartTimeUnix": `["` + tsText(0) + `","1970-01-01T00:00:00Z"]`,
		},
		otlp.MetricExponentialHistogram: {
			"Scale": `[-2]`, "ZeroCount": `[1]`, "PositiveOffset": `[-3]`, "PositiveBucketCounts": `[[1,3]]`, "NegativeOffset": `[0]`,
			"NegativeBucketCounts": `[[]]`, "ZeroThreshold": `[1e-09]`, "Sum": `[4]`, "Min": `[null]`,
		},
		otlp.MetricSummary: {
			"Count": `[3,0]`, "Sum": `[1.5,0]`, "ValueAtQuantiles": `[[{"Quantile":0.5,"Value":0.25},{"Quantile":1,"Value":"NaN"}],[]]`,
		},
	}
	for _, p := range res.Partitions {
		schema, cols := arrowJSON(t, writeMetrics(t, p))
		if schema != metricsArrowSchemas[p.Type] {
			t.Errorf("%s: arrow schema\n%s\nwant\n%s", p.Type, schema, metricsArrowSchemas[p.Type])
		}
		for col, w := range want[p.Type] {
			if cols[col] != w {
				t.Errorf("%s.%s = %s\nwant %s", p.Type, col, cols[col], w)
			}
		}
	}
}

// tsText is how arrow-go's JSON writes the fixture's timestamp sec seconds into the hour.
func tsText(sec int) string {
	return metricsHour.Add(time.Duration(sec) * time.Second).Format("2006-01-02T15:04:05Z")
}

// TestMetricsReadByDuckDB writes each table and reads it back with DuckDB.
func TestMetricsReadByDuckDB(t *testing.T) {
	duckdbtest.Require(t)
	m := metricsFixture(t)
	var mb MetricsBuilder
	res := mb.Build(m, metricsHour.Add(time.Hour))
	dir := t.TempDir()
	wantTypes := map[otlp.MetricType]string{
		otlp.MetricGauge: "Value DOUBLE, Flags UINTEGER, Exemplars STRUCT(FilteredAttributes MAP(VARCHAR, VARCHAR), TimeUnix TIMESTAMP WITH TIME ZONE, " +
			"\"Value\" DOUBLE, SpanId BLOB, TraceId BLOB, ValueInt BIGINT)[], ValueInt BIGINT, MetricMetadata MAP(VARCHAR, VARCHAR)",
		otlp.MetricHistogram: "Count UBIGINT, Sum DOUBLE, BucketCounts UBIGINT[], ExplicitBounds DOUBLE[]",
		otlp.MetricSummary:   "Count UBIGINT, Sum DOUBLE, ValueAtQuantiles STRUCT(Quantile DOUBLE, \"Value\" DOUBLE)[], Flags UINTEGER",
		otlp.MetricSum:       "AggregationTemporality INTEGER, IsMonotonic BOOLEAN",
		otlp.MetricExponentialHistogram: "Scale INTEGER, ZeroCount UBIGINT, PositiveOffset INTEGER, PositiveBucketCounts UBIGINT[], " +
			"NegativeOffset INTEGER, NegativeBucketCounts UBIGINT[]",
	}
	wantRows := map[otlp.MetricType]string{
		otlp.MetricGauge: `[{"MetricName":"mem","Value":9223372036854776000,"ValueInt":"9223372036854775807","n":"2","span":"0102030405060708","u":"u1"},` +
			`{"MetricName":"mem","Value":"NaN","ValueInt":null,"n":"0","span":null,"u":null},{"MetricName":"mem","Value":null,"ValueInt":null,"n":"0","span":null,"u":null}]`,
		otlp.MetricHistogram: `[{"BucketCounts":["1","2","18446744073709551615"],"ExplicitBounds":[1,2.5],"Max":"Infinity","Sum":12.5},{"BucketCounts":[],"ExplicitBounds":[],"Max":null,"Sum":null}]`,
		otlp.MetricSummary:   `[{"q":[{"Quantile":0.5,"Value":0.25},{"Quantile":1,"Value":"NaN"}]},{"q":[]}]`,
	}
	queries := map[otlp.MetricType]string{
		otlp.MetricGauge: `SELECT MetricName, Value, ValueInt::VARCHAR AS ValueInt, len(Exemplars) AS n, hex(Exemplars[1].SpanId) AS span, ` +
			`Exemplars[1].FilteredAttributes['user'] AS u FROM read_parquet(%s) ORDER BY TimeUnix`,
		otlp.MetricHistogram: `SELECT BucketCounts::VARCHAR[] AS BucketCounts, ExplicitBounds, Sum, Max FROM read_parquet(%s) ORDER BY TimeUnix`,
		otlp.MetricSummary:   `SELECT ValueAtQuantiles AS q FROM read_parquet(%s) ORDER BY TimeUnix`,
	}
	for _, p := range res.Partitions {
		path := filepath.Join(dir, p.Type.String()+".parquet")
		if err := os.WriteFile(path, writeMetrics(t, p), 0o644); err != nil {
			t.Fatal(err)
		}
		quoted := "'" + path + "'"
		var cols []string
		for _, r := range duckdbtest.Query(t, "DESCRIBE SELECT * FROM read_parquet("+quoted+")") {
			cols = append(cols, fmt.Sprintf("%s %s", r["column_name"], r["column_type"]))
		}
		got := strings.Join(cols, ", ")
		if !strings.Contains(got, wantTypes[p.Type]) || !strings.HasPrefix(got, "ResourceAttributes MAP(VARCHAR, VARCHAR), ResourceSchemaUrl VARCHAR") {
			t.Errorf("%s: DESCRIBE\n%s\nwant it to contain\n%s", p.Type, got, wantTypes[p.Type])
		}
		if q, ok := queries[p.Type]; ok {
			rows := duckdbtest.Query(t, fmt.Sprintf(q, quoted))
			b, _ := json.Marshal(rows)
			if string(b) != wantRows[p.Type] {
				t.Errorf("%s: rows\n%s\nwant\n%s", p.Type, b, wantRows[p.Type])
			}
		}
	}
}

// TestMetricsRandomRequestsEncode builds and encodes random requests: the
// levels of every table must satisfy the encoder, and the rows add up.
func TestMetricsRandomRequestsEncode(t *testing.T) {
	var mb MetricsBuilder
	var d otlp.Decoder
	var m otlp.Metrics
	for seed := range 40 {
		req := otlptest.RandomMetricsRequest(rand.New(rand.NewPCG(uint64(seed), 21)))
		b, _ := proto.Marshal(req)
		m.Reset()
		if err := d.DecodeMetricsProto(&m, b); err != nil {
			t.Fatal(err)
		}
		res := mb.Build(&m, metricsHour)
		rows := 0
		for _, p := range res.Partitions {
			rows += p.Rows
			w := pqenc.NewWriter(p.Schema(), pqenc.Options{})
			if err := w.WriteRows(p.Columns(), p.Rows); err != nil {
				t.Fatalf("seed %d, %s: %v", seed, p.Type, err)
			}
			if _, err := w.Finish(); err != nil {
				t.Fatal(err)
			}
		}
		rejected, reason := RejectedDataPoints(&m)
		if rejected != res.Rejected || reason != res.Reason {
			t.Fatalf("seed %d: RejectedDataPoints %d %q, Build %d %q", seed, rejected, reason, res.Rejected, res.Reason)
		}
		if rows+res.Rejected != m.DataPoints() {
			t.Fatalf("seed %d: %d rows + %d rejected, want %d data points", seed, rows, res.Rejected, m.DataPoints())
		}
	}
}

func TestMetricsPartitionsAndRejects(t *testing.T) {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "a")
	g := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	g.SetName("g")
	dps := g.SetEmptyGauge().DataPoints()
	dps.AppendEmpty().SetTimestamp(ts(0))
	dps.AppendEmpty().SetTimestamp(ts(3600))
	dps.AppendEmpty().SetTimestamp(pcommon.Timestamp(math.MaxUint64))
	dps.AppendEmpty() // no time: receive time
	late := dps.AppendEmpty()
	late.SetTimestamp(ts(1))
	late.Exemplars().AppendEmpty().SetTimestamp(pcommon.Timestamp(1 << 63))
	rm2 := md.ResourceMetrics().AppendEmpty()
	rm2.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetEmptySum().DataPoints().AppendEmpty().SetTimestamp(ts(5))
	b, _ := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	var m otlp.Metrics
	if err := otlp.DecodeMetricsProto(&m, b); err != nil {
		t.Fatal(err)
	}
	var mb MetricsBuilder
	now := metricsHour.Add(5 * time.Hour)
	res := mb.Build(&m, now)
	if res.Rejected != 2 || !strings.Contains(res.Reason, "resource_metrics[0].scope_metrics[0].metrics[0].gauge.data_points[2] (the first of them): time_unix_nano 18446744073709551615") {
		t.Fatalf("rejected %d: %s", res.Rejected, res.Reason)
	}
	var got []string
	for _, p := range res.Partitions {
		got = append(got, fmt.Sprintf("%s/%s/%d:%d", p.Type, p.Service, p.Hour-metricsHour.Unix()/3600, p.Rows))
	}
	if want := "gauge/a/0:1,gauge/a/1:1,gauge/a/5:1,sum/unknown_service/0:1"; strings.Join(got, ",") != want {
		t.Fatalf("partitions %s, want %s", strings.Join(got, ","), want)
	}
	if p := res.Partitions[2]; p.time[0] != now.UnixNano() || p.MinTimestamp != now.UnixNano() {
		t.Fatalf("receive time not used: %d", p.time[0])
	}
	if n, reason := RejectedDataPoints(&m); n != 2 || reason != res.Reason {
		t.Fatalf("RejectedDataPoints %d %q", n, reason)
	}
}

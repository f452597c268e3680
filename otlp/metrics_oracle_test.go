package otlp_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

func officialMetricsProto(b []byte) (*colmetricspb.ExportMetricsServiceRequest, error) {
	req := &colmetricspb.ExportMetricsServiceRequest{}
	return req, proto.Unmarshal(b, req)
}

func TestMetricsProtoOracleRandom(t *testing.T) {
	t.Parallel()
	n := 1000
	if testing.Short() || raceEnabled {
		n = 100
	}
	var d otlp.Decoder
	var m otlp.Metrics
	points := 0
	for seed := range n {
		req := otlptest.RandomMetricsRequest(rand.New(rand.NewPCG(uint64(seed), 11)))
		b, err := proto.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		want, err := officialMetricsProto(b)
		if err != nil {
			t.Fatal(err)
		}
		m.Reset()
		if err := d.DecodeMetricsProto(&m, b); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if diff := otlptest.DiffMetrics(want, otlptest.ToProtoMetrics(&m)); diff != "" {
			t.Fatalf("seed %d: %s", seed, diff)
		}
		points += m.DataPoints()
	}
	t.Logf("%d requests, %d data points", n, points)
}

func TestMetricsProtoConcatenates(t *testing.T) {
	var m otlp.Metrics
	want := &colmetricspb.ExportMetricsServiceRequest{}
	for seed := range 10 {
		req := otlptest.RandomMetricsRequest(rand.New(rand.NewPCG(uint64(seed), 12)))
		b, _ := proto.Marshal(req)
		if err := otlp.DecodeMetricsProto(&m, b); err != nil {
			t.Fatal(err)
		}
		want.ResourceMetrics = append(want.ResourceMetrics, req.ResourceMetrics...)
	}
	if diff := otlptest.DiffMetrics(want, otlptest.ToProtoMetrics(&m)); diff != "" {
		t.Fatal(diff)
	}
}

// metric wraps Metric fields in a request; they start at byte 6.
func metric(fields ...[]byte) []byte { return lenf(1, lenf(2, lenf(2, fields...))) }

// hist wraps histogram data point fields in a request; they start at byte 10.
func hist(fields ...[]byte) []byte { return metric(lenf(9, lenf(1, fields...))) }

// expHist wraps exponential histogram data point fields; they start at byte 10.
func expHist(fields ...[]byte) []byte { return metric(lenf(10, lenf(1, fields...))) }

func packedFixed(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = protowire.AppendFixed64(b, v)
	}
	return b
}

func packedVarint(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = protowire.AppendVarint(b, v)
	}
	return b
}

func sint(v int32) uint64 { return protowire.EncodeZigZag(int64(v)) }

var metricsProtoAccepted = []struct {
	name string
	in   []byte
}{
	{"empty", nil},
	{"metric without data", metric(strf(1, "m"), strf(2, "d"), strf(3, "u"))},
	{"empty data of each kind", cat(metric(lenf(5)), metric(lenf(7)), metric(lenf(9)), metric(lenf(10)), metric(lenf(11)))},
	{"unknown fields everywhere", cat(unknownFields, lenf(1, unknownFields, lenf(2, unknownFields, lenf(2, unknownFields, strf(1, "m"),
		lenf(7, unknownFields, varf(2, 2), varf(3, 1), lenf(1, unknownFields, fix64f(3, 9), fix64f(6, 5),
			lenf(5, unknownFields, fix64f(3, 1), strf(5, "0123456789abcdef"), lenf(7, strf(1, "k"), lenf(2, strf(1, "v"))))))))))},
	{"packed and unpacked repeated numbers interleaved", hist(lenf(6, packedFixed(1, 2)), fix64f(6, 3), fix64f(7, math.Float64bits(1.5)),
		lenf(7, packedFixed(math.Float64bits(2.5), math.Float64bits(math.Inf(1)))), lenf(6), fix64f(4, 9), lenf(6, packedFixed(4)))},
	{"exponential buckets packed and not", expHist(lenf(8, varf(1, sint(-3)), lenf(2, packedVarint(1, 1<<40, 0)), varf(2, 7)),
		lenf(9, varf(2, 5), varf(1, sint(math.MaxInt32))), varf(6, sint(-8)))},
	{"scale and offset truncate like the official decoder", expHist(varf(6, 1<<40|sint(-2)), lenf(8, varf(1, 0xffffffff00000003)))},
	{"optional doubles present as zero and NaN", hist(fix64f(5, 0), fix64f(11, math.Float64bits(math.NaN())), fix64f(12, 1<<63))},
	{"value oneof: last wins", metric(lenf(5, lenf(1, fix64f(4, math.Float64bits(2)), fix64f(6, 7)), lenf(1, fix64f(6, 7), fix64f(4, 5))))},
	{"attributes interleaved with exemplars", metric(lenf(7, lenf(1, lenf(7, strf(1, "a"), lenf(2, strf(1, "x"))),
		lenf(5, lenf(7, strf(1, "e"), lenf(2, lenf(6, lenf(1, strf(1, "n"), lenf(2, varf(3, 1)))))), fix64f(3, 1)),
		lenf(7, strf(1, "b"), lenf(2, lenf(5, lenf(1, varf(2, 1))))), lenf(5), lenf(7, strf(1, "c")))))},
	{"metadata around data", metric(lenf(12, strf(1, "m1"), lenf(2, strf(1, "v"))), lenf(5, lenf(1, lenf(7, strf(1, "a")))), lenf(12, strf(1, "m2")))},
	{"temporality and flags truncate", cat(metric(lenf(7, varf(2, 1<<33|2))), metric(lenf(5, lenf(1, varf(8, 1<<32|5)))))},
	{"monotonic 2 is true", metric(lenf(7, varf(3, 2)))},
	{"gauge ignores sum's fields", metric(lenf(5, varf(2, 1), varf(3, 1)))},
	{"summary", metric(lenf(11, lenf(1, fix64f(4, 3), fix64f(5, math.Float64bits(math.Copysign(0, -1))), lenf(6, fix64f(1, math.Float64bits(0.5)), fix64f(2, 1<<62)), lenf(6), varf(8, 1))))},
	{"empty ids", metric(lenf(5, lenf(1, lenf(5, lenf(4), lenf(5)))))},
	{"scope and resource levels", cat(lenf(1, lenf(1, lenf(1, strf(1, "k"))), strf(3, "u"), lenf(2, lenf(1, strf(1, "s")), strf(3, "v"))), lenf(1))},
}

func TestMetricsProtoOracleAccepted(t *testing.T) {
	for _, tc := range metricsProtoAccepted {
		t.Run(tc.name, func(t *testing.T) {
			want, err := officialMetricsProto(tc.in)
			if err != nil {
				t.Fatalf("official decoder: %v", err)
			}
			var m otlp.Metrics
			if err := otlp.DecodeMetricsProto(&m, tc.in); err != nil {
				t.Fatal(err)
			}
			if diff := otlptest.DiffMetrics(want, otlptest.ToProtoMetrics(&m)); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}

const histPath = "resource_metrics[0].scope_metrics[0].metrics[0].histogram.data_points[0]."

var metricsProtoRejected = []struct {
	name, msg, path string
	off             int
	in              []byte
}{
	{"packed fixed64 of 7 bytes", "not a multiple of 8", histPath + "bucket_counts", 10, hist(lenf(6, make([]byte, 7)))},
	{"packed doubles of 9 bytes", "not a multiple of 8", histPath + "explicit_bounds", 10, hist(lenf(7, make([]byte, 9)))},
	{"packed varints truncated", "unexpected EOF", "resource_metrics[0].scope_metrics[0].metrics[0].exponential_histogram.data_points[0].positive.bucket_counts", 14,
		expHist(lenf(8, lenf(2, []byte{0x80})))},
	{"invalid UTF-8 in a metric name", "not valid UTF-8", "resource_metrics[0].scope_metrics[0].metrics[0].name", 6, metric(strf(1, "\xff"))},
	{"truncated count", "unexpected EOF", histPath + "count", 10, hist(tagb(4, protowire.Fixed64Type), []byte{1})},
	{"invalid UTF-8 in an exemplar attribute", "not valid UTF-8",
		"resource_metrics[0].scope_metrics[0].metrics[0].gauge.data_points[0].exemplars[1].filtered_attributes[0].key", 16,
		metric(lenf(5, lenf(1, lenf(5), lenf(5, lenf(7, strf(1, "\xc0"))))))},
}

func TestMetricsProtoOracleRejected(t *testing.T) {
	for _, tc := range metricsProtoRejected {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := officialMetricsProto(tc.in); err == nil {
				t.Fatal("official decoder accepts it")
			}
			var m otlp.Metrics
			checkError(t, otlp.DecodeMetricsProto(&m, tc.in), "protobuf", tc.msg, tc.path, tc.off)
		})
	}
}

var metricsProtoStricter = []struct {
	name, msg, path string
	off             int
	in              []byte
}{
	{"gauge then sum", "data given twice: sum after gauge", "resource_metrics[0].scope_metrics[0].metrics[0].sum", 8, metric(lenf(5), lenf(7))},
	{"gauge twice", "data given twice", "resource_metrics[0].scope_metrics[0].metrics[0].gauge", 8, metric(lenf(5), lenf(5))},
	{"buckets twice", "positive given twice", "resource_metrics[0].scope_metrics[0].metrics[0].exponential_histogram.data_points[0].positive", 12, expHist(lenf(8), lenf(8))},
	{"bucket counts as fixed32", "wire type 5, want 1 or 2 (packed)", histPath + "bucket_counts", 10, hist(fix32f(6, 1))},
	{"exponential bucket counts as fixed64", "wire type 1, want 0 or 2 (packed)",
		"resource_metrics[0].scope_metrics[0].metrics[0].exponential_histogram.data_points[0].negative.bucket_counts", 12, expHist(lenf(9, fix64f(2, 1)))},
	{"time as a varint", "wire type 0, want 1 (64-bit)", histPath + "time_unix_nano", 10, hist(varf(3, 1))},
	{"flags as fixed32", "wire type 5, want 0 (varint)", histPath + "flags", 10, hist(fix32f(10, 1))},
	{"exemplar trace id of 3 bytes", "3 bytes, want 16 or none", histPath + "exemplars[0].trace_id", 12, hist(lenf(8, strf(5, "abc")))},
	{"scope given twice", "scope given twice", "resource_metrics[0].scope_metrics[0].scope", 6, lenf(1, lenf(2, lenf(1), lenf(1)))},
	{"resource given twice", "resource given twice", "resource_metrics[0].resource", 4, lenf(1, lenf(1), lenf(1))},
}

func TestMetricsProtoStricter(t *testing.T) {
	for _, tc := range metricsProtoStricter {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := officialMetricsProto(tc.in); err != nil {
				t.Fatalf("official decoder rejects it: %v", err)
			}
			var m otlp.Metrics
			err := otlp.DecodeMetricsProto(&m, tc.in)
			checkError(t, err, "protobuf", tc.msg, tc.path, tc.off)
			if !stricterProto(err) {
				t.Errorf("%v is not one of the documented stricter classes", err)
			}
		})
	}
}

// TestMetricsProtoNoAllocations checks that decoding into a warmed-up
// Metrics allocates nothing per data point.
func TestMetricsProtoNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations differ under the race detector")
	}
	b, _ := proto.Marshal(otlptest.RealisticMetricsRequest(200, 3))
	var d otlp.Decoder
	var m otlp.Metrics
	allocs := testing.AllocsPerRun(20, func() {
		m.Reset()
		if err := d.DecodeMetricsProto(&m, b); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Fatalf("%v allocations per decode", allocs)
	}
}

func pdataMetricsDecode(b []byte) (*colmetricspb.ExportMetricsServiceRequest, error) {
	req, err := otlptest.PdataMetricsFromJSON(b)
	if err == nil {
		otlptest.NormalizeMetricsZeroIDs(req)
	}
	return req, err
}

func ourMetricsJSON(d *otlp.Decoder, m *otlp.Metrics, b []byte) (*colmetricspb.ExportMetricsServiceRequest, error) {
	m.Reset()
	if err := d.DecodeMetricsJSON(m, b); err != nil {
		return nil, err
	}
	req := otlptest.ToProtoMetrics(m)
	otlptest.NormalizeMetricsZeroIDs(req)
	return req, nil
}

// TestMetricsJSONOracleRandom decodes random requests as the Collector
// encodes them, and variants of that JSON, and compares with the Collector's decoding.
func TestMetricsJSONOracleRandom(t *testing.T) {
	t.Parallel()
	n := 300
	if testing.Short() || raceEnabled {
		n = 40
	}
	var d otlp.Decoder
	var m otlp.Metrics
	for seed := range n {
		r := rand.New(rand.NewPCG(uint64(seed), 13))
		in, err := otlptest.PdataMetricsJSON(otlptest.RandomMetricsRequest(r))
		if err != nil {
			t.Fatal(err)
		}
		want, err := pdataMetricsDecode(in)
		if err != nil {
			t.Fatalf("seed %d: pdata: %v", seed, err)
		}
		got, err := ourMetricsJSON(&d, &m, in)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if diff := otlptest.DiffMetrics(want, got); diff != "" {
			t.Fatalf("seed %d: %s", seed, diff)
		}
		variant := mutateJSON(t, r, in)
		if got, err = ourMetricsJSON(&d, &m, variant); err != nil {
			t.Fatalf("seed %d, variant: %v\n%.2000s", seed, err, variant)
		}
		if diff := otlptest.DiffMetrics(want, got); diff != "" {
			t.Fatalf("seed %d, variant %.2000s: %s", seed, variant, diff)
		}
	}
}

func protojsonMetrics(in string) (*colmetricspb.ExportMetricsServiceRequest, error) {
	req := &colmetricspb.ExportMetricsServiceRequest{}
	err := protojson.Unmarshal([]byte(in), req)
	if err != nil && strings.Contains(err.Error(), "unknown field") {
		req = &colmetricspb.ExportMetricsServiceRequest{}
		err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal([]byte(in), req)
	}
	return req, err
}

func wrapMetric(members string) string {
	return `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{` + members + `}]}]}]}`
}

// TestMetricsJSONMatchesProtojson checks, field by field and value by value,
// that ours accepts what protojson accepts and reads the same value.
func TestMetricsJSONMatchesProtojson(t *testing.T) {
	h := func(s string) string { return wrapMetric(`"histogram":{"dataPoints":[{` + s + `}]}`) }
	e := func(s string) string { return wrapMetric(`"exponentialHistogram":{"dataPoints":[{` + s + `}]}`) }
	fields := []struct{ name, template string }{
		{"name", wrapMetric(`"name":%s`)},
		{"metadata", wrapMetric(`"metadata":%s`)},
		{"gauge", wrapMetric(`"gauge":%s`)},
		{"aggregationTemporality", wrapMetric(`"sum":{"aggregationTemporality":%s}`)},
		{"isMonotonic", wrapMetric(`"sum":{"isMonotonic":%s}`)},
		{"dataPoints", wrapMetric(`"sum":{"dataPoints":%s}`)},
		{"asInt", wrapMetric(`"gauge":{"dataPoints":[{"asInt":%s}]}`)},
		{"asDouble", wrapMetric(`"gauge":{"dataPoints":[{"asDouble":%s}]}`)},
		{"flags", wrapMetric(`"gauge":{"dataPoints":[{"flags":%s}]}`)},
		{"count", h(`"count":%s`)},
		{"sum", h(`"sum":%s`)},
		{"min", h(`"min":%s`)},
		{"bucketCounts", h(`"bucketCounts":%s`)},
		{"explicitBounds", h(`"explicitBounds":%s`)},
		{"exemplars", h(`"exemplars":%s`)},
		{"exemplar asInt", h(`"exemplars":[{"asInt":%s}]`)},
		{"scale", e(`"scale":%s`)},
		{"zeroThreshold", e(`"zeroThreshold":%s`)},
		{"positive", e(`"positive":%s`)},
		{"offset", e(`"negative":{"offset":%s}`)},
		{"positive bucketCounts", e(`"positive":{"bucketCounts":%s}`)},
		{"quantileValues", wrapMetric(`"summary":{"dataPoints":[{"quantileValues":%s}]}`)},
		{"quantile", wrapMetric(`"summary":{"dataPoints":[{"quantileValues":[{"quantile":%s}]}]}`)},
	}
	values := []string{
		`0`, `1`, `-1`, `-0`, `1.5`, `1e3`, `1e20`, `18446744073709551615`, `18446744073709551616`, `9223372036854775807`, `-9223372036854775809`,
		`4294967295`, `4294967296`, `2147483647`, `2147483648`, `-2147483648`, `-2147483649`, `1e400`, `4.9e-324`,
		`"0"`, `"1"`, `"-1"`, `"1e3"`, `"1.5"`, `""`, `"NaN"`, `"Infinity"`, `"-Infinity"`, `"nan"`,
		`"AGGREGATION_TEMPORALITY_DELTA"`, `"AGGREGATION_TEMPORALITY_CUMULATIVE"`, `"AGGREGATION_TEMPORALITY_UNSPECIFIED"`, `"DELTA"`,
		`true`, `false`, `null`, `"true"`, `[]`, `{}`, `[1]`, `["1","2"]`, `[1.5,"NaN"]`, `[null]`, `[{}]`, `[{},{"asDouble":1}]`,
		`{"dataPoints":[]}`, `{"offset":1,"bucketCounts":["1",2]}`, `[{"quantile":0.5,"value":"Infinity"}]`, `[{"key":"k","value":{"intValue":"1"}}]`,
		`"abc"`, `[1,]`, `{,}`,
	}
	var d otlp.Decoder
	var m otlp.Metrics
	checked := 0
	for _, f := range fields {
		for _, v := range values {
			in := fmt.Sprintf(f.template, v)
			want, werr := protojsonMetrics(in)
			m.Reset()
			err := d.DecodeMetricsJSON(&m, []byte(in))
			if (err != nil) != (werr != nil) {
				t.Errorf("%s = %s: our error %v, protojson's %v", f.name, v, err, werr)
				continue
			}
			checked++
			if err != nil {
				var e *otlp.Error
				if !errors.As(err, &e) {
					t.Errorf("%s = %s: error %T, want *otlp.Error", f.name, v, err)
				}
				continue
			}
			if diff := otlptest.DiffMetrics(want, otlptest.ToProtoMetrics(&m)); diff != "" {
				t.Errorf("%s = %s: %s", f.name, v, diff)
			}
		}
	}
	t.Logf("%d cases", checked)
}

// TestMetricsJSONMatchesProtojsonDocuments compares whole documents'
// acceptance with protojson's: oneofs, duplicates, nulls.
func TestMetricsJSONMatchesProtojsonDocuments(t *testing.T) {
	docs := []string{
		`{}`, `{"resourceMetrics":[]}`, `{"resource_metrics":[{"scope_metrics":[{"metrics":[{}]}]}]}`,
		wrapMetric(`"gauge":{},"sum":{}`), wrapMetric(`"gauge":null,"sum":{}`), wrapMetric(`"gauge":{},"gauge":{}`),
		wrapMetric(`"exponential_histogram":{},"exponentialHistogram":{}`), wrapMetric(`"name":"a","name":"b"`), wrapMetric(`"unit":"a","name":"b"`),
		wrapMetric(`"gauge":{"dataPoints":[{"asInt":"1","asDouble":1}]}`), wrapMetric(`"gauge":{"dataPoints":[{"asInt":null,"asDouble":1}]}`),
		wrapMetric(`"gauge":{"dataPoints":[{"asDouble":1,"as_double":1}]}`), wrapMetric(`"gauge":{"aggregationTemporality":1,"isMonotonic":true}`),
		wrapMetric(`"summary":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA"}`),
		wrapMetric(`"histogram":{"dataPoints":[{"exemplars":[{"asInt":"1","asDouble":2}]}]}`),
		wrapMetric(`"exponentialHistogram":{"dataPoints":[{"positive":{},"positive":null}]}`),
		wrapMetric(`"histogram":{"dataPoints":[{"bucketCounts":[1],"bucket_counts":[2]}]}`),
		wrapMetric(`"histogram":{"dataPoints":[{"exemplars":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}`),
		wrapMetric(`"summary":{"dataPoints":[{"sum":null,"quantileValues":[{"quantile":null}]}]}`),
	}
	var d otlp.Decoder
	var m otlp.Metrics
	for _, in := range docs {
		want, werr := protojsonMetrics(in)
		m.Reset()
		err := d.DecodeMetricsJSON(&m, []byte(in))
		if (err != nil) != (werr != nil) {
			t.Errorf("%s: our error %v, protojson's %v", in, err, werr)
			continue
		}
		if err == nil && !strings.Contains(in, "traceId") { // protojson reads ids as base64
			if diff := otlptest.DiffMetrics(want, otlptest.ToProtoMetrics(&m)); diff != "" {
				t.Errorf("%s: %s", in, diff)
			}
		}
	}
}

func TestMetricsJSONErrors(t *testing.T) {
	const at = len(`{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{`)
	const path = "resourceMetrics[0].scopeMetrics[0].metrics[0]."
	cases := []struct {
		in, msg, path string
		off           int
	}{
		{wrapMetric(`"gauge":{},"sum":{}`), "gauge is set too", path + "sum", at + 11},
		{wrapMetric(`"histogram":{"dataPoints":[{},{"bucketCounts":[1,-2]}]}`), `"-2" is not an unsigned integer`,
			path + "histogram.dataPoints[1].bucketCounts[1]", at + len(`"histogram":{"dataPoints":[{},{"bucketCounts":[1,`)},
		{wrapMetric(`"gauge":{"dataPoints":[{"asDouble":1,"asInt":"2"}]}`), "asDouble is set too", path + "gauge.dataPoints[0].asInt",
			at + len(`"gauge":{"dataPoints":[{"asDouble":1,`)},
		{wrapMetric(`"sum":{"aggregationTemporality":"DELTA"}`), `"DELTA" is not an AggregationTemporality`, path + "sum.aggregationTemporality",
			at + len(`"sum":{"aggregationTemporality":`)},
		{wrapMetric(`"exponentialHistogram":{"dataPoints":[{"negative":{"offset":1.5}}]}`), `"1.5" is not an integer of 32 bits`,
			path + "exponentialHistogram.dataPoints[0].negative.offset", at + len(`"exponentialHistogram":{"dataPoints":[{"negative":{"offset":`)},
		{wrapMetric(`"histogram":{"dataPoints":[{"exemplars":[{"spanId":"xyz"}]}]}`), `"xyz" is not 16 hex digits`,
			path + "histogram.dataPoints[0].exemplars[0].spanId", at + len(`"histogram":{"dataPoints":[{"exemplars":[{"spanId":`)},
	}
	var d otlp.Decoder
	for _, tc := range cases {
		var m otlp.Metrics
		err := d.DecodeMetricsJSON(&m, []byte(tc.in))
		t.Run(fmt.Sprintf("%.60s", tc.in[at:]), func(t *testing.T) {
			checkError(t, err, "json", tc.msg, tc.path, tc.off)
		})
	}
}

func TestMetricsJSONLines(t *testing.T) {
	var lines []byte
	want := &colmetricspb.ExportMetricsServiceRequest{}
	for seed := range 5 {
		req := otlptest.RandomMetricsRequest(rand.New(rand.NewPCG(uint64(seed), 14)))
		b, err := otlptest.PdataMetricsJSON(req)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := pdataMetricsDecode(b)
		want.ResourceMetrics = append(want.ResourceMetrics, w.ResourceMetrics...)
		lines = append(append(lines, b...), "\r\n\n"...)
	}
	var m otlp.Metrics
	if err := otlp.DecodeMetricsJSONLines(&m, lines); err != nil {
		t.Fatal(err)
	}
	got := otlptest.ToProtoMetrics(&m)
	otlptest.NormalizeMetricsZeroIDs(got)
	if diff := otlptest.DiffMetrics(want, got); diff != "" {
		t.Fatal(diff)
	}
	err := otlp.DecodeMetricsJSONLines(&m, []byte("{}\n"+wrapMetric(`"gauge":1`)))
	var e *otlp.Error
	if !errors.As(err, &e) || e.Line != 2 || e.Format != "jsonl" {
		t.Fatalf("error %v, want one on line 2", err)
	}
}

func TestMetricTypeString(t *testing.T) {
	want := []string{"empty", "gauge", "sum", "histogram", "exponential_histogram", "summary", "unknown"}
	for i, w := range want {
		if got := otlp.MetricType(i).String(); got != w {
			t.Errorf("%d: %q, want %q", i, got, w)
		}
	}
}

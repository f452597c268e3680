package otlp

import (
	"encoding/binary"
	"math"

	"github.com/otlp2parquet/otlp2parquet/internal/protowire"
)

// DecodeMetricsProto appends the protobuf ExportMetricsServiceRequest (or
// MetricsData: the two share a wire format) in b to m. The strings in m alias b.
//
// It accepts what the official protobuf decoder accepts, repeated numbers
// packed or not, except that it rejects, with an *Error, what
// DecodeLogsProto rejects (ids of the wrong length, known fields with the
// wrong wire type, a singular message given twice, AnyValues nested deeper
// than MaxDepth) and a Metric whose data oneof is given twice, of the same
// kind or not (protobuf would merge the two or keep the last). Official
// encoders produce none of these. On error m holds a partial result: Reset it.
func (d *Decoder) DecodeMetricsProto(m *Metrics, b []byte) error {
	d.m, d.c = m, &m.Common
	defer func() { d.m = nil }()
	return d.protoRequest(b, "resource_metrics", d.resourceMetrics)
}

// DecodeMetricsProto decodes with a fresh Decoder; see Decoder.DecodeMetricsProto.
func DecodeMetricsProto(m *Metrics, b []byte) error {
	var d Decoder
	return d.DecodeMetricsProto(m, b)
}

func (d *Decoder) resourceMetrics(b []byte) error {
	m := d.m
	m.Resources = append(m.Resources, ResourceMetrics{})
	r := &m.Resources[len(m.Resources)-1]
	start := int32(len(m.Scopes))
	err := d.group(b, &r.Resource, nil, &r.SchemaURL, "scope_metrics", d.scopeMetrics)
	r.Scopes = Range{start, int32(len(m.Scopes))}
	return err
}

func (d *Decoder) scopeMetrics(b []byte) error {
	m := d.m
	m.Scopes = append(m.Scopes, ScopeMetrics{})
	s := &m.Scopes[len(m.Scopes)-1]
	start := int32(len(m.Metrics))
	err := d.group(b, nil, &s.Scope, &s.SchemaURL, "metrics", d.metric)
	s.Metrics = Range{start, int32(len(m.Metrics))}
	return err
}

// dataFields are the field numbers of Metric's data oneof, by MetricType.
var dataFields = [...]protowire.Number{MetricGauge: 5, MetricSum: 7, MetricHistogram: 9, MetricExponentialHistogram: 10, MetricSummary: 11}

func (d *Decoder) metric(b []byte) error {
	var mt Metric
	kvs := &d.mkvs[0]
	err := d.fields(b, func(num protowire.Number, typ protowire.Type, b []byte, n int) ([]byte, error) {
		var v []byte
		var err error
		switch num {
		case 1:
			mt.Name, b, err = d.str(b, n, typ, "name")
		case 2:
			mt.Description, b, err = d.str(b, n, typ, "description")
		case 3:
			mt.Unit, b, err = d.str(b, n, typ, "unit")
		case 12:
			if v, b, err = d.message(b, n, typ, "metadata"); err == nil {
				*kvs, err = d.keyValue(v, *kvs, 0)
				err = within(err, "metadata", len(*kvs))
			}
		case 5, 7, 9, 10, 11:
			t := MetricGauge
			for dataFields[t] != num {
				t++
			}
			at := b
			if v, b, err = d.message(b, n, typ, t.String()); err != nil {
				return nil, err
			}
			if mt.Type != MetricEmpty {
				return nil, within(d.errAt(at, "data given twice: %s after %s", t, mt.Type), t.String(), -1)
			}
			mt.Type = t
			err = within(d.metricData(v, &mt), t.String(), -1)
		default:
			return d.skip(b, n, num, typ)
		}
		return b, err
	})
	mt.Metadata = d.keepKVs(kvs)
	d.m.Metrics = append(d.m.Metrics, mt)
	return err
}

// metricData decodes a Gauge, Sum, Histogram, ExponentialHistogram or
// Summary (by mt.Type) into mt and the points.
func (d *Decoder) metricData(b []byte, mt *Metric) error {
	start := d.m.points(mt.Type)
	i := 0
	err := d.fields(b, func(num protowire.Number, typ protowire.Type, b []byte, n int) ([]byte, error) {
		var u uint64
		var v []byte
		var err error
		switch {
		case num == 1:
			if v, b, err = d.message(b, n, typ, "data_points"); err != nil {
				return nil, err
			}
			var p point
			if err = d.point(v, pointFields[mt.Type], &p, &d.kvs[0]); err != nil {
				return nil, within(err, "data_points", i)
			}
			d.m.appendPoint(mt.Type, &p)
			i++
		case num == 2 && hasTemporality(mt.Type):
			u, b, err = d.varint(b, n, typ, "aggregation_temporality")
			mt.AggregationTemporality = int32(u)
		case num == 3 && mt.Type == MetricSum:
			u, b, err = d.varint(b, n, typ, "is_monotonic")
			mt.IsMonotonic = u != 0
		default:
			return d.skip(b, n, num, typ)
		}
		return b, err
	})
	mt.Points = Range{int32(start), int32(d.m.points(mt.Type))}
	return err
}

func hasTemporality(t MetricType) bool {
	return t == MetricSum || t == MetricHistogram || t == MetricExponentialHistogram
}

// points is the number of data points of type t decoded so far.
func (m *Metrics) points(t MetricType) int {
	switch t {
	case MetricGauge, MetricSum:
		return len(m.NumberPoints)
	case MetricHistogram:
		return len(m.HistogramPoints)
	case MetricExponentialHistogram:
		return len(m.ExpHistogramPoints)
	case MetricSummary:
		return len(m.SummaryPoints)
	}
	return 0
}

// The data points, exemplars, buckets and quantiles are decoded by one
// function (each format), driven by a table per message: by field number,
// what the field is and where in a point it goes.

type pointKind uint8

const (
	pkSkip      pointKind = iota // not a field of the message
	pkFixed64                    // fixed64 into point.u[slot]
	pkDouble                     // double into point.f[slot], marked in point.has
	pkAsDouble                   // the value oneof's double
	pkAsInt                      // the value oneof's sfixed64
	pkFlags                      // uint32
	pkSint32                     // sint32 into point.i32
	pkID                         // span (slot 0) or trace id (slot 1)
	pkFixed64s                   // repeated fixed64 into Uint64s
	pkVarints                    // repeated uint64 into Uint64s
	pkDoubles                    // repeated double into Float64s
	pkAttrs                      // repeated KeyValue
	pkExemplars                  // repeated Exemplar
	pkQuantiles                  // repeated ValueAtQuantile
	pkBuckets                    // Buckets into point.buckets[slot]
)

type pointField struct {
	kind        pointKind
	slot        uint8
	name, jname string // protobuf and JSON names
}

// The slots of point.u and point.f.
const (
	uStart, uTime, uCount, uZeroCount = 0, 1, 2, 3
	fSum, fMin, fMax, fZeroThreshold  = 0, 1, 2, 3
)

// point is any of the messages decoded by table, while it is.
type point struct {
	u                                       [4]uint64
	f                                       [4]float64
	has                                     uint8 // bit i: f[i] was given
	value                                   Number
	i32                                     int32
	flags                                   uint32
	ids                                     [2]string
	buckets                                 [2]Buckets
	attrs, exemplars, quantiles, u64s, f64s Range
}

var (
	numberFields = []pointField{
		2: {pkFixed64, uStart, "start_time_unix_nano", ""}, 3: {pkFixed64, uTime, "time_unix_nano", ""},
		4: {pkAsDouble, 0, "as_double", ""}, 5: {pkExemplars, 0, "exemplars", ""}, 6: {pkAsInt, 0, "as_int", ""},
		7: {pkAttrs, 0, "attributes", ""}, 8: {pkFlags, 0, "flags", ""},
	}
	histogramFields = []pointField{
		2: {pkFixed64, uStart, "start_time_unix_nano", ""}, 3: {pkFixed64, uTime, "time_unix_nano", ""},
		4: {pkFixed64, uCount, "count", ""}, 5: {pkDouble, fSum, "sum", ""},
		6: {pkFixed64s, 0, "bucket_counts", ""}, 7: {pkDoubles, 0, "explicit_bounds", ""},
		8: {pkExemplars, 0, "exemplars", ""}, 9: {pkAttrs, 0, "attributes", ""}, 10: {pkFlags, 0, "flags", ""},
		11: {pkDouble, fMin, "min", ""}, 12: {pkDouble, fMax, "max", ""},
	}
	expHistogramFields = []pointField{
		1: {pkAttrs, 0, "attributes", ""}, 2: {pkFixed64, uStart, "start_time_unix_nano", ""}, 3: {pkFixed64, uTime, "time_unix_nano", ""},
		4: {pkFixed64, uCount, "count", ""}, 5: {pkDouble, fSum, "sum", ""}, 6: {pkSint32, 0, "scale", ""},
		7: {pkFixed64, uZeroCount, "zero_count", ""}, 8: {pkBuckets, 0, "positive", ""}, 9: {pkBuckets, 1, "negative", ""},
		10: {pkFlags, 0, "flags", ""}, 11: {pkExemplars, 0, "exemplars", ""}, 12: {pkDouble, fMin, "min", ""},
		13: {pkDouble, fMax, "max", ""}, 14: {pkDouble, fZeroThreshold, "zero_threshold", ""},
	}
	summaryFields = []pointField{
		2: {pkFixed64, uStart, "start_time_unix_nano", ""}, 3: {pkFixed64, uTime, "time_unix_nano", ""},
		4: {pkFixed64, uCount, "count", ""}, 5: {pkDouble, fSum, "sum", ""}, 6: {pkQuantiles, 0, "quantile_values", ""},
		7: {pkAttrs, 0, "attributes", ""}, 8: {pkFlags, 0, "flags", ""},
	}
	exemplarFields = []pointField{
		2: {pkFixed64, uTime, "time_unix_nano", ""}, 3: {pkAsDouble, 0, "as_double", ""}, 4: {pkID, 0, "span_id", ""},
		5: {pkID, 1, "trace_id", ""}, 6: {pkAsInt, 0, "as_int", ""}, 7: {pkAttrs, 0, "filtered_attributes", ""},
	}
	bucketsFields  = []pointField{1: {pkSint32, 0, "offset", ""}, 2: {pkVarints, 0, "bucket_counts", ""}}
	quantileFields = []pointField{1: {pkDouble, 0, "quantile", ""}, 2: {pkDouble, 1, "value", ""}}

	// pointFields are the data points' tables by MetricType.
	pointFields = [...][]pointField{MetricGauge: numberFields, MetricSum: numberFields, MetricHistogram: histogramFields,
		MetricExponentialHistogram: expHistogramFields, MetricSummary: summaryFields}
)

func init() {
	for _, t := range [][]pointField{numberFields, histogramFields, expHistogramFields, summaryFields, exemplarFields, bucketsFields, quantileFields} {
		for i := range t {
			t[i].jname = camel(t[i].name)
		}
	}
}

// camel turns a protobuf field name into its JSON name.
func camel(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && i+1 < len(s) {
			i++
			b = append(b, s[i]-'a'+'A')
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// pointMarks are where the lists a point may append to stood when it started.
type pointMarks struct{ u, f, e, q int }

func (m *Metrics) marks() pointMarks {
	return pointMarks{len(m.Uint64s), len(m.Float64s), len(m.Exemplars), len(m.Quantiles)}
}

// finish sets the point's ranges: what was appended since k, and the
// attributes collected in kvs (none when kvs is nil).
func (d *Decoder) finish(p *point, k pointMarks, kvs *[]KeyValue) {
	m := d.m
	p.u64s = Range{int32(k.u), int32(len(m.Uint64s))}
	p.f64s = Range{int32(k.f), int32(len(m.Float64s))}
	p.exemplars = Range{int32(k.e), int32(len(m.Exemplars))}
	p.quantiles = Range{int32(k.q), int32(len(m.Quantiles))}
	if kvs != nil {
		p.attrs = d.keepKVs(kvs)
	}
}

func (m *Metrics) appendExemplar(e *point) {
	m.Exemplars = append(m.Exemplars, Exemplar{e.attrs, e.u[uTime], e.value, e.ids[0], e.ids[1]})
}

func (m *Metrics) appendPoint(t MetricType, p *point) {
	hasSum, hasMin, hasMax := p.has&(1<<fSum) != 0, p.has&(1<<fMin) != 0, p.has&(1<<fMax) != 0
	switch t {
	case MetricGauge, MetricSum:
		m.NumberPoints = append(m.NumberPoints, NumberPoint{p.attrs, p.u[uStart], p.u[uTime], p.value, p.exemplars, p.flags})
	case MetricHistogram:
		m.HistogramPoints = append(m.HistogramPoints, HistogramPoint{p.attrs, p.u[uStart], p.u[uTime], p.u[uCount],
			p.f[fSum], p.f[fMin], p.f[fMax], hasSum, hasMin, hasMax, p.u64s, p.f64s, p.exemplars, p.flags})
	case MetricExponentialHistogram:
		m.ExpHistogramPoints = append(m.ExpHistogramPoints, ExpHistogramPoint{p.attrs, p.u[uStart], p.u[uTime], p.u[uCount],
			p.f[fSum], p.f[fMin], p.f[fMax], hasSum, hasMin, hasMax, p.i32, p.u[uZeroCount], p.f[fZeroThreshold],
			p.buckets[0], p.buckets[1], p.exemplars, p.flags})
	case MetricSummary:
		m.SummaryPoints = append(m.SummaryPoints, SummaryPoint{p.attrs, p.u[uStart], p.u[uTime], p.u[uCount], p.f[fSum], p.quantiles, p.flags})
	}
}

// point decodes the protobuf message b by its table fields into p; its
// attributes, if any, are collected in kvs.
func (d *Decoder) point(b []byte, fields []pointField, p *point, kvs *[]KeyValue) error {
	m := d.m
	k := m.marks()
	var haveBuckets [2]bool
	err := d.fields(b, func(num protowire.Number, typ protowire.Type, b []byte, n int) ([]byte, error) {
		if int(num) >= len(fields) || fields[num].kind == pkSkip {
			return d.skip(b, n, num, typ)
		}
		f := &fields[num]
		var u uint64
		var v []byte
		var err error
		switch f.kind {
		case pkFixed64, pkDouble, pkAsDouble, pkAsInt:
			if u, b, err = d.fixed64(b, n, typ, f.name); err != nil {
				return nil, err
			}
			p.set(f, u)
		case pkFlags, pkSint32:
			if u, b, err = d.varint(b, n, typ, f.name); err != nil {
				return nil, err
			}
			p.set(f, u)
		case pkID:
			p.ids[f.slot], b, err = d.id(b, n, typ, f.name, 8<<f.slot)
		case pkFixed64s, pkVarints, pkDoubles:
			return d.numbers(b, n, typ, f)
		default:
			at := b
			if v, b, err = d.message(b, n, typ, f.name); err != nil {
				return nil, err
			}
			q := &d.sub // for the kinds below that hold nothing using it again
			if f.kind != pkAttrs {
				*q = point{}
			}
			switch f.kind {
			case pkAttrs:
				*kvs, err = d.keyValue(v, *kvs, 0)
				err = within(err, f.name, len(*kvs))
			case pkExemplars:
				i := len(m.Exemplars) - k.e
				if err = within(d.point(v, exemplarFields, q, &d.mkvs[1]), f.name, i); err == nil {
					m.appendExemplar(q)
				}
			case pkQuantiles:
				i := len(m.Quantiles) - k.q
				if err = within(d.point(v, quantileFields, q, nil), f.name, i); err == nil {
					m.Quantiles = append(m.Quantiles, Quantile{q.f[0], q.f[1]})
				}
			case pkBuckets:
				if haveBuckets[f.slot] {
					return nil, within(d.errAt(at, "%s given twice", f.name), f.name, -1)
				}
				haveBuckets[f.slot] = true
				err = within(d.point(v, bucketsFields, q, nil), f.name, -1)
				p.buckets[f.slot] = Buckets{q.i32, q.u64s}
			}
		}
		return b, err
	})
	d.finish(p, k, kvs)
	return err
}

// set stores the scalar u of field f.
func (p *point) set(f *pointField, u uint64) {
	switch f.kind {
	case pkFixed64:
		p.u[f.slot] = u
	case pkDouble:
		p.f[f.slot] = math.Float64frombits(u)
		p.has |= 1 << f.slot
	case pkAsDouble:
		p.value = Number{NumberDouble, u}
	case pkAsInt:
		p.value = Number{NumberInt, u}
	case pkFlags:
		p.flags = uint32(u)
	case pkSint32:
		p.i32 = int32(protowire.DecodeZigZag(u & math.MaxUint32))
	}
}

// numbers decodes one number of the repeated field f, or a packed list of them.
func (d *Decoder) numbers(b []byte, n int, typ protowire.Type, f *pointField) ([]byte, error) {
	m := d.m
	want := protowire.Fixed64Type
	if f.kind == pkVarints {
		want = protowire.VarintType
	}
	if typ != protowire.BytesType {
		if typ != want {
			return nil, within(d.errAt(b, "wire type %d, want %d or 2 (packed)", int(typ), int(want)), f.name, -1)
		}
		var u uint64
		var err error
		if f.kind == pkVarints {
			u, b, err = d.varint(b, n, typ, f.name)
		} else {
			u, b, err = d.fixed64(b, n, typ, f.name)
		}
		if err == nil {
			m.appendNumber(f.kind, u)
		}
		return b, err
	}
	v, rest, err := d.message(b, n, typ, f.name)
	if err != nil {
		return nil, err
	}
	if f.kind == pkVarints {
		for len(v) > 0 {
			u, k := protowire.ConsumeVarint(v)
			if k < 0 {
				return nil, within(d.errAt(v, "%v", protowire.ParseError(k)), f.name, -1)
			}
			m.Uint64s = append(m.Uint64s, u)
			v = v[k:]
		}
		return rest, nil
	}
	if len(v)%8 != 0 {
		return nil, within(d.errAt(b, "packed length %d is not a multiple of 8", len(v)), f.name, -1)
	}
	for ; len(v) > 0; v = v[8:] {
		m.appendNumber(f.kind, binary.LittleEndian.Uint64(v))
	}
	return rest, nil
}

func (m *Metrics) appendNumber(kind pointKind, u uint64) {
	if kind == pkDoubles {
		m.Float64s = append(m.Float64s, math.Float64frombits(u))
	} else {
		m.Uint64s = append(m.Uint64s, u)
	}
}

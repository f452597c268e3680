package otlptest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/otlp"
)

// ToProtoMetrics converts the flat model back to the official message tree.
// Messages the model cannot tell absent from empty (resource, scope,
// buckets, a KeyValue's value) are always set: compare with DiffMetrics.
func ToProtoMetrics(m *otlp.Metrics) *colmetricspb.ExportMetricsServiceRequest {
	l := &m.Common
	req := &colmetricspb.ExportMetricsServiceRequest{}
	for _, r := range m.Resources {
		rm := &metricspb.ResourceMetrics{
			Resource: &resourcepb.Resource{
				Attributes:             keyValues(l, r.Attributes),
				DroppedAttributesCount: r.DroppedAttributesCount,
			},
			SchemaUrl: r.SchemaURL,
		}
		for _, e := range m.EntityRefs[r.EntityRefs.Start:r.EntityRefs.End] {
			rm.Resource.EntityRefs = append(rm.Resource.EntityRefs, &commonpb.EntityRef{
				SchemaUrl: e.SchemaURL, Type: e.Type, IdKeys: stringList(l, e.IDKeys), DescriptionKeys: stringList(l, e.DescriptionKeys),
			})
		}
		for _, s := range m.Scopes[r.Scopes.Start:r.Scopes.End] {
			sm := &metricspb.ScopeMetrics{
				Scope: &commonpb.InstrumentationScope{
					Name: s.Name, Version: s.Version, Attributes: keyValues(l, s.Attributes), DroppedAttributesCount: s.DroppedAttributesCount,
				},
				SchemaUrl: s.SchemaURL,
			}
			for _, mt := range m.Metrics[s.Metrics.Start:s.Metrics.End] {
				sm.Metrics = append(sm.Metrics, toProtoMetric(m, l, &mt))
			}
			rm.ScopeMetrics = append(rm.ScopeMetrics, sm)
		}
		req.ResourceMetrics = append(req.ResourceMetrics, rm)
	}
	return req
}

func toProtoMetric(m *otlp.Metrics, l *otlp.Common, mt *otlp.Metric) *metricspb.Metric {
	out := &metricspb.Metric{Name: mt.Name, Description: mt.Description, Unit: mt.Unit, Metadata: keyValues(l, mt.Metadata)}
	temp := metricspb.AggregationTemporality(mt.AggregationTemporality)
	p := mt.Points
	switch mt.Type {
	case otlp.MetricGauge:
		out.Data = &metricspb.Metric_Gauge{Gauge: &metricspb.Gauge{DataPoints: numberPoints(m, l, p)}}
	case otlp.MetricSum:
		out.Data = &metricspb.Metric_Sum{Sum: &metricspb.Sum{DataPoints: numberPoints(m, l, p), AggregationTemporality: temp, IsMonotonic: mt.IsMonotonic}}
	case otlp.MetricHistogram:
		h := &metricspb.Histogram{AggregationTemporality: temp}
		for _, dp := range m.HistogramPoints[p.Start:p.End] {
			h.DataPoints = append(h.DataPoints, &metricspb.HistogramDataPoint{
				Attributes: keyValues(l, dp.Attributes), StartTimeUnixNano: dp.StartTimeUnixNano, TimeUnixNano: dp.TimeUnixNano,
				Count: dp.Count, Sum: opt(dp.Sum, dp.HasSum), BucketCounts: u64s(m, dp.BucketCounts), ExplicitBounds: f64s(m, dp.ExplicitBounds),
				Exemplars: exemplars(m, l, dp.Exemplars), Flags: dp.Flags, Min: opt(dp.Min, dp.HasMin), Max: opt(dp.Max, dp.HasMax),
			})
		}
		out.Data = &metricspb.Metric_Histogram{Histogram: h}
	case otlp.MetricExponentialHistogram:
		h := &metricspb.ExponentialHistogram{AggregationTemporality: temp}
		for _, dp := range m.ExpHistogramPoints[p.Start:p.End] {
			h.DataPoints = append(h.DataPoints, &metricspb.ExponentialHistogramDataPoint{
				Attributes: keyValues(l, dp.Attributes), StartTimeUnixNano: dp.StartTimeUnixNano, TimeUnixNano: dp.TimeUnixNano,
				Count: dp.Count, Sum: opt(dp.Sum, dp.HasSum), Scale: dp.Scale, ZeroCount: dp.ZeroCount,
				Positive:  &metricspb.ExponentialHistogramDataPoint_Buckets{Offset: dp.Positive.Offset, BucketCounts: u64s(m, dp.Positive.BucketCounts)},
				Negative:  &metricspb.ExponentialHistogramDataPoint_Buckets{Offset: dp.Negative.Offset, BucketCounts: u64s(m, dp.Negative.BucketCounts)},
				Flags:     dp.Flags,
				Exemplars: exemplars(m, l, dp.Exemplars), Min: opt(dp.Min, dp.HasMin), Max: opt(dp.Max, dp.HasMax), ZeroThreshold: dp.ZeroThreshold,
			})
		}
		out.Data = &metricspb.Metric_ExponentialHistogram{ExponentialHistogram: h}
	case otlp.MetricSummary:
		s := &metricspb.Summary{}
		for _, dp := range m.SummaryPoints[p.Start:p.End] {
			sp := &metricspb.SummaryDataPoint{
				Attributes: keyValues(l, dp.Attributes), StartTimeUnixNano: dp.StartTimeUnixNano, TimeUnixNano: dp.TimeUnixNano,
				Count: dp.Count, Sum: dp.Sum, Flags: dp.Flags,
			}
			for _, q := range m.Quantiles[dp.QuantileValues.Start:dp.QuantileValues.End] {
				sp.QuantileValues = append(sp.QuantileValues, &metricspb.SummaryDataPoint_ValueAtQuantile{Quantile: q.Quantile, Value: q.Value})
			}
			s.DataPoints = append(s.DataPoints, sp)
		}
		out.Data = &metricspb.Metric_Summary{Summary: s}
	}
	return out
}

func numberPoints(m *otlp.Metrics, l *otlp.Common, r otlp.Range) []*metricspb.NumberDataPoint {
	var out []*metricspb.NumberDataPoint
	for _, dp := range m.NumberPoints[r.Start:r.End] {
		p := &metricspb.NumberDataPoint{
			Attributes: keyValues(l, dp.Attributes), StartTimeUnixNano: dp.StartTimeUnixNano, TimeUnixNano: dp.TimeUnixNano,
			Exemplars: exemplars(m, l, dp.Exemplars), Flags: dp.Flags,
		}
		switch dp.Value.Kind {
		case otlp.NumberDouble:
			p.Value = &metricspb.NumberDataPoint_AsDouble{AsDouble: dp.Value.Double()}
		case otlp.NumberInt:
			p.Value = &metricspb.NumberDataPoint_AsInt{AsInt: dp.Value.Int()}
		}
		out = append(out, p)
	}
	return out
}

func exemplars(m *otlp.Metrics, l *otlp.Common, r otlp.Range) []*metricspb.Exemplar {
	var out []*metricspb.Exemplar
	for _, e := range m.Exemplars[r.Start:r.End] {
		x := &metricspb.Exemplar{FilteredAttributes: keyValues(l, e.FilteredAttributes), TimeUnixNano: e.TimeUnixNano, SpanId: id(e.SpanID), TraceId: id(e.TraceID)}
		switch e.Value.Kind {
		case otlp.NumberDouble:
			x.Value = &metricspb.Exemplar_AsDouble{AsDouble: e.Value.Double()}
		case otlp.NumberInt:
			x.Value = &metricspb.Exemplar_AsInt{AsInt: e.Value.Int()}
		}
		out = append(out, x)
	}
	return out
}

func opt(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

func u64s(m *otlp.Metrics, r otlp.Range) []uint64 {
	if r.Len() == 0 {
		return nil
	}
	return append([]uint64(nil), m.Uint64s[r.Start:r.End]...)
}

func f64s(m *otlp.Metrics, r otlp.Range) []float64 {
	if r.Len() == 0 {
		return nil
	}
	return append([]float64(nil), m.Float64s[r.Start:r.End]...)
}

// NormalizeMetrics rewrites req in place so that requests meaning the same
// compare equal: absent resources, scopes, buckets, values and array or
// kvlist values become empty ones, and unknown fields are dropped.
func NormalizeMetrics(req *colmetricspb.ExportMetricsServiceRequest) {
	req.ProtoReflect().SetUnknown(nil)
	for _, rm := range req.ResourceMetrics {
		rm.ProtoReflect().SetUnknown(nil)
		if rm.Resource == nil {
			rm.Resource = &resourcepb.Resource{}
		}
		rm.Resource.ProtoReflect().SetUnknown(nil)
		normalizeKVs(rm.Resource.Attributes)
		for _, e := range rm.Resource.EntityRefs {
			e.ProtoReflect().SetUnknown(nil)
		}
		for _, sm := range rm.ScopeMetrics {
			sm.ProtoReflect().SetUnknown(nil)
			if sm.Scope == nil {
				sm.Scope = &commonpb.InstrumentationScope{}
			}
			sm.Scope.ProtoReflect().SetUnknown(nil)
			normalizeKVs(sm.Scope.Attributes)
			for _, mt := range sm.Metrics {
				normalizeMetric(mt)
			}
		}
	}
}

func normalizeMetric(mt *metricspb.Metric) {
	mt.ProtoReflect().SetUnknown(nil)
	normalizeKVs(mt.Metadata)
	exs := func(es []*metricspb.Exemplar) {
		for _, e := range es {
			e.ProtoReflect().SetUnknown(nil)
			normalizeKVs(e.FilteredAttributes)
		}
	}
	numbers := func(ps []*metricspb.NumberDataPoint) {
		for _, p := range ps {
			p.ProtoReflect().SetUnknown(nil)
			normalizeKVs(p.Attributes)
			exs(p.Exemplars)
		}
	}
	buckets := func(b **metricspb.ExponentialHistogramDataPoint_Buckets) {
		if *b == nil {
			*b = &metricspb.ExponentialHistogramDataPoint_Buckets{}
		}
		(*b).ProtoReflect().SetUnknown(nil)
	}
	switch d := mt.Data.(type) {
	case *metricspb.Metric_Gauge:
		if d.Gauge == nil {
			d.Gauge = &metricspb.Gauge{}
		}
		d.Gauge.ProtoReflect().SetUnknown(nil)
		numbers(d.Gauge.DataPoints)
	case *metricspb.Metric_Sum:
		if d.Sum == nil {
			d.Sum = &metricspb.Sum{}
		}
		d.Sum.ProtoReflect().SetUnknown(nil)
		numbers(d.Sum.DataPoints)
	case *metricspb.Metric_Histogram:
		if d.Histogram == nil {
			d.Histogram = &metricspb.Histogram{}
		}
		d.Histogram.ProtoReflect().SetUnknown(nil)
		for _, p := range d.Histogram.DataPoints {
			p.ProtoReflect().SetUnknown(nil)
			normalizeKVs(p.Attributes)
			exs(p.Exemplars)
		}
	case *metricspb.Metric_ExponentialHistogram:
		if d.ExponentialHistogram == nil {
			d.ExponentialHistogram = &metricspb.ExponentialHistogram{}
		}
		d.ExponentialHistogram.ProtoReflect().SetUnknown(nil)
		for _, p := range d.ExponentialHistogram.DataPoints {
			p.ProtoReflect().SetUnknown(nil)
			normalizeKVs(p.Attributes)
			exs(p.Exemplars)
			buckets(&p.Positive)
			buckets(&p.Negative)
		}
	case *metricspb.Metric_Summary:
		if d.Summary == nil {
			d.Summary = &metricspb.Summary{}
		}
		d.Summary.ProtoReflect().SetUnknown(nil)
		for _, p := range d.Summary.DataPoints {
			p.ProtoReflect().SetUnknown(nil)
			normalizeKVs(p.Attributes)
			for _, q := range p.QuantileValues {
				q.ProtoReflect().SetUnknown(nil)
			}
		}
	}
}

// NormalizeMetricsZeroIDs removes all-zero exemplar trace and span ids, which
// the Collector's pdata cannot tell from absent ones.
func NormalizeMetricsZeroIDs(req *colmetricspb.ExportMetricsServiceRequest) {
	eachExemplar(req, func(e *metricspb.Exemplar) {
		e.TraceId, e.SpanId = zeroToNil(e.TraceId), zeroToNil(e.SpanId)
	})
}

func zeroToNil(b []byte) []byte {
	for _, c := range b {
		if c != 0 {
			return b
		}
	}
	return nil
}

func eachExemplar(req *colmetricspb.ExportMetricsServiceRequest, f func(*metricspb.Exemplar)) {
	for _, rm := range req.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			for _, mt := range sm.Metrics {
				var es [][]*metricspb.Exemplar
				for _, p := range mt.GetGauge().GetDataPoints() {
					es = append(es, p.Exemplars)
				}
				for _, p := range mt.GetSum().GetDataPoints() {
					es = append(es, p.Exemplars)
				}
				for _, p := range mt.GetHistogram().GetDataPoints() {
					es = append(es, p.Exemplars)
				}
				for _, p := range mt.GetExponentialHistogram().GetDataPoints() {
					es = append(es, p.Exemplars)
				}
				for _, list := range es {
					for _, e := range list {
						f(e)
					}
				}
			}
		}
	}
}

// DiffMetrics compares two requests after normalizing copies of them, as
// Diff does for logs.
func DiffMetrics(want, got *colmetricspb.ExportMetricsServiceRequest) string {
	want, got = proto.Clone(want).(*colmetricspb.ExportMetricsServiceRequest), proto.Clone(got).(*colmetricspb.ExportMetricsServiceRequest)
	NormalizeMetrics(want)
	NormalizeMetrics(got)
	if same(want, got) {
		return ""
	}
	if len(want.ResourceMetrics) != len(got.ResourceMetrics) {
		return fmt.Sprintf("%d resource_metrics, want %d", len(got.ResourceMetrics), len(want.ResourceMetrics))
	}
	for i, w := range want.ResourceMetrics {
		g := got.ResourceMetrics[i]
		if same(w, g) {
			continue
		}
		path := fmt.Sprintf("resource_metrics[%d]", i)
		if len(w.ScopeMetrics) == len(g.ScopeMetrics) {
			for j, ws := range w.ScopeMetrics {
				gs := g.ScopeMetrics[j]
				if same(ws, gs) {
					continue
				}
				path += fmt.Sprintf(".scope_metrics[%d]", j)
				if len(ws.Metrics) == len(gs.Metrics) {
					for k, wm := range ws.Metrics {
						if !same(wm, gs.Metrics[k]) {
							return describe(fmt.Sprintf("%s.metrics[%d]", path, k), wm, gs.Metrics[k])
						}
					}
				}
				return describe(path, ws, gs)
			}
		}
		return describe(path, w, g)
	}
	return describe("request", want, got)
}

// PdataMetricsJSON encodes req as OTLP/JSON the way the OpenTelemetry Collector does.
func PdataMetricsJSON(req *colmetricspb.ExportMetricsServiceRequest) ([]byte, error) {
	b, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	er := pmetricotlp.NewExportRequest()
	if err := er.UnmarshalProto(b); err != nil {
		return nil, err
	}
	var m pmetric.JSONMarshaler
	return m.MarshalMetrics(er.Metrics())
}

// PdataMetricsFromJSON decodes OTLP/JSON with the Collector's pdata and
// returns the result as the official types.
func PdataMetricsFromJSON(b []byte) (*colmetricspb.ExportMetricsServiceRequest, error) {
	var u pmetric.JSONUnmarshaler
	md, err := u.UnmarshalMetrics(b)
	if err != nil {
		return nil, err
	}
	pb, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		return nil, err
	}
	req := &colmetricspb.ExportMetricsServiceRequest{}
	if err := proto.Unmarshal(pb, req); err != nil {
		return nil, err
	}
	return req, nil
}

// RandomMetricsRequest makes a varied request: every kind of metric and
// data, empty and absent fields, special doubles, extreme integers,
// exemplars with and without ids, metrics without data. The same r state
// gives the same request.
func RandomMetricsRequest(r *rand.Rand) *colmetricspb.ExportMetricsServiceRequest {
	g := gen{r}
	req := &colmetricspb.ExportMetricsServiceRequest{}
	for range g.count(3, 8) {
		rl := g.resourceLogs() // for its resource and schema URL only
		rm := &metricspb.ResourceMetrics{Resource: rl.Resource, SchemaUrl: rl.SchemaUrl}
		for range g.count(3, 6) {
			sm := &metricspb.ScopeMetrics{}
			if !g.chance(5) {
				sm.Scope = &commonpb.InstrumentationScope{Name: g.str(), Version: g.str(), DroppedAttributesCount: g.u32(), Attributes: g.keyValues(0, 3, 10)}
			}
			if g.chance(3) {
				sm.SchemaUrl = g.str()
			}
			for range g.count(5, 20) {
				sm.Metrics = append(sm.Metrics, g.metric())
			}
			rm.ScopeMetrics = append(rm.ScopeMetrics, sm)
		}
		req.ResourceMetrics = append(req.ResourceMetrics, rm)
	}
	return req
}

func (g gen) optDouble() *float64 {
	if g.chance(3) {
		return nil
	}
	v := g.double()
	return &v
}

func (g gen) temporality() metricspb.AggregationTemporality {
	if g.chance(10) {
		return metricspb.AggregationTemporality(g.i32())
	}
	return metricspb.AggregationTemporality(g.r.IntN(3))
}

func (g gen) u64List() []uint64 {
	var out []uint64
	for range g.count(6, 40) {
		out = append(out, g.u64())
	}
	return out
}

func (g gen) metric() *metricspb.Metric {
	m := &metricspb.Metric{Name: g.str(), Description: g.str(), Unit: g.str()}
	if g.chance(4) {
		m.Metadata = g.keyValues(0, 3, 8)
	}
	n := func() int { return g.count(3, 12) }
	switch g.r.IntN(6) {
	case 0:
		gauge := &metricspb.Gauge{}
		for range n() {
			gauge.DataPoints = append(gauge.DataPoints, g.numberPoint())
		}
		m.Data = &metricspb.Metric_Gauge{Gauge: gauge}
	case 1:
		sum := &metricspb.Sum{AggregationTemporality: g.temporality(), IsMonotonic: g.chance(2)}
		for range n() {
			sum.DataPoints = append(sum.DataPoints, g.numberPoint())
		}
		m.Data = &metricspb.Metric_Sum{Sum: sum}
	case 2:
		h := &metricspb.Histogram{AggregationTemporality: g.temporality()}
		for range n() {
			p := &metricspb.HistogramDataPoint{
				Attributes: g.keyValues(0, 4, 10), StartTimeUnixNano: g.u64(), TimeUnixNano: g.u64(), Count: g.u64(),
				Sum: g.optDouble(), Min: g.optDouble(), Max: g.optDouble(), Exemplars: g.exemplars(), Flags: g.u32(),
				BucketCounts: g.u64List(),
			}
			for range g.count(6, 40) {
				p.ExplicitBounds = append(p.ExplicitBounds, g.double())
			}
			h.DataPoints = append(h.DataPoints, p)
		}
		m.Data = &metricspb.Metric_Histogram{Histogram: h}
	case 3:
		h := &metricspb.ExponentialHistogram{AggregationTemporality: g.temporality()}
		buckets := func() *metricspb.ExponentialHistogramDataPoint_Buckets {
			if g.chance(4) {
				return nil
			}
			return &metricspb.ExponentialHistogramDataPoint_Buckets{Offset: g.i32(), BucketCounts: g.u64List()}
		}
		for range n() {
			h.DataPoints = append(h.DataPoints, &metricspb.ExponentialHistogramDataPoint{
				Attributes: g.keyValues(0, 4, 10), StartTimeUnixNano: g.u64(), TimeUnixNano: g.u64(), Count: g.u64(),
				Sum: g.optDouble(), Min: g.optDouble(), Max: g.optDouble(), Scale: g.i32(), ZeroCount: g.u64(),
				Positive: buckets(), Negative: buckets(), Flags: g.u32(), Exemplars: g.exemplars(), ZeroThreshold: g.double(),
			})
		}
		m.Data = &metricspb.Metric_ExponentialHistogram{ExponentialHistogram: h}
	case 4:
		s := &metricspb.Summary{}
		for range n() {
			p := &metricspb.SummaryDataPoint{
				Attributes: g.keyValues(0, 4, 10), StartTimeUnixNano: g.u64(), TimeUnixNano: g.u64(), Count: g.u64(),
				Sum: g.double(), Flags: g.u32(),
			}
			for range g.count(4, 20) {
				p.QuantileValues = append(p.QuantileValues, &metricspb.SummaryDataPoint_ValueAtQuantile{Quantile: g.double(), Value: g.double()})
			}
			s.DataPoints = append(s.DataPoints, p)
		}
		m.Data = &metricspb.Metric_Summary{Summary: s}
	}
	// case 5: no data
	return m
}

func (g gen) numberPoint() *metricspb.NumberDataPoint {
	p := &metricspb.NumberDataPoint{
		Attributes: g.keyValues(0, 6, 20), StartTimeUnixNano: g.u64(), TimeUnixNano: g.u64(),
		Exemplars: g.exemplars(), Flags: g.u32(),
	}
	switch g.r.IntN(5) {
	case 0:
	case 1, 2:
		p.Value = &metricspb.NumberDataPoint_AsInt{AsInt: g.i64()}
	default:
		p.Value = &metricspb.NumberDataPoint_AsDouble{AsDouble: g.double()}
	}
	return p
}

func (g gen) exemplars() []*metricspb.Exemplar {
	var out []*metricspb.Exemplar
	for range g.count(1, 5) {
		e := &metricspb.Exemplar{FilteredAttributes: g.keyValues(0, 2, 6), TimeUnixNano: g.u64(), TraceId: g.id(16), SpanId: g.id(8)}
		switch g.r.IntN(3) {
		case 0:
		case 1:
			e.Value = &metricspb.Exemplar_AsInt{AsInt: g.i64()}
		default:
			e.Value = &metricspb.Exemplar_AsDouble{AsDouble: g.double()}
		}
		out = append(out, e)
	}
	return out
}

// RealisticMetricsRequest makes a request as an instrumented fleet sends it:
// per service one resource and scope with the usual resource attributes and
// metrics of every type (HTTP server duration histograms, request counters,
// memory gauges, exponential histograms, a GC pause summary): about points
// data points per service, with a few attributes and now and then an exemplar. The same
// arguments give the same request.
func RealisticMetricsRequest(points, services int) *colmetricspb.ExportMetricsServiceRequest {
	services = max(services, 1)
	r := rand.New(rand.NewPCG(uint64(points), uint64(services)+100))
	req := &colmetricspb.ExportMetricsServiceRequest{}
	const start = uint64(1_767_225_600_000_000_000) // 2026-01-01T00:00:00Z
	bounds := []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}
	for s := range services {
		name := fmt.Sprintf("service-%d", s)
		rm := &metricspb.ResourceMetrics{
			Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{
				str("service.name", name), str("service.namespace", "shop"),
				str("service.instance.id", fmt.Sprintf("%s-7d9f8c6b5-%05d", name, r.IntN(100000))),
				str("host.name", fmt.Sprintf("ip-10-0-%d-%d.ec2.internal", r.IntN(256), r.IntN(256))),
				str("telemetry.sdk.language", "go"), str("telemetry.sdk.name", "opentelemetry"), str("telemetry.sdk.version", "1.38.0"),
			}},
			SchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
		}
		sm := &metricspb.ScopeMetrics{Scope: &commonpb.InstrumentationScope{Name: "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", Version: "0.63.0"}}
		attrs := func() []*commonpb.KeyValue {
			return []*commonpb.KeyValue{
				str("http.request.method", methods[r.IntN(len(methods))]), str("http.route", routes[r.IntN(len(routes))]),
				integer("http.response.status_code", []int64{200, 200, 201, 404, 500}[r.IntN(5)]), str("url.scheme", "https"),
			}
		}
		exemplar := func(ts uint64, v float64) []*metricspb.Exemplar {
			if r.IntN(4) != 0 {
				return nil
			}
			return []*metricspb.Exemplar{{TimeUnixNano: ts, Value: &metricspb.Exemplar_AsDouble{AsDouble: v}, TraceId: randBytes(r, 16), SpanId: randBytes(r, 8)}}
		}
		hist := &metricspb.Histogram{AggregationTemporality: metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE}
		counter := &metricspb.Sum{AggregationTemporality: metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE, IsMonotonic: true}
		gauge := &metricspb.Gauge{}
		exp := &metricspb.ExponentialHistogram{AggregationTemporality: metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA}
		summary := &metricspb.Summary{}
		for i := range points {
			ts := start + uint64(i)*10e9
			t0 := start - 3600e9
			a := attrs()
			counts := make([]uint64, len(bounds)+1)
			var sum float64
			n := uint64(1 + r.IntN(500))
			for range n {
				v := math.Exp(r.NormFloat64()*1.5 + 4)
				sum += v
				k := 0
				for k < len(bounds) && v > bounds[k] {
					k++
				}
				counts[k]++
			}
			mn, mx := 0.5+r.Float64(), 1000+r.Float64()*5000
			switch i % 5 {
			case 0, 1:
				hist.DataPoints = append(hist.DataPoints, &metricspb.HistogramDataPoint{
					Attributes: a, StartTimeUnixNano: t0, TimeUnixNano: ts, Count: n, Sum: &sum, BucketCounts: counts,
					ExplicitBounds: bounds, Min: &mn, Max: &mx, Exemplars: exemplar(ts, sum/float64(n)),
				})
			case 2:
				counter.DataPoints = append(counter.DataPoints, &metricspb.NumberDataPoint{
					Attributes: a, StartTimeUnixNano: t0, TimeUnixNano: ts, Value: &metricspb.NumberDataPoint_AsInt{AsInt: int64(n) * int64(i+1)},
					Exemplars: exemplar(ts, 1),
				})
			case 3:
				gauge.DataPoints = append(gauge.DataPoints, &metricspb.NumberDataPoint{
					Attributes: a[:1], TimeUnixNano: ts, Value: &metricspb.NumberDataPoint_AsDouble{AsDouble: 5e7 + r.Float64()*1e8},
				})
				summary.DataPoints = append(summary.DataPoints, &metricspb.SummaryDataPoint{
					StartTimeUnixNano: t0, TimeUnixNano: ts, Count: n, Sum: sum / 1000,
					QuantileValues: []*metricspb.SummaryDataPoint_ValueAtQuantile{{Quantile: 0, Value: mn / 1000}, {Quantile: 0.5, Value: sum / float64(n) / 1000}, {Quantile: 1, Value: mx / 1000}},
				})
			case 4:
				pos := make([]uint64, 8+r.IntN(8))
				for k := range pos {
					pos[k] = uint64(r.IntN(50))
				}
				exp.DataPoints = append(exp.DataPoints, &metricspb.ExponentialHistogramDataPoint{
					Attributes: a, StartTimeUnixNano: ts - 10e9, TimeUnixNano: ts, Count: n, Sum: &sum, Scale: 3, ZeroCount: uint64(r.IntN(3)),
					Positive: &metricspb.ExponentialHistogramDataPoint_Buckets{Offset: int32(20 + r.IntN(5)), BucketCounts: pos},
					Min:      &mn, Max: &mx, Exemplars: exemplar(ts, mx),
				})
			}
		}
		sm.Metrics = []*metricspb.Metric{
			{Name: "http.server.request.duration", Description: "Duration of HTTP server requests.", Unit: "ms", Data: &metricspb.Metric_Histogram{Histogram: hist}},
			{Name: "http.server.request.count", Unit: "{request}", Data: &metricspb.Metric_Sum{Sum: counter}},
			{Name: "process.runtime.go.mem.heap_alloc", Unit: "By", Data: &metricspb.Metric_Gauge{Gauge: gauge}},
			{Name: "http.server.request.body.size", Unit: "By", Data: &metricspb.Metric_ExponentialHistogram{ExponentialHistogram: exp}},
			{Name: "process.runtime.go.gc.pause", Unit: "s", Data: &metricspb.Metric_Summary{Summary: summary}},
		}
		rm.ScopeMetrics = []*metricspb.ScopeMetrics{sm}
		req.ResourceMetrics = append(req.ResourceMetrics, rm)
	}
	return req
}

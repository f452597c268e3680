package batch

import (
	"math"
	"strconv"
	"time"

	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/pqenc"
)

// Metrics is the data points of one partition, (metric type, service,
// hour), as the columns of the type's table (MetricsSchema). Its strings
// point into the decoded request and into its MetricsBuilder: both must outlive it.
type Metrics struct {
	// Type is the partition's metric type; Type.String() names its table
	// (metrics/{type}/ in object keys).
	Type otlp.MetricType
	// Service is the partition's ServiceName, as the client sent it.
	Service string
	// Hour is the partition's hour (of TimeUnix), in hours since the Unix epoch.
	Hour int64
	// MinTimestamp is the earliest TimeUnix in the partition.
	MinTimestamp int64
	Rows         int

	resourceAttrs, scopeAttrs, attrs, metadata                    stringMap
	resourceSchemaURL, scopeName, scopeVersion, scopeSchemaURL    []string
	serviceName, name, description, unit                          []string
	scopeDropped, flags, temporality, scale, posOffset, negOffset []int32
	start, time, count, zeroCount                                 []int64
	value, sum, min, max                                          opt[float64]
	valueInt                                                      opt[int64]
	monotonic                                                     []bool
	zeroThreshold                                                 []float64
	buckets, bounds, pos, neg, quantiles                          listLevels
	bucketVals, posVals, negVals                                  []int64
	boundVals, quantile, quantileValue                            []float64
	exemplars                                                     exemplarColumns

	// The resource and scope columns hold one row per run of points from
	// one scope (runs), the metric's name, description, unit and metadata
	// one per run of points of one metric (metricRuns): see Logs.
	runs, metricRuns      []int32
	lastScope, lastMetric int

	cols []pqenc.ColumnData
}

// opt is an optional leaf: a definition level per row, values where defined.
type opt[T any] struct {
	def  []uint8
	vals []T
}

func (o *opt[T]) add(v T, ok bool) {
	if ok {
		o.def = append(o.def, 1)
		o.vals = append(o.vals, v)
	} else {
		o.def = append(o.def, 0)
	}
}

func (o *opt[T]) reset() { o.def, o.vals = o.def[:0], o.vals[:0] }

// listLevels are the levels of a required LIST's leaves whose elements are
// required (and, for lists of structs, whose fields are too).
type listLevels struct{ rep, def []uint8 }

func (l *listLevels) add(n int) {
	if n == 0 {
		l.rep, l.def = append(l.rep, 0), append(l.def, 0)
		return
	}
	l.rep = appendLevels(l.rep, 0, 1, n)
	l.def = appendLevels(l.def, 1, 1, n)
}

func (l *listLevels) reset() { l.rep, l.def = l.rep[:0], l.def[:0] }

// exemplarColumns are the leaves of the Exemplars list of structs.
type exemplarColumns struct {
	listLevels              // TimeUnix, SpanId, TraceId; and the repetition levels of Value, ValueInt
	valueDef, intDef        []uint8
	attrRep, keyDef, valDef []uint8 // FilteredAttributes
	keys, vals              []string
	time                    []int64
	value                   []float64
	valueInt                []int64
	spanID, traceID         []string
}

func (p *Metrics) reset() {
	for _, m := range []*stringMap{&p.resourceAttrs, &p.scopeAttrs, &p.attrs, &p.metadata} {
		*m = m.reset()
	}
	for _, s := range []*[]string{&p.resourceSchemaURL, &p.scopeName, &p.scopeVersion, &p.scopeSchemaURL,
		&p.serviceName, &p.name, &p.description, &p.unit, &p.exemplars.keys, &p.exemplars.vals, &p.exemplars.spanID, &p.exemplars.traceID} {
		*s = (*s)[:0]
	}
	for _, s := range []*[]int32{&p.scopeDropped, &p.flags, &p.temporality, &p.scale, &p.posOffset, &p.negOffset} {
		*s = (*s)[:0]
	}
	for _, s := range []*[]int64{&p.start, &p.time, &p.count, &p.zeroCount, &p.bucketVals, &p.posVals, &p.negVals, &p.exemplars.time, &p.exemplars.valueInt} {
		*s = (*s)[:0]
	}
	for _, s := range []*[]float64{&p.zeroThreshold, &p.boundVals, &p.quantile, &p.quantileValue, &p.exemplars.value} {
		*s = (*s)[:0]
	}
	for _, s := range []*[]uint8{&p.exemplars.valueDef, &p.exemplars.intDef, &p.exemplars.attrRep, &p.exemplars.keyDef, &p.exemplars.valDef} {
		*s = (*s)[:0]
	}
	for _, o := range []*opt[float64]{&p.value, &p.sum, &p.min, &p.max} {
		o.reset()
	}
	p.valueInt.reset()
	for _, l := range []*listLevels{&p.buckets, &p.bounds, &p.pos, &p.neg, &p.quantiles, &p.exemplars.listLevels} {
		l.reset()
	}
	p.monotonic = p.monotonic[:0]
	p.runs, p.metricRuns, p.lastScope, p.lastMetric = p.runs[:0], p.metricRuns[:0], 0, 0
	p.cols = p.cols[:0]
	p.Rows = 0
}

// Schema is the partition's table, parsed.
func (p *Metrics) Schema() *pqenc.Schema { return ParsedMetricsSchema(p.Type) }

// Columns returns the partition's leaf columns in the order of its schema's leaves.
func (p *Metrics) Columns() []pqenc.ColumnData {
	runs, mruns := p.runs, p.metricRuns
	c := p.resourceAttrs.columns(p.cols[:0], runs)
	c = leaf(c, nil, nil, p.resourceSchemaURL, runs)
	c = leaf(c, nil, nil, p.scopeName, runs)
	c = leaf(c, nil, nil, p.scopeVersion, runs)
	c = p.scopeAttrs.columns(c, runs)
	c = leaf(c, nil, nil, p.scopeDropped, runs)
	c = leaf(c, nil, nil, p.scopeSchemaURL, runs)
	c = leaf(c, nil, nil, p.serviceName, runs)
	c = leaf(c, nil, nil, p.name, mruns)
	c = leaf(c, nil, nil, p.description, mruns)
	c = leaf(c, nil, nil, p.unit, mruns)
	c = p.attrs.columns(c, nil)
	c = leaf(c, nil, nil, p.start, nil)
	c = leaf(c, nil, nil, p.time, nil)
	switch p.Type {
	case otlp.MetricGauge, otlp.MetricSum:
		c = leaf(c, nil, p.value.def, p.value.vals, nil)
		c = leaf(c, nil, nil, p.flags, nil)
		c = p.exemplars.columns(c)
		if p.Type == otlp.MetricSum {
			c = leaf(c, nil, nil, p.temporality, nil)
			c = leaf(c, nil, nil, p.monotonic, nil)
		}
		c = leaf(c, nil, p.valueInt.def, p.valueInt.vals, nil)
	case otlp.MetricHistogram:
		c = leaf(c, nil, nil, p.count, nil)
		c = leaf(c, nil, p.sum.def, p.sum.vals, nil)
		c = leaf(c, p.buckets.rep, p.buckets.def, p.bucketVals, nil)
		c = leaf(c, p.bounds.rep, p.bounds.def, p.boundVals, nil)
		c = p.exemplars.columns(c)
		c = p.histogramTail(c)
	case otlp.MetricExponentialHistogram:
		c = leaf(c, nil, nil, p.count, nil)
		c = leaf(c, nil, p.sum.def, p.sum.vals, nil)
		c = leaf(c, nil, nil, p.scale, nil)
		c = leaf(c, nil, nil, p.zeroCount, nil)
		c = leaf(c, nil, nil, p.posOffset, nil)
		c = leaf(c, p.pos.rep, p.pos.def, p.posVals, nil)
		c = leaf(c, nil, nil, p.negOffset, nil)
		c = leaf(c, p.neg.rep, p.neg.def, p.negVals, nil)
		c = p.exemplars.columns(c)
		c = p.histogramTail(c)
		c = leaf(c, nil, nil, p.zeroThreshold, nil)
	case otlp.MetricSummary:
		c = leaf(c, nil, nil, p.count, nil)
		c = leaf(c, nil, nil, p.sum.vals, nil)
		c = leaf(c, p.quantiles.rep, p.quantiles.def, p.quantile, nil)
		c = leaf(c, p.quantiles.rep, p.quantiles.def, p.quantileValue, nil)
		c = leaf(c, nil, nil, p.flags, nil)
	}
	c = p.metadata.columns(c, mruns)
	p.cols = c
	return c
}

// histogramTail appends the columns that follow the exemplars in both
// histogram tables.
func (p *Metrics) histogramTail(c []pqenc.ColumnData) []pqenc.ColumnData {
	c = leaf(c, nil, nil, p.flags, nil)
	c = leaf(c, nil, p.min.def, p.min.vals, nil)
	c = leaf(c, nil, p.max.def, p.max.vals, nil)
	return leaf(c, nil, nil, p.temporality, nil)
}

func (e *exemplarColumns) columns(c []pqenc.ColumnData) []pqenc.ColumnData {
	c = leaf(c, e.attrRep, e.keyDef, e.keys, nil)
	c = leaf(c, e.attrRep, e.valDef, e.vals, nil)
	c = leaf(c, e.rep, e.def, e.time, nil)
	c = leaf(c, e.rep, e.valueDef, e.value, nil)
	c = leaf(c, e.rep, e.def, e.spanID, nil)
	c = leaf(c, e.rep, e.def, e.traceID, nil)
	return leaf(c, e.rep, e.intDef, e.valueInt, nil)
}

// MetricsResult is what MetricsBuilder.Build made of a request.
type MetricsResult struct {
	// Partitions holds one batch per (type, service, hour), in order of first appearance.
	Partitions []*Metrics
	// Rejected counts data points that cannot be stored, Reason says why.
	Rejected int
	Reason   string
}

// MetricsBuilder splits decoded metrics into partitions and fills their
// columns. Keep one to reuse its memory; it is not safe for concurrent use.
type MetricsBuilder struct {
	b     attrConv // attribute conversion, resources and scopes, as for logs
	parts []*Metrics
	n     int
	index map[metricsKey]int
}

type metricsKey struct {
	t       otlp.MetricType
	service string
	hour    int64
}

// Reset drops the partitions of the last Build. Their memory is reused.
func (mb *MetricsBuilder) Reset() {
	for _, p := range mb.parts[:mb.n] {
		p.reset()
	}
	mb.n = 0
	clear(mb.index)
	mb.b.reset()
}

// Build fills partitions from m, one row per data point. now is the receive
// time: a data point whose time_unix_nano is 0 is stamped with it.
// Data points with a time (start, point or exemplar) that does not fit a
// signed 64-bit nanosecond timestamp (after the year 2262) are rejected.
// Values become strings as for logs. It resets mb first; the returned
// partitions are valid until the next Build or Reset.
func (mb *MetricsBuilder) Build(m *otlp.Metrics, now time.Time) MetricsResult {
	mb.Reset()
	if mb.index == nil {
		mb.index = make(map[metricsKey]int)
	}
	b := &mb.b
	c := &m.Common
	var res MetricsResult
	nowNanos := now.UnixNano()
	b.start(c, len(m.Resources), func(i int) (otlp.Resource, string) { return m.Resources[i].Resource, m.Resources[i].SchemaURL },
		len(m.Scopes), func(i int) otlp.Range { return m.Scopes[i].Attributes })
	lastMetric, mdKeys, mdVals := int32(-1), []string(nil), []string(nil)
	eachPoint(m, func(ri, si, mi, i int32, h pointHeader) {
		if field, v := h.late(m); field != "" {
			if res.Rejected == 0 {
				res.Reason = rejectReason(m, ri, si, mi, i, field, v)
			}
			res.Rejected++
			return
		}
		ts := int64(h.time)
		if ts == 0 {
			ts = nowNanos
		}
		mt := &m.Metrics[mi]
		rinfo := &b.res[ri]
		p := mb.partition(mt.Type, rinfo.service, ts/NanosPerHour)
		p.Rows++
		p.MinTimestamp = min(p.MinTimestamp, ts)
		if p.lastScope == int(si)+1 {
			p.runs[len(p.runs)-1]++
		} else {
			p.lastScope = int(si) + 1
			p.runs = append(p.runs, 1)
			sm := &m.Scopes[si]
			sc := &b.scopes[si]
			p.resourceAttrs.add(rinfo.keys, rinfo.vals)
			p.resourceSchemaURL = append(p.resourceSchemaURL, rinfo.schemaURL)
			p.scopeName = append(p.scopeName, sm.Name)
			p.scopeVersion = append(p.scopeVersion, sm.Version)
			p.scopeAttrs.add(sc.keys, sc.vals)
			p.scopeDropped = append(p.scopeDropped, int32(sm.DroppedAttributesCount))
			p.scopeSchemaURL = append(p.scopeSchemaURL, sm.SchemaURL)
			p.serviceName = append(p.serviceName, rinfo.service)
		}
		if p.lastMetric == int(mi)+1 {
			p.metricRuns[len(p.metricRuns)-1]++
		} else {
			p.lastMetric = int(mi) + 1
			p.metricRuns = append(p.metricRuns, 1)
			if mi != lastMetric {
				lastMetric = mi
				mdKeys, mdVals = b.convert(c, mt.Metadata)
			}
			p.name = append(p.name, mt.Name)
			p.description = append(p.description, mt.Description)
			p.unit = append(p.unit, mt.Unit)
			p.metadata.add(mdKeys, mdVals)
		}
		p.attrs.add(b.recordAttrs(c, m.KeyValues[h.attrs.Start:h.attrs.End]))
		p.start = append(p.start, int64(h.start))
		p.time = append(p.time, ts)
		p.flags = append(p.flags, int32(h.flags))
		if mt.Type != otlp.MetricSummary {
			mb.appendExemplars(m, p, m.Exemplars[h.exemplars.Start:h.exemplars.End])
		}
		if hasTemporality(mt.Type) {
			p.temporality = append(p.temporality, mt.AggregationTemporality)
		}
		switch mt.Type {
		case otlp.MetricGauge, otlp.MetricSum:
			v := m.NumberPoints[i].Value
			p.value.add(v.Double(), v.Kind != otlp.NumberEmpty)
			p.valueInt.add(v.Int(), v.Kind == otlp.NumberInt)
			if mt.Type == otlp.MetricSum {
				p.monotonic = append(p.monotonic, mt.IsMonotonic)
			}
		case otlp.MetricHistogram:
			dp := &m.HistogramPoints[i]
			p.appendHistogram(dp.Count, dp.Sum, dp.Min, dp.Max, dp.HasSum, dp.HasMin, dp.HasMax)
			p.bucketVals = appendUint64s(&p.buckets, p.bucketVals, m.Uint64s[dp.BucketCounts.Start:dp.BucketCounts.End])
			bounds := m.Float64s[dp.ExplicitBounds.Start:dp.ExplicitBounds.End]
			p.bounds.add(len(bounds))
			p.boundVals = append(p.boundVals, bounds...)
		case otlp.MetricExponentialHistogram:
			dp := &m.ExpHistogramPoints[i]
			p.appendHistogram(dp.Count, dp.Sum, dp.Min, dp.Max, dp.HasSum, dp.HasMin, dp.HasMax)
			p.scale = append(p.scale, dp.Scale)
			p.zeroCount = append(p.zeroCount, int64(dp.ZeroCount))
			p.posOffset = append(p.posOffset, dp.Positive.Offset)
			p.posVals = appendUint64s(&p.pos, p.posVals, m.Uint64s[dp.Positive.BucketCounts.Start:dp.Positive.BucketCounts.End])
			p.negOffset = append(p.negOffset, dp.Negative.Offset)
			p.negVals = appendUint64s(&p.neg, p.negVals, m.Uint64s[dp.Negative.BucketCounts.Start:dp.Negative.BucketCounts.End])
			p.zeroThreshold = append(p.zeroThreshold, dp.ZeroThreshold)
		case otlp.MetricSummary:
			dp := &m.SummaryPoints[i]
			p.count = append(p.count, int64(dp.Count))
			p.sum.vals = append(p.sum.vals, dp.Sum)
			qs := m.Quantiles[dp.QuantileValues.Start:dp.QuantileValues.End]
			p.quantiles.add(len(qs))
			for _, q := range qs {
				p.quantile = append(p.quantile, q.Quantile)
				p.quantileValue = append(p.quantileValue, q.Value)
			}
		}
	})
	res.Partitions = mb.parts[:mb.n]
	return res
}

func hasTemporality(t otlp.MetricType) bool {
	return t == otlp.MetricSum || t == otlp.MetricHistogram || t == otlp.MetricExponentialHistogram
}

func (p *Metrics) appendHistogram(count uint64, sum, mn, mx float64, hasSum, hasMin, hasMax bool) {
	p.count = append(p.count, int64(count))
	p.sum.add(sum, hasSum)
	p.min.add(mn, hasMin)
	p.max.add(mx, hasMax)
}

func appendUint64s(l *listLevels, dst []int64, vs []uint64) []int64 {
	l.add(len(vs))
	for _, v := range vs {
		dst = append(dst, int64(v))
	}
	return dst
}

func (mb *MetricsBuilder) appendExemplars(m *otlp.Metrics, p *Metrics, exs []otlp.Exemplar) {
	e := &p.exemplars
	e.listLevels.add(len(exs))
	if len(exs) == 0 {
		e.valueDef, e.intDef = append(e.valueDef, 0), append(e.intDef, 0)
		e.attrRep, e.keyDef, e.valDef = append(e.attrRep, 0), append(e.keyDef, 0), append(e.valDef, 0)
		return
	}
	for j := range exs {
		x := &exs[j]
		first := uint8(1)
		if j == 0 {
			first = 0
		}
		keys, vals := mb.b.convert(&m.Common, x.FilteredAttributes)
		if len(keys) == 0 {
			e.attrRep, e.keyDef, e.valDef = append(e.attrRep, first), append(e.keyDef, 1), append(e.valDef, 1)
		} else {
			e.attrRep = appendLevels(e.attrRep, first, 2, len(keys))
			e.keyDef = appendLevels(e.keyDef, 2, 2, len(keys))
			e.valDef = appendLevels(e.valDef, 3, 3, len(keys))
			e.keys, e.vals = append(e.keys, keys...), append(e.vals, vals...)
		}
		e.time = append(e.time, int64(x.TimeUnixNano))
		if x.Value.Kind == otlp.NumberEmpty {
			e.valueDef = append(e.valueDef, 1)
		} else {
			e.valueDef = append(e.valueDef, 2)
			e.value = append(e.value, x.Value.Double())
		}
		if x.Value.Kind == otlp.NumberInt {
			e.intDef = append(e.intDef, 2)
			e.valueInt = append(e.valueInt, x.Value.Int())
		} else {
			e.intDef = append(e.intDef, 1)
		}
		spanID, traceID := x.SpanID, x.TraceID
		if spanID == "" {
			spanID = zeroSpanID
		}
		if traceID == "" {
			traceID = zeroTraceID
		}
		e.spanID, e.traceID = append(e.spanID, spanID), append(e.traceID, traceID)
	}
}

func (mb *MetricsBuilder) partition(t otlp.MetricType, service string, hour int64) *Metrics {
	k := metricsKey{t, service, hour}
	if i, ok := mb.index[k]; ok {
		return mb.parts[i]
	}
	if mb.n == len(mb.parts) {
		mb.parts = append(mb.parts, &Metrics{})
	}
	p := mb.parts[mb.n]
	p.Type, p.Service, p.Hour, p.MinTimestamp = t, service, hour, math.MaxInt64
	mb.index[k] = mb.n
	mb.n++
	return p
}

// pointHeader is what every type of data point has.
type pointHeader struct {
	attrs, exemplars otlp.Range
	start, time      uint64
	flags            uint32
}

// eachPoint calls f for each data point of m with the indexes of its
// resource, scope and metric, and its index in its type's points slice.
func eachPoint(m *otlp.Metrics, f func(ri, si, mi, i int32, h pointHeader)) {
	for ri := range m.Resources {
		rm := &m.Resources[ri]
		for si := rm.Scopes.Start; si < rm.Scopes.End; si++ {
			sm := &m.Scopes[si]
			for mi := sm.Metrics.Start; mi < sm.Metrics.End; mi++ {
				mt := &m.Metrics[mi]
				for i := mt.Points.Start; i < mt.Points.End; i++ {
					var h pointHeader
					switch mt.Type {
					case otlp.MetricGauge, otlp.MetricSum:
						p := &m.NumberPoints[i]
						h = pointHeader{p.Attributes, p.Exemplars, p.StartTimeUnixNano, p.TimeUnixNano, p.Flags}
					case otlp.MetricHistogram:
						p := &m.HistogramPoints[i]
						h = pointHeader{p.Attributes, p.Exemplars, p.StartTimeUnixNano, p.TimeUnixNano, p.Flags}
					case otlp.MetricExponentialHistogram:
						p := &m.ExpHistogramPoints[i]
						h = pointHeader{p.Attributes, p.Exemplars, p.StartTimeUnixNano, p.TimeUnixNano, p.Flags}
					case otlp.MetricSummary:
						p := &m.SummaryPoints[i]
						h = pointHeader{p.Attributes, otlp.Range{}, p.StartTimeUnixNano, p.TimeUnixNano, p.Flags}
					}
					f(int32(ri), si, mi, i, h)
				}
			}
		}
	}
}

// late names the first time of the point past a signed 64-bit nanosecond
// timestamp, and its value; field is "" when there is none.
func (h *pointHeader) late(m *otlp.Metrics) (field string, v uint64) {
	switch {
	case h.time > math.MaxInt64:
		return "time_unix_nano", h.time
	case h.start > math.MaxInt64:
		return "start_time_unix_nano", h.start
	}
	for i := h.exemplars.Start; i < h.exemplars.End; i++ {
		if t := m.Exemplars[i].TimeUnixNano; t > math.MaxInt64 {
			return "exemplars[" + strconv.Itoa(int(i-h.exemplars.Start)) + "].time_unix_nano", t
		}
	}
	return "", 0
}

func rejectReason(m *otlp.Metrics, ri, si, mi, i int32, field string, v uint64) string {
	rm, sm, mt := &m.Resources[ri], &m.Scopes[si], &m.Metrics[mi]
	return "resource_metrics[" + strconv.Itoa(int(ri)) + "].scope_metrics[" + strconv.Itoa(int(si-rm.Scopes.Start)) +
		"].metrics[" + strconv.Itoa(int(mi-sm.Metrics.Start)) + "]." + mt.Type.String() + ".data_points[" +
		strconv.Itoa(int(i-mt.Points.Start)) + "] (the first of them): " + field + " " + strconv.FormatUint(v, 10) +
		" is after the year 2262, past a signed 64-bit nanosecond timestamp"
}

// RejectedDataPoints counts the data points MetricsBuilder.Build would
// reject and says why, as Build does, without building anything: for
// checking a request before accepting it.
func RejectedDataPoints(m *otlp.Metrics) (rejected int, reason string) {
	eachPoint(m, func(ri, si, mi, i int32, h pointHeader) {
		if field, v := h.late(m); field != "" {
			if rejected == 0 {
				reason = rejectReason(m, ri, si, mi, i, field, v)
			}
			rejected++
		}
	})
	return rejected, reason
}

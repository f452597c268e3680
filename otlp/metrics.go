package otlp

import "math"

// Metrics is one decoded ExportMetricsServiceRequest, or several concatenated
// ones, kept flat as Logs is (see Logs for how the levels point into each
// other and how strings share memory with the input).
//
// Each Metric's data points are a Range of the slice of its Type; what data
// points hold in lists (exemplars, quantiles, bucket counts, bounds) are
// Ranges of the slices below, so a request decodes into a few growing slices.
type Metrics struct {
	Resources []ResourceMetrics
	Scopes    []ScopeMetrics
	Metrics   []Metric

	NumberPoints       []NumberPoint       // gauge and sum data points
	HistogramPoints    []HistogramPoint    // histogram data points
	ExpHistogramPoints []ExpHistogramPoint // exponential histogram data points
	SummaryPoints      []SummaryPoint      // summary data points
	Exemplars          []Exemplar
	Quantiles          []Quantile
	// Uint64s holds bucket counts, Float64s explicit bounds.
	Uint64s  []uint64
	Float64s []float64
	Common
}

// ResourceMetrics is opentelemetry.proto.metrics.v1.ResourceMetrics with its Resource inlined.
type ResourceMetrics struct {
	Resource
	SchemaURL string
	Scopes    Range // into Scopes
}

// ScopeMetrics is opentelemetry.proto.metrics.v1.ScopeMetrics with its InstrumentationScope inlined.
type ScopeMetrics struct {
	Scope
	SchemaURL string
	Metrics   Range // into Metrics
}

// MetricType says which member of Metric's data oneof is set.
type MetricType uint8

// The kinds of metric data. MetricEmpty is a Metric with no data.
const (
	MetricEmpty MetricType = iota
	MetricGauge
	MetricSum
	MetricHistogram
	MetricExponentialHistogram
	MetricSummary
)

var metricTypeNames = [...]string{"empty", "gauge", "sum", "histogram", "exponential_histogram", "summary"}

// String is the type's name as the ClickHouse exporter's tables and our
// object keys spell it: gauge, sum, histogram, exponential_histogram, summary.
func (t MetricType) String() string {
	if int(t) < len(metricTypeNames) {
		return metricTypeNames[t]
	}
	return "unknown"
}

// Metric is opentelemetry.proto.metrics.v1.Metric with its data inlined.
type Metric struct {
	Name        string
	Description string
	Unit        string
	Metadata    Range // into KeyValues
	Type        MetricType
	// AggregationTemporality is the sum's, histogram's or exponential
	// histogram's (0 unspecified, 1 delta, 2 cumulative; other values kept).
	AggregationTemporality int32
	IsMonotonic            bool  // sums only
	Points                 Range // into the points slice of Type (NumberPoints for gauges and sums)
}

// NumberKind says which member of a number's value oneof is set.
type NumberKind uint8

// The kinds of number.
const (
	NumberEmpty NumberKind = iota
	NumberDouble
	NumberInt
)

// Number is the as_double / as_int oneof of NumberDataPoint and Exemplar.
type Number struct {
	Kind NumberKind
	Bits uint64 // the float64's bits or the int64
}

// Double is the number as a float64: an int converted, 0 when empty.
func (n Number) Double() float64 {
	switch n.Kind {
	case NumberDouble:
		return math.Float64frombits(n.Bits)
	case NumberInt:
		return float64(int64(n.Bits))
	}
	return 0
}

// Int is the number's int64 (meaningful when Kind is NumberInt).
func (n Number) Int() int64 { return int64(n.Bits) }

// NumberPoint is opentelemetry.proto.metrics.v1.NumberDataPoint.
type NumberPoint struct {
	Attributes        Range // into KeyValues
	StartTimeUnixNano uint64
	TimeUnixNano      uint64
	Value             Number
	Exemplars         Range // into Exemplars
	Flags             uint32
}

// HistogramPoint is opentelemetry.proto.metrics.v1.HistogramDataPoint.
type HistogramPoint struct {
	Attributes        Range // into KeyValues
	StartTimeUnixNano uint64
	TimeUnixNano      uint64
	Count             uint64
	Sum, Min, Max     float64 // each valid when its Has flag is set
	HasSum            bool
	HasMin, HasMax    bool
	BucketCounts      Range // into Uint64s
	ExplicitBounds    Range // into Float64s
	Exemplars         Range // into Exemplars
	Flags             uint32
}

// ExpHistogramPoint is opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint.
type ExpHistogramPoint struct {
	Attributes         Range // into KeyValues
	StartTimeUnixNano  uint64
	TimeUnixNano       uint64
	Count              uint64
	Sum, Min, Max      float64 // each valid when its Has flag is set
	HasSum             bool
	HasMin, HasMax     bool
	Scale              int32
	ZeroCount          uint64
	ZeroThreshold      float64
	Positive, Negative Buckets
	Exemplars          Range // into Exemplars
	Flags              uint32
}

// Buckets is opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint.Buckets.
type Buckets struct {
	Offset       int32
	BucketCounts Range // into Uint64s
}

// SummaryPoint is opentelemetry.proto.metrics.v1.SummaryDataPoint.
type SummaryPoint struct {
	Attributes        Range // into KeyValues
	StartTimeUnixNano uint64
	TimeUnixNano      uint64
	Count             uint64
	Sum               float64
	QuantileValues    Range // into Quantiles
	Flags             uint32
}

// Quantile is opentelemetry.proto.metrics.v1.SummaryDataPoint.ValueAtQuantile.
type Quantile struct{ Quantile, Value float64 }

// Exemplar is opentelemetry.proto.metrics.v1.Exemplar.
type Exemplar struct {
	FilteredAttributes Range // into KeyValues
	TimeUnixNano       uint64
	Value              Number
	SpanID             string // 8 raw bytes, or "" when absent
	TraceID            string // 16 raw bytes, or "" when absent
}

// Reset empties m and keeps its memory for the next decode.
func (m *Metrics) Reset() {
	m.Resources = m.Resources[:0]
	m.Scopes = m.Scopes[:0]
	m.Metrics = m.Metrics[:0]
	m.NumberPoints = m.NumberPoints[:0]
	m.HistogramPoints = m.HistogramPoints[:0]
	m.ExpHistogramPoints = m.ExpHistogramPoints[:0]
	m.SummaryPoints = m.SummaryPoints[:0]
	m.Exemplars = m.Exemplars[:0]
	m.Quantiles = m.Quantiles[:0]
	m.Uint64s = m.Uint64s[:0]
	m.Float64s = m.Float64s[:0]
	m.Common.reset()
}

// DataPoints is the number of data points in m, of every type.
func (m *Metrics) DataPoints() int {
	return len(m.NumberPoints) + len(m.HistogramPoints) + len(m.ExpHistogramPoints) + len(m.SummaryPoints)
}

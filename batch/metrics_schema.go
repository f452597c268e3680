package batch

import (
	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/pqenc"
)

// The metrics tables follow the ClickHouse exporter's otel_metrics_gauge,
// _sum, _histogram, _exponential_histogram and _summary: the same column
// names in the same order, each type mapped to Parquet as for logs:
//
//   - DateTime64(9) → INT64 TIMESTAMP(NANOS, UTC); Map(String, String) →
//     the standard MAP of utf8 to utf8 (required, empty when none);
//     String → utf8; UInt32 → INT32 INT(32, unsigned); UInt64 → INT64
//     INT(64, unsigned); Int32 → INT32; Float64 → DOUBLE; Bool → BOOLEAN;
//     Array(T) → a required standard LIST of required T; Nested(...) → a
//     required LIST of required structs with the same fields.
//   - Exemplars' SpanId and TraceId are FIXED_LEN_BYTE_ARRAY(8) and (16) as
//     logs' ids are (the exporter stores hex strings), all zero when absent.
//   - ScopeVersion is a required utf8, as the exporter has it (logs' is optional).
//
// Where the exporter would lose what a client sent, these tables keep it
// (contract: nothing a client sent is silently dropped):
//   - Value (gauge, sum, exemplars) is an optional DOUBLE: null when the
//     point has no value (the exporter writes 0). An as_int value is also
//     kept exactly in ValueInt (optional INT64, null for doubles): a DOUBLE
//     cannot hold every int64.
//   - Sum, Min and Max of histograms are optional DOUBLEs: null when the
//     client left them out (the exporter writes 0, which is a real value).
//     A summary's Sum is always present in OTLP and stays required.
//   - MetricMetadata (map<utf8, utf8>, every table) holds Metric.metadata;
//     ZeroThreshold (DOUBLE, exponential histograms) the zero bucket's width.
//     Both come after the exporter's columns, so its column order is kept.
//
// As for logs, resource and scope dropped-attribute counts other than
// ScopeDroppedAttrCount and entity references are not stored. A Metric
// without data (its data oneof unset) has no data points and so gives no
// row; it is not counted as rejected, since partial success counts data points.
var (
	GaugeSchema                = metricsSchema(otlp.MetricGauge)
	SumSchema                  = metricsSchema(otlp.MetricSum)
	HistogramSchema            = metricsSchema(otlp.MetricHistogram)
	ExponentialHistogramSchema = metricsSchema(otlp.MetricExponentialHistogram)
	SummarySchema              = metricsSchema(otlp.MetricSummary)
)

// MetricsSchema is the table of metric type t (nil for otlp.MetricEmpty).
func MetricsSchema(t otlp.MetricType) []pqenc.Node {
	switch t {
	case otlp.MetricGauge:
		return GaugeSchema
	case otlp.MetricSum:
		return SumSchema
	case otlp.MetricHistogram:
		return HistogramSchema
	case otlp.MetricExponentialHistogram:
		return ExponentialHistogramSchema
	case otlp.MetricSummary:
		return SummarySchema
	}
	return nil
}

var parsedMetricsSchemas = [...]*pqenc.Schema{
	otlp.MetricGauge:                mustSchema(GaugeSchema),
	otlp.MetricSum:                  mustSchema(SumSchema),
	otlp.MetricHistogram:            mustSchema(HistogramSchema),
	otlp.MetricExponentialHistogram: mustSchema(ExponentialHistogramSchema),
	otlp.MetricSummary:              mustSchema(SummarySchema),
}

// ParsedMetricsSchema is MetricsSchema(t) parsed (nil for otlp.MetricEmpty).
func ParsedMetricsSchema(t otlp.MetricType) *pqenc.Schema {
	if int(t) < len(parsedMetricsSchemas) {
		return parsedMetricsSchemas[t]
	}
	return nil
}

func metricsSchema(t otlp.MetricType) []pqenc.Node {
	nodes := []pqenc.Node{
		mapNode("ResourceAttributes"),
		str("ResourceSchemaUrl", pqenc.Required),
		str("ScopeName", pqenc.Required),
		str("ScopeVersion", pqenc.Required),
		mapNode("ScopeAttributes"),
		{Name: "ScopeDroppedAttrCount", Type: pqenc.Int32, Logical: pqenc.Uint32, Dictionary: true},
		str("ScopeSchemaUrl", pqenc.Required),
		str("ServiceName", pqenc.Required),
		str("MetricName", pqenc.Required),
		str("MetricDescription", pqenc.Required),
		str("MetricUnit", pqenc.Required),
		mapNode("Attributes"),
		timestamp("StartTimeUnix"),
		timestamp("TimeUnix"),
	}
	value := pqenc.Node{Name: "Value", Repetition: pqenc.Optional, Type: pqenc.Double}
	valueInt := pqenc.Node{Name: "ValueInt", Repetition: pqenc.Optional, Type: pqenc.Int64}
	flags := pqenc.Node{Name: "Flags", Type: pqenc.Int32, Logical: pqenc.Uint32, Dictionary: true}
	temporality := pqenc.Node{Name: "AggregationTemporality", Type: pqenc.Int32, Dictionary: true}
	count := pqenc.Node{Name: "Count", Type: pqenc.Int64, Logical: pqenc.Uint64}
	optDouble := func(name string) pqenc.Node {
		return pqenc.Node{Name: name, Repetition: pqenc.Optional, Type: pqenc.Double}
	}
	int32Node := func(name string) pqenc.Node { return pqenc.Node{Name: name, Type: pqenc.Int32, Dictionary: true} }
	uint64s := func(name string) pqenc.Node {
		return listNode(name, pqenc.Node{Type: pqenc.Int64, Logical: pqenc.Uint64})
	}
	exemplars := listNode("Exemplars", pqenc.Node{Children: []pqenc.Node{
		mapNode("FilteredAttributes"),
		timestamp("TimeUnix"),
		value,
		{Name: "SpanId", Type: pqenc.FixedLenByteArray, Length: 8},
		{Name: "TraceId", Type: pqenc.FixedLenByteArray, Length: 16},
		valueInt,
	}})
	switch t {
	case otlp.MetricGauge:
		nodes = append(nodes, value, flags, exemplars, valueInt)
	case otlp.MetricSum:
		nodes = append(nodes, value, flags, exemplars, temporality,
			pqenc.Node{Name: "IsMonotonic", Type: pqenc.Boolean}, valueInt)
	case otlp.MetricHistogram:
		nodes = append(nodes, count, optDouble("Sum"), uint64s("BucketCounts"),
			listNode("ExplicitBounds", pqenc.Node{Type: pqenc.Double}),
			exemplars, flags, optDouble("Min"), optDouble("Max"), temporality)
	case otlp.MetricExponentialHistogram:
		nodes = append(nodes, count, optDouble("Sum"), int32Node("Scale"),
			pqenc.Node{Name: "ZeroCount", Type: pqenc.Int64, Logical: pqenc.Uint64},
			int32Node("PositiveOffset"), uint64s("PositiveBucketCounts"),
			int32Node("NegativeOffset"), uint64s("NegativeBucketCounts"),
			exemplars, flags, optDouble("Min"), optDouble("Max"), temporality,
			pqenc.Node{Name: "ZeroThreshold", Type: pqenc.Double})
	case otlp.MetricSummary:
		nodes = append(nodes, count, pqenc.Node{Name: "Sum", Type: pqenc.Double},
			listNode("ValueAtQuantiles", pqenc.Node{Children: []pqenc.Node{
				{Name: "Quantile", Type: pqenc.Double},
				{Name: "Value", Type: pqenc.Double},
			}}),
			flags)
	default:
		return nil
	}
	return append(nodes, mapNode("MetricMetadata"))
}

// listNode is a required standard LIST of required elem.
func listNode(name string, elem pqenc.Node) pqenc.Node {
	elem.Name = "element"
	return pqenc.Node{Name: name, Logical: pqenc.List, Children: []pqenc.Node{{
		Name: "list", Repetition: pqenc.Repeated, Children: []pqenc.Node{elem},
	}}}
}

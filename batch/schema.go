package batch

import "github.com/otlp2parquet/otlp2parquet/pqenc"

// LogsSchema is the logs table: the seed's fifteen columns in the seed's
// order, then the four columns of the ClickHouse exporter's otel_logs that
// the seed lacks. Names and types match otel_logs so ClickHouse users find
// the data they already know.
//
// Encoding choices:
//   - Strings that repeat across rows (severity, service, scope, map keys,
//     attribute values) are dictionary encoded; the encoder falls back to
//     PLAIN per column chunk when a dictionary grows past its bound, which
//     is what happens to unique values such as most bodies.
//   - Timestamps and ids are PLAIN: they are nearly unique, and snappy
//     compresses the common high bytes of timestamps well.
//   - Maps use Parquet's standard three-level MAP so every reader sees a
//     map<utf8, utf8>; the map itself is required (an empty map, never null).
//   - TraceFlags is INT32 annotated INT(32, unsigned) so readers get uint32.
var LogsSchema = []pqenc.Node{
	timestamp("Timestamp"),
	timestamp("ObservedTimestamp"),
	{Name: "TraceId", Type: pqenc.FixedLenByteArray, Length: 16},
	{Name: "SpanId", Type: pqenc.FixedLenByteArray, Length: 8},
	{Name: "TraceFlags", Type: pqenc.Int32, Logical: pqenc.Uint32},
	str("SeverityText", pqenc.Required),
	{Name: "SeverityNumber", Type: pqenc.Int32, Dictionary: true},
	str("Body", pqenc.Required),
	str("ServiceName", pqenc.Required),
	str("ServiceNamespace", pqenc.Optional),
	str("ServiceInstanceId", pqenc.Optional),
	str("ScopeName", pqenc.Required),
	str("ScopeVersion", pqenc.Optional),
	mapNode("ResourceAttributes"),
	mapNode("LogAttributes"),
	str("ResourceSchemaUrl", pqenc.Required),
	str("ScopeSchemaUrl", pqenc.Required),
	mapNode("ScopeAttributes"),
	str("EventName", pqenc.Required),
}

func timestamp(name string) pqenc.Node {
	return pqenc.Node{Name: name, Type: pqenc.Int64, Logical: pqenc.TimestampNanosUTC}
}

func str(name string, rep pqenc.Repetition) pqenc.Node {
	return pqenc.Node{Name: name, Repetition: rep, Type: pqenc.ByteArray, Logical: pqenc.String, Dictionary: true}
}

func mapNode(name string) pqenc.Node {
	return pqenc.Node{Name: name, Logical: pqenc.Map, Children: []pqenc.Node{{
		Name: "key_value", Repetition: pqenc.Repeated, Children: []pqenc.Node{
			str("key", pqenc.Required),
			str("value", pqenc.Optional),
		},
	}}}
}

var logsSchema = mustSchema(LogsSchema)

func mustSchema(fields []pqenc.Node) *pqenc.Schema {
	s, err := pqenc.NewSchema(fields)
	if err != nil {
		panic("batch: " + err.Error())
	}
	return s
}

package otlptest

import (
	"fmt"
	"math/rand/v2"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
)

// RealisticLogsRequest makes a request as an instrumented fleet sends it:
// records spread over services (one resource and scope each, with the usual
// resource attributes), each record with a message body, about ten
// attributes, trace context, and timestamps a millisecond apart. The same
// arguments give the same request.
func RealisticLogsRequest(records, services int) *collogspb.ExportLogsServiceRequest {
	services = max(services, 1)
	r := rand.New(rand.NewPCG(uint64(records), uint64(services)))
	req := &collogspb.ExportLogsServiceRequest{}
	const start = uint64(1_767_225_600_000_000_000) // 2026-01-01T00:00:00Z
	for s := range services {
		name := fmt.Sprintf("service-%d", s)
		rl := &logspb.ResourceLogs{Resource: realisticResource(r, name), SchemaUrl: "https://opentelemetry.io/schemas/1.26.0"}
		sl := &logspb.ScopeLogs{
			Scope:     &commonpb.InstrumentationScope{Name: "go.opentelemetry.io/contrib/bridges/otelslog", Version: "0.13.0"},
			SchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
		}
		n := records / services
		if s < records%services {
			n++
		}
		for range n {
			i := len(sl.LogRecords) + s*records
			sl.LogRecords = append(sl.LogRecords, realisticRecord(r, start+uint64(i)*1e6))
		}
		rl.ScopeLogs = []*logspb.ScopeLogs{sl}
		req.ResourceLogs = append(req.ResourceLogs, rl)
	}
	return req
}

// realisticResource is the resource of the service name as SDKs describe it.
func realisticResource(r *rand.Rand, name string) *resourcepb.Resource {
	return &resourcepb.Resource{Attributes: []*commonpb.KeyValue{
		str("service.name", name),
		str("service.namespace", "shop"),
		str("service.instance.id", fmt.Sprintf("%s-7d9f8c6b5-%05d", name, r.IntN(100000))),
		str("service.version", "1.42.0"),
		str("deployment.environment.name", "production"),
		str("host.name", fmt.Sprintf("ip-10-0-%d-%d.ec2.internal", r.IntN(256), r.IntN(256))),
		str("k8s.pod.name", fmt.Sprintf("%s-7d9f8c6b5-x%04d", name, r.IntN(10000))),
		str("telemetry.sdk.language", "go"),
		str("telemetry.sdk.name", "opentelemetry"),
		str("telemetry.sdk.version", "1.38.0"),
	}}
}

var (
	routes   = []string{"/api/v1/orders", "/api/v1/orders/{id}", "/api/v1/cart", "/healthz", "/api/v1/users/{id}/profile"}
	methods  = []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	messages = []string{
		"request completed",
		"order placed for customer; payment authorised and inventory reserved",
		"cache miss for key cart:4812, loading from database",
		"upstream returned an error: connection reset by peer (retrying in 200ms)",
		"slow query detected: SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 50",
	}
)

func realisticRecord(r *rand.Rand, ts uint64) *logspb.LogRecord {
	sev, text := logspb.SeverityNumber_SEVERITY_NUMBER_INFO, "INFO"
	switch x := r.IntN(20); {
	case x == 0:
		sev, text = logspb.SeverityNumber_SEVERITY_NUMBER_ERROR, "ERROR"
	case x < 3:
		sev, text = logspb.SeverityNumber_SEVERITY_NUMBER_WARN, "WARN"
	case x < 6:
		sev, text = logspb.SeverityNumber_SEVERITY_NUMBER_DEBUG, "DEBUG"
	}
	msg := messages[r.IntN(len(messages))]
	if r.IntN(4) == 0 {
		msg = fmt.Sprintf("%s (attempt %d)", msg, 1+r.IntN(3))
	}
	status := []int64{200, 200, 200, 201, 204, 404, 500}[r.IntN(7)]
	return &logspb.LogRecord{
		TimeUnixNano:         ts,
		ObservedTimeUnixNano: ts + uint64(r.IntN(5e6)),
		SeverityNumber:       sev,
		SeverityText:         text,
		Body:                 &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: msg}},
		Attributes: []*commonpb.KeyValue{
			str("http.request.method", methods[r.IntN(len(methods))]),
			str("http.route", routes[r.IntN(len(routes))]),
			integer("http.response.status_code", status),
			str("url.scheme", "https"),
			str("server.address", "shop.example.com"),
			str("client.address", fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256))),
			str("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"),
			str("enduser.id", fmt.Sprintf("user-%06d", r.IntN(1000000))),
			{Key: "duration_ms", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: float64(r.IntN(200000)) / 100}}},
			{Key: "cache.hit", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: r.IntN(2) == 0}}},
		},
		Flags:   1,
		TraceId: randBytes(r, 16),
		SpanId:  randBytes(r, 8),
	}
}

func str(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func integer(k string, v int64) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}}}
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

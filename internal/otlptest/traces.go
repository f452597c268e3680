package otlptest

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/otlp2parquet/otlp2parquet/otlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// ToProtoTraces converts the flat model back to the official message tree.
// Messages the model cannot tell absent from empty (resource, scope,
// status, a KeyValue's value) are always set: compare after NormalizeTraces.
func ToProtoTraces(t *otlp.Traces) *coltracepb.ExportTraceServiceRequest {
	c := &t.Common
	req := &coltracepb.ExportTraceServiceRequest{}
	for _, r := range t.Resources {
		rs := &tracepb.ResourceSpans{Resource: resource(c, r.Resource), SchemaUrl: r.SchemaURL}
		for _, s := range t.Scopes[r.Scopes.Start:r.Scopes.End] {
			ss := &tracepb.ScopeSpans{Scope: scope(c, s.Scope), SchemaUrl: s.SchemaURL}
			for _, sp := range t.Spans[s.Spans.Start:s.Spans.End] {
				out := &tracepb.Span{
					TraceId:                id(sp.TraceID),
					SpanId:                 id(sp.SpanID),
					TraceState:             sp.TraceState,
					ParentSpanId:           id(sp.ParentSpanID),
					Flags:                  sp.Flags,
					Name:                   sp.Name,
					Kind:                   tracepb.Span_SpanKind(sp.Kind),
					StartTimeUnixNano:      sp.StartTimeUnixNano,
					EndTimeUnixNano:        sp.EndTimeUnixNano,
					Attributes:             keyValues(c, sp.Attributes),
					DroppedAttributesCount: sp.DroppedAttributesCount,
					DroppedEventsCount:     sp.DroppedEventsCount,
					DroppedLinksCount:      sp.DroppedLinksCount,
					Status:                 &tracepb.Status{Message: sp.StatusMessage, Code: tracepb.Status_StatusCode(sp.StatusCode)},
				}
				for _, e := range t.Events[sp.Events.Start:sp.Events.End] {
					out.Events = append(out.Events, &tracepb.Span_Event{
						TimeUnixNano: e.TimeUnixNano, Name: e.Name,
						Attributes: keyValues(c, e.Attributes), DroppedAttributesCount: e.DroppedAttributesCount,
					})
				}
				for _, l := range t.Links[sp.Links.Start:sp.Links.End] {
					out.Links = append(out.Links, &tracepb.Span_Link{
						TraceId: id(l.TraceID), SpanId: id(l.SpanID), TraceState: l.TraceState,
						Attributes: keyValues(c, l.Attributes), DroppedAttributesCount: l.DroppedAttributesCount, Flags: l.Flags,
					})
				}
				ss.Spans = append(ss.Spans, out)
			}
			rs.ScopeSpans = append(rs.ScopeSpans, ss)
		}
		req.ResourceSpans = append(req.ResourceSpans, rs)
	}
	return req
}

// NormalizeTraces is Normalize for traces: absent resources, scopes,
// statuses, values and array or kvlist values become empty ones, and
// unknown fields are dropped.
func NormalizeTraces(req *coltracepb.ExportTraceServiceRequest) {
	req.ProtoReflect().SetUnknown(nil)
	for _, rs := range req.ResourceSpans {
		rs.ProtoReflect().SetUnknown(nil)
		if rs.Resource == nil {
			rs.Resource = &resourcepb.Resource{}
		}
		rs.Resource.ProtoReflect().SetUnknown(nil)
		normalizeKVs(rs.Resource.Attributes)
		for _, e := range rs.Resource.EntityRefs {
			e.ProtoReflect().SetUnknown(nil)
		}
		for _, ss := range rs.ScopeSpans {
			ss.ProtoReflect().SetUnknown(nil)
			if ss.Scope == nil {
				ss.Scope = &commonpb.InstrumentationScope{}
			}
			ss.Scope.ProtoReflect().SetUnknown(nil)
			normalizeKVs(ss.Scope.Attributes)
			for _, s := range ss.Spans {
				s.ProtoReflect().SetUnknown(nil)
				normalizeKVs(s.Attributes)
				if s.Status == nil {
					s.Status = &tracepb.Status{}
				}
				s.Status.ProtoReflect().SetUnknown(nil)
				for _, e := range s.Events {
					e.ProtoReflect().SetUnknown(nil)
					normalizeKVs(e.Attributes)
				}
				for _, l := range s.Links {
					l.ProtoReflect().SetUnknown(nil)
					normalizeKVs(l.Attributes)
				}
			}
		}
	}
}

// NormalizeTraceZeroIDs removes all-zero trace and span ids, which the
// Collector's pdata cannot tell from absent ones.
func NormalizeTraceZeroIDs(req *coltracepb.ExportTraceServiceRequest) {
	zero := func(b []byte) []byte {
		if bytes.Count(b, []byte{0}) == len(b) {
			return nil
		}
		return b
	}
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				s.TraceId, s.SpanId, s.ParentSpanId = zero(s.TraceId), zero(s.SpanId), zero(s.ParentSpanId)
				for _, l := range s.Links {
					l.TraceId, l.SpanId = zero(l.TraceId), zero(l.SpanId)
				}
			}
		}
	}
}

// PdataTracesJSON encodes req as OTLP/JSON the way the OpenTelemetry
// Collector does, with the Collector's pdata.
func PdataTracesJSON(req *coltracepb.ExportTraceServiceRequest) ([]byte, error) {
	b, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	er := ptraceotlp.NewExportRequest()
	if err := er.UnmarshalProto(b); err != nil {
		return nil, err
	}
	var m ptrace.JSONMarshaler
	return m.MarshalTraces(er.Traces())
}

// PdataTracesFromJSON decodes OTLP/JSON traces with the Collector's pdata
// and returns the result as the official types.
func PdataTracesFromJSON(b []byte) (*coltracepb.ExportTraceServiceRequest, error) {
	var u ptrace.JSONUnmarshaler
	td, err := u.UnmarshalTraces(b)
	if err != nil {
		return nil, err
	}
	pb, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		return nil, err
	}
	req := &coltracepb.ExportTraceServiceRequest{}
	if err := proto.Unmarshal(pb, req); err != nil {
		return nil, err
	}
	return req, nil
}

// RandomTracesRequest makes a varied traces request as RandomLogsRequest
// does for logs: every kind of value, ids present, absent and zero, kinds
// and status codes in and out of their enums, events and links from none
// to many. The same r state gives the same request.
func RandomTracesRequest(r *rand.Rand) *coltracepb.ExportTraceServiceRequest {
	g := gen{r}
	req := &coltracepb.ExportTraceServiceRequest{}
	for range g.count(4, 12) {
		rs := &tracepb.ResourceSpans{}
		rs.Resource, rs.SchemaUrl = g.resourceAndURL()
		for range g.count(3, 10) {
			ss := &tracepb.ScopeSpans{}
			ss.Scope, ss.SchemaUrl = g.scopeAndURL()
			for range g.count(6, 40) {
				ss.Spans = append(ss.Spans, g.span())
			}
			rs.ScopeSpans = append(rs.ScopeSpans, ss)
		}
		req.ResourceSpans = append(req.ResourceSpans, rs)
	}
	return req
}

func (g gen) span() *tracepb.Span {
	s := &tracepb.Span{
		TraceId:      g.id(16),
		SpanId:       g.id(8),
		ParentSpanId: g.id(8),
		Name:         g.str(),
		Attributes:   g.keyValues(0, 8, 40),
	}
	if g.chance(3) {
		s.TraceState = g.str()
	}
	if g.chance(2) {
		s.Flags = g.u32()
	}
	if g.chance(8) {
		s.Kind = tracepb.Span_SpanKind(g.i32())
	} else {
		s.Kind = tracepb.Span_SpanKind(g.r.IntN(6))
	}
	if !g.chance(5) {
		s.StartTimeUnixNano = g.u64()
	}
	if !g.chance(5) {
		s.EndTimeUnixNano = g.u64()
	}
	if g.chance(4) {
		s.DroppedAttributesCount, s.DroppedEventsCount, s.DroppedLinksCount = g.u32(), g.u32(), g.u32()
	}
	if !g.chance(3) {
		s.Status = &tracepb.Status{}
		if g.chance(2) {
			s.Status.Message = g.str()
		}
		if g.chance(8) {
			s.Status.Code = tracepb.Status_StatusCode(g.i32())
		} else {
			s.Status.Code = tracepb.Status_StatusCode(g.r.IntN(3))
		}
	}
	for range g.count(2, 12) {
		e := &tracepb.Span_Event{Name: g.str(), Attributes: g.keyValues(0, 3, 12)}
		if !g.chance(4) {
			e.TimeUnixNano = g.u64()
		}
		if g.chance(4) {
			e.DroppedAttributesCount = g.u32()
		}
		s.Events = append(s.Events, e)
	}
	for range g.count(2, 8) {
		l := &tracepb.Span_Link{TraceId: g.id(16), SpanId: g.id(8), Attributes: g.keyValues(0, 3, 12)}
		if g.chance(3) {
			l.TraceState = g.str()
		}
		if g.chance(3) {
			l.Flags = g.u32()
		}
		if g.chance(4) {
			l.DroppedAttributesCount = g.u32()
		}
		s.Links = append(s.Links, l)
	}
	return s
}

// RealisticTracesRequest makes a request as an instrumented fleet sends it:
// spans spread over services (one resource and scope each, with the usual
// resource attributes), each with about ten attributes, a parent (but for
// each trace's root), a server or client kind, mostly an unset status, now
// and then an event (an exception) and rarely a link. The same arguments
// give the same request.
func RealisticTracesRequest(spans, services int) *coltracepb.ExportTraceServiceRequest {
	services = max(services, 1)
	r := rand.New(rand.NewPCG(uint64(spans), uint64(services)+7))
	req := &coltracepb.ExportTraceServiceRequest{}
	const start = uint64(1_767_225_600_000_000_000) // 2026-01-01T00:00:00Z
	for s := range services {
		name := fmt.Sprintf("service-%d", s)
		rs := &tracepb.ResourceSpans{Resource: realisticResource(r, name), SchemaUrl: "https://opentelemetry.io/schemas/1.26.0"}
		ss := &tracepb.ScopeSpans{
			Scope:     &commonpb.InstrumentationScope{Name: "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", Version: "0.63.0"},
			SchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
		}
		n := spans / services
		if s < spans%services {
			n++
		}
		var traceID, root []byte
		for i := range n {
			if i%5 == 0 { // five spans a trace
				traceID, root = randBytes(r, 16), nil
			}
			ts := start + uint64(i+s*spans)*1e6
			sp := realisticSpan(r, traceID, root, ts)
			if root == nil {
				root = sp.SpanId
			}
			ss.Spans = append(ss.Spans, sp)
		}
		rs.ScopeSpans = []*tracepb.ScopeSpans{ss}
		req.ResourceSpans = append(req.ResourceSpans, rs)
	}
	return req
}

func realisticSpan(r *rand.Rand, traceID, parent []byte, ts uint64) *tracepb.Span {
	method, route := methods[r.IntN(len(methods))], routes[r.IntN(len(routes))]
	status := []int64{200, 200, 200, 201, 204, 404, 500}[r.IntN(7)]
	kind := tracepb.Span_SPAN_KIND_SERVER
	if parent != nil {
		kind = tracepb.Span_SPAN_KIND_CLIENT
	}
	s := &tracepb.Span{
		TraceId:           traceID,
		SpanId:            randBytes(r, 8),
		ParentSpanId:      parent,
		Flags:             0x101,
		Name:              method + " " + route,
		Kind:              kind,
		StartTimeUnixNano: ts,
		EndTimeUnixNano:   ts + uint64(r.IntN(50e6)),
		Attributes: []*commonpb.KeyValue{
			str("http.request.method", method),
			str("http.route", route),
			integer("http.response.status_code", status),
			str("url.scheme", "https"),
			str("server.address", "shop.example.com"),
			integer("server.port", 443),
			str("client.address", fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256))),
			str("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"),
			str("network.protocol.version", "1.1"),
			{Key: "http.request.body.size", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: int64(r.IntN(4096))}}},
		},
		Status: &tracepb.Status{},
	}
	if status == 500 {
		s.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "internal server error"}
		s.Events = []*tracepb.Span_Event{{
			TimeUnixNano: ts + 1000,
			Name:         "exception",
			Attributes: []*commonpb.KeyValue{
				str("exception.type", "*errors.errorString"),
				str("exception.message", "upstream returned an error: connection reset by peer"),
			},
		}}
	}
	if r.IntN(50) == 0 {
		s.Links = []*tracepb.Span_Link{{TraceId: randBytes(r, 16), SpanId: randBytes(r, 8), Flags: 0x101}}
	}
	return s
}

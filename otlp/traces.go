package otlp

import "github.com/otlp2parquet/otlp2parquet/internal/protowire"

// Traces is one decoded ExportTraceServiceRequest, or several concatenated
// ones, kept flat as Logs keeps logs (see Logs for how strings share memory
// with the input and what Reset keeps).
type Traces struct {
	Resources []ResourceSpans
	Scopes    []ScopeSpans
	Spans     []Span
	Events    []SpanEvent
	Links     []SpanLink
	Common
}

// ResourceSpans is opentelemetry.proto.trace.v1.ResourceSpans with its Resource inlined.
type ResourceSpans struct {
	Resource
	SchemaURL string
	Scopes    Range // into Scopes
}

// ScopeSpans is opentelemetry.proto.trace.v1.ScopeSpans with its InstrumentationScope inlined.
type ScopeSpans struct {
	Scope
	SchemaURL string
	Spans     Range // into Spans
}

// Span is opentelemetry.proto.trace.v1.Span with its Status inlined.
type Span struct {
	TraceID                string // 16 raw bytes, or "" when absent
	SpanID                 string // 8 raw bytes, or "" when absent
	TraceState             string
	ParentSpanID           string // 8 raw bytes, or "" when absent
	Flags                  uint32
	Name                   string
	Kind                   int32 // SpanKind
	StartTimeUnixNano      uint64
	EndTimeUnixNano        uint64
	Attributes             Range // into KeyValues
	DroppedAttributesCount uint32
	Events                 Range // into Events
	DroppedEventsCount     uint32
	Links                  Range // into Links
	DroppedLinksCount      uint32
	StatusMessage          string
	StatusCode             int32 // Status.StatusCode
}

// SpanEvent is opentelemetry.proto.trace.v1.Span.Event.
type SpanEvent struct {
	TimeUnixNano           uint64
	Name                   string
	Attributes             Range // into KeyValues
	DroppedAttributesCount uint32
}

// SpanLink is opentelemetry.proto.trace.v1.Span.Link.
type SpanLink struct {
	TraceID                string // 16 raw bytes, or "" when absent
	SpanID                 string // 8 raw bytes, or "" when absent
	TraceState             string
	Attributes             Range // into KeyValues
	DroppedAttributesCount uint32
	Flags                  uint32
}

// Reset empties t and keeps its memory for the next decode.
func (t *Traces) Reset() {
	t.Resources = t.Resources[:0]
	t.Scopes = t.Scopes[:0]
	t.Spans = t.Spans[:0]
	t.Events = t.Events[:0]
	t.Links = t.Links[:0]
	t.Common.reset()
}

// DecodeTracesProto appends the protobuf ExportTraceServiceRequest (or
// TracesData) in b to t, as DecodeLogsProto does for logs, with the same
// exceptions to what the official decoder accepts (ids of other lengths,
// wrong wire types, singular messages given twice, including a span's
// status). On error t holds a partial result: Reset it.
func (d *Decoder) DecodeTracesProto(t *Traces, b []byte) error {
	d.t, d.c = t, &t.Common
	defer func() {
		d.t = nil
		clear(d.later) // they alias b
		d.later = d.later[:0]
	}()
	return d.protoRequest(b, "resource_spans", d.resourceSpans)
}

// DecodeTracesProto decodes with a fresh Decoder; see Decoder.DecodeTracesProto.
func DecodeTracesProto(t *Traces, b []byte) error {
	var d Decoder
	return d.DecodeTracesProto(t, b)
}

// DecodeTracesJSON appends the OTLP/JSON ExportTraceServiceRequest (or
// TracesData) in b to t, read as DecodeLogsJSON reads logs; span kinds and
// status codes may be given as integers or as their names
// ("SPAN_KIND_SERVER", "STATUS_CODE_ERROR"). On error t holds a partial
// result: Reset it.
func (d *Decoder) DecodeTracesJSON(t *Traces, b []byte) error {
	d.t = t
	return d.jsonInput(&t.Common, b, "json", "resourceSpans", d.jResourceSpans)
}

// DecodeTracesJSON decodes with a fresh Decoder; see Decoder.DecodeTracesJSON.
func DecodeTracesJSON(t *Traces, b []byte) error {
	var d Decoder
	return d.DecodeTracesJSON(t, b)
}

// DecodeTracesJSONLines appends to t each line of b, one OTLP/JSON
// ExportTraceServiceRequest a line, as DecodeLogsJSONLines does for logs.
func (d *Decoder) DecodeTracesJSONLines(t *Traces, b []byte) error {
	d.t = t
	return d.jsonInput(&t.Common, b, "jsonl", "resourceSpans", d.jResourceSpans)
}

// DecodeTracesJSONLines decodes with a fresh Decoder; see Decoder.DecodeTracesJSONLines.
func DecodeTracesJSONLines(t *Traces, b []byte) error {
	var d Decoder
	return d.DecodeTracesJSONLines(t, b)
}

// later is an event or link of the span being decoded (protobuf), decoded
// after the span's attributes so that each list lies contiguous in KeyValues.
type later struct {
	b    []byte
	link bool
}

func (d *Decoder) resourceSpans(b []byte) error {
	r, start := grow(&d.t.Resources), len(d.t.Scopes)
	err := d.group(b, &r.Resource, nil, &r.SchemaURL, "scope_spans", d.scopeSpans)
	r.Scopes = rangeOf(start, len(d.t.Scopes))
	return err
}

func (d *Decoder) scopeSpans(b []byte) error {
	s, start := grow(&d.t.Scopes), len(d.t.Spans)
	err := d.group(b, nil, &s.Scope, &s.SchemaURL, "spans", d.span)
	s.Spans = rangeOf(start, len(d.t.Spans))
	return err
}

func (d *Decoder) span(b []byte) error {
	var s Span
	a := d.startAttrs()
	haveStatus := false
	d.later = d.later[:0]
	for len(b) > 0 {
		num, typ, n, err := d.tag(b)
		if err != nil {
			return err
		}
		var v uint64
		var m []byte
		switch num {
		case 1:
			s.TraceID, b, err = d.id(b, n, typ, "trace_id", 16)
		case 2:
			s.SpanID, b, err = d.id(b, n, typ, "span_id", 8)
		case 3:
			s.TraceState, b, err = d.str(b, n, typ, "trace_state")
		case 4:
			s.ParentSpanID, b, err = d.id(b, n, typ, "parent_span_id", 8)
		case 5:
			s.Name, b, err = d.str(b, n, typ, "name")
		case 6:
			v, b, err = d.varint(b, n, typ, "kind")
			s.Kind = int32(v)
		case 7:
			s.StartTimeUnixNano, b, err = d.fixed64(b, n, typ, "start_time_unix_nano")
		case 8:
			s.EndTimeUnixNano, b, err = d.fixed64(b, n, typ, "end_time_unix_nano")
		case 9:
			b, err = d.attr(b, n, typ, &a)
		case 10, 12, 14:
			name := [...]string{"dropped_attributes_count", "dropped_events_count", "dropped_links_count"}[(num-10)/2]
			v, b, err = d.varint(b, n, typ, name)
			*[...]*uint32{&s.DroppedAttributesCount, &s.DroppedEventsCount, &s.DroppedLinksCount}[(num-10)/2] = uint32(v)
		case 11, 13:
			name := "events"
			if num == 13 {
				name = "links"
			}
			if m, b, err = d.message(b, n, typ, name); err == nil {
				d.later = append(d.later, later{m, num == 13})
			}
		case 15:
			at := b
			if m, b, err = d.message(b, n, typ, "status"); err == nil {
				if err = d.once(&haveStatus, at, "status"); err == nil {
					err = within(d.status(m, &s), "status", -1)
				}
			}
		case 16:
			s.Flags, b, err = d.fixed32(b, n, typ, "flags")
		default:
			b, err = d.skip(b, n, num, typ)
		}
		if err != nil {
			return err
		}
	}
	s.Attributes = d.endAttrs(&a)
	t := d.t
	events, links := len(t.Events), len(t.Links)
	for _, m := range d.later {
		if m.link {
			if err := d.link(m.b); err != nil {
				return within(err, "links", len(t.Links)-links)
			}
		} else if err := d.event(m.b); err != nil {
			return within(err, "events", len(t.Events)-events)
		}
	}
	s.Events, s.Links = rangeOf(events, len(t.Events)), rangeOf(links, len(t.Links))
	t.Spans = append(t.Spans, s)
	return nil
}

// tag reads the field tag at the start of b, which takes n bytes.
func (d *Decoder) tag(b []byte) (num protowire.Number, typ protowire.Type, n int, err error) {
	if num, typ, n = tag1(b); n == 0 {
		num, typ, n = consumeTag(b)
	}
	if n < 0 {
		return 0, 0, 0, d.errAt(b, "field tag: %v", protowire.ParseError(n))
	}
	return num, typ, n, nil
}

// attrField decodes the attribute field whose tag took n bytes of b into kvs.
func (d *Decoder) attrField(b []byte, n int, typ protowire.Type, kvs []KeyValue) ([]byte, []KeyValue, error) {
	v, b, err := d.message(b, n, typ, "attributes")
	if err == nil {
		if kvs, err = d.keyValue(v, kvs, 0); err != nil {
			err = within(err, "attributes", len(kvs))
		}
	}
	return b, kvs, err
}

func (d *Decoder) status(b []byte, s *Span) error {
	for len(b) > 0 {
		num, typ, n, err := d.tag(b)
		if err != nil {
			return err
		}
		var v uint64
		switch num {
		case 2:
			s.StatusMessage, b, err = d.str(b, n, typ, "message")
		case 3:
			v, b, err = d.varint(b, n, typ, "code")
			s.StatusCode = int32(v)
		default:
			b, err = d.skip(b, n, num, typ)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *Decoder) event(b []byte) error {
	var e SpanEvent
	kvs := d.kvs[0][:0]
	for len(b) > 0 {
		num, typ, n, err := d.tag(b)
		if err != nil {
			return err
		}
		var v uint64
		switch num {
		case 1:
			e.TimeUnixNano, b, err = d.fixed64(b, n, typ, "time_unix_nano")
		case 2:
			e.Name, b, err = d.str(b, n, typ, "name")
		case 3:
			b, kvs, err = d.attrField(b, n, typ, kvs)
		case 4:
			v, b, err = d.varint(b, n, typ, "dropped_attributes_count")
			e.DroppedAttributesCount = uint32(v)
		default:
			b, err = d.skip(b, n, num, typ)
		}
		if err != nil {
			return err
		}
	}
	e.Attributes = d.flushKVs(0, kvs)
	d.t.Events = append(d.t.Events, e)
	return nil
}

func (d *Decoder) link(b []byte) error {
	var l SpanLink
	kvs := d.kvs[0][:0]
	for len(b) > 0 {
		num, typ, n, err := d.tag(b)
		if err != nil {
			return err
		}
		var v uint64
		switch num {
		case 1:
			l.TraceID, b, err = d.id(b, n, typ, "trace_id", 16)
		case 2:
			l.SpanID, b, err = d.id(b, n, typ, "span_id", 8)
		case 3:
			l.TraceState, b, err = d.str(b, n, typ, "trace_state")
		case 4:
			b, kvs, err = d.attrField(b, n, typ, kvs)
		case 5:
			v, b, err = d.varint(b, n, typ, "dropped_attributes_count")
			l.DroppedAttributesCount = uint32(v)
		case 6:
			l.Flags, b, err = d.fixed32(b, n, typ, "flags")
		default:
			b, err = d.skip(b, n, num, typ)
		}
		if err != nil {
			return err
		}
	}
	l.Attributes = d.flushKVs(0, kvs)
	d.t.Links = append(d.t.Links, l)
	return nil
}

func (d *Decoder) jResourceSpans() error {
	r, start := grow(&d.t.Resources), len(d.t.Scopes)
	err := d.jgroup(&r.Resource, nil, &r.SchemaURL, "scopeSpans", d.jScopeSpans)
	r.Scopes = rangeOf(start, len(d.t.Scopes))
	return err
}

func (d *Decoder) jScopeSpans() error {
	s, start := grow(&d.t.Scopes), len(d.t.Spans)
	err := d.jgroup(nil, &s.Scope, &s.SchemaURL, "spans", d.jSpan)
	s.Spans = rangeOf(start, len(d.t.Spans))
	return err
}

func (d *Decoder) jSpan() error {
	var s Span
	t := d.t
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		var name string // set for the fields whose errors are named here
		field := func(bit uint32, n string) bool {
			name = n
			more, err = d.jfield(&seen, bit, n)
			return more
		}
		switch k {
		case "traceId", "trace_id":
			if field(1<<0, "traceId") {
				s.TraceID, err = d.jid(16)
			}
		case "spanId", "span_id":
			if field(1<<1, "spanId") {
				s.SpanID, err = d.jid(8)
			}
		case "traceState", "trace_state":
			if field(1<<2, "traceState") {
				s.TraceState, err = d.jstr(true)
			}
		case "parentSpanId", "parent_span_id":
			if field(1<<3, "parentSpanId") {
				s.ParentSpanID, err = d.jid(8)
			}
		case "flags":
			if field(1<<4, "flags") {
				s.Flags, err = d.juint32()
			}
		case "name":
			if field(1<<5, "name") {
				s.Name, err = d.jstr(true)
			}
		case "kind":
			if field(1<<6, "kind") {
				s.Kind, err = d.jenum("SpanKind", spanKindByName)
			}
		case "startTimeUnixNano", "start_time_unix_nano":
			if field(1<<7, "startTimeUnixNano") {
				s.StartTimeUnixNano, err = d.jinteger(64, false)
			}
		case "endTimeUnixNano", "end_time_unix_nano":
			if field(1<<8, "endTimeUnixNano") {
				s.EndTimeUnixNano, err = d.jinteger(64, false)
			}
		case "attributes":
			if field(1<<9, "attributes") {
				name = ""
				s.Attributes, err = d.jAttributes()
			}
		case "droppedAttributesCount", "dropped_attributes_count":
			if field(1<<10, "droppedAttributesCount") {
				s.DroppedAttributesCount, err = d.juint32()
			}
		case "events":
			if field(1<<11, "events") {
				name, s.Events.Start = "", int32(len(t.Events))
				err = d.jarray("events", d.jEvent)
				s.Events.End = int32(len(t.Events))
			}
		case "droppedEventsCount", "dropped_events_count":
			if field(1<<12, "droppedEventsCount") {
				s.DroppedEventsCount, err = d.juint32()
			}
		case "links":
			if field(1<<13, "links") {
				name, s.Links.Start = "", int32(len(t.Links))
				err = d.jarray("links", d.jLink)
				s.Links.End = int32(len(t.Links))
			}
		case "droppedLinksCount", "dropped_links_count":
			if field(1<<14, "droppedLinksCount") {
				s.DroppedLinksCount, err = d.juint32()
			}
		case "status":
			if field(1<<15, "status") {
				err = d.jStatus(&s)
			}
		default:
			err = d.jskip(0)
		}
		if err != nil {
			if more && name != "" { // jfield names its own errors
				err = within(err, name, -1)
			}
			return err
		}
	}
	t.Spans = append(t.Spans, s)
	return nil
}

func (d *Decoder) jStatus(s *Span) error {
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil || !more {
			return err
		}
		switch k {
		case "message":
			if more, err = d.jfield(&seen, 1, k); more {
				s.StatusMessage, err = d.jstr(true)
				err = within(err, k, -1)
			}
		case "code":
			if more, err = d.jfield(&seen, 2, k); more {
				s.StatusCode, err = d.jenum("StatusCode", statusCodeByName)
				err = within(err, k, -1)
			}
		default:
			err = d.jskip(0)
		}
		if err != nil {
			return err
		}
	}
}

func (d *Decoder) jEvent() error {
	var e SpanEvent
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		switch k {
		case "timeUnixNano", "time_unix_nano":
			if more, err = d.jfield(&seen, 1, "timeUnixNano"); more {
				e.TimeUnixNano, err = d.jinteger(64, false)
				err = within(err, "timeUnixNano", -1)
			}
		case "name":
			if more, err = d.jfield(&seen, 2, k); more {
				e.Name, err = d.jstr(true)
				err = within(err, k, -1)
			}
		case "attributes":
			if more, err = d.jfield(&seen, 4, k); more {
				e.Attributes, err = d.jAttributes()
			}
		case "droppedAttributesCount", "dropped_attributes_count":
			err = d.jDropped(&seen, 8, &e.DroppedAttributesCount)
		default:
			err = d.jskip(0)
		}
		if err != nil {
			return err
		}
	}
	d.t.Events = append(d.t.Events, e)
	return nil
}

func (d *Decoder) jLink() error {
	var l SpanLink
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		var name string
		switch k {
		case "traceId", "trace_id":
			name = "traceId"
			if more, err = d.jfield(&seen, 1, name); more {
				l.TraceID, err = d.jid(16)
			}
		case "spanId", "span_id":
			name = "spanId"
			if more, err = d.jfield(&seen, 2, name); more {
				l.SpanID, err = d.jid(8)
			}
		case "traceState", "trace_state":
			name = "traceState"
			if more, err = d.jfield(&seen, 4, name); more {
				l.TraceState, err = d.jstr(true)
			}
		case "attributes":
			if more, err = d.jfield(&seen, 8, k); more {
				l.Attributes, err = d.jAttributes()
			}
		case "droppedAttributesCount", "dropped_attributes_count":
			err = d.jDropped(&seen, 16, &l.DroppedAttributesCount)
		case "flags":
			name = "flags"
			if more, err = d.jfield(&seen, 32, name); more {
				l.Flags, err = d.juint32()
			}
		default:
			err = d.jskip(0)
		}
		if err != nil {
			if more && name != "" {
				err = within(err, name, -1)
			}
			return err
		}
	}
	d.t.Links = append(d.t.Links, l)
	return nil
}

// jDropped reads a droppedAttributesCount field.
func (d *Decoder) jDropped(seen *uint32, bit uint32, out *uint32) error {
	more, err := d.jfield(seen, bit, "droppedAttributesCount")
	if more {
		*out, err = d.juint32()
		err = within(err, "droppedAttributesCount", -1)
	}
	return err
}

// juint32 reads a uint32 field, as a number or a string.
func (d *Decoder) juint32() (uint32, error) {
	v, err := d.jinteger(32, false)
	return uint32(v), err
}

var (
	spanKinds   = []string{"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"}
	statusCodes = []string{"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"}
)

func spanKindByName(s string) (int32, bool)   { return nameIndex(spanKinds, s) }
func statusCodeByName(s string) (int32, bool) { return nameIndex(statusCodes, s) }

func nameIndex(names []string, s string) (int32, bool) {
	for i, n := range names {
		if n == s {
			return int32(i), true
		}
	}
	return 0, false
}

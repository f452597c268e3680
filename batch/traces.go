package batch

import (
	"math"
	"strconv"

	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/pqenc"
)

// TracesSchema is the traces table: the columns of the ClickHouse
// exporter's otel_traces in its order, then what otel_traces lacks of what
// a client sends, so that nothing is dropped. Names match otel_traces, and
// types are mapped as for logs (DateTime64(9) → timestamp ns UTC, Map →
// map<utf8, utf8>, Nested → list of struct).
//
// Type choices:
//   - TraceId, SpanId and ParentSpanId are fixed_size_binary[16], [8] and
//     [8] as the logs' ids are (otel_traces stores hex strings); an absent
//     id is all zeros, so a root span's ParentSpanId is eight zero bytes.
//   - Timestamp is the span's start time as sent (even 0, 1970-01-01: a
//     span has no other time to fall back to). Its hour partitions.
//   - Duration is int64 nanoseconds, end - start. When end < start (a span
//     not ended, or clocks apart) it is negative rather than wrapped as
//     pdata's unsigned subtraction wraps it, so that Timestamp + Duration is
//     always the end time sent. Spans with any time past a signed 64-bit
//     nanosecond timestamp (after 2262) are rejected, as for logs.
//   - SpanKind and StatusCode are the strings the exporter writes (pdata's
//     SpanKind.String and StatusCode.String: "Server", "Ok", ...). A value
//     outside the enums, which pdata writes as "", is its number in base 10.
//   - ScopeVersion is required as in otel_traces ("" when absent), unlike
//     the logs table's nullable one, which follows the seed.
//   - Events is list<struct<Timestamp, Name, Attributes,
//     DroppedAttributesCount>> and Links is list<struct<TraceId, SpanId,
//     TraceState, Attributes, TraceFlags, DroppedAttributesCount>>: DuckDB
//     reads Events[1].Name, ClickHouse maps them to Nested. The lists and
//     their elements are required: no events is an empty list.
//   - TraceFlags (span and link flags: W3C trace flags and the remote-parent
//     bits) and the dropped counts are uint32 as in the proto. The
//     resource's and scope's dropped counts and entity references are not
//     stored, as for logs.
//
// Encoding is as for LogsSchema: repeating strings dictionary encoded,
// timestamps, ids and durations PLAIN.
var TracesSchema = []pqenc.Node{
	timestamp("Timestamp"),
	{Name: "TraceId", Type: pqenc.FixedLenByteArray, Length: 16},
	{Name: "SpanId", Type: pqenc.FixedLenByteArray, Length: 8},
	{Name: "ParentSpanId", Type: pqenc.FixedLenByteArray, Length: 8},
	str("TraceState", pqenc.Required),
	str("SpanName", pqenc.Required),
	str("SpanKind", pqenc.Required),
	str("ServiceName", pqenc.Required),
	mapNode("ResourceAttributes"),
	str("ScopeName", pqenc.Required),
	str("ScopeVersion", pqenc.Required),
	mapNode("SpanAttributes"),
	{Name: "Duration", Type: pqenc.Int64},
	str("StatusCode", pqenc.Required),
	str("StatusMessage", pqenc.Required),
	structListNode("Events",
		timestamp("Timestamp"),
		str("Name", pqenc.Required),
		mapNode("Attributes"),
		uint32Node("DroppedAttributesCount"),
	),
	structListNode("Links",
		pqenc.Node{Name: "TraceId", Type: pqenc.FixedLenByteArray, Length: 16},
		pqenc.Node{Name: "SpanId", Type: pqenc.FixedLenByteArray, Length: 8},
		str("TraceState", pqenc.Required),
		mapNode("Attributes"),
		uint32Node("TraceFlags"),
		uint32Node("DroppedAttributesCount"),
	),
	str("ResourceSchemaUrl", pqenc.Required),
	str("ScopeSchemaUrl", pqenc.Required),
	mapNode("ScopeAttributes"),
	uint32Node("TraceFlags"),
	uint32Node("DroppedAttributesCount"),
	uint32Node("DroppedEventsCount"),
	uint32Node("DroppedLinksCount"),
}

func uint32Node(name string) pqenc.Node {
	return pqenc.Node{Name: name, Type: pqenc.Int32, Logical: pqenc.Uint32}
}

// structListNode is a required list of required structs of the fields.
func structListNode(name string, fields ...pqenc.Node) pqenc.Node {
	return listNode(name, pqenc.Node{Children: fields})
}

var tracesSchema = mustSchema(TracesSchema)

// TracesTable is the parsed TracesSchema.
func TracesTable() *pqenc.Schema { return tracesSchema }

// Traces is the spans of one partition as the columns of TracesSchema.
// Its strings point into the decoded request and into its TracesBuilder:
// both must outlive it.
type Traces struct {
	// Service is the partition's ServiceName, as the client sent it.
	Service string
	// Hour is the partition's hour, in hours since the Unix epoch.
	Hour int64
	// MinTimestamp is the earliest Timestamp in the partition.
	MinTimestamp int64
	Rows         int

	timestamp                   []int64
	traceID, spanID, parentID   []string
	traceState, name, kind      []string
	serviceName                 []string
	resourceAttrs               stringMap
	scopeName, scopeVersion     []string
	spanAttrs                   stringMap
	duration                    []int64
	statusCode, statusMessage   []string
	events                      list
	evTime                      []int64
	evName                      []string
	evAttrs                     stringMap
	evDropped                   []int32
	links                       list
	lnTraceID, lnSpanID         []string
	lnState                     []string
	lnAttrs                     stringMap
	lnFlags, lnDropped          []int32
	resourceSchemaURL           []string
	scopeSchemaURL              []string
	scopeAttrs                  stringMap
	flags                       []int32
	dropAttrs, dropEv, dropLink []int32

	// runs and lastScope: the resource and scope columns hold one row per
	// run of spans from one scope, as in Logs.
	runs      []int32
	lastScope int

	cols []pqenc.ColumnData
}

// list holds the levels that the required leaves of a required list of
// required structs share: one slot for an empty list, else one an element.
type list struct{ rep, def []uint8 }

func (l *list) add(n int) {
	if n == 0 {
		l.rep, l.def = append(l.rep, 0), append(l.def, 0)
		return
	}
	l.rep = appendLevels(l.rep, 0, 1, n)
	l.def = appendLevels(l.def, 1, 1, n)
}

func (l *list) reset() list { return list{l.rep[:0], l.def[:0]} }

func (p *Traces) reset() {
	*p = Traces{
		timestamp: p.timestamp[:0], traceID: p.traceID[:0], spanID: p.spanID[:0], parentID: p.parentID[:0],
		traceState: p.traceState[:0], name: p.name[:0], kind: p.kind[:0], serviceName: p.serviceName[:0],
		resourceAttrs: p.resourceAttrs.reset(), scopeName: p.scopeName[:0], scopeVersion: p.scopeVersion[:0],
		spanAttrs: p.spanAttrs.reset(), duration: p.duration[:0], statusCode: p.statusCode[:0], statusMessage: p.statusMessage[:0],
		events: p.events.reset(), evTime: p.evTime[:0], evName: p.evName[:0], evAttrs: p.evAttrs.reset(), evDropped: p.evDropped[:0],
		links: p.links.reset(), lnTraceID: p.lnTraceID[:0], lnSpanID: p.lnSpanID[:0], lnState: p.lnState[:0],
		lnAttrs: p.lnAttrs.reset(), lnFlags: p.lnFlags[:0], lnDropped: p.lnDropped[:0],
		resourceSchemaURL: p.resourceSchemaURL[:0], scopeSchemaURL: p.scopeSchemaURL[:0], scopeAttrs: p.scopeAttrs.reset(),
		flags: p.flags[:0], dropAttrs: p.dropAttrs[:0], dropEv: p.dropEv[:0], dropLink: p.dropLink[:0],
		runs: p.runs[:0], cols: p.cols[:0],
	}
}

// Columns returns the partition's leaf columns in the order of TracesSchema's leaves.
func (p *Traces) Columns() []pqenc.ColumnData {
	c, runs := p.cols[:0], p.runs
	c = leaf(c, nil, nil, p.timestamp, nil)
	c = leaf(c, nil, nil, p.traceID, nil)
	c = leaf(c, nil, nil, p.spanID, nil)
	c = leaf(c, nil, nil, p.parentID, nil)
	c = leaf(c, nil, nil, p.traceState, nil)
	c = leaf(c, nil, nil, p.name, nil)
	c = leaf(c, nil, nil, p.kind, nil)
	c = leaf(c, nil, nil, p.serviceName, runs)
	c = p.resourceAttrs.columns(c, runs)
	c = leaf(c, nil, nil, p.scopeName, runs)
	c = leaf(c, nil, nil, p.scopeVersion, runs)
	c = p.spanAttrs.columns(c, nil)
	c = leaf(c, nil, nil, p.duration, nil)
	c = leaf(c, nil, nil, p.statusCode, nil)
	c = leaf(c, nil, nil, p.statusMessage, nil)
	ev, ln := &p.events, &p.links
	c = leaf(c, ev.rep, ev.def, p.evTime, nil)
	c = leaf(c, ev.rep, ev.def, p.evName, nil)
	c = p.evAttrs.columns(c, nil)
	c = leaf(c, ev.rep, ev.def, p.evDropped, nil)
	c = leaf(c, ln.rep, ln.def, p.lnTraceID, nil)
	c = leaf(c, ln.rep, ln.def, p.lnSpanID, nil)
	c = leaf(c, ln.rep, ln.def, p.lnState, nil)
	c = p.lnAttrs.columns(c, nil)
	c = leaf(c, ln.rep, ln.def, p.lnFlags, nil)
	c = leaf(c, ln.rep, ln.def, p.lnDropped, nil)
	c = leaf(c, nil, nil, p.resourceSchemaURL, runs)
	c = leaf(c, nil, nil, p.scopeSchemaURL, runs)
	c = p.scopeAttrs.columns(c, runs)
	c = leaf(c, nil, nil, p.flags, nil)
	c = leaf(c, nil, nil, p.dropAttrs, nil)
	c = leaf(c, nil, nil, p.dropEv, nil)
	p.cols = leaf(c, nil, nil, p.dropLink, nil)
	return p.cols
}

// TracesResult is what TracesBuilder.Build made of a request.
type TracesResult struct {
	// Partitions holds one batch per (service, hour), in order of first appearance.
	Partitions []*Traces
	// Rejected counts spans that cannot be stored, Reason says why.
	Rejected int
	Reason   string
}

// TracesBuilder splits decoded traces into partitions and fills their
// columns. Keep one to reuse its memory; it is not safe for concurrent use.
type TracesBuilder struct {
	attrConv
	parts[Traces]
}

// Reset drops the partitions of the last Build. Their memory is reused.
func (b *TracesBuilder) Reset() {
	resetParts(&b.parts)
	b.attrConv.reset()
}

// Build fills partitions from t, by the resource's service.name and the
// hour of each span's start (spans carry their own times: no receive time
// is needed). Spans with a time past a signed 64-bit nanosecond timestamp
// (after the year 2262) are rejected. It resets b first; the partitions are
// valid until the next Build or Reset.
func (b *TracesBuilder) Build(t *otlp.Traces) TracesResult {
	b.Reset()
	var res TracesResult
	b.start(&t.Common, len(t.Resources), func(i int) (otlp.Resource, string) { return t.Resources[i].Resource, t.Resources[i].SchemaURL },
		len(t.Scopes), func(i int) otlp.Range { return t.Scopes[i].Attributes })
	for ri := range t.Resources {
		rs := &t.Resources[ri]
		info := &b.res[ri]
		lastHour, last := int64(math.MinInt64), (*Traces)(nil)
		for si := rs.Scopes.Start; si < rs.Scopes.End; si++ {
			ss := &t.Scopes[si]
			for i := ss.Spans.Start; i < ss.Spans.End; i++ {
				s := &t.Spans[i]
				if field, v := pastSpan(t, s); field != "" {
					if res.Rejected == 0 {
						res.Reason = pastReason("resource_spans", ri, "scope_spans", int(si-rs.Scopes.Start), "spans", int(i-ss.Spans.Start), field, v)
					}
					res.Rejected++
					continue
				}
				hour := int64(s.StartTimeUnixNano) / NanosPerHour
				if hour != lastHour || last == nil {
					p, isNew := b.get(partKey{info.service, hour})
					if isNew {
						p.Service, p.Hour, p.MinTimestamp = info.service, hour, math.MaxInt64
					}
					lastHour, last = hour, p
				}
				b.appendSpan(t, last, s, info, int(si), ss, &b.scopes[si])
			}
		}
	}
	res.Partitions = b.parts.parts[:b.n]
	return res
}

// pastSpan names the first time of s, and gives its value, that is past a
// signed 64-bit nanosecond timestamp; field is "" when there is none.
func pastSpan(t *otlp.Traces, s *otlp.Span) (field string, v uint64) {
	switch {
	case s.StartTimeUnixNano > math.MaxInt64:
		return "start_time_unix_nano", s.StartTimeUnixNano
	case s.EndTimeUnixNano > math.MaxInt64:
		return "end_time_unix_nano", s.EndTimeUnixNano
	}
	for i, e := range t.Events[s.Events.Start:s.Events.End] {
		if e.TimeUnixNano > math.MaxInt64 {
			return "events[" + strconv.Itoa(i) + "].time_unix_nano", e.TimeUnixNano
		}
	}
	return "", 0
}

// RejectedSpans counts the spans Build would reject (times past a signed
// 64-bit nanosecond timestamp) and says why, as Build does, without
// building anything: for checking a request before accepting it.
func RejectedSpans(t *otlp.Traces) (rejected int, reason string) {
	for ri := range t.Resources {
		rs := &t.Resources[ri]
		for si := rs.Scopes.Start; si < rs.Scopes.End; si++ {
			ss := &t.Scopes[si]
			for i := ss.Spans.Start; i < ss.Spans.End; i++ {
				if field, v := pastSpan(t, &t.Spans[i]); field != "" {
					if rejected == 0 {
						reason = pastReason("resource_spans", ri, "scope_spans", int(si-rs.Scopes.Start), "spans", int(i-ss.Spans.Start), field, v)
					}
					rejected++
				}
			}
		}
	}
	return rejected, reason
}

var (
	spanKinds   = [...]string{"Unspecified", "Internal", "Server", "Client", "Producer", "Consumer"}
	statusCodes = [...]string{"Unset", "Ok", "Error"}
)

// enumString is names[v], or v in base 10 outside names.
func (c *converter) enumString(names []string, v int32) string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return c.arena.finish(strconv.AppendInt(c.arena.buf(11), int64(v), 10))
}

func orZero(id, zero string) string {
	if id == "" {
		return zero
	}
	return id
}

func (b *TracesBuilder) appendSpan(t *otlp.Traces, p *Traces, s *otlp.Span, ri *resourceInfo, scope int, ss *otlp.ScopeSpans, sc *scopeInfo) {
	c := &t.Common
	start := int64(s.StartTimeUnixNano)
	p.Rows++
	p.MinTimestamp = min(p.MinTimestamp, start)
	p.timestamp = append(p.timestamp, start)
	p.traceID = append(p.traceID, orZero(s.TraceID, zeroTraceID))
	p.spanID = append(p.spanID, orZero(s.SpanID, zeroSpanID))
	p.parentID = append(p.parentID, orZero(s.ParentSpanID, zeroSpanID))
	p.traceState = append(p.traceState, s.TraceState)
	p.name = append(p.name, s.Name)
	p.kind = append(p.kind, b.conv.enumString(spanKinds[:], s.Kind))
	if p.lastScope == scope+1 {
		p.runs[len(p.runs)-1]++
	} else {
		p.lastScope = scope + 1
		p.runs = append(p.runs, 1)
		p.serviceName = append(p.serviceName, ri.service)
		p.resourceAttrs.add(ri.keys, ri.vals)
		p.scopeName = append(p.scopeName, ss.Name)
		p.scopeVersion = append(p.scopeVersion, ss.Version)
		p.resourceSchemaURL = append(p.resourceSchemaURL, ri.schemaURL)
		p.scopeSchemaURL = append(p.scopeSchemaURL, ss.SchemaURL)
		p.scopeAttrs.add(sc.keys, sc.vals)
	}
	p.spanAttrs.add(b.recordAttrs(c, c.KeyValues[s.Attributes.Start:s.Attributes.End]))
	p.duration = append(p.duration, int64(s.EndTimeUnixNano)-start)
	p.statusCode = append(p.statusCode, b.conv.enumString(statusCodes[:], s.StatusCode))
	p.statusMessage = append(p.statusMessage, s.StatusMessage)

	events := t.Events[s.Events.Start:s.Events.End]
	p.events.add(len(events))
	if len(events) == 0 {
		p.evAttrs.addAt(nil, nil, 0, 0) // no element: the list is empty
	}
	for j, e := range events {
		p.evTime = append(p.evTime, int64(e.TimeUnixNano))
		p.evName = append(p.evName, e.Name)
		keys, vals := b.convert(c, e.Attributes)
		p.evAttrs.addAt(keys, vals, min(uint8(j), 1), 1)
		p.evDropped = append(p.evDropped, int32(e.DroppedAttributesCount))
	}
	links := t.Links[s.Links.Start:s.Links.End]
	p.links.add(len(links))
	if len(links) == 0 {
		p.lnAttrs.addAt(nil, nil, 0, 0)
	}
	for j, l := range links {
		p.lnTraceID = append(p.lnTraceID, orZero(l.TraceID, zeroTraceID))
		p.lnSpanID = append(p.lnSpanID, orZero(l.SpanID, zeroSpanID))
		p.lnState = append(p.lnState, l.TraceState)
		keys, vals := b.convert(c, l.Attributes)
		p.lnAttrs.addAt(keys, vals, min(uint8(j), 1), 1)
		p.lnFlags = append(p.lnFlags, int32(l.Flags))
		p.lnDropped = append(p.lnDropped, int32(l.DroppedAttributesCount))
	}

	p.flags = append(p.flags, int32(s.Flags))
	p.dropAttrs = append(p.dropAttrs, int32(s.DroppedAttributesCount))
	p.dropEv = append(p.dropEv, int32(s.DroppedEventsCount))
	p.dropLink = append(p.dropLink, int32(s.DroppedLinksCount))
}

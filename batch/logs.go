// Package batch turns decoded OTLP data into the columns of the Parquet tables (otel_logs, otel_traces, otel_metrics_*), one batch per (table, service, hour) partition.
package batch

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/pqenc"
)

// Resource attributes copied into their own columns. They also stay in
// ResourceAttributes, as the ClickHouse exporter keeps them, so that nothing
// is lost and queries written for otel_logs work unchanged.
const (
	attrServiceName       = "service.name"
	attrServiceNamespace  = "service.namespace"
	attrServiceInstanceID = "service.instance.id"
)

// UnknownService is the ServiceName of records whose resource has no
// service.name, as OpenTelemetry SDKs name such services.
const UnknownService = "unknown_service"

// NanosPerHour is the width of a partition.
const NanosPerHour = int64(time.Hour)

// Logs is the records of one partition as the columns of LogsSchema.
// Its strings point into the decoded request and into its Builder: both must
// outlive it.
type Logs struct {
	// Service is the partition's ServiceName, as the client sent it.
	Service string
	// Hour is the partition's hour, in hours since the Unix epoch.
	Hour int64
	// MinTimestamp is the earliest Timestamp in the partition.
	MinTimestamp int64
	Rows         int

	timestamp, observed []int64
	traceID, spanID     []string
	flags               []int32
	severityText        []string
	severityNumber      []int32
	body                []string
	serviceName         []string
	serviceNamespace    optional
	serviceInstanceID   optional
	scopeName           []string
	scopeVersion        optional
	resourceAttrs       stringMap
	logAttrs            stringMap
	resourceSchemaURL   []string
	scopeSchemaURL      []string
	scopeAttrs          stringMap
	eventName           []string

	// The columns of a record's resource and scope (service, scope,
	// resource and scope attributes, schema URLs) hold one row per run of
	// records from one scope, and runs says how many records each stands
	// for: pqenc then checks and looks up a resource's attributes once per
	// run, not once per record. lastScope is the scope of the last record
	// appended, plus one.
	runs      []int32
	lastScope int

	cols []pqenc.ColumnData
}

type optional struct {
	def  []uint8
	vals []string
}

func (o *optional) add(s string, ok bool) {
	if ok {
		o.def = append(o.def, 1)
		o.vals = append(o.vals, s)
	} else {
		o.def = append(o.def, 0)
	}
}

// stringMap is a map<utf8, utf8> column: its key and value leaves share
// repetition levels; an entry's key is defined at level 1, its value at 2.
type stringMap struct {
	rep, keyDef, valDef []uint8
	keys, vals          []string
}

// add appends one row's map of the parallel keys and vals. It fills the
// levels in bulk rather than appending slot by slot: maps are most of the
// slots of a row.
func (m *stringMap) add(keys, vals []string) { m.addAt(keys, vals, 0, 0) }

// addAt appends a map that lies depth levels of definition deep (1 inside
// the elements of a list), starting with repetition level rep.
func (m *stringMap) addAt(keys, vals []string, rep, depth uint8) {
	if len(keys) == 0 {
		m.rep = append(m.rep, rep)
		m.keyDef = append(m.keyDef, depth)
		m.valDef = append(m.valDef, depth)
		return
	}
	m.rep = appendLevels(m.rep, rep, depth+1, len(keys))
	m.keyDef = appendLevels(m.keyDef, depth+1, depth+1, len(keys))
	m.valDef = appendLevels(m.valDef, depth+2, depth+2, len(keys))
	m.keys = append(m.keys, keys...)
	m.vals = append(m.vals, vals...)
}

// appendLevels appends n > 0 levels: first, then n-1 times rest.
func appendLevels(lv []uint8, first, rest uint8, n int) []uint8 {
	at := len(lv)
	lv = slices.Grow(lv, n)[:at+n]
	s := lv[at:]
	s[0] = first
	for i := 1; i < len(s); i++ {
		s[i] = rest
	}
	return lv
}

const (
	zeroTraceID = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	zeroSpanID  = "\x00\x00\x00\x00\x00\x00\x00\x00"
)

func (p *Logs) reset() {
	*p = Logs{
		timestamp: p.timestamp[:0], observed: p.observed[:0],
		traceID: p.traceID[:0], spanID: p.spanID[:0], flags: p.flags[:0],
		severityText: p.severityText[:0], severityNumber: p.severityNumber[:0],
		body: p.body[:0], serviceName: p.serviceName[:0],
		serviceNamespace:  optional{p.serviceNamespace.def[:0], p.serviceNamespace.vals[:0]},
		serviceInstanceID: optional{p.serviceInstanceID.def[:0], p.serviceInstanceID.vals[:0]},
		scopeName:         p.scopeName[:0],
		scopeVersion:      optional{p.scopeVersion.def[:0], p.scopeVersion.vals[:0]},
		resourceAttrs:     p.resourceAttrs.reset(), logAttrs: p.logAttrs.reset(),
		resourceSchemaURL: p.resourceSchemaURL[:0], scopeSchemaURL: p.scopeSchemaURL[:0],
		scopeAttrs: p.scopeAttrs.reset(), eventName: p.eventName[:0],
		runs: p.runs[:0], cols: p.cols[:0],
	}
}

func (m *stringMap) reset() stringMap {
	return stringMap{m.rep[:0], m.keyDef[:0], m.valDef[:0], m.keys[:0], m.vals[:0]}
}

// Columns returns the partition's leaf columns in the order of LogsSchema's leaves.
func (p *Logs) Columns() []pqenc.ColumnData {
	c, runs := p.cols[:0], p.runs
	c = leaf(c, nil, nil, p.timestamp, nil)
	c = leaf(c, nil, nil, p.observed, nil)
	c = leaf(c, nil, nil, p.traceID, nil)
	c = leaf(c, nil, nil, p.spanID, nil)
	c = leaf(c, nil, nil, p.flags, nil)
	c = leaf(c, nil, nil, p.severityText, nil)
	c = leaf(c, nil, nil, p.severityNumber, nil)
	c = leaf(c, nil, nil, p.body, nil)
	c = leaf(c, nil, nil, p.serviceName, runs)
	c = leaf(c, nil, p.serviceNamespace.def, p.serviceNamespace.vals, runs)
	c = leaf(c, nil, p.serviceInstanceID.def, p.serviceInstanceID.vals, runs)
	c = leaf(c, nil, nil, p.scopeName, runs)
	c = leaf(c, nil, p.scopeVersion.def, p.scopeVersion.vals, runs)
	c = p.resourceAttrs.columns(c, runs)
	c = p.logAttrs.columns(c, nil)
	c = leaf(c, nil, nil, p.resourceSchemaURL, runs)
	c = leaf(c, nil, nil, p.scopeSchemaURL, runs)
	c = p.scopeAttrs.columns(c, runs)
	p.cols = leaf(c, nil, nil, p.eventName, nil)
	return p.cols
}

// columns appends the map's key and value leaves; runs as in pqenc.ColumnData.
func (m *stringMap) columns(cols []pqenc.ColumnData, runs []int32) []pqenc.ColumnData {
	return leaf(leaf(cols, m.rep, m.keyDef, m.keys, runs), m.rep, m.valDef, m.vals, runs)
}

// Schema is the parsed LogsSchema.
func Schema() *pqenc.Schema { return logsSchema }

// Result is what Build made of a request.
type Result struct {
	// Partitions holds one batch per (service, hour), in order of first appearance.
	Partitions []*Logs
	// Rejected counts records that cannot be stored, Reason says why.
	Rejected int
	Reason   string
}

// Builder splits decoded logs into partitions and fills their columns. Keep
// one to reuse its memory; it is not safe for concurrent use.
type Builder struct {
	attrConv
	parts[Logs]
}

// attrConv converts the attributes of a request: what every signal's
// builder shares.
type attrConv struct {
	conv converter
	// keys and vals are the converted resource and scope attributes, parallel.
	keys, vals []string
	// recKeys and recVals are the current record's converted attributes;
	// recKeys stays for the next record (see recordAttrs).
	recKeys, recVals []string
	last             map[string]int // appendKVsLong's index of each key's last position
	res              []resourceInfo
	scopes           []scopeInfo
}

// parts is the partitions of one Build: all allocated, the first n in use.
type parts[P any] struct {
	parts []*P
	n     int
	index map[partKey]int
}

// get returns the partition of k, and whether it is new (then the caller
// sets its identity).
func (ps *parts[P]) get(k partKey) (*P, bool) {
	if i, ok := ps.index[k]; ok {
		return ps.parts[i], false
	}
	if ps.index == nil {
		ps.index = make(map[partKey]int)
	}
	if ps.n == len(ps.parts) {
		ps.parts = append(ps.parts, new(P))
	}
	p := ps.parts[ps.n]
	ps.index[k] = ps.n
	ps.n++
	return p, true
}

// resetParts empties each partition in use (keeping its memory) and ps.
func resetParts[P any, PP interface {
	*P
	reset()
}](ps *parts[P]) {
	for _, p := range ps.parts[:ps.n] {
		PP(p).reset()
	}
	ps.n = 0
	clear(ps.index)
}

// reset readies b for the next request.
func (b *attrConv) reset() {
	b.keys, b.vals = b.keys[:0], b.vals[:0]
	b.recKeys = b.recKeys[:0] // they point into the last request
	b.conv.arena.reset()
}

// start converts the attributes of the request's resources and scopes.
func (b *attrConv) start(c *otlp.Common, n int, resource func(int) (otlp.Resource, string), scopes int, scope func(int) otlp.Range) {
	b.res = b.res[:0]
	for i := range n {
		r, url := resource(i)
		b.res = append(b.res, b.resource(c, r, url))
	}
	b.scopes = b.scopes[:0]
	for i := range scopes {
		var sc scopeInfo
		sc.keys, sc.vals = b.convert(c, scope(i))
		b.scopes = append(b.scopes, sc)
	}
}

type partKey struct {
	service string
	hour    int64
}

type resourceInfo struct {
	service     string
	namespace   string
	instance    string
	hasNS       bool
	hasInstance bool
	schemaURL   string
	keys, vals  []string // attributes
}

type scopeInfo struct {
	keys, vals []string // attributes
}

// Reset drops the partitions of the last Build. Their memory is reused.
func (b *Builder) Reset() {
	resetParts(&b.parts)
	b.attrConv.reset()
}

// Build fills partitions from l. now is the receive time: records with
// neither time_unix_nano nor observed_time_unix_nano are stamped with it, and
// an observed time of zero becomes it. Records whose times do not fit a
// signed 64-bit nanosecond timestamp (after the year 2262) are rejected.
// It resets b first; the returned partitions are valid until the next Build or Reset.
func (b *Builder) Build(l *otlp.Logs, now time.Time) Result {
	b.Reset()
	var res Result
	nowNanos := now.UnixNano()
	b.start(&l.Common, len(l.Resources), func(i int) (otlp.Resource, string) { return l.Resources[i].Resource, l.Resources[i].SchemaURL },
		len(l.Scopes), func(i int) otlp.Range { return l.Scopes[i].Attributes })

	for rIndex := range l.Resources {
		rl := &l.Resources[rIndex]
		ri := &b.res[rIndex]
		lastHour, lastPart := int64(math.MinInt64), (*Logs)(nil)
		for si := rl.Scopes.Start; si < rl.Scopes.End; si++ {
			sl := &l.Scopes[si]
			sc := &b.scopes[si]
			for i := sl.Records.Start; i < sl.Records.End; i++ {
				r := &l.Records[i]
				ts, observed := r.TimeUnixNano, r.ObservedTimeUnixNano
				if ts > math.MaxInt64 || observed > math.MaxInt64 {
					if res.Rejected == 0 {
						field, v := "time_unix_nano", ts
						if ts <= math.MaxInt64 {
							field, v = "observed_time_unix_nano", observed
						}
						res.Reason = pastReason("resource_logs", rIndex, "scope_logs", int(si-rl.Scopes.Start), "log_records", int(i-sl.Records.Start), field, v)
					}
					res.Rejected++
					continue
				}
				if observed == 0 {
					observed = uint64(nowNanos)
				}
				if ts == 0 {
					ts = observed
				}
				hour := int64(ts) / NanosPerHour
				p := lastPart
				if hour != lastHour || p == nil {
					p = b.partition(ri.service, hour)
					lastHour, lastPart = hour, p
				}
				b.appendRecord(l, p, r, int64(ts), int64(observed), ri, int(si), sl, sc)
			}
		}
	}
	res.Partitions = b.parts.parts[:b.n]
	return res
}

func (b *Builder) partition(service string, hour int64) *Logs {
	p, isNew := b.get(partKey{service, hour})
	if isNew {
		p.Service, p.Hour, p.MinTimestamp = service, hour, math.MaxInt64
	}
	return p
}

// pastReason says why the first rejected item of a request, at
// top[i].mid[j].item[k], was rejected: its time field is v.
func pastReason(top string, i int, mid string, j int, item string, k int, field string, v uint64) string {
	return top + "[" + strconv.Itoa(i) + "]." + mid + "[" + strconv.Itoa(j) + "]." + item + "[" + strconv.Itoa(k) +
		"] (the first of them): " + field + " " + strconv.FormatUint(v, 10) + " is after the year 2262, past a signed 64-bit nanosecond timestamp"
}

func (b *attrConv) resource(c *otlp.Common, r otlp.Resource, schemaURL string) resourceInfo {
	info := resourceInfo{service: UnknownService, schemaURL: schemaURL}
	info.keys, info.vals = b.convert(c, r.Attributes)
	for i, k := range info.keys {
		switch k {
		case attrServiceName:
			info.service = info.vals[i]
		case attrServiceNamespace:
			info.namespace, info.hasNS = info.vals[i], true
		case attrServiceInstanceID:
			info.instance, info.hasInstance = info.vals[i], true
		}
	}
	return info
}

// convert renders an attribute list as parallel keys and values that live
// until the next Build.
func (b *attrConv) convert(l *otlp.Common, r otlp.Range) (keys, vals []string) {
	start := len(b.keys)
	b.keys, b.vals = b.appendKVs(b.keys, b.vals, l, l.KeyValues[r.Start:r.End])
	end := len(b.keys)
	return b.keys[start:end:end], b.vals[start:end:end]
}

// recordAttrs converts a record's attributes into scratch space: they are
// used once. Records mostly carry the same keys in the same order as the
// record before (they come from the same logging call): then the previous
// record's key strings are used again. They are known to hold no duplicate,
// which spares the duplicate check, and the encoder's dictionary recognizes
// the very same strings by their address, without comparing bytes.
func (b *attrConv) recordAttrs(l *otlp.Common, kvs []otlp.KeyValue) (keys, vals []string) {
	b.recVals = b.recVals[:0]
	if len(kvs) == len(b.recKeys) && sameKeys(kvs, b.recKeys) {
		for i := range kvs {
			v := &kvs[i].Value
			s := v.Str // most values are strings: spare the call
			if v.Kind != otlp.KindString {
				s = b.conv.AsString(l, *v)
			}
			b.recVals = append(b.recVals, s)
		}
		return b.recKeys, b.recVals
	}
	b.recKeys, b.recVals = b.appendKVs(b.recKeys[:0], b.recVals, l, kvs)
	return b.recKeys, b.recVals
}

func sameKeys(kvs []otlp.KeyValue, keys []string) bool {
	for i := range kvs {
		if kvs[i].Key != keys[i] {
			return false
		}
	}
	return true
}

// appendKVs renders kvs as strings. When a key repeats (which OpenTelemetry
// forbids), the last value is kept, as the Collector's pdata does, because
// Parquet readers such as DuckDB reject maps with duplicate keys.
func (b *attrConv) appendKVs(keys, vals []string, l *otlp.Common, kvs []otlp.KeyValue) ([]string, []string) {
	if len(kvs) > 16 {
		return b.appendKVsLong(keys, vals, l, kvs)
	}
	for i := range kvs {
		if hasLaterKey(kvs, i) {
			continue
		}
		keys = append(keys, kvs[i].Key)
		vals = append(vals, b.conv.AsString(l, kvs[i].Value))
	}
	return keys, vals
}

func hasLaterKey(kvs []otlp.KeyValue, i int) bool {
	k := kvs[i].Key
	for j := i + 1; j < len(kvs); j++ {
		if kvs[j].Key == k {
			return true
		}
	}
	return false
}

// appendKVsLong is appendKVs for long lists, where comparing every pair
// of keys would cost too much.
func (b *attrConv) appendKVsLong(keys, vals []string, l *otlp.Common, kvs []otlp.KeyValue) ([]string, []string) {
	if b.last == nil {
		b.last = make(map[string]int, len(kvs))
	}
	clear(b.last)
	for i := range kvs {
		b.last[kvs[i].Key] = i
	}
	for i := range kvs {
		if b.last[kvs[i].Key] != i {
			continue
		}
		keys = append(keys, kvs[i].Key)
		vals = append(vals, b.conv.AsString(l, kvs[i].Value))
	}
	return keys, vals
}

func (b *Builder) appendRecord(l *otlp.Logs, p *Logs, r *otlp.LogRecord, ts, observed int64, ri *resourceInfo, scope int, sl *otlp.ScopeLogs, sc *scopeInfo) {
	p.Rows++
	p.MinTimestamp = min(p.MinTimestamp, ts)
	p.timestamp = append(p.timestamp, ts)
	p.observed = append(p.observed, observed)
	traceID, spanID := r.TraceID, r.SpanID
	if traceID == "" {
		traceID = zeroTraceID
	}
	if spanID == "" {
		spanID = zeroSpanID
	}
	p.traceID = append(p.traceID, traceID)
	p.spanID = append(p.spanID, spanID)
	p.flags = append(p.flags, int32(r.Flags))
	p.severityText = append(p.severityText, r.SeverityText)
	p.severityNumber = append(p.severityNumber, r.SeverityNumber)
	p.body = append(p.body, b.conv.AsString(&l.Common, r.Body))
	p.logAttrs.add(b.recordAttrs(&l.Common, l.KeyValues[r.Attributes.Start:r.Attributes.End]))
	p.eventName = append(p.eventName, r.EventName)
	if p.lastScope == scope+1 {
		p.runs[len(p.runs)-1]++
		return
	}
	p.lastScope = scope + 1
	p.runs = append(p.runs, 1)
	p.serviceName = append(p.serviceName, ri.service)
	p.serviceNamespace.add(ri.namespace, ri.hasNS)
	p.serviceInstanceID.add(ri.instance, ri.hasInstance)
	p.scopeName = append(p.scopeName, sl.Name)
	// proto3 cannot tell an empty version from none: both are null.
	p.scopeVersion.add(sl.Version, sl.Version != "")
	p.resourceAttrs.add(ri.keys, ri.vals)
	p.resourceSchemaURL = append(p.resourceSchemaURL, ri.schemaURL)
	p.scopeSchemaURL = append(p.scopeSchemaURL, sl.SchemaURL)
	p.scopeAttrs.add(sc.keys, sc.vals)
}

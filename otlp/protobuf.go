package otlp

import (
	"encoding/binary"
	"math"
	"slices"
	"unicode/utf8"
	"unsafe"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
	"github.com/otlp2parquet/otlp2parquet/internal/protowire"
)

// MaxDepth caps how deeply AnyValue arrays and kvlists may nest. Real telemetry
// stays within a handful of levels; the cap keeps hostile input from using
// unbounded stack.
const MaxDepth = 64

// Decoder decodes OTLP requests. Its zero value is ready to use; keeping one
// around reuses its scratch memory. A Decoder is not safe for concurrent use.
type Decoder struct {
	l      *Logs    // the logs being decoded, when they are
	t      *Traces  // the traces being decoded, when they are
	m      *Metrics // the metrics being decoded, when they are
	c      *Common  // the request's shared lists, whatever its signal
	base   uintptr  // address of the input's first byte, for error offsets
	format string
	kvs    [MaxDepth + 1][]KeyValue // per-depth lists being collected
	vals   [MaxDepth + 1][]Value
	// mkvs are the lists of a metric's metadata and of an exemplar's
	// filtered attributes, collected while the lists around them are.
	mkvs [2][]KeyValue
	sub  point // the exemplar, buckets or quantile being decoded (metrics)
	// recKeys holds, by position, the attribute keys of the records decoded
	// so far (protobuf): see logRecord.
	recKeys []string
	later   []later // traces (protobuf): see span
	jsonState
}

// DecodeLogsProto appends the protobuf ExportLogsServiceRequest (or LogsData:
// the two share a wire format) in b to l. The strings in l alias b.
//
// It accepts what the official protobuf decoder accepts, except that it
// rejects, with an *Error, input that cannot be stored faithfully: trace and
// span ids that are neither empty nor 16 and 8 bytes long, known fields with
// the wrong wire type, a singular message field given twice (protobuf would
// merge the two), an AnyValue holding both an array and a kvlist, and
// AnyValues nested deeper than MaxDepth. Official encoders produce none of these. On error l holds a partial result: Reset it.
func (d *Decoder) DecodeLogsProto(l *Logs, b []byte) error {
	d.l, d.c = l, &l.Common
	defer func() { d.l = nil }()
	return d.protoRequest(b, "resource_logs", d.resourceLogs)
}

// DecodeLogsProto decodes with a fresh Decoder; see Decoder.DecodeLogsProto.
func DecodeLogsProto(l *Logs, b []byte) error {
	var d Decoder
	return d.DecodeLogsProto(l, b)
}

// protoRequest decodes the request in b, whose field 1 is the repeated
// resource list called name, with resource decoding each element.
func (d *Decoder) protoRequest(b []byte, name string, resource func([]byte) error) error {
	d.format = "protobuf"
	d.base = 0
	if len(b) > 0 {
		d.base = uintptr(unsafe.Pointer(&b[0]))
	}
	defer func() {
		d.c = nil
		clear(d.recKeys) // they alias b
		d.recKeys = d.recKeys[:0]
	}()
	i := 0
	for len(b) > 0 {
		num, typ, n := tag1(b)
		if n == 0 {
			num, typ, n = consumeTag(b)
		}
		if n < 0 {
			return d.errAt(b, "field tag: %v", protowire.ParseError(n))
		}
		if num == 1 {
			v, rest, err := d.message(b, n, typ, name)
			if err != nil {
				return err
			}
			if err := resource(v); err != nil {
				return within(err, name, i)
			}
			i++
			b = rest
			continue
		}
		rest, err := d.skip(b, n, num, typ)
		if err != nil {
			return err
		}
		b = rest
	}
	return nil
}

func (d *Decoder) errAt(at []byte, format string, args ...any) *Error {
	off := -1
	if d.base != 0 {
		if len(at) > 0 {
			off = int(uintptr(unsafe.Pointer(&at[0])) - d.base)
		}
	}
	return &Error{Format: d.format, Offset: off, Msg: fmtlite.Sprintf(format, args...)}
}

// The decoding loops take their common cases inline (Go does not inline the
// general functions below, and calls dominate the cost of decoding): tags of
// fields 1 to 15 take one byte (tag1), and most strings and nested messages
// are shorter than 128 bytes, so their length takes one byte (bytes1). The
// general functions handle everything else, including every error, so the
// fast paths never change what is accepted or how it is reported.

// tag1 decodes a one-byte tag; n is 0 when the tag is not one (then call consumeTag).
func tag1(b []byte) (num protowire.Number, typ protowire.Type, n int) {
	if len(b) > 0 && b[0] >= 1<<3 && b[0] < 0x80 {
		return protowire.Number(b[0] >> 3), protowire.Type(b[0] & 7), 1
	}
	return 0, 0, 0
}

// bytes1 reads a length-delimited field whose tag took n bytes of b when its
// length takes one byte; ok is false otherwise (then call message).
func bytes1(b []byte, n int, typ protowire.Type) (v, rest []byte, ok bool) {
	if typ == protowire.BytesType && n < len(b) {
		if m := int(b[n]); m < 0x80 && m < len(b)-n {
			return b[n+1 : n+1+m], b[n+1+m:], true
		}
	}
	return nil, nil, false
}

// asciiShort reports whether b is at most 16 bytes, all ASCII (most keys
// and values), checked inline with two overlapping loads; callers fall back
// to validUTF8.
func asciiShort(b []byte) bool {
	switch n := len(b); {
	case n >= 8:
		return n <= 16 && (binary.LittleEndian.Uint64(b)|binary.LittleEndian.Uint64(b[n-8:]))&0x8080808080808080 == 0
	case n >= 4:
		return (binary.LittleEndian.Uint32(b)|binary.LittleEndian.Uint32(b[n-4:]))&0x80808080 == 0
	case n > 0:
		return (b[0]|b[n>>1]|b[n-1])&0x80 == 0
	}
	return true
}

// validUTF8 is utf8.Valid, first trying whether b is all ASCII sixteen
// bytes a step, twice utf8.Valid's ASCII stride.
func validUTF8(b []byte) bool {
	if len(b) < 8 {
		return utf8.Valid(b)
	}
	var x uint64
	i := 0
	for ; i+16 <= len(b); i += 16 {
		x |= binary.LittleEndian.Uint64(b[i:]) | binary.LittleEndian.Uint64(b[i+8:])
	}
	if i+8 <= len(b) {
		x |= binary.LittleEndian.Uint64(b[i:])
	}
	return (x|binary.LittleEndian.Uint64(b[len(b)-8:]))&0x8080808080808080 == 0 || utf8.Valid(b)
}

// consumeTag is protowire.ConsumeTag that also rejects field numbers past
// protowire.MaxValidNumber, as the official decoder does.
func consumeTag(b []byte) (protowire.Number, protowire.Type, int) {
	num, typ, n := protowire.ConsumeTag(b)
	if n >= 0 && num > protowire.MaxValidNumber {
		return 0, 0, -2 // protowire's code for an invalid field number
	}
	return num, typ, n
}

// message reads a length-delimited field whose tag took n bytes of b.
func (d *Decoder) message(b []byte, n int, typ protowire.Type, name string) (v, rest []byte, err error) {
	if v, rest, ok := bytes1(b, n, typ); ok {
		return v, rest, nil
	}
	if typ != protowire.BytesType {
		return nil, nil, within(d.errAt(b, "wire type %d, want 2 (length-delimited)", int(typ)), name, -1)
	}
	v, m := protowire.ConsumeBytes(b[n:])
	if m < 0 {
		return nil, nil, within(d.errAt(b, "%v", protowire.ParseError(m)), name, -1)
	}
	return v, b[n+m:], nil
}

func (d *Decoder) str(b []byte, n int, typ protowire.Type, name string) (string, []byte, error) {
	v, rest, err := d.message(b, n, typ, name)
	if err != nil {
		return "", nil, err
	}
	if !asciiShort(v) && !validUTF8(v) {
		return "", nil, within(d.errAt(b, "string is not valid UTF-8"), name, -1)
	}
	return unsafeString(v), rest, nil
}

func (d *Decoder) varint(b []byte, n int, typ protowire.Type, name string) (uint64, []byte, error) {
	if typ == protowire.VarintType && n < len(b) && b[n] < 0x80 {
		return uint64(b[n]), b[n+1:], nil
	}
	if typ != protowire.VarintType {
		return 0, nil, within(d.errAt(b, "wire type %d, want 0 (varint)", int(typ)), name, -1)
	}
	v, m := protowire.ConsumeVarint(b[n:])
	if m < 0 {
		return 0, nil, within(d.errAt(b, "%v", protowire.ParseError(m)), name, -1)
	}
	return v, b[n+m:], nil
}

func (d *Decoder) fixed64(b []byte, n int, typ protowire.Type, name string) (uint64, []byte, error) {
	if typ == protowire.Fixed64Type && len(b)-n >= 8 {
		return binary.LittleEndian.Uint64(b[n:]), b[n+8:], nil
	}
	if typ != protowire.Fixed64Type {
		return 0, nil, within(d.errAt(b, "wire type %d, want 1 (64-bit)", int(typ)), name, -1)
	}
	v, m := protowire.ConsumeFixed64(b[n:])
	if m < 0 {
		return 0, nil, within(d.errAt(b, "%v", protowire.ParseError(m)), name, -1)
	}
	return v, b[n+m:], nil
}

func (d *Decoder) fixed32(b []byte, n int, typ protowire.Type, name string) (uint32, []byte, error) {
	if typ == protowire.Fixed32Type && len(b)-n >= 4 {
		return binary.LittleEndian.Uint32(b[n:]), b[n+4:], nil
	}
	if typ != protowire.Fixed32Type {
		return 0, nil, within(d.errAt(b, "wire type %d, want 5 (32-bit)", int(typ)), name, -1)
	}
	v, m := protowire.ConsumeFixed32(b[n:])
	if m < 0 {
		return 0, nil, within(d.errAt(b, "%v", protowire.ParseError(m)), name, -1)
	}
	return v, b[n+m:], nil
}

// skip steps over a field this decoder does not know, as protobuf requires.
func (d *Decoder) skip(b []byte, n int, num protowire.Number, typ protowire.Type) ([]byte, error) {
	m := protowire.ConsumeFieldValue(num, typ, b[n:])
	if m < 0 {
		return nil, d.errAt(b, "unknown field %d: %v", int(num), protowire.ParseError(m))
	}
	return b[n+m:], nil
}

func (d *Decoder) resourceLogs(b []byte) error {
	r, start := grow(&d.l.Resources), len(d.l.Scopes)
	err := d.group(b, &r.Resource, nil, &r.SchemaURL, "scope_logs", d.scopeLogs)
	r.Scopes = rangeOf(start, len(d.l.Scopes))
	return err
}

// grow appends a zero element to *s and returns it.
func grow[T any](s *[]T) *T {
	*s = append(*s, *new(T))
	return &(*s)[len(*s)-1]
}

func rangeOf(start, end int) Range { return Range{int32(start), int32(end)} }

// group decodes the shape that ResourceLogs and ScopeLogs, and their twins
// for the other signals, share: a singular message in field 1 (the Resource
// when res is set, otherwise the InstrumentationScope sc), the repeated
// children called name in field 2, each decoded by child, and schema_url in
// field 3.
func (d *Decoder) group(b []byte, res *Resource, sc *Scope, schemaURL *string, name string, child func([]byte) error) error {
	head := "scope"
	if res != nil {
		head = "resource"
	}
	haveHead := false
	i := 0
	for len(b) > 0 {
		num, typ, n := tag1(b)
		if n == 0 {
			num, typ, n = consumeTag(b)
		}
		if n < 0 {
			return d.errAt(b, "field tag: %v", protowire.ParseError(n))
		}
		var err error
		var v []byte
		switch num {
		case 1:
			at := b
			if v, b, err = d.message(b, n, typ, head); err != nil {
				return err
			}
			if err = d.once(&haveHead, at, head); err != nil {
				return err
			}
			if res != nil {
				err = d.resource(v, res)
			} else {
				err = d.scope(v, sc)
			}
			if err != nil {
				return within(err, head, -1)
			}
		case 2:
			if v, b, err = d.message(b, n, typ, name); err != nil {
				return err
			}
			if err = child(v); err != nil {
				return within(err, name, i)
			}
			i++
		case 3:
			if *schemaURL, b, err = d.str(b, n, typ, "schema_url"); err != nil {
				return err
			}
		default:
			if b, err = d.skip(b, n, num, typ); err != nil {
				return err
			}
		}
	}
	return nil
}

// once checks that the singular message field name, found at at, was not
// given before, and marks it given.
func (d *Decoder) once(given *bool, at []byte, name string) error {
	if *given {
		return within(d.errAt(at, "%s given twice", name), name, -1)
	}
	*given = true
	return nil
}

func (d *Decoder) resource(b []byte, r *Resource) error {
	l := d.c
	kvs := d.kvs[0][:0]
	entStart := int32(len(l.EntityRefs))
	for len(b) > 0 {
		num, typ, n := tag1(b)
		if n == 0 {
			num, typ, n = consumeTag(b)
		}
		if n < 0 {
			return d.errAt(b, "field tag: %v", protowire.ParseError(n))
		}
		var err error
		switch num {
		case 1:
			var v []byte
			if v, b, err = d.message(b, n, typ, "attributes"); err != nil {
				return err
			}
			if kvs, err = d.keyValue(v, kvs, 0); err != nil {
				return within(err, "attributes", len(kvs))
			}
		case 2:
			var v uint64
			if v, b, err = d.varint(b, n, typ, "dropped_attributes_count"); err != nil {
				return err
			}
			r.DroppedAttributesCount = uint32(v)
		case 3:
			var v []byte
			if v, b, err = d.message(b, n, typ, "entity_refs"); err != nil {
				return err
			}
			if err = d.entityRef(v); err != nil {
				return within(err, "entity_refs", len(l.EntityRefs)-int(entStart))
			}
		default:
			if b, err = d.skip(b, n, num, typ); err != nil {
				return err
			}
		}
	}
	r.Attributes = d.flushKVs(0, kvs)
	r.EntityRefs = Range{entStart, int32(len(l.EntityRefs))}
	return nil
}

func (d *Decoder) entityRef(b []byte) error {
	var e EntityRef
	// id_keys and description_keys may interleave; collect both, then lay them out.
	var ids, descs []string
	for len(b) > 0 {
		num, typ, n := tag1(b)
		if n == 0 {
			num, typ, n = consumeTag(b)
		}
		if n < 0 {
			return d.errAt(b, "field tag: %v", protowire.ParseError(n))
		}
		var err error
		var s string
		switch num {
		case 1:
			if e.SchemaURL, b, err = d.str(b, n, typ, "schema_url"); err != nil {
				return err
			}
		case 2:
			if e.Type, b, err = d.str(b, n, typ, "type"); err != nil {
				return err
			}
		case 3:
			if s, b, err = d.str(b, n, typ, "id_keys"); err != nil {
				return err
			}
			ids = append(ids, s)
		case 4:
			if s, b, err = d.str(b, n, typ, "description_keys"); err != nil {
				return err
			}
			descs = append(descs, s)
		default:
			if b, err = d.skip(b, n, num, typ); err != nil {
				return err
			}
		}
	}
	l := d.c
	e.IDKeys.Start = int32(len(l.Strings))
	l.Strings = append(l.Strings, ids...)
	e.IDKeys.End = int32(len(l.Strings))
	e.DescriptionKeys.Start = e.IDKeys.End
	l.Strings = append(l.Strings, descs...)
	e.DescriptionKeys.End = int32(len(l.Strings))
	l.EntityRefs = append(l.EntityRefs, e)
	return nil
}

func (d *Decoder) scopeLogs(b []byte) error {
	s, start := grow(&d.l.Scopes), len(d.l.Records)
	err := d.group(b, nil, &s.Scope, &s.SchemaURL, "log_records", d.logRecord)
	s.Records = rangeOf(start, len(d.l.Records))
	return err
}

func (d *Decoder) scope(b []byte, s *Scope) error {
	kvs := d.kvs[0][:0]
	for len(b) > 0 {
		num, typ, n := tag1(b)
		if n == 0 {
			num, typ, n = consumeTag(b)
		}
		if n < 0 {
			return d.errAt(b, "field tag: %v", protowire.ParseError(n))
		}
		var err error
		switch num {
		case 1:
			if s.Name, b, err = d.str(b, n, typ, "name"); err != nil {
				return err
			}
		case 2:
			if s.Version, b, err = d.str(b, n, typ, "version"); err != nil {
				return err
			}
		case 3:
			var v []byte
			if v, b, err = d.message(b, n, typ, "attributes"); err != nil {
				return err
			}
			if kvs, err = d.keyValue(v, kvs, 0); err != nil {
				return within(err, "attributes", len(kvs))
			}
		case 4:
			var v uint64
			if v, b, err = d.varint(b, n, typ, "dropped_attributes_count"); err != nil {
				return err
			}
			s.DroppedAttributesCount = uint32(v)
		default:
			if b, err = d.skip(b, n, num, typ); err != nil {
				return err
			}
		}
	}
	s.Attributes = d.flushKVs(0, kvs)
	return nil
}

func (d *Decoder) logRecord(b []byte) error {
	var r LogRecord
	a := d.startAttrs()
	haveBody := false
	for len(b) > 0 {
		num, typ, n := tag1(b)
		if n == 0 {
			num, typ, n = consumeTag(b)
		}
		if n < 0 {
			return d.errAt(b, "field tag: %v", protowire.ParseError(n))
		}
		var err error
		var v uint64
		switch num {
		case 1:
			if r.TimeUnixNano, b, err = d.fixed64(b, n, typ, "time_unix_nano"); err != nil {
				return err
			}
		case 2:
			if v, b, err = d.varint(b, n, typ, "severity_number"); err != nil {
				return err
			}
			r.SeverityNumber = int32(v)
		case 3:
			if r.SeverityText, b, err = d.str(b, n, typ, "severity_text"); err != nil {
				return err
			}
		case 5:
			var m []byte
			at := b
			if m, b, err = d.message(b, n, typ, "body"); err != nil {
				return err
			}
			if haveBody {
				return within(d.errAt(at, "body given twice"), "body", -1)
			}
			haveBody = true
			if scalarValue(m, &r.Body) {
				break
			}
			if a.direct >= 0 {
				d.attrsToScratch(&a)
			}
			if err = d.anyValue(m, &r.Body, 0); err != nil {
				return within(err, "body", -1)
			}
		case 6:
			if b, err = d.attr(b, n, typ, &a); err != nil {
				return err
			}
		case 7:
			if v, b, err = d.varint(b, n, typ, "dropped_attributes_count"); err != nil {
				return err
			}
			r.DroppedAttributesCount = uint32(v)
		case 8:
			if r.Flags, b, err = d.fixed32(b, n, typ, "flags"); err != nil {
				return err
			}
		case 9:
			if r.TraceID, b, err = d.id(b, n, typ, "trace_id", 16); err != nil {
				return err
			}
		case 10:
			if r.SpanID, b, err = d.id(b, n, typ, "span_id", 8); err != nil {
				return err
			}
		case 11:
			if r.ObservedTimeUnixNano, b, err = d.fixed64(b, n, typ, "observed_time_unix_nano"); err != nil {
				return err
			}
		case 12:
			if r.EventName, b, err = d.str(b, n, typ, "event_name"); err != nil {
				return err
			}
		default:
			if b, err = d.skip(b, n, num, typ); err != nil {
				return err
			}
		}
	}
	r.Attributes = d.endAttrs(&a)
	d.l.Records = append(d.l.Records, r)
	return nil
}

// attrs collects the attributes of an item (a log record, a span) in
// protobuf. Attributes in scalarKV's form go straight to c.KeyValues, from
// direct on, rather than through the scratch list kvs and a copy. Only
// nested values (kvlists, and arrays holding them) would put entries of
// their own amid them: before decoding anything that may hold some (a
// body, another attribute), the attributes move to kvs, and the decoding
// continues there as for any list.
type attrs struct {
	direct  int // start of the attributes in c.KeyValues, if there; -1 otherwise
	scratch bool
	kvs     []KeyValue
}

func (d *Decoder) startAttrs() attrs { return attrs{direct: -1, kvs: d.kvs[0][:0]} }

// attr decodes the attribute field whose tag took n bytes of b.
func (d *Decoder) attr(b []byte, n int, typ protowire.Type, a *attrs) ([]byte, error) {
	m, rest, ok := bytes1(b, n, typ)
	var err error
	if ok {
		b = rest
	} else if m, b, err = d.message(b, n, typ, "attributes"); err != nil {
		return nil, err
	}
	if !a.scratch {
		c := d.c
		i := len(c.KeyValues)
		if i == cap(c.KeyValues) {
			c.KeyValues = slices.Grow(c.KeyValues, 1)
		}
		j := 0 // the attribute's position in the item
		if a.direct >= 0 {
			j = i - a.direct
		}
		var prev string
		if j < len(d.recKeys) {
			prev = d.recKeys[j]
		}
		if c.KeyValues = c.KeyValues[:i+1]; scalarKV(m, &c.KeyValues[i], prev) {
			if a.direct < 0 {
				a.direct = i
			}
			if k := c.KeyValues[i].Key; unsafe.StringData(k) != unsafe.StringData(prev) || len(k) != len(prev) {
				d.shareKey(&c.KeyValues[i].Key, j)
			}
			return b, nil
		}
		c.KeyValues = c.KeyValues[:i]
		d.attrsToScratch(a)
	}
	if a.kvs, err = d.keyValue(m, a.kvs, 0); err != nil {
		return nil, within(err, "attributes", len(a.kvs))
	}
	d.shareKey(&a.kvs[len(a.kvs)-1].Key, len(a.kvs)-1)
	return b, nil
}

// attrsToScratch moves the attributes decoded so far from c.KeyValues (when
// there) to a.kvs, where the decoding continues.
func (d *Decoder) attrsToScratch(a *attrs) {
	if a.direct >= 0 {
		a.kvs = append(a.kvs, d.c.KeyValues[a.direct:]...)
		d.c.KeyValues = d.c.KeyValues[:a.direct]
		a.direct = -1
	}
	a.scratch = true
}

func (d *Decoder) endAttrs(a *attrs) Range {
	if a.direct >= 0 {
		return rangeOf(a.direct, len(d.c.KeyValues))
	}
	return d.flushKVs(0, a.kvs)
}

// shareKey gives the key of a record's i-th attribute the string of the
// record before when the two are equal. Records mostly repeat the keys of
// the record before, in order: so one key is one string throughout, and
// batch and pqenc find keys equal by their address without reading their
// bytes again.
func (d *Decoder) shareKey(key *string, i int) {
	if i < len(d.recKeys) {
		if k := d.recKeys[i]; *key == k {
			*key = k
		} else {
			d.recKeys[i] = *key
		}
	} else {
		d.recKeys = append(d.recKeys, *key)
	}
}

func (d *Decoder) id(b []byte, n int, typ protowire.Type, name string, size int) (string, []byte, error) {
	v, rest, err := d.message(b, n, typ, name)
	if err != nil {
		return "", nil, err
	}
	if len(v) != 0 && len(v) != size {
		return "", nil, within(d.errAt(b, "%d bytes, want %d or none", len(v), size), name, -1)
	}
	return unsafeString(v), rest, nil
}

// keyValue decodes one KeyValue at nesting depth and appends it to kvs.
func (d *Decoder) keyValue(b []byte, kvs []KeyValue, depth int) ([]KeyValue, error) {
	if n := len(kvs); n < cap(kvs) {
		if kvs = kvs[:n+1]; scalarKV(b, &kvs[n], "") {
			return kvs, nil
		}
		kvs = kvs[:n]
	}
	var kv KeyValue
	haveValue := false
	for len(b) > 0 {
		num, typ, n := tag1(b)
		if n == 0 {
			num, typ, n = consumeTag(b)
		}
		if n < 0 {
			return kvs, d.errAt(b, "field tag: %v", protowire.ParseError(n))
		}
		var err error
		switch num {
		case 1:
			if v, rest, ok := bytes1(b, n, typ); ok && (asciiShort(v) || validUTF8(v)) {
				kv.Key, b = unsafeString(v), rest
				break
			}
			if kv.Key, b, err = d.str(b, n, typ, "key"); err != nil {
				return kvs, err
			}
		case 2:
			at := b
			m, rest, ok := bytes1(b, n, typ)
			if ok {
				b = rest
			} else if m, b, err = d.message(b, n, typ, "value"); err != nil {
				return kvs, err
			}
			if haveValue {
				return kvs, within(d.errAt(at, "value given twice"), "value", -1)
			}
			haveValue = true
			if err = d.anyValue(m, &kv.Value, depth); err != nil {
				return kvs, within(err, "value", -1)
			}
		case 3:
			var v uint64
			if v, b, err = d.varint(b, n, typ, "key_strindex"); err != nil {
				return kvs, err
			}
			kv.KeyStrindex = int32(v)
		default:
			if b, err = d.skip(b, n, num, typ); err != nil {
				return kvs, err
			}
		}
	}
	return append(kvs, kv), nil
}

// scalarKV decodes b as a KeyValue in the form encoders write for nearly
// every attribute: the key, then the value holding one scalar (see
// scalarValue), with one-byte tags and lengths. ok is false for anything
// else (then call keyValue, which also reports any error).
// On success it sets all of *kv; otherwise *kv holds garbage.
//
// A key equal to prev (a key already decoded, so valid UTF-8) becomes prev
// without being validated again: see shareKey.
func scalarKV(b []byte, kv *KeyValue, prev string) bool {
	if len(b) >= 4 && b[0] == 1<<3|2 {
		if kl := int(b[1]); kl < 0x80 && kl+4 <= len(b) && b[2+kl] == 2<<3|2 {
			key, v := b[2:2+kl], b[4+kl:]
			if vl := b[3+kl]; vl < 0x80 && int(vl) == len(v) {
				k := prev
				if string(key) != prev {
					if !asciiShort(key) && !validUTF8(key) {
						return false
					}
					k = unsafeString(key)
				}
				if scalarValue(v, &kv.Value) {
					kv.Key, kv.KeyStrindex = k, 0
					return true
				}
			}
		}
	}
	return false
}

// scalarValue decodes b as an AnyValue when it is a single string, bool,
// int or double field written in its usual form; ok is false otherwise
// (then call anyValue, which also reports any error).
func scalarValue(b []byte, v *Value) bool {
	if len(b) < 2 {
		*v = Value{}
		return len(b) == 0 // empty: no value set
	}
	switch b[0] {
	case 1<<3 | 2: // string_value
		if s := b[2:]; b[1] < 0x80 && int(b[1]) == len(s) && (asciiShort(s) || validUTF8(s)) {
			*v = Value{Kind: KindString, Str: unsafeString(s)}
			return true
		}
	case 2 << 3: // bool_value (varint)
		if len(b) == 2 && b[1] < 0x80 {
			*v = Value{Kind: KindBool}
			if b[1] != 0 {
				v.Num = 1
			}
			return true
		}
	case 3 << 3: // int_value (varint)
		if u, n := protowire.ConsumeVarint(b[1:]); n == len(b)-1 {
			*v = Value{Kind: KindInt, Num: u}
			return true
		}
	case 4<<3 | 1: // double_value
		if len(b) == 9 {
			*v = Value{Kind: KindDouble, Num: binary.LittleEndian.Uint64(b[1:])}
			return true
		}
	}
	return false
}

// anyValue decodes an AnyValue found at nesting depth; its array elements and
// kvlist entries are collected at depth+1.
func (d *Decoder) anyValue(b []byte, out *Value, depth int) error {
	var v Value
	for len(b) > 0 {
		num, typ, n := tag1(b)
		if n == 0 {
			num, typ, n = consumeTag(b)
		}
		if n < 0 {
			return d.errAt(b, "field tag: %v", protowire.ParseError(n))
		}
		var err error
		var u uint64
		switch num {
		case 1:
			v = Value{Kind: KindString}
			if m, rest, ok := bytes1(b, n, typ); ok && (asciiShort(m) || validUTF8(m)) {
				v.Str, b = unsafeString(m), rest
				break
			}
			if v.Str, b, err = d.str(b, n, typ, "string_value"); err != nil {
				return err
			}
		case 2:
			if u, b, err = d.varint(b, n, typ, "bool_value"); err != nil {
				return err
			}
			v = Value{Kind: KindBool}
			if u != 0 {
				v.Num = 1
			}
		case 3:
			if u, b, err = d.varint(b, n, typ, "int_value"); err != nil {
				return err
			}
			v = Value{Kind: KindInt, Num: u}
		case 4:
			if u, b, err = d.fixed64(b, n, typ, "double_value"); err != nil {
				return err
			}
			v = Value{Kind: KindDouble, Num: u}
		case 5, 6:
			name := "array_value"
			if num == 6 {
				name = "kvlist_value"
			}
			var m []byte
			at := b
			if m, b, err = d.message(b, n, typ, name); err != nil {
				return err
			}
			if v.Kind == KindArray || v.Kind == KindKVList {
				return within(d.errAt(at, "array or kvlist given twice"), name, -1)
			}
			if depth >= MaxDepth {
				return within(d.errAt(at, "values nest deeper than %d levels", MaxDepth), name, -1)
			}
			if num == 5 {
				v = Value{Kind: KindArray}
				v.Children, err = d.arrayValue(m, depth+1)
			} else {
				v = Value{Kind: KindKVList}
				v.Children, err = d.kvlistValue(m, depth+1)
			}
			if err != nil {
				return within(err, name, -1)
			}
		case 7:
			var m []byte
			if m, b, err = d.message(b, n, typ, "bytes_value"); err != nil {
				return err
			}
			v = Value{Kind: KindBytes, Str: unsafeString(m)}
		case 8:
			if u, b, err = d.varint(b, n, typ, "string_value_strindex"); err != nil {
				return err
			}
			v = Value{Kind: KindStrindex, Num: uint64(int64(int32(u)))}
		default:
			if b, err = d.skip(b, n, num, typ); err != nil {
				return err
			}
		}
	}
	*out = v
	return nil
}

func (d *Decoder) arrayValue(b []byte, depth int) (Range, error) {
	vals := d.vals[depth][:0]
	for len(b) > 0 {
		num, typ, n := tag1(b)
		if n == 0 {
			num, typ, n = consumeTag(b)
		}
		if n < 0 {
			return Range{}, d.errAt(b, "field tag: %v", protowire.ParseError(n))
		}
		var err error
		if num != 1 {
			if b, err = d.skip(b, n, num, typ); err != nil {
				return Range{}, err
			}
			continue
		}
		var m []byte
		if m, b, err = d.message(b, n, typ, "values"); err != nil {
			return Range{}, err
		}
		vals = append(vals, Value{})
		if err = d.anyValue(m, &vals[len(vals)-1], depth); err != nil {
			return Range{}, within(err, "values", len(vals)-1)
		}
	}
	d.vals[depth] = vals[:0]
	l := d.c
	r := Range{Start: int32(len(l.Values))}
	l.Values = append(l.Values, vals...)
	r.End = int32(len(l.Values))
	return r, nil
}

func (d *Decoder) kvlistValue(b []byte, depth int) (Range, error) {
	kvs := d.kvs[depth][:0]
	for len(b) > 0 {
		num, typ, n := tag1(b)
		if n == 0 {
			num, typ, n = consumeTag(b)
		}
		if n < 0 {
			return Range{}, d.errAt(b, "field tag: %v", protowire.ParseError(n))
		}
		var err error
		if num != 1 {
			if b, err = d.skip(b, n, num, typ); err != nil {
				return Range{}, err
			}
			continue
		}
		var m []byte
		if m, b, err = d.message(b, n, typ, "values"); err != nil {
			return Range{}, err
		}
		if kvs, err = d.keyValue(m, kvs, depth); err != nil {
			return Range{}, within(err, "values", len(kvs))
		}
	}
	return d.flushKVs(depth, kvs), nil
}

// flushKVs moves a collected list into l.KeyValues and keeps the scratch memory.
func (d *Decoder) flushKVs(depth int, kvs []KeyValue) Range {
	l := d.c
	r := Range{Start: int32(len(l.KeyValues))}
	l.KeyValues = append(l.KeyValues, kvs...)
	r.End = int32(len(l.KeyValues))
	d.kvs[depth] = kvs[:0]
	return r
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Int is the value's int64.
func (v Value) Int() int64 { return int64(v.Num) }

// Double is the value's float64.
func (v Value) Double() float64 { return math.Float64frombits(v.Num) }

// Bool is the value's bool.
func (v Value) Bool() bool { return v.Num != 0 }

// Package otlp decodes OTLP export requests (protobuf, JSON, JSON Lines) into a flat model that shares memory with its input.
package otlp

// Logs is one decoded ExportLogsServiceRequest, or several concatenated ones.
//
// The tree of the request is kept flat: each level is one slice, and a parent
// names its children as a Range of the next level's slice. This keeps decoding
// to a few growing slices instead of one allocation per message.
//
// Strings alias the decoded input where they can (protobuf always, JSON when a
// string has no escapes): the input must not be modified while the Logs is in use.
// What JSON needs decoded (strings with escapes, hex ids, base64 bytes) lives in
// memory the Logs allocates in chunks; it stays valid after Reset, which
// starts new chunks rather than reuse the old. Reset keeps the slices' capacity
// for reuse.
type Logs struct {
	Resources []ResourceLogs
	Scopes    []ScopeLogs
	Records   []LogRecord
	Common
}

// Common is what every signal's decoded request shares: the attribute lists,
// array elements and entity references that its resources, scopes and items
// point into, and the memory holding what JSON needed decoded.
type Common struct {
	// KeyValues holds every attribute list and kvlist value; Values holds array elements.
	KeyValues []KeyValue
	Values    []Value
	// EntityRefs holds the resources' entity references, Strings their key names.
	EntityRefs []EntityRef
	Strings    []string

	arena     []byte // the current chunk of decoded JSON values; only appended to
	arenaUsed int    // bytes allocated since Reset
	arenaHint int    // size for the first chunk after Reset
}

// Range is the half-open span [Start, End) of a slice of Logs.
type Range struct{ Start, End int32 }

// Len is the number of elements in the range.
func (r Range) Len() int { return int(r.End - r.Start) }

// Resource is opentelemetry.proto.resource.v1.Resource.
type Resource struct {
	Attributes             Range // into KeyValues
	DroppedAttributesCount uint32
	EntityRefs             Range // into EntityRefs
}

// Scope is opentelemetry.proto.common.v1.InstrumentationScope.
type Scope struct {
	Name                   string
	Version                string
	Attributes             Range // into KeyValues
	DroppedAttributesCount uint32
}

// ResourceLogs is opentelemetry.proto.logs.v1.ResourceLogs with its Resource inlined.
type ResourceLogs struct {
	Resource
	SchemaURL string
	Scopes    Range // into Scopes
}

// ScopeLogs is opentelemetry.proto.logs.v1.ScopeLogs with its InstrumentationScope inlined.
type ScopeLogs struct {
	Scope
	SchemaURL string
	Records   Range // into Records
}

// LogRecord is opentelemetry.proto.logs.v1.LogRecord.
type LogRecord struct {
	TimeUnixNano           uint64
	ObservedTimeUnixNano   uint64
	SeverityNumber         int32
	SeverityText           string
	Body                   Value
	Attributes             Range // into KeyValues
	DroppedAttributesCount uint32
	Flags                  uint32
	TraceID                string // 16 raw bytes, or "" when absent
	SpanID                 string // 8 raw bytes, or "" when absent
	EventName              string
}

// EntityRef is opentelemetry.proto.common.v1.EntityRef.
type EntityRef struct {
	SchemaURL       string
	Type            string
	IDKeys          Range // into Strings
	DescriptionKeys Range // into Strings
}

// KeyValue is opentelemetry.proto.common.v1.KeyValue.
type KeyValue struct {
	Key   string
	Value Value
	// KeyStrindex is the profiles signal's dictionary index for the key; 0 elsewhere.
	KeyStrindex int32
}

// Kind says which field of an AnyValue is set.
type Kind uint8

// The kinds of AnyValue, in the order of their protobuf field numbers.
const (
	KindEmpty Kind = iota
	KindString
	KindBool
	KindInt
	KindDouble
	KindArray
	KindKVList
	KindBytes
	KindStrindex
)

var kindNames = [...]string{"empty", "string", "bool", "int", "double", "array", "kvlist", "bytes", "strindex"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Value is opentelemetry.proto.common.v1.AnyValue.
type Value struct {
	Kind Kind
	// Str holds a string value, or the raw bytes of a bytes value.
	Str string
	// Num holds a bool (0 or 1), an int64, a float64's bits or a strindex.
	Num uint64
	// Children is the array's elements (into Values) or the kvlist's entries (into KeyValues).
	Children Range
}

// Reset empties l and keeps its memory for the next decode.
func (l *Logs) Reset() {
	l.Resources = l.Resources[:0]
	l.Scopes = l.Scopes[:0]
	l.Records = l.Records[:0]
	l.Common.reset()
}

func (c *Common) reset() {
	c.KeyValues = c.KeyValues[:0]
	c.Values = c.Values[:0]
	c.EntityRefs = c.EntityRefs[:0]
	c.Strings = c.Strings[:0]
	// Strings may still point into the arena: leave it to them.
	c.arena = nil
	c.arenaHint = min(c.arenaUsed, 1<<20) // what the last decode needed, within reason
	c.arenaUsed = 0
}

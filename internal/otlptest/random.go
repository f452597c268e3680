package otlptest

import (
	"math"
	"math/rand/v2"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
)

// RandomLogsRequest makes a varied request: every kind of AnyValue, values
// nested several levels deep, fields empty and absent, unicode, special
// doubles, extreme integers, entity references, ids present and absent.
// The same r state gives the same request.
func RandomLogsRequest(r *rand.Rand) *collogspb.ExportLogsServiceRequest {
	g := gen{r}
	req := &collogspb.ExportLogsServiceRequest{}
	for range g.count(4, 12) {
		req.ResourceLogs = append(req.ResourceLogs, g.resourceLogs())
	}
	return req
}

type gen struct{ r *rand.Rand }

// count is usually below n, now and then up to big.
func (g gen) count(n, big int) int {
	if g.r.IntN(10) == 0 {
		return g.r.IntN(big + 1)
	}
	return g.r.IntN(n + 1)
}

func (g gen) chance(n int) bool { return g.r.IntN(n) == 0 }

var sampleStrings = []string{
	"", "a", "service.name", "checkout", "hello, world", "ünïcödé", "日本語のログ", "emoji 😀🚀",
	"quote \" backslash \\ slash /", "new\nline\ttab\rcr", "nul\x00byte", "\u2028\u2029", "\x7f\x01\x1f",
	"<html>&amp;</html>", "SEVERITY_NUMBER_INFO", "1234", "-0", "NaN", "null", "{\"json\":[1,2]}",
}

func (g gen) str() string {
	switch g.r.IntN(6) {
	case 0:
		// Random runes, valid UTF-8, any plane.
		rs := make([]rune, g.r.IntN(12))
		for i := range rs {
			switch g.r.IntN(4) {
			case 0:
				rs[i] = rune(g.r.IntN(0x80))
			case 1:
				rs[i] = rune(0x80 + g.r.IntN(0x800-0x80))
			case 2:
				rs[i] = rune(0xE000 + g.r.IntN(0x10000-0xE000))
			default:
				rs[i] = rune(0x10000 + g.r.IntN(0x110000-0x10000))
			}
		}
		return string(rs)
	case 1:
		b := make([]byte, g.r.IntN(40))
		for i := range b {
			b[i] = byte(' ' + g.r.IntN(95))
		}
		return string(b)
	default:
		return sampleStrings[g.r.IntN(len(sampleStrings))]
	}
}

func (g gen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return b
}

// id is absent, random, or now and then all zeros.
func (g gen) id(n int) []byte {
	switch g.r.IntN(8) {
	case 0, 1:
		return nil
	case 2:
		return make([]byte, n)
	default:
		return g.bytes(n)
	}
}

func (g gen) u32() uint32 {
	switch g.r.IntN(4) {
	case 0:
		return 0
	case 1:
		return math.MaxUint32
	case 2:
		return uint32(g.r.IntN(10))
	}
	return g.r.Uint32()
}

func (g gen) u64() uint64 {
	switch g.r.IntN(5) {
	case 0:
		return 0
	case 1:
		return math.MaxUint64
	case 2:
		return 1_700_000_000_000_000_000 + g.r.Uint64N(1e18)
	}
	return g.r.Uint64()
}

func (g gen) i64() int64 {
	switch g.r.IntN(6) {
	case 0:
		return 0
	case 1:
		return math.MinInt64
	case 2:
		return math.MaxInt64
	case 3:
		return int64(g.r.IntN(2000)) - 1000
	}
	return int64(g.r.Uint64())
}

func (g gen) i32() int32 {
	switch g.r.IntN(4) {
	case 0:
		return 0
	case 1:
		return math.MinInt32
	case 2:
		return int32(g.r.IntN(100))
	}
	return int32(g.r.Uint32())
}

func (g gen) double() float64 {
	switch g.r.IntN(12) {
	case 0:
		return math.NaN()
	case 1:
		return math.Inf(1)
	case 2:
		return math.Inf(-1)
	case 3:
		return math.Copysign(0, -1)
	case 4:
		return 0
	case 5:
		return math.SmallestNonzeroFloat64
	case 6:
		return math.MaxFloat64
	case 7:
		return float64(g.r.IntN(1000)) / 8
	case 8:
		return 1e21 * (g.r.Float64() + 1)
	}
	f := math.Float64frombits(g.r.Uint64())
	if math.IsNaN(f) { // keep NaNs to the canonical one: JSON has no other
		return math.NaN()
	}
	return f
}

func (g gen) resourceLogs() *logspb.ResourceLogs {
	rl := &logspb.ResourceLogs{}
	rl.Resource, rl.SchemaUrl = g.resourceAndURL()
	for range g.count(3, 10) {
		rl.ScopeLogs = append(rl.ScopeLogs, g.scopeLogs())
	}
	return rl
}

// resourceAndURL is a resource, absent now and then, and a schema URL.
func (g gen) resourceAndURL() (*resourcepb.Resource, string) {
	var res *resourcepb.Resource
	if !g.chance(6) {
		res = &resourcepb.Resource{
			Attributes:             g.keyValues(0, 6, 30),
			DroppedAttributesCount: g.u32(),
		}
		for range g.count(1, 3) {
			res.EntityRefs = append(res.EntityRefs, &commonpb.EntityRef{
				SchemaUrl:       g.str(),
				Type:            g.str(),
				IdKeys:          g.strs(),
				DescriptionKeys: g.strs(),
			})
		}
	}
	if g.chance(2) {
		return res, "https://opentelemetry.io/schemas/1.26.0"
	}
	return res, ""
}

// scopeAndURL is a scope, absent now and then, and a schema URL.
func (g gen) scopeAndURL() (*commonpb.InstrumentationScope, string) {
	var sc *commonpb.InstrumentationScope
	if !g.chance(5) {
		sc = &commonpb.InstrumentationScope{Name: g.str(), Version: g.str(), DroppedAttributesCount: g.u32()}
		sc.Attributes = g.keyValues(0, 3, 10)
	}
	if g.chance(3) {
		return sc, g.str()
	}
	return sc, ""
}

func (g gen) strs() []string {
	var s []string
	for range g.count(3, 8) {
		s = append(s, g.str())
	}
	return s
}

func (g gen) scopeLogs() *logspb.ScopeLogs {
	sl := &logspb.ScopeLogs{}
	sl.Scope, sl.SchemaUrl = g.scopeAndURL()
	for range g.count(6, 60) {
		sl.LogRecords = append(sl.LogRecords, g.logRecord())
	}
	return sl
}

func (g gen) logRecord() *logspb.LogRecord {
	r := &logspb.LogRecord{
		Attributes: g.keyValues(0, 8, 40),
		TraceId:    g.id(16),
		SpanId:     g.id(8),
	}
	if !g.chance(4) {
		r.TimeUnixNano = g.u64()
	}
	if !g.chance(4) {
		r.ObservedTimeUnixNano = g.u64()
	}
	if g.chance(8) {
		r.SeverityNumber = logspb.SeverityNumber(g.i32())
	} else {
		r.SeverityNumber = logspb.SeverityNumber(g.r.IntN(25))
	}
	if !g.chance(3) {
		r.SeverityText = g.str()
	}
	if !g.chance(5) {
		r.Body = g.anyValue(0)
	}
	if g.chance(4) {
		r.DroppedAttributesCount = g.u32()
	}
	if g.chance(2) {
		r.Flags = g.u32()
	}
	if g.chance(3) {
		r.EventName = g.str()
	}
	return r
}

// maxGenDepth bounds the nesting of generated values.
const maxGenDepth = 8

func (g gen) keyValues(depth, n, big int) []*commonpb.KeyValue {
	var kvs []*commonpb.KeyValue
	for range g.count(n, big) {
		kv := &commonpb.KeyValue{Key: g.str()}
		if !g.chance(10) {
			kv.Value = g.anyValue(depth)
		}
		if g.chance(10) {
			kv.KeyStrindex = g.i32()
		}
		kvs = append(kvs, kv)
	}
	return kvs
}

func (g gen) anyValue(depth int) *commonpb.AnyValue {
	if depth == 0 && g.chance(30) {
		return g.deep(3 + g.r.IntN(20))
	}
	v := &commonpb.AnyValue{}
	kinds := 9
	if depth >= maxGenDepth {
		kinds = 7 // no more arrays or kvlists
	}
	switch g.r.IntN(kinds) {
	case 0:
		// no value set
	case 1:
		v.Value = &commonpb.AnyValue_StringValue{StringValue: g.str()}
	case 2:
		v.Value = &commonpb.AnyValue_BoolValue{BoolValue: g.chance(2)}
	case 3:
		v.Value = &commonpb.AnyValue_IntValue{IntValue: g.i64()}
	case 4:
		v.Value = &commonpb.AnyValue_DoubleValue{DoubleValue: g.double()}
	case 5:
		v.Value = &commonpb.AnyValue_BytesValue{BytesValue: g.bytes(g.count(6, 40))}
	case 6:
		v.Value = &commonpb.AnyValue_StringValueStrindex{StringValueStrindex: g.i32()}
	case 7:
		a := &commonpb.ArrayValue{}
		for range g.count(4, 10) {
			a.Values = append(a.Values, g.anyValue(depth+1))
		}
		v.Value = &commonpb.AnyValue_ArrayValue{ArrayValue: a}
	case 8:
		v.Value = &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: g.keyValues(depth+1, 4, 10)}}
	}
	return v
}

// deep is a chain of n arrays and kvlists, one inside the other.
func (g gen) deep(n int) *commonpb.AnyValue {
	v := g.anyValue(maxGenDepth)
	for range n {
		if g.chance(2) {
			v = &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{
				Values: []*commonpb.AnyValue{g.anyValue(maxGenDepth), v},
			}}}
		} else {
			v = &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{
				Values: []*commonpb.KeyValue{{Key: g.str(), Value: v}},
			}}}
		}
	}
	return v
}

package batch

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/otlp2parquet/otlp2parquet/otlp"
)

// arena holds the text of converted values. Strings handed out point into
// it; appending never changes bytes already handed out (a reallocation copies,
// and the old strings keep the old array alive), so only reset invalidates them.
type arena struct{ b []byte }

func (a *arena) reset() { a.b = a.b[:0] }

// buf returns the buffer to append to; finish turns what was appended into a string.
func (a *arena) buf(int) []byte { return a.b }

func (a *arena) finish(b []byte) string {
	start := len(a.b)
	a.b = b
	if len(b) == start {
		return ""
	}
	return unsafe.String(&b[start], len(b)-start)
}

// AsString renders v as the OpenTelemetry Collector's pdata Value.AsString
// does, which is what the ClickHouse exporter stores:
//   - string as is, bool as true/false, int in base 10, bytes as standard base64;
//   - double in the shortest ES6 form (1.5, 100, 1e+21, 1e-7), NaN, Infinity, -Infinity;
//   - array and kvlist as compact JSON of their raw values, kvlist keys sorted,
//     the last of duplicate keys kept, "<>&" not escaped;
//   - empty as "".
//
// One deliberate difference: pdata renders an array or kvlist holding a NaN
// or infinite double as "" (encoding/json refuses them), which would drop the
// whole value; here such a double becomes the JSON string "NaN", "Infinity"
// or "-Infinity". A profiles-only strindex value becomes its index in base 10.
func (c *converter) AsString(l *otlp.Common, v otlp.Value) string {
	switch v.Kind {
	case otlp.KindString:
		return v.Str
	case otlp.KindBool:
		if v.Bool() {
			return "true"
		}
		return "false"
	case otlp.KindEmpty:
		return ""
	case otlp.KindInt:
		if n := v.Int(); n >= 0 && n < smallInts {
			return smallInt(n)
		}
	}
	b := c.arena.buf(64)
	b = c.appendString(b, l, v)
	return c.arena.finish(b)
}

// smallInts are the integers AsString returns as slices of one string
// (digits) rather than new text in the arena: status codes, counts and ports
// under it are then the very same string each time, which pqenc's
// dictionary finds by address without reading it.
const smallInts = 1000

var digits = func() string {
	b := make([]byte, 0, 3*smallInts)
	for i := range smallInts {
		b = strconv.AppendInt(b, int64(i), 10)
	}
	return string(b)
}()

// smallInt returns n (0 <= n < smallInts) in base 10, sliced from digits:
// 0-9 take one byte each, 10-99 two, 100-999 three.
func smallInt(n int64) string {
	switch {
	case n < 10:
		return digits[n : n+1]
	case n < 100:
		at := 10 + 2*(n-10)
		return digits[at : at+2]
	}
	at := 190 + 3*(n-100)
	return digits[at : at+3]
}

type converter struct {
	arena arena
	idx   []int // scratch for sorting kvlist keys
}

func (c *converter) appendString(b []byte, l *otlp.Common, v otlp.Value) []byte {
	switch v.Kind {
	case otlp.KindInt:
		return strconv.AppendInt(b, v.Int(), 10)
	case otlp.KindStrindex:
		return strconv.AppendInt(b, v.Int(), 10)
	case otlp.KindDouble:
		return appendDouble(b, v.Double(), false)
	case otlp.KindBytes:
		return base64.StdEncoding.AppendEncode(b, unsafe.Slice(unsafe.StringData(v.Str), len(v.Str)))
	case otlp.KindArray, otlp.KindKVList:
		return c.appendJSON(b, l, v)
	}
	return append(b, c.AsString(l, v)...)
}

// appendDouble writes f as ES6 number-to-string does (as encoding/json does
// for float64). Inside JSON, NaN and infinities are written as strings.
func appendDouble(b []byte, f float64, quoted bool) []byte {
	switch {
	case math.IsNaN(f):
		return appendMaybeQuoted(b, "NaN", quoted)
	case math.IsInf(f, 1):
		return appendMaybeQuoted(b, "Infinity", quoted)
	case math.IsInf(f, -1):
		return appendMaybeQuoted(b, "-Infinity", quoted)
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		if b, ok := appendShortDecimal(b, f); ok {
			return b
		}
	}
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// pow10 holds the exact powers of ten appendShortDecimal tries.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6}

// appendShortDecimal is strconv.AppendFloat(b, f, 'f', -1, 64) for the
// common doubles that have at most six decimals and |f|*10^k < 2^47
// (durations, prices, ratios); ok is false for the others.
//
// Why it prints what strconv prints: let k be the fewest decimals such that
// some integer m makes m/10^k read back as f (float64(m)/10^k == f: dividing
// two exact values is correctly rounded, as parsing is). Because
// |f|*10^k < 2^47, the spacing of doubles near f is below 10^-(k+1), so (1)
// m is the only such integer, and it is math.Round(f*10^k), whose rounding
// error is far below 1/2; (2) no decimal with fewer or as many significant
// digits reads back as f: one with at most k decimals would be another m,
// one with more decimals and no more digits lies below a power of ten that
// m/10^k reaches, at least 10^-(k+1) away. So m/10^k is the unique shortest
// representation, which strconv prints in 'f' format.
func appendShortDecimal(b []byte, f float64) ([]byte, bool) {
	const limit = 1 << 47
	for k, p := range pow10 {
		x := f * p
		if x >= limit || x <= -limit {
			return b, false
		}
		m := math.Round(x)
		if m/p != f {
			continue
		}
		if m == 0 {
			return b, false // f is ±0, printed "0" or "-0": not handled here
		}
		n := int64(m)
		if n < 0 {
			b = append(b, '-')
			n = -n
		}
		if k == 0 {
			return strconv.AppendInt(b, n, 10), true
		}
		q := int64(p)
		b = strconv.AppendInt(b, n/q, 10)
		b = append(b, '.')
		// The k decimals, with leading zeros; the last is not zero (else a
		// smaller k would have matched).
		frac := n % q
		start := len(b)
		for range k {
			b = append(b, '0')
		}
		for i := len(b) - 1; i >= start; i-- {
			b[i] = byte('0' + frac%10)
			frac /= 10
		}
		return b, true
	}
	return b, false
}

func appendMaybeQuoted(b []byte, s string, quoted bool) []byte {
	if quoted {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	return append(b, s...)
}

// appendJSON writes v's raw value as compact JSON.
func (c *converter) appendJSON(b []byte, l *otlp.Common, v otlp.Value) []byte {
	switch v.Kind {
	case otlp.KindEmpty:
		return append(b, "null"...)
	case otlp.KindString:
		return otlp.AppendJSONString(b, v.Str)
	case otlp.KindBool:
		if v.Bool() {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case otlp.KindInt, otlp.KindStrindex:
		return strconv.AppendInt(b, v.Int(), 10)
	case otlp.KindDouble:
		return appendDouble(b, v.Double(), true)
	case otlp.KindBytes:
		if v.Str == "" {
			return append(b, "null"...) // pdata's raw value is a nil []byte
		}
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, unsafe.Slice(unsafe.StringData(v.Str), len(v.Str)))
		return append(b, '"')
	case otlp.KindArray:
		b = append(b, '[')
		for i, e := range l.Values[v.Children.Start:v.Children.End] {
			if i > 0 {
				b = append(b, ',')
			}
			b = c.appendJSON(b, l, e)
		}
		return append(b, ']')
	case otlp.KindKVList:
		kvs := l.KeyValues[v.Children.Start:v.Children.End]
		// Sorted keys, the last of duplicates kept: as encoding/json writes a Go map.
		start := len(c.idx)
		for i := range kvs {
			c.idx = append(c.idx, i)
		}
		idx := c.idx[start:]
		slices.SortStableFunc(idx, func(x, y int) int { return strings.Compare(kvs[x].Key, kvs[y].Key) })
		b = append(b, '{')
		first := true
		for j, i := range idx {
			if j+1 < len(idx) && kvs[idx[j+1]].Key == kvs[i].Key {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = otlp.AppendJSONString(b, kvs[i].Key)
			b = append(b, ':')
			b = c.appendJSON(b, l, kvs[i].Value)
		}
		c.idx = c.idx[:start]
		return append(b, '}')
	}
	return append(b, "null"...)
}

package otlp

import (
	"bytes"
	"encoding/base64"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
)

// maxSkipDepth caps how deeply an unknown field's value may nest, as protojson
// and the Collector's decoder cap it.
const maxSkipDepth = 10000

// DecodeLogsJSON appends the OTLP/JSON ExportLogsServiceRequest (or LogsData)
// in b to l. Strings without escapes alias b; strings with escapes, ids and
// bytes values are decoded into memory owned by l (see Logs).
//
// It reads OTLP/JSON as protojson does, with OTLP's hex trace and span ids:
// keys in lowerCamelCase or the proto's snake_case; unknown fields skipped
// (their values must still be valid JSON); null meaning the field's default;
// 64-bit integers as JSON numbers or decimal strings, and 32-bit ones too,
// where a number may have a fraction or exponent if its value is integral
// ("1e3"); severityNumber as an integer or a name ("SEVERITY_NUMBER_INFO");
// bytesValue as base64 in the standard or URL alphabet, padded or not;
// doubleValue as a number, a numeric string, "NaN", "Infinity" or
// "-Infinity"; traceId and spanId as 32 and 16 hex digits in either case,
// or "".
//
// Like protojson it rejects, with an *Error: input that is not one valid
// JSON object (RFC 8259, UTF-8) with nothing but whitespace after it; a known
// field given twice in one object (under either of its names: the Collector
// would merge or keep the last, protojson rejects); two members of AnyValue's
// value oneof; a \u escape that is a lone UTF-16 surrogate (encoding/json
// would substitute U+FFFD); null as an array element; unknown values nested
// deeper than 10000 levels. Unlike protojson it also rejects AnyValues nested
// deeper than MaxDepth, and the number "1e" (which RFC 8259 does not allow).
// Empty input is an error: the empty request is "{}". On error l holds a
// partial result: Reset it.
func (d *Decoder) DecodeLogsJSON(l *Logs, b []byte) error {
	d.l = l
	return d.jsonInput(&l.Common, b, "json", "resourceLogs", d.jResourceLogs)
}

// DecodeLogsJSON decodes with a fresh Decoder; see Decoder.DecodeLogsJSON.
func DecodeLogsJSON(l *Logs, b []byte) error {
	var d Decoder
	return d.DecodeLogsJSON(l, b)
}

// jsonState is the Decoder's state while it reads JSON.
type jsonState struct {
	in      []byte // the document being read
	pos     int    // the next byte of in to read
	inOff   int    // where in starts in the whole input, for error offsets
	line    int    // JSON Lines: in's 1-based line number
	keyAt   int    // where the last member name read starts
	scratch []byte // strings with escapes that need not be kept
}

// jsonInput decodes b into c as one OTLP/JSON request (format "json") or
// as JSON Lines ("jsonl"): requests whose resource list is the field name,
// each element of which resource reads.
func (d *Decoder) jsonInput(c *Common, b []byte, format, name string, resource func() error) error {
	d.c, d.format, d.base = c, format, 0
	defer func() {
		d.l, d.t, d.m, d.c = nil, nil, nil, nil
		d.in = nil
	}()
	if format == "json" {
		return d.jsonDocument(b, 0, 0, name, resource)
	}
	for off, line := 0, 1; off < len(b); line++ {
		end := bytes.IndexByte(b[off:], '\n')
		if end < 0 {
			end = len(b)
		} else {
			end += off
		}
		// A blank line is whitespace only, which JSON also allows around the value.
		if !blank(b[off:end]) {
			if err := d.jsonDocument(b[off:end], off, line, name, resource); err != nil {
				return err
			}
		}
		off = end + 1
	}
	return nil
}

// jsonDocument decodes the request in b, which starts at byte off of line
// line (0 outside JSON Lines) of the input.
func (d *Decoder) jsonDocument(b []byte, off, line int, name string, resource func() error) error {
	d.in, d.pos, d.inOff, d.line = b, 0, off, line
	if err := d.jRequest(name, resource); err != nil {
		return err
	}
	if d.jws() != 0 || d.pos < len(d.in) {
		return d.jerr(d.pos, "%s after the request", d.jfound())
	}
	return nil
}

func (d *Decoder) jerr(at int, format string, args ...any) *Error {
	return &Error{Format: d.format, Offset: d.inOff + at, Line: d.line, Msg: fmtlite.Sprintf(format, args...)}
}

// ws skips whitespace and returns the byte at d.pos, or 0 at the end.
func (d *Decoder) jws() byte {
	for d.pos < len(d.in) {
		switch c := d.in[d.pos]; c {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return c
		}
	}
	return 0
}

// found describes the value or character at d.pos for an error message.
func (d *Decoder) jfound() string {
	if d.pos >= len(d.in) {
		return "end of input"
	}
	switch c := d.in[d.pos]; {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case bytes.HasPrefix(d.in[d.pos:], []byte("true")) || bytes.HasPrefix(d.in[d.pos:], []byte("false")):
		return "a boolean"
	case bytes.HasPrefix(d.in[d.pos:], []byte("null")):
		return "null"
	case c == '-' || '0' <= c && c <= '9':
		return "a number"
	case c < utf8.RuneSelf:
		return "unexpected character " + strconv.QuoteRuneToASCII(rune(c))
	default:
		return fmtlite.Sprintf("unexpected byte %#x", c)
	}
}

// want checks that the value at d.pos starts with c, what names it.
func (d *Decoder) jwant(c byte, what string) error {
	if d.jws() != c {
		return d.jerr(d.pos, "want %s, found %s", what, d.jfound())
	}
	return nil
}

// member reads the next member name of the object whose '{' is at d.pos
// (first) or whose previous member's value ended at d.pos. It returns false
// at the object's end; otherwise d.pos is at the member's value and d.keyAt
// at its name.
func (d *Decoder) jmember(first bool) (string, bool, error) {
	if first {
		if err := d.jwant('{', "an object"); err != nil {
			return "", false, err
		}
		d.pos++
		if d.jws() == '}' {
			d.pos++
			return "", false, nil
		}
	} else {
		switch d.jws() {
		case '}':
			d.pos++
			return "", false, nil
		case ',':
			d.pos++
		default:
			return "", false, d.jerr(d.pos, "want , or } after an object member, found %s", d.jfound())
		}
	}
	if d.jws() != '"' {
		return "", false, d.jerr(d.pos, "want a member name, found %s", d.jfound())
	}
	d.keyAt = d.pos
	k, err := d.jstr(false)
	if err != nil {
		return "", false, err
	}
	if d.jws() != ':' {
		return "", false, d.jerr(d.pos, "want : after a member name, found %s", d.jfound())
	}
	d.pos++
	d.jws()
	return k, true, nil
}

// field marks a known field as seen in its object and reports whether a
// value other than null follows, which the caller then reads.
func (d *Decoder) jfield(seen *uint32, bit uint32, name string) (bool, error) {
	if *seen&bit != 0 {
		return false, within(d.jerr(d.keyAt, "field given twice"), name, -1)
	}
	*seen |= bit
	if d.jliteral("null") {
		return false, nil
	}
	return true, nil
}

// literal consumes the literal s at d.pos if it is there.
func (d *Decoder) jliteral(s string) bool {
	if len(d.in)-d.pos >= len(s) && string(d.in[d.pos:d.pos+len(s)]) == s {
		d.pos += len(s)
		return true
	}
	return false
}

// array reads the JSON array at d.pos, calling elem with d.pos at each
// element; errors get the field's name and the element's index.
func (d *Decoder) jarray(name string, elem func() error) error {
	if err := d.jwant('[', "an array"); err != nil {
		return within(err, name, -1)
	}
	d.pos++
	if d.jws() == ']' {
		d.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := elem(); err != nil {
			return within(err, name, i)
		}
		switch d.jws() {
		case ']':
			d.pos++
			return nil
		case ',':
			d.pos++
			d.jws()
		default:
			return within(d.jerr(d.pos, "want , or ] after an array element, found %s", d.jfound()), name, -1)
		}
	}
}

// stringSpecial marks the bytes that end the fast scan of a string.
var stringSpecial = func() (t [256]bool) {
	for c := range t {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf
	}
	return t
}()

// str reads the string at d.pos. Without escapes it aliases the input;
// with escapes it is decoded into d.scratch, and copied into l's memory if
// keep is set (otherwise it is valid until the next string is read).
func (d *Decoder) jstr(keep bool) (string, error) {
	if d.jws() != '"' {
		return "", d.jerr(d.pos, "want a string, found %s", d.jfound())
	}
	in := d.in
	start := d.pos + 1
	i := start
	for {
		for i < len(in) && !stringSpecial[in[i]] {
			i++
		}
		if i >= len(in) {
			return "", d.jerr(d.pos, "unterminated string")
		}
		switch c := in[i]; {
		case c == '"':
			d.pos = i + 1
			return unsafeString(in[start:i]), nil
		case c == '\\':
			if err := d.strEscaped(start, i); err != nil {
				return "", err
			}
			if keep {
				return d.c.keep(d.scratch), nil
			}
			return unsafeString(d.scratch), nil
		case c < 0x20:
			return "", d.jerr(i, "control character %#x in string", c)
		default:
			r, n := utf8.DecodeRune(in[i:])
			if r == utf8.RuneError && n == 1 {
				return "", d.jerr(i, "string is not valid UTF-8")
			}
			i += n
		}
	}
}

// strEscaped decodes the string from in[start:], whose first escape is at
// in[i], into d.scratch, and moves d.pos past its closing quote.
func (d *Decoder) strEscaped(start, i int) error {
	in := d.in
	buf := append(d.scratch[:0], in[start:i]...)
	for i < len(in) {
		c := in[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.scratch = buf
			return nil
		case c == '\\':
			if i+1 >= len(in) {
				return d.jerr(d.pos, "unterminated string")
			}
			switch e := in[i+1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(in[i+2:])
				if !ok {
					return d.jerr(i, "invalid \\u escape")
				}
				if utf16.IsSurrogate(r) {
					r2, ok := rune(-1), false
					if len(in) >= i+8 && in[i+6] == '\\' && in[i+7] == 'u' {
						r2, ok = hex4(in[i+8:])
					}
					if r = utf16.DecodeRune(r, r2); !ok || r == utf8.RuneError {
						return d.jerr(i, "\\u escape is a lone UTF-16 surrogate")
					}
					i += 6
				}
				buf = utf8.AppendRune(buf, r)
				i += 4
			default:
				return d.jerr(i, "invalid escape \\%c", e)
			}
			i += 2
		case c < 0x20:
			return d.jerr(i, "control character %#x in string", c)
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, n := utf8.DecodeRune(in[i:])
			if r == utf8.RuneError && n == 1 {
				return d.jerr(i, "string is not valid UTF-8")
			}
			buf = append(buf, in[i:i+n]...)
			i += n
		}
	}
	return d.jerr(d.pos, "unterminated string")
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		v, ok := unhex(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// numberLen is the length of the JSON number at the start of b, or 0.
func numberLen(b []byte) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	default:
		return 0
	}
	if i+1 < len(b) && b[i] == '.' && isDigit(b[i+1]) {
		for i += 2; i < len(b) && isDigit(b[i]); i++ {
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j >= len(b) || !isDigit(b[j]) {
			return 0
		}
		for i = j + 1; i < len(b) && isDigit(b[i]); i++ {
		}
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number reads the JSON number at d.pos.
func (d *Decoder) jnumber() ([]byte, error) {
	n := numberLen(d.in[d.pos:])
	end := d.pos + n
	if n == 0 || end < len(d.in) && !isDelim(d.in[end]) {
		return nil, d.jerr(d.pos, "invalid number")
	}
	b := d.in[d.pos:end]
	d.pos = end
	return b, nil
}

func isDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', '}', ']':
		return true
	}
	return false
}

// jnumeric reads the number, or the string holding one, at d.pos for a
// numeric field; what names the field's type for error messages.
func (d *Decoder) jnumeric(what string) ([]byte, error) {
	switch c := d.jws(); {
	case c == '"':
		at := d.pos
		s, err := d.jstr(false)
		if err != nil {
			return nil, err
		}
		if b := unsafeBytes(s); len(b) > 0 && numberLen(b) == len(b) {
			return b, nil
		}
		return nil, d.jerr(at, "%s is not %s", quote(s), what)
	case c == '-' || isDigit(c):
		return d.jnumber()
	}
	return nil, d.jerr(d.pos, "want %s, found %s", what, d.jfound())
}

// integer reads an integer field of the given size, as a number or a string.
func (d *Decoder) jinteger(bits int, signed bool) (uint64, error) {
	at := d.pos
	what := "an unsigned integer"
	if signed {
		what = "an integer"
	}
	text, err := d.jnumeric(what)
	if err != nil {
		return 0, err
	}
	v, ok := parseInteger(text, bits, signed)
	if !ok {
		return 0, d.jerr(at, "%s is not %s of %d bits", quote(string(text)), what, bits)
	}
	return v, nil
}

// parseInteger converts a JSON number to an integer as protojson does: a
// fraction or an exponent is allowed when the value is integral ("1e3",
// "2.50e1", "-0").
func parseInteger(s []byte, bits int, signed bool) (uint64, bool) {
	text := s
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intp := s[:i]
	if i == len(s) && (signed || !neg) { // plain digits, the usual case
		if signed {
			v, err := strconv.ParseInt(unsafeString(text), 10, bits)
			return uint64(v), err == nil
		}
		v, err := strconv.ParseUint(unsafeString(intp), 10, bits)
		return v, err == nil
	}
	if intp[0] == '0' {
		intp = intp[1:]
	}
	var frac, exp []byte
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		frac, i = s[i+1:j], j
	}
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if i < len(s) {
		exp = s[i+1:]
	}
	if len(intp) == 0 && len(frac) == 0 {
		return 0, true
	}
	e := 0
	if len(exp) > 0 {
		v, err := strconv.ParseInt(unsafeString(exp), 10, 32)
		if err != nil {
			return 0, false
		}
		e = int(v)
	}
	var buf [21]byte
	num := buf[:1]
	if e >= 0 {
		if len(frac) > e || len(intp)+e > 20 {
			return 0, false
		}
		num = append(num, intp...)
		num = append(num, frac...)
		for k := len(frac); k < e; k++ {
			num = append(num, '0')
		}
	} else {
		at := len(intp) + e
		if len(frac) > 0 || at <= 0 {
			return 0, false
		}
		for _, c := range intp[at:] {
			if c != '0' {
				return 0, false
			}
		}
		num = append(num, intp[:at]...)
	}
	if !signed {
		if neg {
			return 0, false
		}
		v, err := strconv.ParseUint(unsafeString(num[1:]), 10, bits)
		return v, err == nil
	}
	if neg {
		num[0] = '-'
	} else {
		num = num[1:]
	}
	v, err := strconv.ParseInt(unsafeString(num), 10, bits)
	return uint64(v), err == nil
}

func (d *Decoder) jdouble() (float64, error) {
	at := d.pos
	if d.jws() == '"' {
		s, err := d.jstr(false)
		if err != nil {
			return 0, err
		}
		switch s {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
		d.pos = at
	}
	text, err := d.jnumeric("a number")
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(unsafeString(text), 64)
	if err != nil {
		return 0, d.jerr(at, "%s is out of range for a double", quote(string(text)))
	}
	return f, nil
}

func (d *Decoder) jbool() (bool, error) {
	if d.jliteral("true") {
		return true, nil
	}
	if d.jliteral("false") {
		return false, nil
	}
	return false, d.jerr(d.pos, "want true or false, found %s", d.jfound())
}

// id reads a trace or span id of size bytes as hex digits.
func (d *Decoder) jid(size int) (string, error) {
	at := d.pos
	s, err := d.jstr(false)
	if err != nil || s == "" {
		return "", err
	}
	if len(s) == 2*size {
		out := d.c.alloc(size)
		ok := true
		for i := range out {
			hi, ok1 := unhex(s[2*i])
			lo, ok2 := unhex(s[2*i+1])
			ok = ok && ok1 && ok2
			out[i] = hi<<4 | lo
		}
		if ok {
			return unsafeString(out), nil
		}
	}
	return "", d.jerr(at, "%s is not %d hex digits", quote(s), 2*size)
}

// bytesValue reads base64 as protojson does: the standard or URL alphabet,
// with or without padding.
func (d *Decoder) jbytes() (string, error) {
	at := d.pos
	s, err := d.jstr(false)
	if err != nil {
		return "", err
	}
	enc := base64.StdEncoding
	for i := 0; i < len(s); i++ {
		if s[i] == '-' || s[i] == '_' {
			enc = base64.URLEncoding
			break
		}
	}
	if len(s)%4 != 0 {
		enc = enc.WithPadding(base64.NoPadding)
	}
	out := d.c.alloc(enc.DecodedLen(len(s)))
	n, err := enc.Decode(out, unsafeBytes(s))
	if err != nil {
		return "", d.jerr(at, "%s is not base64", quote(s))
	}
	d.c.arena = d.c.arena[:len(d.c.arena)-len(out)+n]
	d.c.arenaUsed -= len(out) - n
	return unsafeString(out[:n]), nil
}

// jenum reads an enum as its number or, in a string, its name, which
// byName looks up; what names the enum for errors.
func (d *Decoder) jenum(what string, byName func(string) (int32, bool)) (int32, error) {
	if d.jws() == '"' {
		at := d.pos
		s, err := d.jstr(false)
		if err != nil {
			return 0, err
		}
		if v, ok := byName(s); ok {
			return v, nil
		}
		return 0, d.jerr(at, "%s is not a %s", quote(s), what)
	}
	v, err := d.jinteger(32, true)
	return int32(v), err
}

func severityByName(s string) (int32, bool) {
	const prefix = "SEVERITY_NUMBER_"
	if len(s) <= len(prefix) || s[:len(prefix)] != prefix {
		return 0, false
	}
	s = s[len(prefix):]
	if s == "UNSPECIFIED" {
		return 0, true
	}
	var n int32
	if c := s[len(s)-1]; '2' <= c && c <= '4' {
		n = int32(c - '1')
		s = s[:len(s)-1]
	}
	switch s {
	case "TRACE":
		return 1 + n, true
	case "DEBUG":
		return 5 + n, true
	case "INFO":
		return 9 + n, true
	case "WARN":
		return 13 + n, true
	case "ERROR":
		return 17 + n, true
	case "FATAL":
		return 21 + n, true
	}
	return 0, false
}

// skip steps over an unknown field's value, checking that it is valid JSON.
func (d *Decoder) jskip(depth int) error {
	switch c := d.jws(); {
	case c == '"':
		_, err := d.jstr(false)
		return err
	case c == '-' || isDigit(c):
		_, err := d.jnumber()
		return err
	case c == '{' || c == '[':
		if depth >= maxSkipDepth {
			return d.jerr(d.pos, "values nest deeper than %d levels", maxSkipDepth)
		}
		if c == '[' {
			d.pos++
			if d.jws() == ']' {
				d.pos++
				return nil
			}
			for {
				if err := d.jskip(depth + 1); err != nil {
					return err
				}
				switch d.jws() {
				case ']':
					d.pos++
					return nil
				case ',':
					d.pos++
				default:
					return d.jerr(d.pos, "want , or ] after an array element, found %s", d.jfound())
				}
			}
		}
		for first := true; ; first = false {
			_, ok, err := d.jmember(first)
			if err != nil || !ok {
				return err
			}
			if err := d.jskip(depth + 1); err != nil {
				return err
			}
		}
	case d.jliteral("true") || d.jliteral("false") || d.jliteral("null"):
		return nil
	}
	return d.jerr(d.pos, "want a value, found %s", d.jfound())
}

// jRequest reads a request whose only known field is the resource list
// name, each element of which resource reads.
func (d *Decoder) jRequest(name string, resource func() error) error {
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil || !more {
			return err
		}
		if isField(k, name) {
			if more, err = d.jfield(&seen, 1, name); more {
				err = d.jarray(name, resource)
			}
		} else {
			err = d.jskip(0)
		}
		if err != nil {
			return err
		}
	}
}

// isField reports whether the member name k names the field whose JSON
// name is camel, in that form or as the proto's snake_case name.
func isField(k, camel string) bool {
	if k == camel {
		return true
	}
	j := 0
	for i := 0; i < len(camel); i++ {
		c := camel[i]
		if 'A' <= c && c <= 'Z' {
			if j >= len(k) || k[j] != '_' {
				return false
			}
			j++
			c += 'a' - 'A'
		}
		if j >= len(k) || k[j] != c {
			return false
		}
		j++
	}
	return j == len(k)
}

func (d *Decoder) jResourceLogs() error {
	r, start := grow(&d.l.Resources), len(d.l.Scopes)
	err := d.jgroup(&r.Resource, nil, &r.SchemaURL, "scopeLogs", d.jScopeLogs)
	r.Scopes = rangeOf(start, len(d.l.Scopes))
	return err
}

// jgroup is group in JSON: it reads the resource or scope (whichever of res
// and sc is set), the children in the array name, each read by child, and
// schemaUrl.
func (d *Decoder) jgroup(res *Resource, sc *Scope, schemaURL *string, name string, child func() error) error {
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil || !more {
			return err
		}
		switch {
		case k == "resource" && res != nil:
			if more, err = d.jfield(&seen, 1, k); more {
				err = within(d.jResource(res), k, -1)
			}
		case k == "scope" && sc != nil:
			if more, err = d.jfield(&seen, 1, k); more {
				err = within(d.jScope(sc), k, -1)
			}
		case isField(k, name):
			if more, err = d.jfield(&seen, 2, name); more {
				err = d.jarray(name, child)
			}
		case k == "schemaUrl" || k == "schema_url":
			if more, err = d.jfield(&seen, 4, "schemaUrl"); more {
				*schemaURL, err = d.jstr(true)
				err = within(err, "schemaUrl", -1)
			}
		default:
			err = d.jskip(0)
		}
		if err != nil {
			return err
		}
	}
}

func (d *Decoder) jResource(r *Resource) error {
	l := d.c
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil || !more {
			return err
		}
		switch k {
		case "attributes":
			if more, err = d.jfield(&seen, 1, "attributes"); more {
				r.Attributes, err = d.jAttributes()
			}
		case "droppedAttributesCount", "dropped_attributes_count":
			if more, err = d.jfield(&seen, 2, "droppedAttributesCount"); more {
				var v uint64
				v, err = d.jinteger(32, false)
				r.DroppedAttributesCount = uint32(v)
				err = within(err, "droppedAttributesCount", -1)
			}
		case "entityRefs", "entity_refs":
			if more, err = d.jfield(&seen, 4, "entityRefs"); more {
				start := int32(len(l.EntityRefs))
				err = d.jarray("entityRefs", d.jEntityRef)
				r.EntityRefs = Range{start, int32(len(l.EntityRefs))}
			}
		default:
			err = d.jskip(0)
		}
		if err != nil {
			return err
		}
	}
}

// jAttributes reads a list of KeyValues at depth 0 into l.KeyValues.
func (d *Decoder) jAttributes() (Range, error) {
	kvs := d.kvs[0][:0]
	err := d.jarray("attributes", func() (err error) {
		kvs, err = d.jKeyValue(kvs, 0)
		return err
	})
	return d.flushKVs(0, kvs), err
}

func (d *Decoder) jEntityRef() error {
	l := d.c
	var e EntityRef
	var seen uint32
	keys := func(name string) (Range, error) {
		r := Range{Start: int32(len(l.Strings))}
		err := d.jarray(name, func() error {
			s, err := d.jstr(true)
			l.Strings = append(l.Strings, s)
			return err
		})
		r.End = int32(len(l.Strings))
		return r, err
	}
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		switch k {
		case "schemaUrl", "schema_url":
			if more, err = d.jfield(&seen, 1, "schemaUrl"); more {
				e.SchemaURL, err = d.jstr(true)
				err = within(err, "schemaUrl", -1)
			}
		case "type":
			if more, err = d.jfield(&seen, 2, "type"); more {
				e.Type, err = d.jstr(true)
				err = within(err, "type", -1)
			}
		case "idKeys", "id_keys":
			if more, err = d.jfield(&seen, 4, "idKeys"); more {
				e.IDKeys, err = keys("idKeys")
			}
		case "descriptionKeys", "description_keys":
			if more, err = d.jfield(&seen, 8, "descriptionKeys"); more {
				e.DescriptionKeys, err = keys("descriptionKeys")
			}
		default:
			err = d.jskip(0)
		}
		if err != nil {
			return err
		}
	}
	l.EntityRefs = append(l.EntityRefs, e)
	return nil
}

func (d *Decoder) jScopeLogs() error {
	s, start := grow(&d.l.Scopes), len(d.l.Records)
	err := d.jgroup(nil, &s.Scope, &s.SchemaURL, "logRecords", d.jLogRecord)
	s.Records = rangeOf(start, len(d.l.Records))
	return err
}

func (d *Decoder) jScope(s *Scope) error {
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil || !more {
			return err
		}
		switch k {
		case "name":
			if more, err = d.jfield(&seen, 1, "name"); more {
				s.Name, err = d.jstr(true)
				err = within(err, "name", -1)
			}
		case "version":
			if more, err = d.jfield(&seen, 2, "version"); more {
				s.Version, err = d.jstr(true)
				err = within(err, "version", -1)
			}
		case "attributes":
			if more, err = d.jfield(&seen, 4, "attributes"); more {
				s.Attributes, err = d.jAttributes()
			}
		case "droppedAttributesCount", "dropped_attributes_count":
			if more, err = d.jfield(&seen, 8, "droppedAttributesCount"); more {
				var v uint64
				v, err = d.jinteger(32, false)
				s.DroppedAttributesCount = uint32(v)
				err = within(err, "droppedAttributesCount", -1)
			}
		default:
			err = d.jskip(0)
		}
		if err != nil {
			return err
		}
	}
}

func (d *Decoder) jLogRecord() error {
	var r LogRecord
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		var v uint64
		var name string
		switch k {
		case "timeUnixNano", "time_unix_nano":
			name = "timeUnixNano"
			if more, err = d.jfield(&seen, 1<<0, name); more {
				r.TimeUnixNano, err = d.jinteger(64, false)
			}
		case "observedTimeUnixNano", "observed_time_unix_nano":
			name = "observedTimeUnixNano"
			if more, err = d.jfield(&seen, 1<<1, name); more {
				r.ObservedTimeUnixNano, err = d.jinteger(64, false)
			}
		case "severityNumber", "severity_number":
			name = "severityNumber"
			if more, err = d.jfield(&seen, 1<<2, name); more {
				r.SeverityNumber, err = d.jenum("SeverityNumber", severityByName)
			}
		case "severityText", "severity_text":
			name = "severityText"
			if more, err = d.jfield(&seen, 1<<3, name); more {
				r.SeverityText, err = d.jstr(true)
			}
		case "body":
			name = "body"
			if more, err = d.jfield(&seen, 1<<4, name); more {
				err = d.jAnyValue(&r.Body, 0)
			}
		case "attributes":
			if more, err = d.jfield(&seen, 1<<5, "attributes"); more {
				r.Attributes, err = d.jAttributes()
			}
		case "droppedAttributesCount", "dropped_attributes_count":
			name = "droppedAttributesCount"
			if more, err = d.jfield(&seen, 1<<6, name); more {
				v, err = d.jinteger(32, false)
				r.DroppedAttributesCount = uint32(v)
			}
		case "flags":
			name = "flags"
			if more, err = d.jfield(&seen, 1<<7, name); more {
				v, err = d.jinteger(32, false)
				r.Flags = uint32(v)
			}
		case "traceId", "trace_id":
			name = "traceId"
			if more, err = d.jfield(&seen, 1<<8, name); more {
				r.TraceID, err = d.jid(16)
			}
		case "spanId", "span_id":
			name = "spanId"
			if more, err = d.jfield(&seen, 1<<9, name); more {
				r.SpanID, err = d.jid(8)
			}
		case "eventName", "event_name":
			name = "eventName"
			if more, err = d.jfield(&seen, 1<<10, name); more {
				r.EventName, err = d.jstr(true)
			}
		default:
			err = d.jskip(0)
		}
		if err != nil {
			if more && name != "" { // field() names its own errors
				err = within(err, name, -1)
			}
			return err
		}
	}
	d.l.Records = append(d.l.Records, r)
	return nil
}

// jKeyValue reads one KeyValue at nesting depth and appends it to kvs.
func (d *Decoder) jKeyValue(kvs []KeyValue, depth int) ([]KeyValue, error) {
	var kv KeyValue
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil {
			return kvs, err
		}
		if !more {
			break
		}
		switch k {
		case "key":
			if more, err = d.jfield(&seen, 1, "key"); more {
				kv.Key, err = d.jstr(true)
				err = within(err, "key", -1)
			}
		case "value":
			if more, err = d.jfield(&seen, 2, "value"); more {
				err = within(d.jAnyValue(&kv.Value, depth), "value", -1)
			}
		case "keyStrindex", "key_strindex":
			if more, err = d.jfield(&seen, 4, "keyStrindex"); more {
				var v uint64
				v, err = d.jinteger(32, true)
				kv.KeyStrindex = int32(v)
				err = within(err, "keyStrindex", -1)
			}
		default:
			err = d.jskip(0)
		}
		if err != nil {
			return kvs, err
		}
	}
	return append(kvs, kv), nil
}

// anyValueFields are AnyValue's JSON names, by Kind.
var anyValueFields = [...]string{
	KindString:   "stringValue",
	KindBool:     "boolValue",
	KindInt:      "intValue",
	KindDouble:   "doubleValue",
	KindArray:    "arrayValue",
	KindKVList:   "kvlistValue",
	KindBytes:    "bytesValue",
	KindStrindex: "stringValueStrindex",
}

// jAnyValue reads an AnyValue found at nesting depth; its array elements and
// kvlist entries are collected at depth+1.
func (d *Decoder) jAnyValue(out *Value, depth int) error {
	var v Value
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		var kind Kind
		switch k {
		case "stringValue", "string_value":
			kind = KindString
		case "boolValue", "bool_value":
			kind = KindBool
		case "intValue", "int_value":
			kind = KindInt
		case "doubleValue", "double_value":
			kind = KindDouble
		case "arrayValue", "array_value":
			kind = KindArray
		case "kvlistValue", "kvlist_value":
			kind = KindKVList
		case "bytesValue", "bytes_value":
			kind = KindBytes
		case "stringValueStrindex", "string_value_strindex":
			kind = KindStrindex
		default:
			if err := d.jskip(0); err != nil {
				return err
			}
			continue
		}
		name := anyValueFields[kind]
		if more, err = d.jfield(&seen, 1<<kind, name); !more {
			if err != nil {
				return err
			}
			continue
		}
		if v.Kind != KindEmpty {
			return within(d.jerr(d.keyAt, "%s is set too: only one value may be", anyValueFields[v.Kind]), name, -1)
		}
		v.Kind = kind
		var u uint64
		var b bool
		switch kind {
		case KindString:
			v.Str, err = d.jstr(true)
		case KindBool:
			if b, err = d.jbool(); b {
				v.Num = 1
			}
		case KindInt:
			v.Num, err = d.jinteger(64, true)
		case KindDouble:
			var f float64
			f, err = d.jdouble()
			v.Num = math.Float64bits(f)
		case KindArray, KindKVList:
			if depth >= MaxDepth {
				err = d.jerr(d.pos, "values nest deeper than %d levels", MaxDepth)
			} else if kind == KindArray {
				v.Children, err = d.jArrayValue(depth + 1)
			} else {
				v.Children, err = d.jKVListValue(depth + 1)
			}
		case KindBytes:
			v.Str, err = d.jbytes()
		case KindStrindex:
			u, err = d.jinteger(32, true)
			v.Num = uint64(int64(int32(u)))
		}
		if err != nil {
			return within(err, name, -1)
		}
	}
	*out = v
	return nil
}

func (d *Decoder) jArrayValue(depth int) (Range, error) {
	vals := d.vals[depth][:0]
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil {
			return Range{}, err
		}
		if !more {
			break
		}
		if k != "values" {
			if err := d.jskip(0); err != nil {
				return Range{}, err
			}
			continue
		}
		if more, err = d.jfield(&seen, 1, "values"); more {
			err = d.jarray("values", func() error {
				vals = append(vals, Value{})
				return d.jAnyValue(&vals[len(vals)-1], depth)
			})
		}
		if err != nil {
			return Range{}, err
		}
	}
	d.vals[depth] = vals[:0]
	l := d.c
	r := Range{Start: int32(len(l.Values))}
	l.Values = append(l.Values, vals...)
	r.End = int32(len(l.Values))
	return r, nil
}

func (d *Decoder) jKVListValue(depth int) (Range, error) {
	kvs := d.kvs[depth][:0]
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil {
			return Range{}, err
		}
		if !more {
			break
		}
		if k != "values" {
			if err := d.jskip(0); err != nil {
				return Range{}, err
			}
			continue
		}
		if more, err = d.jfield(&seen, 1, "values"); more {
			err = d.jarray("values", func() (err error) {
				kvs, err = d.jKeyValue(kvs, depth)
				return err
			})
		}
		if err != nil {
			return Range{}, err
		}
	}
	return d.flushKVs(depth, kvs), nil
}

// alloc returns n bytes of l's memory for a decoded value.
func (l *Common) alloc(n int) []byte {
	if cap(l.arena)-len(l.arena) < n {
		// A new chunk: strings in the old one stay valid.
		size := max(n, 2*cap(l.arena), l.arenaHint, 512)
		l.arena = make([]byte, 0, size)
	}
	start := len(l.arena)
	l.arena = l.arena[:start+n]
	l.arenaUsed += n
	return l.arena[start : start+n : start+n]
}

// keep copies b into l's memory.
func (l *Common) keep(b []byte) string {
	out := l.alloc(len(b))
	copy(out, b)
	return unsafeString(out)
}

func unsafeBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// quote quotes s for an error message, shortened if long.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		i := max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		return strconv.Quote(s[:i]) + "..."
	}
	return strconv.Quote(s)
}

package otlp

import (
	"strconv"
	"strings"
)

// Error is a malformed request: what is wrong, where in the message tree, and
// at which byte (protobuf) or line (JSON Lines) of the input.
type Error struct {
	Format string // "protobuf", "json" or "jsonl"
	Offset int    // byte offset in the input, -1 when unknown
	Line   int    // JSON Lines: 1-based line number, 0 otherwise
	Msg    string
	path   []pathElem // innermost first
}

type pathElem struct {
	name  string
	index int // -1 when the field is not repeated
}

// Path is the field path of the error, such as
// "resource_logs[0].scope_logs[2].log_records[5].trace_id".
func (e *Error) Path() string {
	var sb strings.Builder
	for i := len(e.path) - 1; i >= 0; i-- {
		p := e.path[i]
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(p.name)
		if p.index >= 0 {
			sb.WriteByte('[')
			sb.WriteString(strconv.Itoa(p.index))
			sb.WriteByte(']')
		}
	}
	return sb.String()
}

func (e *Error) Error() string {
	var sb strings.Builder
	sb.WriteString("otlp: invalid ")
	sb.WriteString(e.Format)
	if e.Line > 0 {
		sb.WriteString(" line ")
		sb.WriteString(strconv.Itoa(e.Line))
	}
	if p := e.Path(); p != "" {
		sb.WriteString(" at ")
		sb.WriteString(p)
	}
	if e.Offset >= 0 {
		sb.WriteString(" (byte ")
		sb.WriteString(strconv.Itoa(e.Offset))
		sb.WriteByte(')')
	}
	sb.WriteString(": ")
	sb.WriteString(e.Msg)
	return sb.String()
}

// within records that err happened inside the field name (index i, or -1).
// Only its nil check is inlined into the decoders' many call sites: the rest,
// out of line, keeps about 4 KB off the WebAssembly build's gzip size.
func within(err error, name string, i int) error {
	if err != nil {
		addPath(err, name, i)
	}
	return err
}

//go:noinline
func addPath(err error, name string, i int) {
	if e, ok := err.(*Error); ok {
		e.path = append(e.path, pathElem{name, i})
	}
}

// Package fmtlite formats error messages like fmt for the verbs and types the WebAssembly build's packages use, without fmt's reflection (about 60 KB of the Worker's gzip size).
//
// Verbs: %s, %v, %q, %d, %x (%#x), %c, %w (Errorf) and %%, without width,
// precision or other flags. Arguments: string, []byte (not with %v), bool, the built-in
// integer types, error and Stringer (error first, as in fmt), nil. Other
// types, such as named integers without a String method, cannot be read
// without reflection: convert them (int(n)). A verb that does not fit its
// argument prints "%!d(unsupported)"; TestCallSites (check_test.go) keeps every
// call in the module within these rules, as go vet's printf check would.
package fmtlite

import (
	"strconv"
	"unicode/utf8"
)

// Stringer is fmt.Stringer.
type Stringer interface{ String() string }

// Sprintf formats like fmt.Sprintf within the package's rules.
func Sprintf(format string, args ...any) string {
	b, _ := appendf(nil, format, args, false)
	return string(b)
}

// Appendf appends like fmt.Appendf within the package's rules.
func Appendf(b []byte, format string, args ...any) []byte {
	b, _ = appendf(b, format, args, false)
	return b
}

// Errorf is fmt.Errorf within the package's rules: with a %w operand the
// error wraps it (errors.Is, errors.As), with several it wraps them all.
func Errorf(format string, args ...any) error {
	b, wrapped := appendf(nil, format, args, true)
	switch len(wrapped) {
	case 0:
		return &plainError{string(b)}
	case 1:
		return &wrapError{string(b), wrapped[0]}
	default:
		return &wrapErrors{string(b), wrapped}
	}
}

type plainError struct{ msg string }

func (e *plainError) Error() string { return e.msg }

type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }
func (e *wrapError) Unwrap() error { return e.err }

type wrapErrors struct {
	msg  string
	errs []error
}

func (e *wrapErrors) Error() string   { return e.msg }
func (e *wrapErrors) Unwrap() []error { return e.errs }

func appendf(b []byte, format string, args []any, wrap bool) ([]byte, []error) {
	var wrapped []error
	n := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		i++
		sharp := false
		if i < len(format) && format[i] == '#' {
			sharp = true
			i++
		}
		if i >= len(format) {
			b = append(b, "%!(NOVERB)"...)
			break
		}
		verb := format[i]
		if verb == '%' {
			b = append(b, '%')
			continue
		}
		if n >= len(args) {
			b = append(b, '%', '!', verb)
			b = append(b, "(MISSING)"...)
			continue
		}
		arg := args[n]
		n++
		if verb == 'w' {
			if err, ok := arg.(error); ok && wrap {
				wrapped = append(wrapped, err)
				verb = 'v'
			} else {
				b = append(b, "%!w("...)
				b = appendArg(b, arg, 'v', false)
				b = append(b, ')')
				continue
			}
		}
		b = appendArg(b, arg, verb, sharp)
	}
	if n < len(args) {
		b = append(b, "%!(EXTRA)"...)
	}
	return b, wrapped
}

func appendArg(b []byte, arg any, verb byte, sharp bool) []byte {
	var s string
	switch a := arg.(type) {
	case nil:
		if verb == 'v' {
			return append(b, "<nil>"...)
		}
		return append(append(b, '%', '!', verb), "(<nil>)"...)
	case string:
		s = a
	case []byte:
		if verb == 'v' {
			return bad(b, verb) // fmt prints the numbers
		}
		s = string(a)
	case error:
		s = a.Error()
	case Stringer:
		s = a.String()
	case bool:
		if verb != 'v' {
			return bad(b, verb)
		}
		return strconv.AppendBool(b, a)
	case int:
		return appendInt(b, int64(a), verb, sharp)
	case int8:
		return appendInt(b, int64(a), verb, sharp)
	case int16:
		return appendInt(b, int64(a), verb, sharp)
	case int32:
		return appendInt(b, int64(a), verb, sharp)
	case int64:
		return appendInt(b, a, verb, sharp)
	case uint:
		return appendUint(b, uint64(a), verb, sharp)
	case uint8:
		return appendUint(b, uint64(a), verb, sharp)
	case uint16:
		return appendUint(b, uint64(a), verb, sharp)
	case uint32:
		return appendUint(b, uint64(a), verb, sharp)
	case uint64:
		return appendUint(b, a, verb, sharp)
	default:
		return bad(b, verb)
	}
	switch verb {
	case 's', 'v':
		return append(b, s...)
	case 'q':
		return strconv.AppendQuote(b, s)
	}
	return bad(b, verb)
}

func appendInt(b []byte, v int64, verb byte, sharp bool) []byte {
	switch {
	case verb == 'd' || verb == 'v':
		return strconv.AppendInt(b, v, 10)
	case v >= 0:
		return appendUint(b, uint64(v), verb, sharp)
	case verb == 'x':
		return appendUint(append(b, '-'), uint64(-v), verb, sharp)
	case verb == 'c':
		return utf8.AppendRune(b, utf8.RuneError)
	}
	return bad(b, verb)
}

func appendUint(b []byte, v uint64, verb byte, sharp bool) []byte {
	switch verb {
	case 'd', 'v':
		return strconv.AppendUint(b, v, 10)
	case 'x':
		if sharp {
			b = append(b, "0x"...)
		}
		return strconv.AppendUint(b, v, 16)
	case 'c':
		if v > utf8.MaxRune {
			v = utf8.RuneError
		}
		return utf8.AppendRune(b, rune(v))
	}
	return bad(b, verb)
}

func bad(b []byte, verb byte) []byte {
	return append(append(b, '%', '!', verb), "(unsupported)"...)
}

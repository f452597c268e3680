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
	var (
		i        int64
		u        uint64
		unsigned bool
	)
	switch a := arg.(type) {
	case nil:
		if verb == 'v' {
			return append(b, "<nil>"...)
		}
		return append(append(b, '%', '!', verb), "(<nil>)"...)
	case string:
		return appendString(b, a, verb)
	case []byte:
		if verb == 'v' {
			return bad(b, verb) // fmt prints the numbers
		}
		return appendString(b, string(a), verb)
	case error:
		return appendString(b, a.Error(), verb)
	case Stringer:
		return appendString(b, a.String(), verb)
	case bool:
		if verb != 'v' {
			return bad(b, verb)
		}
		return strconv.AppendBool(b, a)
	case int:
		i = int64(a)
	case int8:
		i = int64(a)
	case int16:
		i = int64(a)
	case int32:
		i = int64(a)
	case int64:
		i = a
	case uint:
		u, unsigned = uint64(a), true
	case uint8:
		u, unsigned = uint64(a), true
	case uint16:
		u, unsigned = uint64(a), true
	case uint32:
		u, unsigned = uint64(a), true
	case uint64:
		u, unsigned = a, true
	default:
		return bad(b, verb)
	}
	// An integer: its magnitude in u, its sign in neg.
	neg := !unsigned && i < 0
	if !unsigned {
		u = uint64(i)
		if neg {
			u = -u
		}
	}
	switch verb {
	case 'd', 'v', 'x':
		if neg {
			b = append(b, '-')
		}
		base := 10
		if verb == 'x' {
			base = 16
			if sharp {
				b = append(b, "0x"...)
			}
		}
		return strconv.AppendUint(b, u, base)
	case 'c':
		r := utf8.RuneError
		if !neg && u <= utf8.MaxRune {
			r = rune(u)
		}
		return utf8.AppendRune(b, r)
	}
	return bad(b, verb)
}

func appendString(b []byte, s string, verb byte) []byte {
	switch verb {
	case 's', 'v':
		return append(b, s...)
	case 'q':
		return strconv.AppendQuote(b, s)
	}
	return bad(b, verb)
}

func bad(b []byte, verb byte) []byte {
	return append(append(b, '%', '!', verb), "(unsupported)"...)
}

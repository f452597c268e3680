package fmtlite

import (
	"errors"
	"fmt"
	"io"
	"math"
	"testing"
	"time"
)

type stringer struct{}

func (stringer) String() string { return "str\"ing" }

type both struct{}

func (both) String() string { return "string" }
func (both) Error() string  { return "error" }

// TestSameAsFmt: every verb on every supported type gives fmt's text.
func TestSameAsFmt(t *testing.T) {
	ints := []any{0, -1, 7, math.MaxInt64, math.MinInt64, int8(-8), int16(300), int32(-5), int64(1 << 40),
		uint(9), uint8(0xab), uint16(65535), uint32(1 << 31), uint64(math.MaxUint64), 'é', byte('\n')}
	strs := []any{"", "plain", "quote\"and\\back\n\x00\xff", []byte("bytes\t"), io.ErrUnexpectedEOF,
		errors.New("err \"q\""), stringer{}, both{}, 1500 * time.Millisecond}
	cases := []struct {
		format string
		args   []any
	}{
		{"no verbs 100%%", nil},
		{"%v", []any{true}}, {"%v", []any{false}}, {"%v", []any{nil}}, {"%v", []any{error(nil)}},
		{"%d and %v", []any{3, 4}}, {"%s %q", []any{"a", "b"}},
		{"%d", nil},
	}
	for _, v := range ints {
		for _, f := range []string{"%d", "%v", "%x", "%#x", "%c", "at %d: %v."} {
			cases = append(cases, struct {
				format string
				args   []any
			}{f, []any{v, v}[:1+len(f)/8]})
		}
	}
	for _, v := range strs {
		for _, f := range []string{"%s", "%v", "%q", "x %s y"} {
			if _, ok := v.([]byte); ok && f == "%v" {
				continue // fmt prints the numbers: unsupported
			}
			cases = append(cases, struct {
				format string
				args   []any
			}{f, []any{v}})
		}
	}
	for _, c := range cases {
		want := fmt.Sprintf(c.format, c.args...)
		if got := Sprintf(c.format, c.args...); got != want {
			t.Errorf("Sprintf(%q, %#v) = %q, fmt %q", c.format, c.args, got, want)
		}
		if got := string(Appendf([]byte("p:"), c.format, c.args...)); got != "p:"+want {
			t.Errorf("Appendf(%q, %#v) = %q, fmt %q", c.format, c.args, got, "p:"+want)
		}
	}
}

func TestErrorf(t *testing.T) {
	base := io.ErrUnexpectedEOF
	other := errors.New("other")
	for _, c := range []struct {
		format string
		args   []any
		is     []error
	}{
		{"plain %d", []any{1}, nil},
		{"wrap: %w", []any{base}, []error{base}},
		{"wrap %q: %w", []any{"k", base}, []error{base}},
		{"%w and %w", []any{base, other}, []error{base, other}},
		{"nil: %w", []any{nil}, nil},
	} {
		err := Errorf(c.format, c.args...)
		want := fmt.Errorf(c.format, c.args...)
		if err.Error() != want.Error() {
			t.Errorf("Errorf(%q) = %q, fmt %q", c.format, err, want)
		}
		for _, target := range c.is {
			if !errors.Is(err, target) {
				t.Errorf("Errorf(%q) does not wrap %v", c.format, target)
			}
		}
		if len(c.is) == 0 && errors.Unwrap(err) != nil {
			t.Errorf("Errorf(%q) wraps %v", c.format, errors.Unwrap(err))
		}
	}
	var pe *pathError
	if err := Errorf("x: %w", &pathError{"p"}); !errors.As(err, &pe) || pe.path != "p" {
		t.Errorf("errors.As through Errorf: %v", err)
	}
}

type pathError struct{ path string }

func (e *pathError) Error() string { return "path " + e.path }

// TestUnsupported: what does not fit says so rather than printing something
// misleading.
func TestUnsupported(t *testing.T) {
	type named int
	for _, c := range []struct {
		format string
		arg    any
		want   string
	}{
		{"%d", named(3), "%!d(unsupported)"},
		{"%d", "s", "%!d(unsupported)"},
		{"%s", 1.5, "%!s(unsupported)"},
		{"%d", nil, "%!d(<nil>)"},
		{"%", nil, "%!(NOVERB)%!(EXTRA)"},
		{"%d", 1, "1"},
		{"%d %d", 1, "1 %!d(MISSING)"},
		{"%v", []byte("b"), "%!v(unsupported)"},
	} {
		if got := Sprintf(c.format, c.arg); got != c.want {
			t.Errorf("Sprintf(%q, %#v) = %q, want %q", c.format, c.arg, got, c.want)
		}
	}
}

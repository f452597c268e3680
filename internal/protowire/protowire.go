// Package protowire is the part of google.golang.org/protobuf/encoding/protowire that the OTLP decoders use, with the same names and results, without that module's error package (which links fmt, reflect and os into the WebAssembly build).
package protowire

import (
	"errors"
	"io"
	"math/bits"
)

// Number is a field number.
type Number int32

// The valid field numbers.
const (
	MinValidNumber Number = 1
	MaxValidNumber Number = 1<<29 - 1
)

// Type is a wire type.
type Type int8

// The wire types.
const (
	VarintType     Type = 0
	Fixed32Type    Type = 5
	Fixed64Type    Type = 1
	BytesType      Type = 2
	StartGroupType Type = 3
	EndGroupType   Type = 4
)

// recursionLimit bounds nested groups, as protowire.DefaultRecursionLimit.
const recursionLimit = 10000

// The negative lengths of the Consume functions: the same codes as protowire's.
const (
	_ = -iota
	errCodeTruncated
	errCodeFieldNumber
	errCodeOverflow
	errCodeReserved
	errCodeEndGroup
	errCodeRecursionDepth
)

var (
	errFieldNumber = errors.New("invalid field number")
	errOverflow    = errors.New("variable length integer overflow")
	errReserved    = errors.New("cannot parse reserved wire type")
	errEndGroup    = errors.New("mismatching end group marker")
	errParse       = errors.New("parse error")
)

// ParseError is the error of a negative length n returned by a Consume
// function (nil when n >= 0). Its texts are protowire's without the
// "proto: " prefix; a truncated input is io.ErrUnexpectedEOF.
//
//go:noinline
func ParseError(n int) error {
	if n >= 0 {
		return nil
	}
	switch n {
	case errCodeTruncated:
		return io.ErrUnexpectedEOF
	case errCodeFieldNumber:
		return errFieldNumber
	case errCodeOverflow:
		return errOverflow
	case errCodeReserved:
		return errReserved
	case errCodeEndGroup:
		return errEndGroup
	default:
		return errParse
	}
}

// ConsumeFieldValue returns the length of the value of a field of number num
// and wire type typ at the start of b (of a group: up to and including its
// end marker, which must match num), or a negative error code.
func ConsumeFieldValue(num Number, typ Type, b []byte) int {
	return consumeFieldValue(num, typ, b, recursionLimit)
}

func consumeFieldValue(num Number, typ Type, b []byte, depth int) int {
	switch typ {
	case VarintType:
		_, n := ConsumeVarint(b)
		return n
	case Fixed32Type:
		_, n := ConsumeFixed32(b)
		return n
	case Fixed64Type:
		_, n := ConsumeFixed64(b)
		return n
	case BytesType:
		_, n := ConsumeBytes(b)
		return n
	case StartGroupType:
		if depth < 0 {
			return errCodeRecursionDepth
		}
		n0 := len(b)
		for {
			num2, typ2, n := ConsumeTag(b)
			if n < 0 {
				return n
			}
			b = b[n:]
			if typ2 == EndGroupType {
				if num != num2 {
					return errCodeEndGroup
				}
				return n0 - len(b)
			}
			n = consumeFieldValue(num2, typ2, b, depth-1)
			if n < 0 {
				return n
			}
			b = b[n:]
		}
	case EndGroupType:
		return errCodeEndGroup
	default:
		return errCodeReserved
	}
}

// ConsumeTag reads a field tag: its number, wire type and length, or a
// negative error code.
func ConsumeTag(b []byte) (Number, Type, int) {
	v, n := ConsumeVarint(b)
	if n < 0 {
		return 0, 0, n
	}
	if v>>3 > 1<<31-1 || v>>3 < uint64(MinValidNumber) {
		return 0, 0, errCodeFieldNumber
	}
	return Number(v >> 3), Type(v & 7), n
}

// ConsumeVarint reads a varint of at most 10 bytes: its value and length,
// or a negative error code.
func ConsumeVarint(b []byte) (v uint64, n int) {
	for i := 0; i < len(b) && i < 10; i++ {
		c := b[i]
		if i == 9 {
			if c > 1 {
				return 0, errCodeOverflow
			}
			return v | uint64(c)<<63, 10
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, errCodeTruncated
}

// ConsumeFixed32 reads a little-endian uint32: its value and length (4), or
// a negative error code.
func ConsumeFixed32(b []byte) (uint32, int) {
	if len(b) < 4 {
		return 0, errCodeTruncated
	}
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24, 4
}

// ConsumeFixed64 reads a little-endian uint64: its value and length (8), or
// a negative error code.
func ConsumeFixed64(b []byte) (uint64, int) {
	if len(b) < 8 {
		return 0, errCodeTruncated
	}
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56, 8
}

// ConsumeBytes reads a length-prefixed value: the value and the length read
// in all, or a negative error code.
func ConsumeBytes(b []byte) ([]byte, int) {
	m, n := ConsumeVarint(b)
	if n < 0 {
		return nil, n
	}
	if m > uint64(len(b[n:])) {
		return nil, errCodeTruncated
	}
	return b[n:][:m], n + int(m)
}

// AppendVarint appends v as a varint.
func AppendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// AppendTag appends the tag of field num with wire type typ.
func AppendTag(b []byte, num Number, typ Type) []byte {
	return AppendVarint(b, uint64(num)<<3|uint64(typ&7))
}

// AppendString appends v with its length as a varint before it.
func AppendString(b []byte, v string) []byte {
	return append(AppendVarint(b, uint64(len(v))), v...)
}

// SizeVarint is the length of v as a varint, 1 to 10.
func SizeVarint(v uint64) int {
	return (bits.Len64(v|1) + 6) / 7
}

// SizeTag is the length of the tag of field num.
func SizeTag(num Number) int {
	return SizeVarint(uint64(num) << 3)
}

// SizeBytes is the length of a length-prefixed value of n bytes.
func SizeBytes(n int) int {
	return SizeVarint(uint64(n)) + n
}

// DecodeZigZag decodes a zig-zag-encoded uint64 as an int64 (sint32, sint64).
func DecodeZigZag(x uint64) int64 {
	return int64(x>>1) ^ int64(x)<<63>>63
}

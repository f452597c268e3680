package pqenc

import (
	"encoding/binary"
	"math/bits"
)

// appendHybrid appends the RLE/bit-packing hybrid encoding of vals (each
// fitting in bw bits, 1 <= bw <= 32) to dst. Runs of at least 8 equal values
// become RLE runs; everything else is bit-packed in groups of 8 (the final
// group is zero-padded, which readers ignore because the page header carries
// the value count).
func appendHybrid[T uint8 | int32](dst []byte, vals []T, bw int) []byte {
	n := len(vals)
	lit := 0 // first value not yet written
	// A run of 8 or more equal values holds two of the probes q, q+4, ...
	// that are 4 apart and equal: probing every fourth value finds every
	// such run, and the runs found are the maximal ones, in order.
	for q := 0; q+4 < n; {
		v := vals[q]
		if vals[q+4] != v {
			q += 4
			continue
		}
		i := q
		for i > lit && vals[i-1] == v {
			i--
		}
		j := runEnd(vals, q+1, v)
		if j-i < 8 {
			q = j
			continue
		}
		// Complete the pending literal groups with values of the run so that
		// the bit-packed run holds a multiple of 8 values.
		if r := (i - lit) & 7; r != 0 {
			i += 8 - r
		}
		if i > lit {
			dst = appendBitPacked(dst, vals[lit:i], bw)
		}
		dst = binary.AppendUvarint(dst, uint64(j-i)<<1)
		for b := 0; b < bw; b += 8 {
			dst = append(dst, byte(uint32(v)>>b))
		}
		lit, q = j, j
	}
	if lit < n {
		dst = appendBitPacked(dst, vals[lit:], bw)
	}
	return dst
}

// runEnd returns the end of the run of v in vals that continues at j.
func runEnd[T uint8 | int32](vals []T, j int, v T) int {
	if b, ok := any(vals).([]uint8); ok {
		// Levels: eight at a time.
		vv := uint64(uint8(v)) * lo8
		for j+8 <= len(b) {
			if x := binary.LittleEndian.Uint64(b[j:]) ^ vv; x != 0 {
				return j + bits.TrailingZeros64(x)/8
			}
			j += 8
		}
	}
	for j < len(vals) && vals[j] == v {
		j++
	}
	return j
}

// appendBitPacked appends one bit-packed run (header included) holding vals,
// padded with zeros to a multiple of 8 values.
func appendBitPacked[T uint8 | int32](dst []byte, vals []T, bw int) []byte {
	groups := (len(vals) + 7) / 8
	dst = binary.AppendUvarint(dst, uint64(groups)<<1|1)
	full := len(vals) &^ 7
	var last [8]T
	copy(last[:], vals[full:])
	if bw <= 8 {
		// Eight values fit in one 64-bit word.
		for k := 0; k < groups*8; k += 8 {
			g := last[:]
			if k < full {
				g = vals[k : k+8 : k+8]
			}
			_ = g[7]
			w := uint64(g[0]) | uint64(g[1])<<bw | uint64(g[2])<<(2*bw) | uint64(g[3])<<(3*bw) |
				uint64(g[4])<<(4*bw) | uint64(g[5])<<(5*bw) | uint64(g[6])<<(6*bw) | uint64(g[7])<<(7*bw)
			dst = binary.LittleEndian.AppendUint64(dst, w)
			dst = dst[:len(dst)-8+bw]
		}
		return dst
	}
	var acc uint64
	nb := 0
	for k := 0; k < groups*8; k += 8 {
		g := last[:]
		if k < full {
			g = vals[k : k+8 : k+8]
		}
		for _, v := range g {
			acc |= uint64(uint32(v)) << nb
			nb += bw
			if nb >= 32 {
				dst = binary.LittleEndian.AppendUint32(dst, uint32(acc))
				acc >>= 32
				nb -= 32
			}
		}
	}
	// 8*bw bits per group is a whole number of bytes.
	for ; nb > 0; nb -= 8 {
		dst = append(dst, byte(acc))
		acc >>= 8
	}
	return dst
}

// appendBools appends PLAIN-encoded booleans (bit-packed, LSB first) from
// bytes holding 0 or 1.
func appendBools(dst []byte, vals []byte) []byte {
	for k := 0; k < len(vals); k += 8 {
		var b byte
		for j := 0; j < 8 && k+j < len(vals); j++ {
			b |= vals[k+j] << j
		}
		dst = append(dst, b)
	}
	return dst
}

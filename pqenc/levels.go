package pqenc

import (
	"encoding/binary"
	"math/bits"
)

// Levels are validated and counted eight at a time, as the bytes of a
// uint64 ("SIMD within a register"). The byte-wise comparisons below are
// exact for bytes below 0x80 (no carry crosses a byte); every fast path
// first checks that no byte has its top bit set, and any doubt sends the
// caller to the byte-by-byte path, which alone reports errors.
const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// gt8 has the top bit of each byte of x (< 0x80) that is greater than c (< 0x80).
func gt8(x uint64, c uint8) uint64 { return (x + uint64(0x7f-c)*lo8) & hi8 }

// ge8 has the top bit of each byte of x (< 0x80) that is at least c (<= 0x80).
func ge8(x uint64, c uint8) uint64 { return (x + uint64(0x80-uint(c))*lo8) & hi8 }

// nz8 has the top bit of each nonzero byte of x (< 0x80).
func nz8(x uint64) uint64 { return (x + 0x7f*lo8) & hi8 }

// eq8 has the top bit of each byte of x (< 0x80) equal to c (< 0x80).
func eq8(x uint64, c uint8) uint64 { return hi8 &^ nz8(x^uint64(c)*lo8) }

func load64(b []uint8, i int) uint64 { return binary.LittleEndian.Uint64(b[i:]) }

// countLevel counts the levels equal to want.
func countLevel(lv []uint8, want uint8) int {
	n := 0
	i := 0
	if want < 0x80 {
		for ; i+8 <= len(lv); i += 8 {
			x := load64(lv, i)
			if x&hi8 != 0 {
				break
			}
			n += bits.OnesCount64(eq8(x, want))
		}
	}
	for _, d := range lv[i:] {
		if d == want {
			n++
		}
	}
	return n
}

// checkDefs validates the definition levels of a non-repeated column and
// counts the defined values; ok is false when a level exceeds maxDef (the
// caller then finds which).
func checkDefs(def []uint8, maxDef uint8) (vals int, ok bool) {
	i := 0
	var bad uint64
	for ; i+8 <= len(def); i += 8 {
		x := load64(def, i)
		bad |= x&hi8 | gt8(x, maxDef)
		vals += bits.OnesCount64(eq8(x, maxDef))
	}
	for _, d := range def[i:] {
		if d > maxDef {
			return 0, false
		}
		if d == maxDef {
			vals++
		}
	}
	return vals, bad == 0
}

// checkRep1 is checkRepeated's fast path for leaves with one repeated
// ancestor (MaxRep 1, so a repeated slot needs definition level need for
// itself and its predecessor). ok is false when anything may be invalid.
func checkRep1(def, rep []uint8, maxDef, need uint8) (rows, vals int, ok bool) {
	var bad, prevLast uint64
	repeated := 0
	i := 0
	for ; i+8 <= len(rep); i += 8 {
		r, d := load64(rep, i), load64(def, i)
		p := d<<8 | prevLast // the previous slot's definition level, byte by byte
		prevLast = d >> 56
		nz := nz8(r)
		bad |= (r|d)&hi8 | gt8(d, maxDef) | gt8(r, 1) | nz&^(ge8(d, need)&ge8(p, need))
		repeated += bits.OnesCount64(nz)
		vals += bits.OnesCount64(eq8(d, maxDef))
	}
	if bad != 0 {
		return 0, 0, false
	}
	prev := uint8(prevLast)
	for ; i < len(rep); i++ {
		r, d := rep[i], def[i]
		if d > maxDef || r > 1 || r == 1 && (i == 0 || d < need || prev < need) {
			return 0, 0, false
		}
		if r != 0 {
			repeated++
		}
		if d == maxDef {
			vals++
		}
		prev = d
	}
	return len(rep) - repeated, vals, true
}

// sameDefsUpTo reports whether min(a[i], lim) == min(b[i], lim) for all i
// (len(a) == len(b)); false may also mean "not sure".
func sameDefsUpTo(a, b []uint8, lim uint8) bool {
	if lim >= 0x80 {
		return false
	}
	limB := uint64(lim) * lo8
	clamp := func(x uint64) uint64 {
		m := gt8(x, lim) >> 7 * 0xff
		return x&^m | limB&m
	}
	i := 0
	for ; i+8 <= len(a); i += 8 {
		x, y := load64(a, i), load64(b, i)
		if (x|y)&hi8 != 0 || clamp(x) != clamp(y) {
			return false
		}
	}
	for ; i < len(a); i++ {
		if min(a[i], lim) != min(b[i], lim) {
			return false
		}
	}
	return true
}

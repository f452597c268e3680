package pqenc

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// The word-at-a-time level checks agree with byte-by-byte ones on random
// levels, valid and not, including bytes with the top bit set.
func TestLevelsWordwise(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	level := func(max uint8) uint8 {
		switch r.IntN(40) {
		case 0:
			return max + 1
		case 1:
			return uint8(0x80 + r.IntN(128))
		}
		return uint8(r.IntN(int(max) + 1))
	}
	for iter := range 20000 {
		n := r.IntN(40)
		maxDef := uint8(1 + r.IntN(4))
		need := uint8(1 + r.IntN(int(maxDef)))
		def, rep, def2 := make([]uint8, n), make([]uint8, n), make([]uint8, n)
		clean := iter%2 == 0
		for i := range def {
			if clean {
				def[i] = uint8(r.IntN(int(maxDef) + 1))
				rep[i] = uint8(r.IntN(2))
				if i == 0 {
					rep[i] = 0
				}
				if rep[i] == 1 && (def[i] < need || def[i-1] < need) {
					def[i] = need + uint8(r.IntN(int(maxDef-need)+1))
					def[i-1] = max(def[i-1], need)
				}
			} else {
				def[i], rep[i] = level(maxDef), level(1)
			}
			def2[i] = def[i]
			if r.IntN(10) == 0 {
				if clean {
					def2[i] = uint8(r.IntN(int(maxDef) + 2))
				} else {
					def2[i] = level(maxDef)
				}
			}
		}

		// Reference: byte by byte.
		wantOK, wantRows, wantVals := true, 0, 0
		var prev uint8
		for i := range rep {
			d, rp := def[i], rep[i]
			if d > maxDef || rp > 1 || rp == 1 && (i == 0 || d < need || prev < need) {
				wantOK = false
			}
			if rp == 0 {
				wantRows++
			}
			if d == maxDef {
				wantVals++
			}
			prev = d
		}
		rows, vals, ok := checkRep1(def, rep, maxDef, need)
		if ok && (!wantOK || rows != wantRows || vals != wantVals) {
			t.Fatalf("checkRep1(%v, %v, %d, %d) = %d, %d, %v; want %d, %d, %v", def, rep, maxDef, need, rows, vals, ok, wantRows, wantVals, wantOK)
		}
		if clean && !ok {
			t.Fatalf("checkRep1(%v, %v, %d, %d) rejects valid levels", def, rep, maxDef, need)
		}

		defOK := true
		for _, d := range def {
			defOK = defOK && d <= maxDef
		}
		if vals, ok := checkDefs(def, maxDef); ok != defOK || ok && vals != wantVals {
			t.Fatalf("checkDefs(%v, %d) = %d, %v; want %d, %v", def, maxDef, vals, ok, wantVals, defOK)
		}
		if got := countLevel(def, maxDef); got != wantVals {
			t.Fatalf("countLevel(%v, %d) = %d, want %d", def, maxDef, got, wantVals)
		}

		lim := uint8(r.IntN(int(maxDef) + 1))
		same := true
		for i := range def {
			same = same && min(def[i], lim) == min(def2[i], lim)
		}
		if got := sameDefsUpTo(def, def2, lim); got && !same || clean && got != same {
			t.Fatalf("sameDefsUpTo(%v, %v, %d) = %v, want %v", def, def2, lim, got, same)
		}
	}
}

// hybridRef is the straightforward form of appendHybrid: it looks at every
// value for the start of a run.
func hybridRef[T uint8 | int32](dst []byte, vals []T, bw int) []byte {
	n := len(vals)
	lit, i := 0, 0
	for i < n {
		v := vals[i]
		j := i + 1
		for j < n && vals[j] == v {
			j++
		}
		if j-i < 8 {
			i = j
			continue
		}
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
		lit, i = j, j
	}
	if lit < n {
		dst = appendBitPacked(dst, vals[lit:], bw)
	}
	return dst
}

func TestHybridRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		n := r.IntN(100)
		distinct := 1 + r.IntN(4)
		lv := make([]uint8, 0, n)
		ix := make([]int32, 0, n)
		for len(lv) < n {
			v := r.IntN(distinct)
			run := 1 + r.IntN(12)
			for range run {
				lv = append(lv, uint8(v))
				ix = append(ix, int32(v*1000))
			}
		}
		if got, want := appendHybrid(nil, lv, 2), hybridRef(nil, lv, 2); !bytes.Equal(got, want) {
			t.Fatalf("appendHybrid(%v) = %x, want %x", lv, got, want)
		}
		if got, want := appendHybrid(nil, ix, 12), hybridRef(nil, ix, 12); !bytes.Equal(got, want) {
			t.Fatalf("appendHybrid(%v) = %x, want %x", ix, got, want)
		}
	}
}

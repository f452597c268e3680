package pqenc

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"
	"unicode/utf8"
	"unsafe"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
)

// ColumnData holds the levels and values of one leaf column for WriteRows.
type ColumnData struct {
	Def []uint8 // definition levels, one per slot; nil when the leaf's MaxDef is 0
	Rep []uint8 // repetition levels, one per slot; nil when MaxRep is 0
	// Values of the slots whose Def == MaxDef (all slots when MaxDef is 0),
	// in order. Only the field matching the leaf's Type is used.
	Bool   []bool
	Int32  []int32
	Int64  []int64
	Float  []float32
	Double []float64
	Bytes  []string // ByteArray and FixedLenByteArray (each exactly Length bytes)

	// Runs, when not nil, says that rows repeat: the levels and values
	// above hold len(Runs) rows, and row i stands for Runs[i] (at least 1)
	// equal rows in a row. The runs add up to the row count of WriteRows.
	// A column that repeats the same row many times (a resource's
	// attributes on each of its records) is then checked and looked up in
	// the dictionary once per run rather than once per row. Leaves under
	// the same repeated group must have equal Runs.
	Runs []int32
}

// colState buffers one column chunk until its row group is flushed.
type colState struct {
	leaf         *Leaf
	typ          Type
	width        int  // PLAIN width: 1 for Boolean (one byte per value while buffered), 4, 8, FLBA length; 0 for ByteArray
	unsigned     bool // unsigned integer ordering
	str          bool // String logical type (UTF-8 aware truncation)
	defBW, repBW int
	useDict      bool

	dictMode bool // chunk is dictionary encoded so far
	def, rep []uint8
	nslots   int
	nvals    int
	idx      []int32 // dictionary indices (dictMode)
	plain    []byte  // PLAIN values (!dictMode)
	d        dict
	st       stats
}

// cursor is a column's position in the caller's ColumnData during WriteRows.
type cursor struct {
	slot, val     int // next unconsumed slot and value
	nslots, nvals int // totals in the ColumnData

	// With Runs: the next run, the rows of the current run not yet
	// appended, and where the current run's row ends.
	run, runLeft int
	rowS, rowV   int
}

type stats struct {
	has        bool
	minI, maxI int64 // Boolean, Int32 (zero-extended when unsigned), Int64
	minF, maxF float64
	minB, maxB []byte
}

func (c *colState) init(l *Leaf, seed maphash.Seed) {
	n := l.Node
	c.leaf = l
	c.typ = n.Type
	c.unsigned = n.Logical == Uint32 || n.Logical == Uint64
	c.str = n.Logical == String
	c.defBW = bits.Len8(l.MaxDef)
	c.repBW = bits.Len8(l.MaxRep)
	switch n.Type {
	case Boolean:
		c.width = 1
	case Int32, Float:
		c.width = 4
	case Int64, Double:
		c.width = 8
	case FixedLenByteArray:
		c.width = n.Length
	}
	c.useDict = n.Dictionary && n.Type != Boolean
	c.d.seed = seed
	if n.Type != ByteArray {
		c.d.width = c.width
	}
	c.resetChunk()
}

func (c *colState) resetChunk() {
	c.dictMode = c.useDict
	c.def = c.def[:0]
	c.rep = c.rep[:0]
	c.nslots, c.nvals = 0, 0
	c.idx = c.idx[:0]
	c.plain = c.plain[:0]
	if c.useDict {
		c.d.reset()
	}
	c.st = stats{minB: c.st.minB[:0], maxB: c.st.maxB[:0]}
}

// check validates cd for numRows rows and returns the cursor over it and a
// rough size estimate in bytes.
func (c *colState) check(cd *ColumnData, numRows int) (cursor, int64, error) {
	l := c.leaf
	var cur cursor
	if cd.Runs != nil {
		// The levels and values hold a row per run.
		var sum int64
		for i, n := range cd.Runs {
			if n < 1 {
				return cur, 0, fmtlite.Errorf("pqenc: column %q: run %d has %d rows", l.name, i, int(n))
			}
			sum += int64(n)
		}
		if sum != int64(numRows) {
			return cur, 0, fmtlite.Errorf("pqenc: column %q: runs add up to %d rows, want %d", l.name, sum, numRows)
		}
		numRows = len(cd.Runs)
	}
	switch {
	case l.MaxRep > 0:
		if len(cd.Def) != len(cd.Rep) {
			return cur, 0, fmtlite.Errorf("pqenc: column %q: %d definition levels for %d repetition levels", l.name, len(cd.Def), len(cd.Rep))
		}
		rows, vals, err := checkRepeated(l, cd.Def, cd.Rep)
		if err != nil {
			return cur, 0, err
		}
		if rows != numRows {
			return cur, 0, fmtlite.Errorf("pqenc: column %q: repetition levels start %d rows, want %d", l.name, rows, numRows)
		}
		cur.nslots, cur.nvals = len(cd.Rep), vals
	case l.MaxDef > 0:
		if len(cd.Rep) != 0 {
			return cur, 0, fmtlite.Errorf("pqenc: column %q: %d repetition levels for a non-repeated column", l.name, len(cd.Rep))
		}
		if len(cd.Def) != numRows {
			return cur, 0, fmtlite.Errorf("pqenc: column %q: %d definition levels for %d rows", l.name, len(cd.Def), numRows)
		}
		vals, ok := checkDefs(cd.Def, l.MaxDef)
		if !ok {
			for i, d := range cd.Def {
				if d > l.MaxDef {
					return cur, 0, fmtlite.Errorf("pqenc: column %q: definition level %d at slot %d exceeds max %d", l.name, d, i, l.MaxDef)
				}
			}
		}
		cur.nslots, cur.nvals = numRows, vals
	default:
		if len(cd.Def) != 0 || len(cd.Rep) != 0 {
			return cur, 0, fmtlite.Errorf("pqenc: column %q: levels given for a required, non-repeated column", l.name)
		}
		cur.nslots, cur.nvals = numRows, numRows
	}
	var n int
	switch c.typ {
	case Boolean:
		n = len(cd.Bool)
	case Int32:
		n = len(cd.Int32)
	case Int64:
		n = len(cd.Int64)
	case Float:
		n = len(cd.Float)
	case Double:
		n = len(cd.Double)
	default:
		n = len(cd.Bytes)
	}
	if n != cur.nvals {
		return cur, 0, fmtlite.Errorf("pqenc: column %q: %d values for %d defined slots", l.name, n, cur.nvals)
	}
	size := int64(cur.nslots) * int64(c.defBW+c.repBW) / 8
	switch c.typ {
	case ByteArray:
		for i, s := range cd.Bytes {
			if len(s) > math.MaxInt32/2 {
				return cur, 0, fmtlite.Errorf("pqenc: column %q: value %d is %d bytes long", l.name, i, len(s))
			}
			size += 4 + int64(len(s))
		}
	case FixedLenByteArray:
		for i, s := range cd.Bytes {
			if len(s) != c.width {
				return cur, 0, fmtlite.Errorf("pqenc: column %q: value %d is %d bytes, want %d", l.name, i, len(s), c.width)
			}
		}
		size += int64(n) * int64(c.width)
	default:
		size += int64(n) * int64(c.width)
	}
	if cd.Runs != nil {
		size = c.runsSize(cd)
	}
	return cur, size, nil
}

// runsSize is check's size estimate for a column given as runs, checked:
// that of its rows written out, each run's row counted as often as it
// stands, so that row groups are cut where they would be without runs.
func (c *colState) runsSize(cd *ColumnData) int64 {
	l := c.leaf
	var slots, bytes int64
	s, v := 0, 0
	for _, n := range cd.Runs {
		s1 := s + 1
		if l.MaxRep > 0 {
			for s1 < len(cd.Rep) && cd.Rep[s1] != 0 {
				s1++
			}
		}
		v1 := v + (s1 - s)
		if l.MaxDef > 0 {
			v1 = v + countLevel(cd.Def[s:s1], l.MaxDef)
		}
		slots += int64(s1-s) * int64(n)
		bytes += int64(c.plainLen(cd, v, v1)) * int64(n)
		s, v = s1, v1
	}
	return slots*int64(c.defBW+c.repBW)/8 + bytes
}

func checkRepeated(l *Leaf, def, rep []uint8) (rows, vals int, err error) {
	if l.MaxRep == 1 {
		if rows, vals, ok := checkRep1(def, rep, l.MaxDef, l.repDef[1]); ok {
			return rows, vals, nil
		}
	}
	var prev uint8
	for i, r := range rep {
		d := def[i]
		if d > l.MaxDef {
			return 0, 0, fmtlite.Errorf("pqenc: column %q: definition level %d at slot %d exceeds max %d", l.name, d, i, l.MaxDef)
		}
		if r == 0 {
			rows++
		} else {
			if r > l.MaxRep {
				return 0, 0, fmtlite.Errorf("pqenc: column %q: repetition level %d at slot %d exceeds max %d", l.name, r, i, l.MaxRep)
			}
			if i == 0 {
				return 0, 0, fmtlite.Errorf("pqenc: column %q: first repetition level is %d, want 0", l.name, r)
			}
			if need := l.repDef[r]; d < need || prev < need {
				return 0, 0, fmtlite.Errorf("pqenc: column %q: slot %d repeats level %d but it or the previous slot has definition level below %d", l.name, i, r, need)
			}
		}
		if d == l.MaxDef {
			vals++
		}
		prev = d
	}
	return rows, vals, nil
}

// appendRows appends the next nrows rows of cd (from cur) to the chunk.
func (c *colState) appendRows(cd *ColumnData, cur *cursor, nrows, rowsLeft, dictLimit int) {
	if cd.Runs != nil {
		c.appendRuns(cd, cur, nrows, dictLimit)
		return
	}
	s0, v0 := cur.slot, cur.val
	s1, v1 := cur.nslots, cur.nvals
	if nrows < rowsLeft {
		// Find the end of nrows rows.
		if c.leaf.MaxRep == 0 {
			s1 = s0 + nrows
		} else {
			seen := 0
			for s1 = s0; s1 < cur.nslots; s1++ {
				if cd.Rep[s1] == 0 {
					if seen == nrows {
						break
					}
					seen++
				}
			}
		}
		if c.leaf.MaxDef == 0 {
			v1 = v0 + (s1 - s0)
		} else {
			v1 = v0 + countLevel(cd.Def[s0:s1], c.leaf.MaxDef)
		}
	}
	if c.leaf.MaxDef > 0 {
		c.def = append(c.def, cd.Def[s0:s1]...)
	}
	if c.leaf.MaxRep > 0 {
		c.rep = append(c.rep, cd.Rep[s0:s1]...)
	}
	c.nslots += s1 - s0
	c.nvals += v1 - v0
	if c.dictMode {
		v0 = c.appendDict(cd, v0, v1, dictLimit)
	}
	if v0 < v1 {
		c.appendPlain(cd, v0, v1)
	}
	cur.slot, cur.val = s1, v1
}

// appendDict dictionary-encodes values [v0, v1). If the dictionary outgrows
// limit it converts the chunk to PLAIN and returns the first value not yet
// appended; otherwise it returns v1.
func (c *colState) appendDict(cd *ColumnData, v0, v1, limit int) int {
	d := &c.d
	switch c.typ {
	case ByteArray, FixedLenByteArray:
		c.idx = slices.Grow(c.idx, v1-v0)
		vs := cd.Bytes[v0:v1]
		// Values often repeat, as the very same string, the value back
		// places before: a resource's attributes and names are repeated for
		// each of its records (back is the number of values per record) and
		// so are attribute keys. Within one call the same address and length
		// mean the same bytes (see dict), so such a value takes the index
		// of that earlier one, which this call appended back places ago.
		back := d.back
		for k, s := range vs {
			if len(s) == 0 {
				s = "" // one address for every empty string, so that byAddr knows them
			}
			if back > 0 && k >= back {
				if p := vs[k-back]; unsafe.StringData(p) == unsafe.StringData(s) && len(p) == len(s) {
					c.idx = append(c.idx, c.idx[len(c.idx)-back])
					continue
				}
			}
			if i, before := d.byAddr(s, v0+k); i >= 0 {
				c.idx = append(c.idx, i)
				back = v0 + k - before
				continue
			}
			if i := d.sameSource(s); i >= 0 {
				c.idx = append(c.idx, i)
				d.rememberAddr(s, i, v0+k)
				continue
			}
			i, added := d.str(s)
			c.idx = append(c.idx, i)
			if added {
				d.rememberAddr(s, i, v0+k)
				c.st.bytes(s)
				if len(d.buf) > limit || d.full() {
					c.fallback()
					return v0 + k + 1
				}
			}
		}
		d.back = back
	case Int32:
		for k, v := range cd.Int32[v0:v1] {
			i, added := d.num(uint64(uint32(v)))
			c.idx = append(c.idx, i)
			if added {
				c.st.int32(v, c.unsigned)
				if len(d.buf) > limit || d.full() {
					c.fallback()
					return v0 + k + 1
				}
			}
		}
	case Int64:
		for k, v := range cd.Int64[v0:v1] {
			i, added := d.num(uint64(v))
			c.idx = append(c.idx, i)
			if added {
				c.st.int(v, c.unsigned)
				if len(d.buf) > limit || d.full() {
					c.fallback()
					return v0 + k + 1
				}
			}
		}
	case Float:
		for k, v := range cd.Float[v0:v1] {
			i, added := d.num(uint64(math.Float32bits(v)))
			c.idx = append(c.idx, i)
			if added {
				c.st.float(float64(v))
				if len(d.buf) > limit || d.full() {
					c.fallback()
					return v0 + k + 1
				}
			}
		}
	case Double:
		for k, v := range cd.Double[v0:v1] {
			i, added := d.num(math.Float64bits(v))
			c.idx = append(c.idx, i)
			if added {
				c.st.float(v)
				if len(d.buf) > limit || d.full() {
					c.fallback()
					return v0 + k + 1
				}
			}
		}
	}
	return v1
}

// appendRuns is appendRows for a column given as runs: each run's row is
// checked against the dictionary once, then its levels and indices (or
// PLAIN values) are copied for the run's other rows.
func (c *colState) appendRuns(cd *ColumnData, cur *cursor, nrows, dictLimit int) {
	l := c.leaf
	for nrows > 0 {
		if cur.runLeft == 0 {
			cur.runLeft = int(cd.Runs[cur.run])
			cur.run++
			s1 := cur.slot + 1
			if l.MaxRep > 0 {
				for s1 < cur.nslots && cd.Rep[s1] != 0 {
					s1++
				}
			}
			v1 := cur.val + (s1 - cur.slot)
			if l.MaxDef > 0 {
				v1 = cur.val + countLevel(cd.Def[cur.slot:s1], l.MaxDef)
			}
			cur.rowS, cur.rowV = s1, v1
		}
		m := min(nrows, cur.runLeft)
		s0, s1, v0, v1 := cur.slot, cur.rowS, cur.val, cur.rowV
		if l.MaxDef > 0 {
			c.def = repeatTail(append(c.def, cd.Def[s0:s1]...), s1-s0, m-1)
		}
		if l.MaxRep > 0 {
			c.rep = repeatTail(append(c.rep, cd.Rep[s0:s1]...), s1-s0, m-1)
		}
		c.nslots += m * (s1 - s0)
		c.nvals += m * (v1 - v0)
		if v0 < v1 {
			v := v0
			if c.dictMode {
				v = c.appendDict(cd, v0, v1, dictLimit)
				if c.dictMode {
					c.idx = repeatTail32(c.idx, v1-v0, m-1)
				}
			}
			if !c.dictMode {
				// Values before v went to the dictionary, then PLAIN when it
				// fell back: the row's PLAIN bytes end the buffer either way.
				c.appendPlain(cd, v, v1)
				c.plain = repeatTail(c.plain, c.plainLen(cd, v0, v1), m-1)
			}
		}
		cur.runLeft -= m
		nrows -= m
		if cur.runLeft == 0 {
			cur.slot, cur.val = s1, v1
		}
	}
}

// plainLen is the length of the PLAIN encoding of values [v0, v1) as
// appendPlain buffers them.
func (c *colState) plainLen(cd *ColumnData, v0, v1 int) int {
	if c.typ != ByteArray {
		return c.width * (v1 - v0)
	}
	n := 4 * (v1 - v0)
	for _, s := range cd.Bytes[v0:v1] {
		n += len(s)
	}
	return n
}

// repeatTail appends m more copies of the last n bytes of dst.
func repeatTail(dst []byte, n, m int) []byte {
	if n == 0 || m <= 0 {
		return dst
	}
	at := len(dst)
	dst = slices.Grow(dst, n*m)[:at+n*m]
	fillRepeat(dst, at-n, at)
	return dst
}

// repeatTail32 is repeatTail for dictionary indices.
func repeatTail32(dst []int32, n, m int) []int32 {
	if n == 0 || m <= 0 {
		return dst
	}
	at := len(dst)
	dst = slices.Grow(dst, n*m)[:at+n*m]
	fillRepeat(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), 4*len(dst)), 4*(at-n), 4*at)
	return dst
}

// fillRepeat fills b[w:] with copies of b[start:w], doubling what it copies.
func fillRepeat(b []byte, start, w int) {
	for w < len(b) {
		w += copy(b[w:], b[start:w])
	}
}

// fallback switches the chunk from dictionary to PLAIN encoding, re-encoding
// the values seen so far. Statistics already cover them.
func (c *colState) fallback() {
	for _, i := range c.idx {
		c.plain = append(c.plain, c.d.plain(i)...)
	}
	c.idx = c.idx[:0]
	c.dictMode = false
	c.d.reset()
}

// appendPlain PLAIN-encodes values [v0, v1) and updates the statistics.
func (c *colState) appendPlain(cd *ColumnData, v0, v1 int) {
	switch c.typ {
	case Boolean:
		vs := cd.Bool[v0:v1]
		for _, b := range vs {
			var x byte
			if b {
				x = 1
			}
			c.plain = append(c.plain, x)
			c.st.int(int64(x), false)
		}
	case Int32:
		vs := cd.Int32[v0:v1]
		c.plain = slices.Grow(c.plain, 4*len(vs))
		for _, v := range vs {
			c.plain = binary.LittleEndian.AppendUint32(c.plain, uint32(v))
			c.st.int32(v, c.unsigned)
		}
	case Int64:
		vs := cd.Int64[v0:v1]
		c.plain = slices.Grow(c.plain, 8*len(vs))
		for _, v := range vs {
			c.plain = binary.LittleEndian.AppendUint64(c.plain, uint64(v))
			c.st.int(v, c.unsigned)
		}
	case Float:
		vs := cd.Float[v0:v1]
		c.plain = slices.Grow(c.plain, 4*len(vs))
		for _, v := range vs {
			c.plain = binary.LittleEndian.AppendUint32(c.plain, math.Float32bits(v))
			c.st.float(float64(v))
		}
	case Double:
		vs := cd.Double[v0:v1]
		c.plain = slices.Grow(c.plain, 8*len(vs))
		for _, v := range vs {
			c.plain = binary.LittleEndian.AppendUint64(c.plain, math.Float64bits(v))
			c.st.float(v)
		}
	case ByteArray:
		vs := cd.Bytes[v0:v1]
		n := 4 * len(vs)
		for _, s := range vs {
			n += len(s)
		}
		c.plain = slices.Grow(c.plain, n)
		for _, s := range vs {
			c.plain = binary.LittleEndian.AppendUint32(c.plain, uint32(len(s)))
			c.plain = append(c.plain, s...)
			c.st.bytes(s)
		}
	case FixedLenByteArray:
		vs := cd.Bytes[v0:v1]
		c.plain = slices.Grow(c.plain, c.width*len(vs))
		for _, s := range vs {
			c.plain = append(c.plain, s...)
			c.st.bytes(s)
		}
	}
}

func (s *stats) int32(v int32, unsigned bool) {
	if unsigned {
		s.int(int64(uint32(v)), false)
	} else {
		s.int(int64(v), false)
	}
}

func (s *stats) int(v int64, unsigned bool) {
	if !s.has {
		s.minI, s.maxI, s.has = v, v, true
		return
	}
	if unsigned {
		if uint64(v) < uint64(s.minI) {
			s.minI = v
		} else if uint64(v) > uint64(s.maxI) {
			s.maxI = v
		}
		return
	}
	if v < s.minI {
		s.minI = v
	} else if v > s.maxI {
		s.maxI = v
	}
}

// float ignores NaN, as the Parquet spec requires for min/max.
func (s *stats) float(v float64) {
	if v != v {
		return
	}
	if !s.has {
		s.minF, s.maxF, s.has = v, v, true
		return
	}
	if v < s.minF {
		s.minF = v
	} else if v > s.maxF {
		s.maxF = v
	}
}

func (s *stats) bytes(v string) {
	if !s.has {
		s.minB = append(s.minB[:0], v...)
		s.maxB = append(s.maxB[:0], v...)
		s.has = true
		return
	}
	// Most values differ from the bounds in their first byte.
	if len(v) > 0 && len(s.minB) > 0 && len(s.maxB) > 0 && v[0] > s.minB[0] && v[0] < s.maxB[0] {
		return
	}
	if v < string(s.minB) {
		s.minB = append(s.minB[:0], v...)
	} else if v > string(s.maxB) {
		s.maxB = append(s.maxB[:0], v...)
	}
}

// maxStatLen is the longest BYTE_ARRAY min/max written; longer ones are
// truncated (and marked inexact).
const maxStatLen = 64

// appendStats appends the PLAIN-encoded min and max to arena and records
// them in m.
func (c *colState) appendStats(arena []byte, m *chunkMeta) []byte {
	m.nulls = int64(c.nslots - c.nvals)
	if !c.st.has {
		return arena
	}
	s := &c.st
	m.minOff = len(arena)
	m.hasMin, m.minExact, m.hasMax, m.maxExact = true, true, true, true
	switch c.typ {
	case Boolean:
		arena = append(arena, byte(s.minI))
		m.maxOff = len(arena)
		arena = append(arena, byte(s.maxI))
	case Int32:
		arena = binary.LittleEndian.AppendUint32(arena, uint32(s.minI))
		m.maxOff = len(arena)
		arena = binary.LittleEndian.AppendUint32(arena, uint32(s.maxI))
	case Int64:
		arena = binary.LittleEndian.AppendUint64(arena, uint64(s.minI))
		m.maxOff = len(arena)
		arena = binary.LittleEndian.AppendUint64(arena, uint64(s.maxI))
	case Float, Double:
		// Zero bounds are written as -0 (min) and +0 (max) so they hold for
		// both signed zeros.
		mn, mx := s.minF, s.maxF
		if mn == 0 {
			mn = math.Copysign(0, -1)
		}
		if mx == 0 {
			mx = 0
		}
		if c.typ == Float {
			arena = binary.LittleEndian.AppendUint32(arena, math.Float32bits(float32(mn)))
			m.maxOff = len(arena)
			arena = binary.LittleEndian.AppendUint32(arena, math.Float32bits(float32(mx)))
		} else {
			arena = binary.LittleEndian.AppendUint64(arena, math.Float64bits(mn))
			m.maxOff = len(arena)
			arena = binary.LittleEndian.AppendUint64(arena, math.Float64bits(mx))
		}
	case FixedLenByteArray:
		arena = append(arena, s.minB...)
		m.maxOff = len(arena)
		arena = append(arena, s.maxB...)
	case ByteArray:
		mn := s.minB
		if len(mn) > maxStatLen {
			mn = truncMin(mn, c.str)
			m.minExact = false
		}
		arena = append(arena, mn...)
		m.maxOff = len(arena)
		if len(s.maxB) > maxStatLen {
			m.maxExact = false
			arena = appendTruncMax(arena, s.maxB, c.str)
			m.hasMax = len(arena) > m.maxOff
		} else {
			arena = append(arena, s.maxB...)
		}
	}
	m.minLen = m.maxOff - m.minOff
	m.maxLen = len(arena) - m.maxOff
	return arena
}

// truncMin returns a prefix of v of at most maxStatLen bytes (cut at a rune
// boundary for valid UTF-8 strings); a prefix is never greater than v.
func truncMin(v []byte, str bool) []byte {
	n := maxStatLen
	if str && utf8.Valid(v) {
		for n > 0 && !utf8.RuneStart(v[n]) {
			n--
		}
	}
	return v[:n]
}

// appendTruncMax appends to dst the shortest-effort upper bound of v no
// longer than about maxStatLen bytes: a prefix whose last byte (or, for
// valid UTF-8 strings, last code point) is incremented. It appends nothing
// when no such bound exists (v starts with maxStatLen 0xFF bytes).
func appendTruncMax(dst, v []byte, str bool) []byte {
	p := truncMin(v, str)
	start := len(dst)
	dst = append(dst, p...)
	if str && utf8.Valid(p) {
		// UTF-8 preserves code point order under byte-wise comparison, so
		// incrementing the last code point gives a valid, larger string.
		for len(dst) > start {
			r, size := utf8.DecodeLastRune(dst[start:])
			dst = dst[:len(dst)-size]
			r++
			if r == 0xD800 {
				r = 0xE000
			}
			if r <= utf8.MaxRune {
				return utf8.AppendRune(dst, r)
			}
		}
		return dst
	}
	for len(dst) > start {
		if b := dst[len(dst)-1]; b < 0xFF {
			dst[len(dst)-1] = b + 1
			return dst
		}
		dst = dst[:len(dst)-1]
	}
	return dst
}

// estimate returns the approximate encoded size of the buffered chunk.
func (c *colState) estimate() int64 {
	n := int64(c.nslots) * int64(c.defBW+c.repBW) / 8
	switch {
	case c.dictMode:
		n += int64(len(c.d.buf)) + int64(len(c.idx))*int64(bits.Len32(uint32(c.d.len())))/8
	case c.typ == Boolean:
		n += int64(c.nvals) / 8
	default:
		n += int64(len(c.plain))
	}
	return n
}

// nextPage returns the end (slot, value, PLAIN byte offset) of the page that
// starts at (s0, v0, p0): about pageSize bytes, ending at a row boundary.
func (c *colState) nextPage(s0, v0, p0, bw, pageSize int) (s1, v1, p1 int) {
	lvBits := c.defBW + c.repBW
	maxDef := c.leaf.MaxDef
	if c.typ == ByteArray && !c.dictMode {
		bitsSoFar, target := 0, pageSize*8
		p := p0
		v := v0
		s := s0
		for ; s < c.nslots; s++ {
			if s > s0 && bitsSoFar >= target && (c.leaf.MaxRep == 0 || c.rep[s] == 0) {
				break
			}
			bitsSoFar += lvBits
			if maxDef == 0 || c.def[s] == maxDef {
				n := int(binary.LittleEndian.Uint32(c.plain[p:]))
				p += 4 + n
				bitsSoFar += 8 * (4 + n)
				v++
			}
		}
		return s, v, p
	}
	valBits := bw
	if !c.dictMode {
		valBits = 8 * c.width
		if c.typ == Boolean {
			valBits = 1
		}
	}
	n := pageSize * 8 / max(1, lvBits+valBits)
	s1 = s0 + max(1, n)
	if s1 >= c.nslots {
		s1 = c.nslots
	} else if c.leaf.MaxRep > 0 {
		for s1 < c.nslots && c.rep[s1] != 0 {
			s1++
		}
	}
	switch {
	case s1 == c.nslots:
		v1 = c.nvals
	case maxDef == 0:
		v1 = v0 + (s1 - s0)
	default:
		v1 = v0 + countLevel(c.def[s0:s1], maxDef)
	}
	return s1, v1, v1 * c.width
}

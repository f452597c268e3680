package pqenc

import (
	"encoding/binary"
	"hash/maphash"
	"unsafe"
)

// dict is a column chunk dictionary: an open-addressing hash table over the
// PLAIN-encoded dictionary page it builds. Values are copied into buf, so
// callers' strings are never retained.
//
// Lookups first try a prediction: the entry that followed the previous
// lookup's entry last time. That catches constant columns and values that
// come in a stable order (map keys). Columns where predictions keep failing
// stop predicting for a while.
//
// A predicted entry also remembers where the caller's string it last matched
// lives. The same string header coming again (resource and scope values are
// repeated for every record of a resource) then matches without reading its
// bytes. Go strings are immutable and the caller's strings stay alive for
// the whole WriteRows call, so within one call the same address and length
// mean the same bytes; between calls the memory may have been reused, so
// addresses are only trusted when recorded in the current input generation
// (gen, advanced by every WriteRows and reset). The address is kept as a
// uintptr so the dictionary never keeps caller memory alive.
type dict struct {
	seed  maphash.Seed
	width int      // 0: BYTE_ARRAY; else bytes per entry (FLBA width or 4/8 for numbers)
	slots []uint32 // tag<<24 | (entry index + 1); 0 means empty; len is a power of two
	ents  []dent
	srcs  []dsrc   // parallel to ents, apart to keep ents small for lookups that miss
	nums  []uint64 // numeric entries (bit patterns)
	buf   []byte   // PLAIN-encoded dictionary page

	// look is a direct-mapped cache of entries keyed by a cheap hash of a
	// string's length and first, middle and last bytes. It is only a hint:
	// hits are verified, misses go to the hash table.
	look [256]int32 // entry index + 1

	// addrs maps the address and length of caller strings seen in this
	// input generation to their entries, direct-mapped: a value that is the
	// very same Go string as one before (batch repeats a resource's
	// attributes, names and URLs for each of its records, and shares
	// attribute keys across records) costs one probe and no byte compare.
	addrs [256]daddr

	// back is the distance to the earlier value that the last value found
	// by its address repeated: see appendDict.
	back int

	prev   int32  // previous looked-up entry, -1 if none
	misses int    // consecutive prediction misses
	skip   int    // lookups left without prediction
	gen    uint64 // input generation: see newInput
}

type dent struct {
	off, n uint32 // entry bytes are buf[off:off+n] (after the length prefix for BYTE_ARRAY)
	hash   uint32
	next   int32 // entry that followed this one last time, plus 1
}

// dsrc is where the caller's string that last matched a predicted entry
// lives; valid when gen is the dictionary's gen.
type dsrc struct {
	addr uintptr
	gen  uint64
}

type daddr struct {
	addr uintptr
	n    uint32
	idx  int32
	pos  int // where in the caller's values the string was last seen
	gen  uint64
}

func addrSlot(a uintptr) uintptr { return (a>>3 ^ a>>11) & 255 }

// byAddr returns the entry of the string at s's address in this input
// generation, or -1, and the position (in the caller's values) where that
// string was seen before; it records pos as the new one.
func (d *dict) byAddr(s string, pos int) (idx int32, before int) {
	a := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	if e := &d.addrs[addrSlot(a)]; e.addr == a && e.n == uint32(len(s)) && e.gen == d.gen {
		d.prev = e.idx
		before, e.pos = e.pos, pos
		return e.idx, before
	}
	return -1, 0
}

// rememberAddr records that the string at s's address, at position pos of
// the caller's values, is entry i.
func (d *dict) rememberAddr(s string, i int32, pos int) {
	a := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	d.addrs[addrSlot(a)] = daddr{addr: a, n: uint32(len(s)), idx: i, pos: pos, gen: d.gen}
}

// newInput starts a new input generation: caller string addresses recorded
// before are no longer trusted. WriteRows calls it for every call.
func (d *dict) newInput() { d.gen++ }

const initSlots = 256

// A slot holds an entry's index in its low 24 bits and the top 8 bits of
// the entry's hash above them, so that most probes of other entries are
// rejected without reading the entry, in half the memory of a full hash.
// A dictionary therefore holds at most maxEntries entries (full reports
// it); past that the column falls back to PLAIN.
const tagMask = 0xff << 24

var maxEntries = 1<<24 - 1 // a variable so that tests can reach it

// full reports whether the dictionary can take no more entries.
func (d *dict) full() bool { return len(d.ents) >= maxEntries }

func (d *dict) reset() {
	if d.slots == nil {
		d.slots = make([]uint32, initSlots)
	} else if len(d.ents) > 0 {
		clear(d.slots)
		d.look = [256]int32{} // only str sets it, and only with entries
	}
	d.ents = d.ents[:0]
	d.srcs = d.srcs[:0]
	d.nums = d.nums[:0]
	d.buf = d.buf[:0]
	d.prev = -1
	d.misses, d.skip = 0, 0
	d.newInput()
}

func (d *dict) len() int { return len(d.ents) }

// plain returns the PLAIN encoding of entry i (with length prefix for BYTE_ARRAY).
func (d *dict) plain(i int32) []byte {
	e := &d.ents[i]
	if d.width > 0 {
		return d.buf[e.off : e.off+e.n]
	}
	return d.buf[e.off-4 : e.off+e.n]
}

// predict returns the predicted next entry, or -1.
func (d *dict) predict() int32 {
	if d.prev < 0 {
		return -1
	}
	if d.skip > 0 {
		d.skip--
		return -1
	}
	return d.ents[d.prev].next - 1
}

func (d *dict) hit(p int32) int32 {
	d.prev = p
	d.misses = 0
	return p
}

func (d *dict) found(i int32, predicted bool) int32 {
	if d.prev >= 0 {
		d.ents[d.prev].next = i + 1
	}
	if predicted {
		if d.misses++; d.misses >= 4 {
			d.misses, d.skip = 0, 64
		}
	}
	d.prev = i
	return i
}

// sameSource is str's fast path, small enough to inline into the caller's
// loop: the predicted entry when s is the very string it last matched (same
// address and length in this input generation), else -1 (then call str).
func (d *dict) sameSource(s string) int32 {
	if d.prev < 0 || d.skip > 0 {
		return -1
	}
	p := d.ents[d.prev].next - 1
	if p < 0 {
		return -1
	}
	if sr := &d.srcs[p]; sr.addr != uintptr(unsafe.Pointer(unsafe.StringData(s))) || sr.gen != d.gen || int(d.ents[p].n) != len(s) {
		return -1
	}
	d.prev, d.misses = p, 0
	return p
}

// str returns the index of s, adding it when new (added reports that).
func (d *dict) str(s string) (idx int32, added bool) {
	p := d.predict()
	if p >= 0 {
		src := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		if e, sr := &d.ents[p], &d.srcs[p]; int(e.n) == len(s) && (sr.addr == src && sr.gen == d.gen || string(d.buf[e.off:e.off+e.n]) == s) {
			sr.addr, sr.gen = src, d.gen
			return d.hit(p), false
		}
	}
	var lk uint32
	if n := len(s); n > 0 {
		lk = (uint32(n) | uint32(s[0])<<8 | uint32(s[n>>1])<<16 | uint32(s[n-1])<<24) * 0x9E3779B1 >> 24
	}
	if k := d.look[lk] - 1; k >= 0 {
		if e := &d.ents[k]; int(e.n) == len(s) && string(d.buf[e.off:e.off+e.n]) == s {
			return d.found(k, p >= 0), false
		}
	}
	h := uint32(maphash.String(d.seed, s))
	mask := uint32(len(d.slots) - 1)
	i, tag := h&mask, h&tagMask
	for {
		sl := d.slots[i]
		if sl == 0 {
			break
		}
		if sl&tagMask == tag {
			k := int32(sl&^tagMask) - 1
			if e := &d.ents[k]; e.hash == h && int(e.n) == len(s) && string(d.buf[e.off:e.off+e.n]) == s {
				d.look[lk] = k + 1
				return d.found(k, p >= 0), false
			}
		}
		i = (i + 1) & mask
	}
	if d.width == 0 {
		d.buf = binary.LittleEndian.AppendUint32(d.buf, uint32(len(s)))
	}
	k := d.add(i, h, uint32(len(d.buf)), uint32(len(s)))
	d.buf = append(d.buf, s...)
	d.look[lk] = k + 1
	return d.found(k, p >= 0), true
}

// num returns the index of the numeric value with bit pattern v.
func (d *dict) num(v uint64) (idx int32, added bool) {
	p := d.predict()
	if p >= 0 && d.nums[p] == v {
		return d.hit(p), false
	}
	h := uint32((v * 0x9E3779B97F4A7C15) >> 32)
	mask := uint32(len(d.slots) - 1)
	i := h & mask
	for {
		sl := d.slots[i]
		if sl == 0 {
			break
		}
		if k := int32(sl&^tagMask) - 1; sl&tagMask == h&tagMask && d.nums[k] == v {
			return d.found(k, p >= 0), false
		}
		i = (i + 1) & mask
	}
	n := d.add(i, h, uint32(len(d.buf)), uint32(d.width))
	d.nums = append(d.nums, v)
	if d.width == 4 {
		d.buf = binary.LittleEndian.AppendUint32(d.buf, uint32(v))
	} else {
		d.buf = binary.LittleEndian.AppendUint64(d.buf, v)
	}
	return d.found(n, p >= 0), true
}

// add records a new entry in the empty slot and grows the table when it is
// half full.
func (d *dict) add(slot, h, off, n uint32) int32 {
	k := int32(len(d.ents))
	d.ents = append(d.ents, dent{off: off, n: n, hash: h})
	d.srcs = append(d.srcs, dsrc{})
	d.slots[slot] = h&tagMask | uint32(k+1)
	if 2*len(d.ents) > len(d.slots) {
		d.slots = make([]uint32, 2*len(d.slots))
		mask := uint32(len(d.slots) - 1)
		for j := range d.ents {
			h := d.ents[j].hash
			i := h & mask
			for d.slots[i] != 0 {
				i = (i + 1) & mask
			}
			d.slots[i] = h&tagMask | uint32(j+1)
		}
	}
	return k
}

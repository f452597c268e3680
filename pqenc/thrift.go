package pqenc

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// Thrift compact protocol type ids.
const (
	ctTrue   = 1
	ctFalse  = 2
	ctI32    = 5
	ctI64    = 6
	ctBinary = 8
	ctList   = 9
	ctStruct = 12
)

// tw is a minimal thrift compact protocol writer. Structs are written by
// calling fields in increasing id order and end() to close them.
type tw struct {
	b     []byte
	last  int16
	stack []int16
}

func (t *tw) field(id int16, typ byte) {
	if d := id - t.last; d > 0 && d <= 15 {
		t.b = append(t.b, byte(d)<<4|typ)
	} else {
		t.b = append(t.b, typ)
		t.b = binary.AppendUvarint(t.b, uint64(uint16((id<<1)^(id>>15))))
	}
	t.last = id
}

func (t *tw) i32(id int16, v int32) {
	t.field(id, ctI32)
	t.b = binary.AppendVarint(t.b, int64(v))
}

func (t *tw) i64(id int16, v int64) {
	t.field(id, ctI64)
	t.b = binary.AppendVarint(t.b, v)
}

func (t *tw) bool(id int16, v bool) {
	if v {
		t.field(id, ctTrue)
	} else {
		t.field(id, ctFalse)
	}
}

func (t *tw) str(id int16, v string) {
	t.field(id, ctBinary)
	t.b = binary.AppendUvarint(t.b, uint64(len(v)))
	t.b = append(t.b, v...)
}

// begin opens a struct-valued field.
func (t *tw) begin(id int16) {
	t.field(id, ctStruct)
	t.push()
}

// push opens a struct that is a list element (no field header).
func (t *tw) push() {
	t.stack = append(t.stack, t.last)
	t.last = 0
}

// end closes the innermost struct.
func (t *tw) end() {
	t.b = append(t.b, 0)
	t.last = t.stack[len(t.stack)-1]
	t.stack = t.stack[:len(t.stack)-1]
}

// list writes a list field header for n elements of type elem.
func (t *tw) list(id int16, elem byte, n int) {
	t.field(id, ctList)
	if n < 15 {
		t.b = append(t.b, byte(n)<<4|elem)
	} else {
		t.b = append(t.b, 0xf0|elem)
		t.b = binary.AppendUvarint(t.b, uint64(n))
	}
}

// Parquet thrift enum values.
const (
	encPlain         = 0
	encRLE           = 3
	encRLEDictionary = 8

	pageData       = 0
	pageDictionary = 2

	convUTF8   = 0
	convMap    = 1
	convList   = 3
	convUint32 = 13
	convUint64 = 14
)

// appendPageHeader appends a PageHeader for a DATA_PAGE (v1) or
// DICTIONARY_PAGE. Its fields are fixed, so it is written directly rather
// than through tw: there are two pages for every column of every file.
func appendPageHeader(b []byte, typ int32, uncompressed, compressed, numValues int, enc int32) []byte {
	const i32 = 1<<4 | ctI32                                     // next field id, type i32
	b = binary.AppendVarint(append(b, i32), int64(typ))          // 1: type
	b = binary.AppendVarint(append(b, i32), int64(uncompressed)) // 2: uncompressed_page_size
	b = binary.AppendVarint(append(b, i32), int64(compressed))   // 3: compressed_page_size
	if typ == pageDictionary {
		b = append(b, 4<<4|ctStruct) // 7: dictionary_page_header
		b = binary.AppendVarint(append(b, i32), int64(numValues))
		b = binary.AppendVarint(append(b, i32), int64(enc))
	} else {
		b = append(b, 2<<4|ctStruct) // 5: data_page_header
		b = binary.AppendVarint(append(b, i32), int64(numValues))
		b = binary.AppendVarint(append(b, i32), int64(enc))
		b = append(b, i32, 2*encRLE, i32, 2*encRLE) // definition and repetition level encodings (zigzag)
	}
	return append(b, 0, 0) // end of the inner struct and of PageHeader
}

// schemaElement writes one SchemaElement (as a list element).
func (t *tw) schemaElement(n *Node) {
	t.push()
	leaf := len(n.Children) == 0
	if leaf {
		t.i32(1, int32(n.Type))
		if n.Type == FixedLenByteArray {
			t.i32(2, int32(n.Length))
		}
	}
	t.i32(3, int32(n.Repetition))
	t.str(4, n.Name)
	if !leaf {
		t.i32(5, int32(len(n.Children)))
	}
	conv := int32(-1)
	switch n.Logical {
	case String:
		conv = convUTF8
	case Uint32:
		conv = convUint32
	case Uint64:
		conv = convUint64
	case Map:
		conv = convMap
	case List:
		conv = convList
	}
	if conv >= 0 {
		t.i32(6, conv)
	}
	if n.Logical != None {
		t.begin(10) // LogicalType union
		switch n.Logical {
		case String:
			t.begin(1)
			t.end()
		case Map:
			t.begin(2)
			t.end()
		case List:
			t.begin(3)
			t.end()
		case TimestampNanosUTC:
			t.begin(8)
			t.bool(1, true) // isAdjustedToUTC
			t.begin(2)      // unit
			t.begin(3)      // NANOS
			t.end()
			t.end()
			t.end()
		case Uint32, Uint64:
			t.begin(10)
			w := int64(32)
			if n.Logical == Uint64 {
				w = 64
			}
			t.field(1, 3) // bitWidth: i8 (compact type BYTE)
			t.b = append(t.b, byte(w))
			t.bool(2, false) // isSigned
			t.end()
		}
		t.end()
	}
	t.end()
}

// fileMetaData writes the footer FileMetaData.
func (w *Writer) fileMetaData(t *tw) {
	t.push()
	t.i32(1, 2) // version
	t.list(2, ctStruct, len(w.s.nodes)+1)
	t.b = append(t.b, w.s.thriftSchema...)
	t.i64(3, w.numRows)
	t.list(4, ctStruct, len(w.rowGroups))
	ncol := len(w.cols)
	for g := range w.rowGroups {
		rg := &w.rowGroups[g]
		cm := w.chunks[g*ncol : (g+1)*ncol]
		var unc, comp int64
		t.push()
		t.list(1, ctStruct, ncol)
		for i := range cm {
			m := &cm[i]
			unc += m.uncompressed
			comp += m.compressed
			t.b = w.appendColumnChunk(t.b, &w.s.leaves[i], m)
		}
		t.i64(2, unc)
		t.i64(3, rg.numRows)
		t.i64(5, rg.fileOffset)
		t.i64(6, comp)
		if g <= math.MaxInt16 {
			t.field(7, 4) // ordinal: i16, zigzag varint
			t.b = binary.AppendUvarint(t.b, uint64(g)<<1)
		}
		t.end()
	}
	if len(w.opts.KeyValueMetadata) > 0 {
		t.list(5, ctStruct, len(w.opts.KeyValueMetadata))
		for _, kv := range w.opts.KeyValueMetadata {
			t.push()
			t.str(1, kv.Key)
			t.str(2, kv.Value)
			t.end()
		}
	}
	t.str(6, w.opts.CreatedBy)
	t.list(7, ctStruct, len(w.s.leaves))
	t.b = append(t.b, w.s.thriftOrders...)
	t.end()
}

// fieldHeader appends a compact field header for field id after field last.
func fieldHeader(b []byte, last, id int16, typ byte) []byte {
	if d := id - last; d > 0 && d <= 15 {
		return append(b, byte(d)<<4|typ)
	}
	b = append(b, typ)
	return binary.AppendUvarint(b, uint64(uint16((id<<1)^(id>>15))))
}

// appendColumnChunk appends the ColumnChunk (a list element) of leaf with
// metadata m. It is written directly rather than through tw: there is one
// for every column of every file.
func (w *Writer) appendColumnChunk(b []byte, leaf *Leaf, m *chunkMeta) []byte {
	const (
		i32 = 1<<4 | ctI32 // next field id, type i32
		i64 = 1<<4 | ctI64
	)
	b = append(b, 2<<4|ctI64, 0, 1<<4|ctStruct)                    // 2: file_offset 0; 3: meta_data
	b = binary.AppendVarint(append(b, i32), int64(leaf.Node.Type)) // 1: type
	// 2: encodings
	ne := bits.OnesCount16(m.encodings & (1<<encPlain | 1<<encRLE | 1<<encRLEDictionary))
	b = append(b, 1<<4|ctList, byte(ne)<<4|ctI32)
	for _, e := range [3]int32{encPlain, encRLE, encRLEDictionary} {
		if m.encodings&(1<<e) != 0 {
			b = binary.AppendVarint(b, int64(e))
		}
	}
	// 3: path_in_schema
	if n := len(leaf.Path); n < 15 {
		b = append(b, 1<<4|ctList, byte(n)<<4|ctBinary)
	} else {
		b = binary.AppendUvarint(append(b, 1<<4|ctList, 0xf0|ctBinary), uint64(n))
	}
	b = append(b, leaf.thriftPath...)
	codec := int64(1) // SNAPPY
	if w.opts.Compression == Uncompressed {
		codec = 0
	}
	b = binary.AppendVarint(append(b, i32), codec)                   // 4: codec
	b = binary.AppendVarint(append(b, i64), m.numValues)             // 5: num_values
	b = binary.AppendVarint(append(b, i64), m.uncompressed)          // 6: total_uncompressed_size
	b = binary.AppendVarint(append(b, i64), m.compressed)            // 7: total_compressed_size
	b = binary.AppendVarint(append(b, 2<<4|ctI64), m.dataPageOffset) // 9: data_page_offset
	last := int16(9)
	if m.dictPageOffset >= 0 {
		b = binary.AppendVarint(append(b, 2<<4|ctI64), m.dictPageOffset) // 11: dictionary_page_offset
		last = 11
	}
	// 12: statistics
	b = fieldHeader(b, last, 12, ctStruct)
	b = binary.AppendVarint(append(b, 3<<4|ctI64), m.nulls) // 3: null_count
	last = 3
	arena := w.statArena
	if m.hasMax {
		v := arena[m.maxOff : m.maxOff+m.maxLen]
		b = append(binary.AppendUvarint(fieldHeader(b, last, 5, ctBinary), uint64(len(v))), v...) // 5: max_value
		last = 5
	}
	if m.hasMin {
		v := arena[m.minOff : m.minOff+m.minLen]
		b = append(binary.AppendUvarint(fieldHeader(b, last, 6, ctBinary), uint64(len(v))), v...) // 6: min_value
		last = 6
	}
	if m.hasMax {
		b = fieldHeader(b, last, 7, thriftBool(m.maxExact)) // 7: is_max_value_exact
		last = 7
	}
	if m.hasMin {
		b = fieldHeader(b, last, 8, thriftBool(m.minExact)) // 8: is_min_value_exact
	}
	b = append(b, 0)
	// 13: encoding_stats
	if m.dictPageOffset >= 0 {
		b = append(b, 1<<4|ctList, 2<<4|ctStruct)
		b = append(b, i32, 2*pageDictionary, i32, 2*encPlain, i32, 2*1, 0) // one PLAIN dictionary page
	} else {
		b = append(b, 1<<4|ctList, 1<<4|ctStruct)
	}
	b = append(b, i32, 2*pageData, i32)
	b = binary.AppendVarint(b, int64(m.dataEncoding))
	b = binary.AppendVarint(append(b, i32), int64(m.dataPages))
	return append(b, 0, 0, 0) // end of PageEncodingStats, ColumnMetaData, ColumnChunk
}

func thriftBool(v bool) byte {
	if v {
		return ctTrue
	}
	return ctFalse
}

package pqenc

import (
	"encoding/binary"
	"math"
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

func (t *tw) bin(id int16, v []byte) {
	t.field(id, ctBinary)
	t.b = binary.AppendUvarint(t.b, uint64(len(v)))
	t.b = append(t.b, v...)
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

// pageHeader writes a PageHeader for a DATA_PAGE (v1) or DICTIONARY_PAGE.
func (t *tw) pageHeader(typ int32, uncompressed, compressed, numValues int, enc int32) {
	t.push()
	t.i32(1, typ)
	t.i32(2, int32(uncompressed))
	t.i32(3, int32(compressed))
	if typ == pageDictionary {
		t.begin(7) // DictionaryPageHeader
		t.i32(1, int32(numValues))
		t.i32(2, enc)
		t.end()
	} else {
		t.begin(5) // DataPageHeader
		t.i32(1, int32(numValues))
		t.i32(2, enc)
		t.i32(3, encRLE)
		t.i32(4, encRLE)
		t.end()
	}
	t.end()
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

// statistics writes a Statistics struct as field id.
func (t *tw) statistics(id int16, m *chunkMeta, arena []byte) {
	t.begin(id)
	t.i64(3, m.nulls)
	if m.hasMax {
		t.bin(5, arena[m.maxOff:m.maxOff+m.maxLen])
	}
	if m.hasMin {
		t.bin(6, arena[m.minOff:m.minOff+m.minLen])
	}
	if m.hasMax {
		t.bool(7, m.maxExact)
	}
	if m.hasMin {
		t.bool(8, m.minExact)
	}
	t.end()
}

// fileMetaData writes the footer FileMetaData.
func (w *Writer) fileMetaData(t *tw) {
	t.push()
	t.i32(1, 2) // version
	t.list(2, ctStruct, len(w.s.nodes)+1)
	t.push() // root
	t.str(4, "schema")
	t.i32(5, int32(len(w.s.fields)))
	t.end()
	for _, n := range w.s.nodes {
		t.schemaElement(n)
	}
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
			t.push() // ColumnChunk
			t.i64(2, 0)
			t.begin(3) // ColumnMetaData
			leaf := &w.s.leaves[i]
			t.i32(1, int32(leaf.Node.Type))
			encs := [3]int32{encPlain, encRLE, encRLEDictionary}
			ne := 0
			for _, e := range encs {
				if m.encodings&(1<<e) != 0 {
					ne++
				}
			}
			t.list(2, ctI32, ne)
			for _, e := range encs {
				if m.encodings&(1<<e) != 0 {
					t.b = binary.AppendVarint(t.b, int64(e))
				}
			}
			t.list(3, ctBinary, len(leaf.Path))
			for _, p := range leaf.Path {
				t.b = binary.AppendUvarint(t.b, uint64(len(p)))
				t.b = append(t.b, p...)
			}
			codec := int32(1) // SNAPPY
			if w.opts.Compression == Uncompressed {
				codec = 0
			}
			t.i32(4, codec)
			t.i64(5, m.numValues)
			t.i64(6, m.uncompressed)
			t.i64(7, m.compressed)
			t.i64(9, m.dataPageOffset)
			if m.dictPageOffset >= 0 {
				t.i64(11, m.dictPageOffset)
			}
			t.statistics(12, m, w.statArena)
			// encoding_stats
			n := 1
			if m.dictPageOffset >= 0 {
				n = 2
			}
			t.list(13, ctStruct, n)
			if m.dictPageOffset >= 0 {
				t.push()
				t.i32(1, pageDictionary)
				t.i32(2, encPlain)
				t.i32(3, 1)
				t.end()
			}
			t.push()
			t.i32(1, pageData)
			t.i32(2, m.dataEncoding)
			t.i32(3, int32(m.dataPages))
			t.end()
			t.end() // ColumnMetaData
			t.end() // ColumnChunk
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
	for range w.s.leaves {
		t.push()
		t.begin(1) // TYPE_ORDER
		t.end()
		t.end()
	}
	t.end()
}

package pqenc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"

	"github.com/golang/snappy"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
)

// Compression is the page compression codec.
type Compression uint8

// Codecs. The zero value is Snappy.
const (
	Snappy Compression = iota
	Uncompressed
)

// KeyValue is a file-level key/value metadata entry.
type KeyValue struct {
	Key, Value string
}

// Options configures a Writer. Zero fields take the documented defaults.
type Options struct {
	Compression      Compression // Snappy (default) or Uncompressed
	PageSize         int         // target uncompressed data page size; default 1 MiB
	RowGroupSize     int         // target row group size in estimated encoded bytes; default 128 MiB
	RowGroupRows     int         // most rows in a row group (0: no bound); bounds the values buffered while encoding
	DictionaryLimit  int         // max PLAIN-encoded dictionary bytes per column chunk before falling back to PLAIN; default 1 MiB
	CreatedBy        string      // default "otlp2parquet version unknown"; use "app version X.Y.Z (build B)" so readers trust binary statistics
	KeyValueMetadata []KeyValue  // file metadata
}

const (
	defaultPageSize     = 1 << 20
	defaultRowGroupSize = 128 << 20
	defaultDictLimit    = 1 << 20
	maxDictLimit        = 1 << 30
)

// Writer encodes rows into an in-memory Parquet file. It is not safe for
// concurrent use.
type Writer struct {
	s       *Schema
	opts    Options
	optErr  error // configuration error, reported by every call
	err     error // sticky encoding error
	cols    []colState
	cursors []cursor

	out        []byte // the file so far
	rowGroups  []rgMeta
	chunks     []chunkMeta // len(rowGroups)*len(cols)
	statArena  []byte      // min/max bytes referenced by chunks
	rgRows     int         // rows buffered in the open row group
	lastPerRow int64       // encoded bytes per row of the last row group
	numRows    int64       // rows in flushed row groups
	finished   bool

	page, comp []byte // page scratch buffers
	t          tw
}

type rgMeta struct {
	numRows, fileOffset int64
}

type chunkMeta struct {
	numValues, nulls               int64
	uncompressed, compressed       int64
	dataPageOffset                 int64
	dictPageOffset                 int64 // -1: none
	dataEncoding                   int32
	dataPages                      int
	encodings                      uint16 // bit set of encoding ids
	hasMin, hasMax                 bool
	minExact, maxExact             bool
	minOff, minLen, maxOff, maxLen int
}

// NewWriter returns a Writer for schema s. Invalid options are reported by
// WriteRows and Finish.
func NewWriter(s *Schema, opts Options) *Writer {
	w := &Writer{s: s, opts: opts}
	if s == nil {
		w.optErr = errors.New("pqenc: NewWriter: nil schema")
		w.err = w.optErr
		return w
	}
	o := &w.opts
	if o.Compression > Uncompressed {
		w.optErr = fmtlite.Errorf("pqenc: NewWriter: unknown compression %d", int(o.Compression))
	}
	if o.PageSize <= 0 {
		o.PageSize = defaultPageSize
	}
	if o.RowGroupSize <= 0 {
		o.RowGroupSize = defaultRowGroupSize
	}
	if o.DictionaryLimit <= 0 {
		o.DictionaryLimit = defaultDictLimit
	}
	o.DictionaryLimit = min(o.DictionaryLimit, maxDictLimit)
	if o.CreatedBy == "" {
		o.CreatedBy = "otlp2parquet version unknown"
	}
	o.KeyValueMetadata = append([]KeyValue(nil), o.KeyValueMetadata...)
	seed := maphash.MakeSeed()
	w.cols = make([]colState, len(s.leaves))
	w.cursors = make([]cursor, len(s.leaves))
	for i := range w.cols {
		w.cols[i].init(&s.leaves[i], seed)
	}
	w.err = w.optErr
	return w
}

func (w *Writer) ready() error {
	if w.err != nil {
		return w.err
	}
	if w.finished {
		return errors.New("pqenc: writer already finished; call Reset")
	}
	return nil
}

// WriteRows appends numRows rows. cols holds one ColumnData per leaf, in
// Leaves() order. All columns are validated before anything is written (level
// counts and ranges, value counts, FixedLenByteArray widths, and that leaves
// under the same repeated group agree on their entries), so a returned
// validation error leaves the writer unchanged. Rows are buffered
// into the open row group, which is flushed once its estimated encoded size
// reaches RowGroupSize (inputs are split at row boundaries). The caller's
// slices are not retained.
func (w *Writer) WriteRows(cols []ColumnData, numRows int) error {
	if err := w.ready(); err != nil {
		return err
	}
	if numRows < 0 {
		return fmtlite.Errorf("pqenc: WriteRows: negative row count %d", numRows)
	}
	if len(cols) != len(w.cols) {
		return fmtlite.Errorf("pqenc: WriteRows: %d columns for %d leaves", len(cols), len(w.cols))
	}
	var raw int64
	for i := range cols {
		cur, n, err := w.cols[i].check(&cols[i], numRows)
		if err != nil {
			return err
		}
		w.cursors[i] = cur
		raw += n
		if l := &w.s.leaves[i]; l.sib >= 0 && l.sib != i {
			if err := checkSiblings(l, &w.s.leaves[l.sib], &cols[i], &cols[l.sib]); err != nil {
				return err
			}
		}
	}
	if numRows == 0 {
		return nil
	}
	w.start()
	for i := range w.cols {
		w.cols[i].d.newInput()
	}
	rawPerRow := max(1, raw/int64(numRows))
	limit := w.opts.DictionaryLimit
	for r := 0; r < numRows; {
		est := w.estimate()
		if w.rgRows > 0 && (est >= int64(w.opts.RowGroupSize) || w.opts.RowGroupRows > 0 && w.rgRows >= w.opts.RowGroupRows) {
			if err := w.flushRowGroup(est); err != nil {
				return err
			}
			est = 0
		}
		perRow := rawPerRow
		switch {
		case w.rgRows > 0:
			perRow = max(1, est/int64(w.rgRows))
		case w.lastPerRow > 0:
			perRow = w.lastPerRow
		}
		left := numRows - r
		take := left
		if budget := int64(w.opts.RowGroupSize) - est; int64(take)*perRow > budget {
			take = int(max(1, budget/perRow))
		}
		if w.opts.RowGroupRows > 0 {
			take = min(take, w.opts.RowGroupRows-w.rgRows)
		}
		for i := range w.cols {
			w.cols[i].appendRows(&cols[i], &w.cursors[i], take, left, limit)
		}
		w.rgRows += take
		r += take
	}
	return nil
}

// checkSiblings verifies that two leaves under the same innermost repeated
// group describe the same entries: equal repetition levels and equal
// definition levels up to that group.
func checkSiblings(l, ref *Leaf, cd, rd *ColumnData) error {
	if !slices.Equal(cd.Runs, rd.Runs) {
		return fmtlite.Errorf("pqenc: column %q: runs differ from those of column %q in the same repeated group", l.name, ref.name)
	}
	if len(cd.Rep) != len(rd.Rep) {
		return fmtlite.Errorf("pqenc: column %q: %d slots but column %q in the same repeated group has %d", l.name, len(cd.Rep), ref.name, len(rd.Rep))
	}
	lim := l.repDef[l.MaxRep]
	if bytes.Equal(cd.Rep, rd.Rep) && (l.MaxDef == lim && ref.MaxDef == lim && bytes.Equal(cd.Def, rd.Def) || sameDefsUpTo(cd.Def, rd.Def, lim)) {
		return nil
	}
	for i, r := range cd.Rep {
		d, e := min(cd.Def[i], lim), min(rd.Def[i], lim)
		if r != rd.Rep[i] || d != e {
			return fmtlite.Errorf("pqenc: column %q: slot %d has levels (rep %d, def %d) but column %q in the same repeated group has (rep %d, def %d)", l.name, i, r, cd.Def[i], ref.name, rd.Rep[i], rd.Def[i])
		}
	}
	return nil
}

func (w *Writer) start() {
	if len(w.out) == 0 {
		if cap(w.out) == 0 {
			w.out = make([]byte, 0, 64<<10)
		}
		w.out = append(w.out, "PAR1"...)
	}
}

func (w *Writer) estimate() int64 {
	var n int64
	for i := range w.cols {
		n += w.cols[i].estimate()
	}
	return n
}

func (w *Writer) flushRowGroup(est int64) error {
	rg := rgMeta{numRows: int64(w.rgRows), fileOffset: int64(len(w.out))}
	for i := range w.cols {
		c := &w.cols[i]
		w.chunks = append(w.chunks, chunkMeta{})
		if err := w.writeChunk(c, &w.chunks[len(w.chunks)-1]); err != nil {
			w.err = err
			return err
		}
		c.resetChunk()
	}
	w.rowGroups = append(w.rowGroups, rg)
	w.numRows += int64(w.rgRows)
	w.lastPerRow = max(1, est/int64(w.rgRows))
	w.rgRows = 0
	return nil
}

func (w *Writer) writeChunk(c *colState, m *chunkMeta) error {
	m.numValues = int64(c.nslots)
	m.dictPageOffset = -1
	if c.dictMode && c.d.len() == 0 {
		c.dictMode = false // only nulls: nothing to encode
	}
	bw := 0
	if c.dictMode {
		m.dictPageOffset = int64(len(w.out))
		if err := w.writePage(pageDictionary, c.d.buf, c.d.len(), encPlain, m); err != nil {
			return fmtlite.Errorf("pqenc: column %q: %w", c.leaf.name, err)
		}
		bw = max(1, bits.Len32(uint32(c.d.len()-1)))
		m.dataEncoding = encRLEDictionary
		m.encodings = 1<<encPlain | 1<<encRLEDictionary
	} else {
		m.dataEncoding = encPlain
		m.encodings = 1 << encPlain
	}
	if c.leaf.MaxDef > 0 {
		m.encodings |= 1 << encRLE
	}
	m.dataPageOffset = int64(len(w.out))
	for s, v, p := 0, 0, 0; s < c.nslots; {
		s1, v1, p1 := c.nextPage(s, v, p, bw, w.opts.PageSize)
		pg := w.page[:0]
		if c.leaf.MaxRep > 0 {
			pg = appendLevels(pg, c.rep[s:s1], c.repBW)
		}
		if c.leaf.MaxDef > 0 {
			pg = appendLevels(pg, c.def[s:s1], c.defBW)
		}
		switch {
		case c.dictMode:
			pg = append(pg, byte(bw))
			pg = appendHybrid(pg, c.idx[v:v1], bw)
		case c.typ == Boolean:
			pg = appendBools(pg, c.plain[v:v1])
		default:
			pg = append(pg, c.plain[p:p1]...)
		}
		w.page = pg
		if err := w.writePage(pageData, pg, s1-s, m.dataEncoding, m); err != nil {
			return fmtlite.Errorf("pqenc: column %q: %w", c.leaf.name, err)
		}
		m.dataPages++
		s, v, p = s1, v1, p1
	}
	w.statArena = c.appendStats(w.statArena, m)
	return nil
}

// appendLevels appends levels as a 4-byte length-prefixed RLE/bit-packed hybrid.
func appendLevels(dst []byte, lv []uint8, bw int) []byte {
	at := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = appendHybrid(dst, lv, bw)
	binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst
}

// writePage compresses data and appends the page header and body to the file.
func (w *Writer) writePage(typ int32, data []byte, numValues int, enc int32, m *chunkMeta) error {
	if len(data) > math.MaxInt32 || numValues > math.MaxInt32 {
		return fmtlite.Errorf("page of %d bytes, %d values is too large", len(data), numValues)
	}
	body := data
	if w.opts.Compression == Snappy {
		n := snappy.MaxEncodedLen(len(data))
		if n < 0 || n > math.MaxInt32 {
			return fmtlite.Errorf("page of %d bytes is too large to compress", len(data))
		}
		if len(w.comp) < n {
			w.comp = make([]byte, n+n/4)
		}
		body = snappy.Encode(w.comp, data)
	}
	at := len(w.out)
	w.out = appendPageHeader(w.out, typ, len(data), len(body), numValues, enc)
	w.out = append(w.out, body...)
	hdr := len(w.out) - at - len(body)
	m.uncompressed += int64(hdr + len(data))
	m.compressed += int64(hdr + len(body))
	return nil
}

// Finish flushes buffered rows and returns the complete Parquet file. The
// returned slice is the Writer's own buffer, valid until Reset: a caller that
// keeps the file past that must copy it. Reusing the buffer spares
// allocating and clearing a file's worth of memory for every file. After
// Finish, call Reset before writing another file.
func (w *Writer) Finish() ([]byte, error) {
	if err := w.ready(); err != nil {
		return nil, err
	}
	w.start()
	if w.rgRows > 0 {
		if err := w.flushRowGroup(w.estimate()); err != nil {
			return nil, err
		}
	}
	at := len(w.out)
	w.t.b, w.t.last, w.t.stack = w.out, 0, w.t.stack[:0]
	w.fileMetaData(&w.t)
	w.out = w.t.b
	w.t.b = nil
	w.out = binary.LittleEndian.AppendUint32(w.out, uint32(len(w.out)-at))
	w.out = append(w.out, "PAR1"...)
	w.finished = true
	return w.out, nil
}

// Reset discards any buffered state so the writer can produce a new file
// with the same schema and options, reusing its internal buffers.
func (w *Writer) Reset() {
	if w.s == nil {
		return
	}
	for i := range w.cols {
		w.cols[i].resetChunk()
	}
	w.rowGroups = w.rowGroups[:0]
	w.chunks = w.chunks[:0]
	w.statArena = w.statArena[:0]
	w.rgRows, w.numRows = 0, 0
	w.out = w.out[:0]
	w.finished = false
	w.err = w.optErr
}

package pqenc

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Test value model (what arrow-go arrays are converted to):
//
//	nil        null
//	bool, int32, uint32, int64 (also timestamps), uint64, float32, float64, string (also fixed-size binary)
//	grp        struct / row: one value per child
//	lst        list (LIST groups and bare repeated fields)
//	mp         map
type (
	grp []any
	lst []any
	mp  []kv
	kv  struct{ K, V any }
)

// shred converts rows (each a grp of top-level values) into ColumnData.
func shred(t testing.TB, s *Schema, rows []grp) []ColumnData {
	t.Helper()
	sh := &shredder{cols: make([]ColumnData, len(s.leaves)), leaves: s.leaves}
	for _, r := range rows {
		sh.leaf = 0
		sh.group(s.fields, r, 0, 0, 0)
	}
	if sh.err != nil {
		t.Fatal(sh.err)
	}
	return sh.cols
}

// shredRuns is shred with every top-level field given as runs: rows whose
// value of the field equals the row before are counted in that row's run.
func shredRuns(t testing.TB, s *Schema, rows []grp) []ColumnData {
	t.Helper()
	cols := make([]ColumnData, len(s.leaves))
	leaf := 0
	for f := range s.fields {
		var compact []grp
		runs := []int32{}
		for i, r := range rows {
			// %#v tells -0 from 0, so only rows encoded alike are merged.
			if i > 0 && fmt.Sprintf("%#v", r[f]) == fmt.Sprintf("%#v", rows[i-1][f]) {
				runs[len(runs)-1]++
				continue
			}
			compact = append(compact, r)
			runs = append(runs, 1)
		}
		cd := shred(t, s, compact)
		n := countLeaves(&s.fields[f])
		for j := leaf; j < leaf+n; j++ {
			cols[j] = cd[j]
			cols[j].Runs = runs
		}
		leaf += n
	}
	return cols
}

type shredder struct {
	cols   []ColumnData
	leaves []Leaf
	leaf   int
	err    error
}

func countLeaves(n *Node) int {
	if len(n.Children) == 0 {
		return 1
	}
	c := 0
	for i := range n.Children {
		c += countLeaves(&n.Children[i])
	}
	return c
}

func (sh *shredder) group(children []Node, v grp, def, rep, maxRep uint8) {
	if len(v) != len(children) && sh.err == nil {
		sh.err = fmt.Errorf("test bug: group value %v for %d children", v, len(children))
		return
	}
	for i := range children {
		sh.node(&children[i], v[i], def, rep, maxRep)
	}
}

// node shreds value v of node n; def is the definition level of the parent,
// rep the repetition level to emit for the first slot, maxRep the parent's
// repetition depth.
func (sh *shredder) node(n *Node, v any, def, rep, maxRep uint8) {
	switch n.Logical {
	case List:
		if l, ok := v.(lst); ok {
			w := make(lst, len(l))
			for i, e := range l {
				w[i] = grp{e}
			}
			v = grp{w}
		}
	case Map:
		if m, ok := v.(mp); ok {
			w := make(lst, len(m))
			for i, e := range m {
				w[i] = grp{e.K, e.V}
			}
			v = grp{w}
		}
	}
	switch n.Repetition {
	case Required:
		if v == nil {
			sh.err = fmt.Errorf("test bug: nil for required %q", n.Name)
			return
		}
	case Optional:
		if v == nil {
			sh.nulls(n, def, rep)
			return
		}
		def++
	case Repeated:
		l, _ := v.(lst)
		if len(l) == 0 {
			sh.nulls(n, def, rep)
			return
		}
		start := sh.leaf
		for i, e := range l {
			sh.leaf = start
			r := rep
			if i > 0 {
				r = maxRep + 1
			}
			sh.one(n, e, def+1, r, maxRep+1)
		}
		return
	}
	sh.one(n, v, def, rep, maxRep)
}

func (sh *shredder) one(n *Node, v any, def, rep, maxRep uint8) {
	if len(n.Children) > 0 {
		g, ok := v.(grp)
		if !ok {
			sh.err = fmt.Errorf("test bug: %T for group %q", v, n.Name)
			return
		}
		sh.group(n.Children, g, def, rep, maxRep)
		return
	}
	l := &sh.leaves[sh.leaf]
	c := &sh.cols[sh.leaf]
	sh.leaf++
	if l.MaxDef > 0 {
		c.Def = append(c.Def, def)
	}
	if l.MaxRep > 0 {
		c.Rep = append(c.Rep, rep)
	}
	switch x := v.(type) {
	case bool:
		c.Bool = append(c.Bool, x)
	case int32:
		c.Int32 = append(c.Int32, x)
	case uint32:
		c.Int32 = append(c.Int32, int32(x))
	case int64:
		c.Int64 = append(c.Int64, x)
	case uint64:
		c.Int64 = append(c.Int64, int64(x))
	case float32:
		c.Float = append(c.Float, x)
	case float64:
		c.Double = append(c.Double, x)
	case string:
		c.Bytes = append(c.Bytes, x)
	default:
		sh.err = fmt.Errorf("test bug: %T for leaf %q", v, n.Name)
	}
}

func (sh *shredder) nulls(n *Node, def, rep uint8) {
	for k := countLeaves(n); k > 0; k-- {
		l := &sh.leaves[sh.leaf]
		c := &sh.cols[sh.leaf]
		sh.leaf++
		if l.MaxDef > 0 {
			c.Def = append(c.Def, def)
		}
		if l.MaxRep > 0 {
			c.Rep = append(c.Rep, rep)
		}
	}
}

// readArrow reads a file with arrow-go's pqarrow and returns the schema and rows.
func readArrow(t testing.TB, data []byte) (*arrow.Schema, []grp) {
	t.Helper()
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("arrow-go: open: %v", err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1000}, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("arrow-go: pqarrow reader: %v", err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("arrow-go: read table: %v", err)
	}
	defer tbl.Release()
	rows := make([]grp, tbl.NumRows())
	for i := range rows {
		rows[i] = make(grp, tbl.NumCols())
	}
	for c := 0; c < int(tbl.NumCols()); c++ {
		r := 0
		for _, chunk := range tbl.Column(c).Data().Chunks() {
			for i := 0; i < chunk.Len(); i++ {
				rows[r][c] = arrowValue(t, chunk, i)
				r++
			}
		}
	}
	return tbl.Schema(), rows
}

func arrowValue(t testing.TB, a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Uint32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Uint64:
		return a.Value(i)
	case *array.Timestamp:
		return int64(a.Value(i))
	case *array.Float32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	case *array.FixedSizeBinary:
		return string(a.Value(i))
	case *array.Map:
		s, e := a.ValueOffsets(i)
		keys, items := a.Keys(), a.Items()
		m := mp{}
		for j := int(s); j < int(e); j++ {
			m = append(m, kv{arrowValue(t, keys, j), arrowValue(t, items, j)})
		}
		return m
	case *array.List:
		s, e := a.ValueOffsets(i)
		l := lst{}
		for j := int(s); j < int(e); j++ {
			l = append(l, arrowValue(t, a.ListValues(), j))
		}
		return l
	case *array.Struct:
		g := make(grp, a.NumField())
		for f := range g {
			g[f] = arrowValue(t, a.Field(f), i)
		}
		return g
	}
	t.Fatalf("unexpected arrow array %T", a)
	return nil
}

// writeFile writes rows in batches of batch rows (all at once if 0).
func writeFile(t testing.TB, s *Schema, opts Options, rows []grp, batch int) []byte {
	t.Helper()
	return writeFileWith(t, s, opts, rows, batch, shred)
}

// writeFileWith is writeFile with the columns of each batch made by shred.
func writeFileWith(t testing.TB, s *Schema, opts Options, rows []grp, batch int, shred func(testing.TB, *Schema, []grp) []ColumnData) []byte {
	t.Helper()
	w := NewWriter(s, opts)
	if batch <= 0 {
		batch = max(1, len(rows))
	}
	for i := 0; i < len(rows); i += batch {
		part := rows[i:min(len(rows), i+batch)]
		if err := w.WriteRows(shred(t, s, part), len(part)); err != nil {
			t.Fatalf("WriteRows: %v", err)
		}
	}
	data, err := w.Finish()
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	return data
}

func compareRows(t testing.TB, got, want []grp) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d rows, wrote %d", len(got), len(want))
	}
	for i := range want {
		if !equalValue(got[i], want[i]) {
			t.Fatalf("row %d:\n got %#v\nwant %#v", i, got[i], want[i])
		}
	}
}

// equalValue is reflect.DeepEqual except that NaNs compare equal by bits.
func equalValue(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	case grp:
		y, ok := b.(grp)
		return ok && equalSlice(x, y)
	case lst:
		y, ok := b.(lst)
		return ok && equalSlice(x, y)
	case mp:
		y, ok := b.(mp)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValue(x[i].K, y[i].K) || !equalValue(x[i].V, y[i].V) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func equalSlice(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalValue(a[i], b[i]) {
			return false
		}
	}
	return true
}

// fileMeta opens data with arrow-go's low-level reader.
func fileMeta(t testing.TB, data []byte) *file.Reader {
	t.Helper()
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("arrow-go: open: %v", err)
	}
	return rdr
}

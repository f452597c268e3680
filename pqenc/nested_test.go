package pqenc

import (
	"math"
	"math/rand/v2"
	"testing"
)

func listNode(name string, rep Repetition, elem Node) Node {
	elem.Name = "element"
	return Node{Name: name, Repetition: rep, Logical: List, Children: []Node{{
		Name: "list", Repetition: Repeated, Children: []Node{elem},
	}}}
}

func TestNestedAndPrimitiveTypes(t *testing.T) {
	nodes := []Node{
		{Name: "b", Type: Boolean},
		{Name: "ob", Repetition: Optional, Type: Boolean, Dictionary: true},
		{Name: "i64", Type: Int64, Dictionary: true},
		{Name: "u64", Type: Int64, Logical: Uint64},
		{Name: "f", Repetition: Optional, Type: Float},
		{Name: "d", Type: Double, Dictionary: true},
		{Name: "od", Repetition: Optional, Type: Double},
		{Name: "bin", Repetition: Optional, Type: ByteArray},
		listNode("ints", Optional, Node{Type: Int64}),
		listNode("rints", Required, Node{Repetition: Optional, Type: Int64, Dictionary: true}),
		listNode("events", Optional, Node{Repetition: Optional, Children: []Node{
			{Name: "time", Type: Int64, Logical: TimestampNanosUTC},
			strNode("name", Required, true),
			mapNode("attrs"),
			listNode("links", Optional, Node{Type: FixedLenByteArray, Length: 4}),
		}}),
		{Name: "scope", Repetition: Optional, Children: []Node{
			strNode("name", Optional, true),
			{Name: "dropped", Type: Int32, Logical: Uint32},
		}},
		{Name: "bare", Repetition: Repeated, Type: Int32},
		listNode("lol", Optional, listNode("", Optional, Node{Repetition: Optional, Type: Double})),
	}
	s, err := NewSchema(nodes)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	maybe := func(v any) any {
		if r.IntN(4) == 0 {
			return nil
		}
		return v
	}
	floats := []float64{0, math.Copysign(0, -1), 1.5, -2.25, math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64}
	var rows []grp
	for i := range 1500 {
		var ints any
		if r.IntN(5) > 0 {
			l := lst{}
			for range r.IntN(6) {
				l = append(l, r.Int64())
			}
			ints = l
		}
		rints := lst{}
		for range r.IntN(4) {
			rints = append(rints, maybe(int64(r.IntN(5)-2)))
		}
		var events any
		if r.IntN(6) > 0 {
			l := lst{}
			for k := range r.IntN(4) {
				if r.IntN(5) == 0 {
					l = append(l, nil)
					continue
				}
				attrs := mp{}
				for a := range r.IntN(3) {
					attrs = append(attrs, kv{string(rune('a' + a)), maybe("x")})
				}
				var links any
				if r.IntN(3) > 0 {
					ll := lst{}
					for range r.IntN(3) {
						ll = append(ll, string([]byte{byte(r.Uint32()), 0, 0xff, byte(k)}))
					}
					links = ll
				}
				l = append(l, grp{int64(i*10 + k), []string{"start", "stop", ""}[r.IntN(3)], attrs, links})
			}
			events = l
		}
		var scope any
		if r.IntN(4) > 0 {
			scope = grp{maybe("scope"), uint32(r.Uint32())}
		}
		bare := lst{}
		for range r.IntN(3) {
			bare = append(bare, int32(r.Int32()-math.MaxInt32/2))
		}
		var lol any
		if r.IntN(5) > 0 {
			l := lst{}
			for range r.IntN(3) {
				var inner any
				if r.IntN(4) > 0 {
					il := lst{}
					for range r.IntN(3) {
						il = append(il, maybe(floats[r.IntN(len(floats))]))
					}
					inner = il
				}
				l = append(l, inner)
			}
			lol = l
		}
		rows = append(rows, grp{
			r.IntN(2) == 0,
			maybe(r.IntN(3) == 0),
			int64(r.IntN(100)) - 50,
			r.Uint64(),
			maybe(float32(floats[r.IntN(len(floats))])),
			floats[r.IntN(len(floats))],
			maybe(r.NormFloat64()),
			maybe(string([]byte{0, byte(i), 0xfe})),
			ints, rints, events, scope, bare, lol,
		})
	}
	for _, opts := range []Options{{}, {PageSize: 300, RowGroupSize: 16 << 10}} {
		data := writeFile(t, s, opts, rows, 400)
		sc, got := readArrow(t, data)
		t.Logf("arrow-go schema:\n%s", fieldsString(sc))
		compareRows(t, got, rows)
	}
}

func TestZeroRows(t *testing.T) {
	s, err := NewSchema(logsNodes())
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(s, Options{})
	empty := make([]ColumnData, len(s.Leaves()))
	if err := w.WriteRows(empty, 0); err != nil {
		t.Fatal(err)
	}
	data, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	sc, rows := readArrow(t, data)
	if got := fieldsString(sc); got != logsArrowSchema {
		t.Fatalf("arrow schema:\n%s", got)
	}
	if len(rows) != 0 {
		t.Fatalf("%d rows", len(rows))
	}
	rdr := fileMeta(t, data)
	defer rdr.Close()
	if rdr.NumRows() != 0 || rdr.NumRowGroups() != 0 {
		t.Fatalf("rows %d, row groups %d", rdr.NumRows(), rdr.NumRowGroups())
	}
}

func TestResetReusesWriter(t *testing.T) {
	s, err := NewSchema(logsNodes())
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(s, Options{PageSize: 4096, RowGroupSize: 32 << 10})
	var files [][]byte
	var want [][]grp
	for i := range 3 {
		rows := logsRows(uint64(i), 400+100*i, 10+i*100)
		if i == 1 {
			// Leave buffered rows behind; Reset must discard them.
			if err := w.WriteRows(shred(t, s, rows[:5]), 5); err != nil {
				t.Fatal(err)
			}
			w.Reset()
		}
		if err := w.WriteRows(shred(t, s, rows), len(rows)); err != nil {
			t.Fatal(err)
		}
		data, err := w.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Finish(); err == nil {
			t.Fatal("second Finish succeeded")
		}
		if err := w.WriteRows(shred(t, s, rows[:1]), 1); err == nil {
			t.Fatal("WriteRows after Finish succeeded")
		}
		// The file is the writer's buffer until Reset: keep a copy.
		files = append(files, append([]byte(nil), data...))
		w.Reset()
		want = append(want, rows)
	}
	// Each file is whole, though the writer was reused.
	for i, data := range files {
		_, got := readArrow(t, data)
		compareRows(t, got, want[i])
	}
}

package pqenc

import (
	"strings"
	"testing"
)

func TestSchemaValidation(t *testing.T) {
	kv := func(k, v Node) Node {
		return Node{Name: "m", Logical: Map, Children: []Node{{Name: "key_value", Repetition: Repeated, Children: []Node{k, v}}}}
	}
	key := strNode("key", Required, false)
	val := strNode("value", Optional, false)
	cases := []struct {
		name  string
		nodes []Node
		err   string
	}{
		{"empty", nil, "no fields"},
		{"empty-name", []Node{{Type: Int32}}, "empty name"},
		{"dup", []Node{{Name: "a", Type: Int32}, {Name: "a", Type: Int64}}, `duplicate field name "a"`},
		{"int96", []Node{{Name: "a", Type: 3}}, "unsupported physical type"},
		{"bad-rep", []Node{{Name: "a", Type: Int32, Repetition: 3}}, "invalid repetition"},
		{"flba-len", []Node{{Name: "a", Type: FixedLenByteArray}}, "invalid FixedLenByteArray length 0"},
		{"len-on-int", []Node{{Name: "a", Type: Int32, Length: 4}}, "Length 4"},
		{"string-on-int", []Node{{Name: "a", Type: Int32, Logical: String}}, "does not fit"},
		{"ts-on-int32", []Node{{Name: "a", Type: Int32, Logical: TimestampNanosUTC}}, "does not fit"},
		{"map-leaf", []Node{{Name: "a", Type: Int32, Logical: Map}}, "does not fit"},
		{"string-group", []Node{{Name: "g", Logical: String, Children: []Node{{Name: "a", Type: Int32}}}}, "not valid on a group"},
		{"map-repeated", []Node{func() Node { n := kv(key, val); n.Repetition = Repeated; return n }()}, "must not be repeated"},
		{"map-optional-key", []Node{kv(strNode("key", Optional, false), val)}, "required field named key"},
		{"map-key-name", []Node{kv(strNode("k", Required, false), val)}, "named key"},
		{"map-repeated-value", []Node{kv(key, strNode("value", Repeated, false))}, "named value"},
		{"map-kv-not-repeated", []Node{{Name: "m", Logical: Map, Children: []Node{{Name: "key_value", Children: []Node{key, val}}}}}, "repeated"},
		{"map-one-field", []Node{{Name: "m", Logical: Map, Children: []Node{{Name: "key_value", Repetition: Repeated, Children: []Node{key}}}}}, "two fields"},
		{"list-2level", []Node{{Name: "l", Logical: List, Children: []Node{{Name: "list", Repetition: Repeated, Type: Int32}}}}, "list"},
		{"list-element-name", []Node{{Name: "l", Logical: List, Children: []Node{{Name: "list", Repetition: Repeated, Children: []Node{{Name: "item", Type: Int32}}}}}}, "element"},
		{"too-deep", []Node{deepNode(20)}, "nesting deeper"},
	}
	for _, tc := range cases {
		_, err := NewSchema(tc.nodes)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
	}
	if _, err := NewSchema([]Node{deepNode(14)}); err != nil {
		t.Errorf("depth 14: %v", err)
	}
}

func deepNode(depth int) Node {
	n := Node{Name: "leaf", Repetition: Optional, Type: Int32}
	for range depth - 1 {
		n = Node{Name: "g", Repetition: Repeated, Children: []Node{n}}
	}
	return n
}

func TestInputValidation(t *testing.T) {
	s, err := NewSchema([]Node{
		{Name: "req", Type: Int64},
		strNode("opt", Optional, true),
		{Name: "id", Type: FixedLenByteArray, Length: 4},
		listNode("l", Optional, Node{Repetition: Optional, Type: Int32}), // MaxDef 3, MaxRep 1
	})
	if err != nil {
		t.Fatal(err)
	}
	good := func() []ColumnData {
		return []ColumnData{
			{Int64: []int64{1, 2}},
			{Def: []uint8{1, 0}, Bytes: []string{"a"}},
			{Bytes: []string{"abcd", "efgh"}},
			{Def: []uint8{3, 2, 0}, Rep: []uint8{0, 1, 0}, Int32: []int32{7}},
		}
	}
	cases := []struct {
		name string
		mod  func(c []ColumnData) []ColumnData
		rows int
		err  string
	}{
		{"ok", func(c []ColumnData) []ColumnData { return c }, 2, ""},
		{"negative-rows", func(c []ColumnData) []ColumnData { return c }, -1, "negative row count"},
		{"too-few-columns", func(c []ColumnData) []ColumnData { return c[:3] }, 2, "3 columns for 4 leaves"},
		{"required-values", func(c []ColumnData) []ColumnData { c[0].Int64 = c[0].Int64[:1]; return c }, 2, `column "req": 1 values for 2 defined slots`},
		{"required-def", func(c []ColumnData) []ColumnData { c[0].Def = []uint8{0, 0}; return c }, 2, `column "req": levels given`},
		{"def-count", func(c []ColumnData) []ColumnData { c[1].Def = []uint8{1}; return c }, 2, `column "opt": 1 definition levels for 2 rows`},
		{"def-too-big", func(c []ColumnData) []ColumnData { c[1].Def = []uint8{2, 0}; return c }, 2, `column "opt": definition level 2 at slot 0 exceeds max 1`},
		{"opt-values", func(c []ColumnData) []ColumnData { c[1].Bytes = nil; return c }, 2, `column "opt": 0 values for 1 defined slots`},
		{"rep-on-flat", func(c []ColumnData) []ColumnData { c[1].Rep = []uint8{0, 0}; return c }, 2, "repetition levels for a non-repeated column"},
		{"flba-len", func(c []ColumnData) []ColumnData { c[2].Bytes[1] = "abc"; return c }, 2, `column "id": value 1 is 3 bytes, want 4`},
		{"rows-mismatch", func(c []ColumnData) []ColumnData { return c }, 3, `column "req": 2 values for 3 defined slots`},
		{"list-rows", func(c []ColumnData) []ColumnData { c[3].Rep = []uint8{0, 1, 1}; c[3].Def = []uint8{3, 2, 2}; return c }, 2, `column "l.list.element": repetition levels start 1 rows, want 2`},
		{"list-len", func(c []ColumnData) []ColumnData { c[3].Rep = []uint8{0, 1}; return c }, 2, "3 definition levels for 2 repetition levels"},
		{"rep-too-big", func(c []ColumnData) []ColumnData { c[3].Rep = []uint8{0, 2, 0}; return c }, 2, "repetition level 2 at slot 1 exceeds max 1"},
		{"first-rep", func(c []ColumnData) []ColumnData { c[3].Rep = []uint8{1, 0, 0}; return c }, 2, "first repetition level is 1"},
		{"rep-into-empty", func(c []ColumnData) []ColumnData { c[3].Def = []uint8{1, 3, 0}; return c }, 2, "slot 1 repeats level 1"},
		{"rep-with-null-list", func(c []ColumnData) []ColumnData { c[3].Def = []uint8{3, 1, 0}; return c }, 2, "slot 1 repeats level 1"},
		{"list-values", func(c []ColumnData) []ColumnData { c[3].Int32 = nil; return c }, 2, `"l.list.element": 0 values for 1 defined slots`},
		{"list-def-too-big", func(c []ColumnData) []ColumnData { c[3].Def[2] = 4; return c }, 2, "definition level 4 at slot 2 exceeds max 3"},
	}
	w := NewWriter(s, Options{})
	for _, tc := range cases {
		err := w.WriteRows(tc.mod(good()), tc.rows)
		if tc.err == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
		}
	}
	// Failed calls must not have written anything: the file holds the one good batch.
	data, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	_, rows := readArrow(t, data)
	compareRows(t, rows, []grp{{int64(1), "a", "abcd", lst{int32(7), nil}}, {int64(2), nil, "efgh", nil}})
}

func TestSiblingValidation(t *testing.T) {
	s, err := NewSchema([]Node{mapNode("m")})
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(s, Options{})
	// Row 0: two entries; row 1: empty map. The value column claims one entry.
	key := ColumnData{Def: []uint8{1, 1, 0}, Rep: []uint8{0, 1, 0}, Bytes: []string{"a", "b"}}
	for _, val := range []ColumnData{
		{Def: []uint8{2, 0}, Rep: []uint8{0, 0}, Bytes: []string{"x"}},
		{Def: []uint8{2, 2, 2}, Rep: []uint8{0, 1, 0}, Bytes: []string{"x", "y", "z"}},
		{Def: []uint8{2, 1, 2}, Rep: []uint8{0, 1, 0}, Bytes: []string{"x", "z"}},
	} {
		if err := w.WriteRows([]ColumnData{key, val}, 2); err == nil || !strings.Contains(err.Error(), `same repeated group`) {
			t.Errorf("value %v: error %v", val, err)
		}
	}
	ok := ColumnData{Def: []uint8{2, 1, 0}, Rep: []uint8{0, 1, 0}, Bytes: []string{"x"}}
	if err := w.WriteRows([]ColumnData{key, ok}, 2); err != nil {
		t.Fatal(err)
	}
}

func TestWriterErrors(t *testing.T) {
	if err := NewWriter(nil, Options{}).WriteRows(nil, 0); err == nil || !strings.Contains(err.Error(), "nil schema") {
		t.Errorf("nil schema: %v", err)
	}
	s, _ := NewSchema([]Node{{Name: "a", Type: Int32}})
	w := NewWriter(s, Options{Compression: 9})
	if _, err := w.Finish(); err == nil || !strings.Contains(err.Error(), "unknown compression 9") {
		t.Errorf("bad compression: %v", err)
	}
	w.Reset()
	if err := w.WriteRows([]ColumnData{{Int32: []int32{1}}}, 1); err == nil {
		t.Error("bad compression survived Reset")
	}
}

package pqenc

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

func le32(v uint32) string { return string(binary.LittleEndian.AppendUint32(nil, v)) }
func le64(v uint64) string { return string(binary.LittleEndian.AppendUint64(nil, v)) }

func TestStatistics(t *testing.T) {
	negZero := math.Copysign(0, -1)
	long := strings.Repeat("x", 100)
	cases := []struct {
		name     string
		node     Node
		vals     []any
		min, max string // PLAIN-encoded (no length prefix); "" with noMinMax
		noMinMax bool
		nulls    int64
	}{
		{"int32", Node{Type: Int32}, []any{int32(3), int32(-5), int32(100)}, le32(uint32(0xfffffffb)), le32(100), false, 0},
		{"uint32", Node{Type: Int32, Logical: Uint32}, []any{uint32(1), uint32(0x80000000), uint32(5)}, le32(1), le32(0x80000000), false, 0},
		{"int64", Node{Type: Int64}, []any{int64(-1), int64(math.MinInt64), int64(7)}, le64(1 << 63), le64(7), false, 0},
		{"uint64", Node{Type: Int64, Logical: Uint64}, []any{uint64(1), uint64(1 << 63), uint64(5)}, le64(1), le64(1 << 63), false, 0},
		{"timestamp", Node{Type: Int64, Logical: TimestampNanosUTC, Repetition: Optional}, []any{int64(20), nil, int64(10), nil}, le64(10), le64(20), false, 2},
		{"double-nan-zero", Node{Type: Double}, []any{math.NaN(), negZero, 3.0}, le64(math.Float64bits(negZero)), le64(math.Float64bits(3)), false, 0},
		{"double-pos-zero", Node{Type: Double}, []any{0.0, math.NaN()}, le64(math.Float64bits(negZero)), le64(0), false, 0},
		{"double-neg-zero-max", Node{Type: Double}, []any{negZero, -1.0}, le64(math.Float64bits(-1)), le64(0), false, 0},
		{"double-all-nan", Node{Type: Double}, []any{math.NaN(), math.NaN()}, "", "", true, 0},
		{"float", Node{Type: Float, Dictionary: true}, []any{float32(2), float32(math.Inf(-1)), float32(math.NaN())}, le32(math.Float32bits(float32(math.Inf(-1)))), le32(math.Float32bits(2)), false, 0},
		{"bool", Node{Type: Boolean}, []any{true, false, true}, "\x00", "\x01", false, 0},
		{"bool-true", Node{Type: Boolean}, []any{true, true}, "\x01", "\x01", false, 0},
		{"string-unsigned", Node{Type: ByteArray, Logical: String}, []any{"b", "ab", "ä", "z"}, "ab", "ä", false, 0},
		{"string-dict", Node{Type: ByteArray, Logical: String, Dictionary: true, Repetition: Optional}, []any{"b", nil, "ab", "ä", "z", "b", ""}, "", "ä", false, 1},
		{"binary-ff", Node{Type: ByteArray}, []any{"\xff\x00", "\x7f", "\xff"}, "\x7f", "\xff\x00", false, 0},
		{"string-long", Node{Type: ByteArray, Logical: String}, []any{long, "a"}, "a", strings.Repeat("x", 63) + "y", false, 0},
		{"string-long-min", Node{Type: ByteArray, Logical: String}, []any{long + "1", long + "2"}, strings.Repeat("x", 64), strings.Repeat("x", 63) + "y", false, 0},
		{"flba", Node{Type: FixedLenByteArray, Length: 2, Dictionary: true}, []any{"\x01\xff", "\xff\x00", "\x01\x02"}, "\x01\x02", "\xff\x00", false, 0},
		{"all-null", Node{Type: ByteArray, Repetition: Optional, Dictionary: true}, []any{nil, nil, nil}, "", "", true, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, dict := range []bool{false, true} {
				n := tc.node
				n.Name = "c"
				n.Dictionary = n.Dictionary != dict
				if n.Type == Boolean {
					n.Dictionary = false
				}
				s, err := NewSchema([]Node{n})
				if err != nil {
					t.Fatal(err)
				}
				rows := make([]grp, len(tc.vals))
				for i, v := range tc.vals {
					rows[i] = grp{v}
				}
				data := writeFile(t, s, Options{}, rows, 0)
				_, got := readArrow(t, data)
				compareRows(t, got, rows)
				rdr := fileMeta(t, data)
				cc, err := rdr.MetaData().RowGroup(0).ColumnChunk(0)
				if err != nil {
					t.Fatal(err)
				}
				st, err := cc.Statistics()
				if err != nil || st == nil {
					t.Fatalf("statistics: %v, %v", st, err)
				}
				if !st.HasNullCount() || st.NullCount() != tc.nulls {
					t.Errorf("dict=%v: null count %d (set %v), want %d", dict, st.NullCount(), st.HasNullCount(), tc.nulls)
				}
				if st.HasMinMax() == tc.noMinMax {
					t.Fatalf("dict=%v: HasMinMax %v", dict, st.HasMinMax())
				}
				if !tc.noMinMax {
					if mn, mx := st.EncodeMin(), st.EncodeMax(); string(mn) != tc.min || string(mx) != tc.max {
						t.Errorf("dict=%v: min %q max %q, want %q %q", dict, mn, mx, tc.min, tc.max)
					}
				}
				rdr.Close()
			}
		})
	}
}

func TestMapNullCount(t *testing.T) {
	s, err := NewSchema([]Node{mapNode("m")})
	if err != nil {
		t.Fatal(err)
	}
	rows := []grp{
		{mp{{"a", "1"}, {"b", nil}}}, // key: 2 values; value: 1 value, 1 null
		{mp{}},                       // one slot, null for both columns
		{mp{{"c", nil}}},             // value: 1 null
	}
	data := writeFile(t, s, Options{}, rows, 0)
	rdr := fileMeta(t, data)
	defer rdr.Close()
	rg := rdr.MetaData().RowGroup(0)
	for c, want := range []int64{1, 3} {
		cc, _ := rg.ColumnChunk(c)
		st, err := cc.Statistics()
		if err != nil {
			t.Fatal(err)
		}
		if st.NullCount() != want {
			t.Errorf("column %v: null count %d, want %d", cc.PathInSchema(), st.NullCount(), want)
		}
		if cc.NumValues() != 4 {
			t.Errorf("column %v: num_values %d, want 4", cc.PathInSchema(), cc.NumValues())
		}
	}
}

func TestTruncation(t *testing.T) {
	ff := strings.Repeat("\xff", 70)
	cases := []struct {
		name, v string
		str     bool
		min     string
		max     string
		hasMax  bool
	}{
		{"ascii", strings.Repeat("a", 65), true, strings.Repeat("a", 64), strings.Repeat("a", 63) + "b", true},
		{"ff-binary", ff, false, ff[:64], "", false},
		{"ff-prefix", "a" + ff, false, ("a" + ff)[:64], "b", true},
		// 'ä' is 2 bytes: 63 ASCII bytes + "ä" straddles the 64-byte cut.
		{"utf8-boundary", strings.Repeat("a", 63) + "äxyz", true, strings.Repeat("a", 63), strings.Repeat("a", 62) + "b", true},
		{"utf8-increment", strings.Repeat("ä", 40), true, strings.Repeat("ä", 32), strings.Repeat("ä", 31) + "å", true},
		{"max-rune", strings.Repeat("a", 60) + strings.Repeat("\U0010FFFF", 3), true, strings.Repeat("a", 60) + "\U0010FFFF", strings.Repeat("a", 59) + "b", true},
	}
	for _, tc := range cases {
		c := colState{typ: ByteArray, str: tc.str, nslots: 1, nvals: 1}
		c.st.bytes(tc.v)
		var m chunkMeta
		arena := c.appendStats(nil, &m)
		if got := string(arena[m.minOff : m.minOff+m.minLen]); got != tc.min || m.minExact {
			t.Errorf("%s: min %q exact %v, want %q", tc.name, got, m.minExact, tc.min)
		}
		if m.hasMax != tc.hasMax || m.maxExact {
			t.Errorf("%s: hasMax %v exact %v", tc.name, m.hasMax, m.maxExact)
		}
		got := arena[m.maxOff : m.maxOff+m.maxLen]
		if tc.hasMax && (string(got) != tc.max || bytes.Compare(got, []byte(tc.v)) <= 0) {
			t.Errorf("%s: max %q, want %q (> value)", tc.name, got, tc.max)
		}
	}
}

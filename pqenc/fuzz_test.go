package pqenc

import (
	"bytes"
	"fmt"
	"math"
	"testing"
)

// fz draws decisions from fuzz bytes (zeros once exhausted).
type fz struct {
	b []byte
	i int
}

func (z *fz) n(k int) int {
	if z.i >= len(z.b) {
		return 0
	}
	v := z.b[z.i]
	z.i++
	return int(v) % k
}

func (z *fz) node(name string, depth int) Node {
	kind := z.n(10)
	if depth >= 3 {
		kind %= 6
	}
	rep := Repetition(z.n(2)) // Required or Optional
	switch kind {
	case 6:
		return listNode(name, rep, z.node("element", depth+1))
	case 7:
		key := z.leaf("key")
		key.Repetition = Required
		val := z.node("value", depth+1)
		if val.Repetition == Repeated {
			val.Repetition = Optional
		}
		return Node{Name: name, Repetition: rep, Logical: Map, Children: []Node{{
			Name: "key_value", Repetition: Repeated, Children: []Node{key, val},
		}}}
	case 8:
		g := Node{Name: name, Repetition: rep}
		for i := range 1 + z.n(3) {
			g.Children = append(g.Children, z.node(fmt.Sprintf("f%d", i), depth+1))
		}
		return g
	case 9:
		if depth == 0 {
			n := z.leaf(name)
			n.Repetition = Repeated // bare repeated leaf
			return n
		}
	}
	n := z.leaf(name)
	n.Repetition = rep
	return n
}

func (z *fz) leaf(name string) Node {
	n := Node{Name: name, Dictionary: z.n(2) == 0}
	switch z.n(9) {
	case 0:
		n.Type = Boolean
	case 1:
		n.Type = Int32
	case 2:
		n.Type, n.Logical = Int32, Uint32
	case 3:
		n.Type = Int64
	case 4:
		n.Type, n.Logical = Int64, []Logical{Uint64, TimestampNanosUTC}[z.n(2)]
	case 5:
		n.Type = Float
	case 6:
		n.Type = Double
	case 7:
		n.Type = ByteArray
		if z.n(2) == 0 {
			n.Logical = String
		}
	case 8:
		n.Type, n.Length = FixedLenByteArray, 1+z.n(5)
	}
	return n
}

var fuzzStrings = []string{"", "a", "b", "ab", "ä", "zz", "\xff", "long string value that goes on and on for more than sixty-four bytes in total"}

func (z *fz) value(n *Node) any {
	if n.Repetition == Optional && z.n(4) == 0 {
		return nil
	}
	if n.Repetition == Repeated {
		e := *n
		e.Repetition = Required
		l := lst{}
		for range z.n(4) {
			l = append(l, z.value(&e))
		}
		return l
	}
	switch n.Logical {
	case List:
		l := lst{}
		for range z.n(4) {
			l = append(l, z.value(&n.Children[0].Children[0]))
		}
		return l
	case Map:
		m := mp{}
		kvn := n.Children[0].Children
		for range z.n(4) {
			m = append(m, kv{z.value(&kvn[0]), z.value(&kvn[1])})
		}
		return m
	}
	if len(n.Children) > 0 {
		g := make(grp, len(n.Children))
		for i := range g {
			g[i] = z.value(&n.Children[i])
		}
		return g
	}
	small := int64(z.n(8) - 4)
	if z.n(4) == 0 {
		small = int64(z.n(256))<<56 | int64(z.n(256))<<24 | int64(z.n(256))
	}
	switch n.Type {
	case Boolean:
		return z.n(2) == 0
	case Int32:
		if n.Logical == Uint32 {
			return uint32(small)
		}
		return int32(small)
	case Int64:
		if n.Logical == Uint64 {
			return uint64(small)
		}
		return small
	case Float:
		return float32([]float64{0, math.Copysign(0, -1), 1.5, math.NaN(), math.Inf(-1), float64(small)}[z.n(6)])
	case Double:
		return []float64{0, math.Copysign(0, -1), -2.5, math.NaN(), math.Inf(1), float64(small)}[z.n(6)]
	case ByteArray:
		s := fuzzStrings[z.n(len(fuzzStrings))]
		if n.Logical == String && s == "\xff" {
			s = "ÿ"
		}
		return s
	default:
		b := make([]byte, n.Length)
		for i := range b {
			b[i] = byte(z.n(3))
		}
		return string(b)
	}
}

func FuzzWriter(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 7, 1, 0, 7, 1, 7, 1, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	f.Add([]byte{2, 6, 1, 7, 1, 1, 3, 8, 0, 2, 1, 5, 9, 0, 30, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3})
	f.Add([]byte{4, 8, 0, 3, 7, 1, 1, 2, 6, 0, 4, 9, 1, 1, 1, 48, 2, 1, 3, 2, 3, 5, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{1, 9, 1, 5, 40, 3, 3, 1, 2, 3, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 200, 100, 50, 25})
	f.Fuzz(func(t *testing.T, data []byte) {
		z := &fz{b: data}
		var nodes []Node
		for i := range 1 + z.n(4) {
			nodes = append(nodes, z.node(fmt.Sprintf("c%d", i), 0))
		}
		s, err := NewSchema(nodes)
		if err != nil {
			t.Fatalf("generated schema rejected: %v", err)
		}
		opts := Options{
			Compression:     Compression(z.n(2)),
			PageSize:        []int{0, 1, 16, 100, 1000}[z.n(5)],
			RowGroupSize:    []int{0, 1, 64, 500, 4096}[z.n(5)],
			DictionaryLimit: []int{0, 1, 8, 64}[z.n(4)],
		}
		nrows := z.n(60)
		rows := make([]grp, nrows)
		for r := range rows {
			rows[r] = make(grp, len(s.fields))
			for i := range s.fields {
				if r > 0 && z.n(3) == 1 { // repeated, for runs
					rows[r][i] = rows[r-1][i]
					continue
				}
				rows[r][i] = z.value(&s.fields[i])
			}
		}
		runs := z.n(2) == 1
		batch := 1 + z.n(40)
		data2 := writeFileWith(t, s, opts, rows, batch, shred)
		if runs {
			// The same file, byte for byte, with rows given as runs.
			if withRuns := writeFileWith(t, s, opts, rows, batch, shredRuns); !bytes.Equal(withRuns, data2) {
				t.Fatalf("written with runs, %d bytes; row by row, %d bytes", len(withRuns), len(data2))
			}
		}
		_, got := readArrow(t, data2)
		compareRows(t, got, rows)
	})
}

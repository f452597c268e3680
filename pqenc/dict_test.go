package pqenc

import (
	"fmt"
	"hash/maphash"
	"testing"
	"unsafe"
)

// The dictionary matches a string it has seen by its address only within
// one WriteRows call: afterwards the memory may hold other bytes.
func TestDictSameSourceNewInput(t *testing.T) {
	d := dict{seed: maphash.MakeSeed()}
	d.reset()
	buf := []byte("aaaa")
	s := unsafe.String(&buf[0], len(buf))
	a, _ := d.str(s)
	// The second lookup makes a the prediction after a, the third (a
	// predicted hit) records the string's address.
	for range 2 {
		if i, _ := d.str(s); i != a {
			t.Fatalf("lookup: entry %d, want %d", i, a)
		}
	}
	if i := d.sameSource(s); i != a {
		t.Fatalf("sameSource: entry %d, want %d", i, a)
	}
	d.newInput()
	copy(buf, "bbbb")
	if i := d.sameSource(s); i >= 0 {
		t.Fatalf("sameSource after newInput and new bytes: entry %d, want none", i)
	}
	if i, added := d.str(s); i == a || !added {
		t.Fatalf("lookup of new bytes at the old address: entry %d (added %v), want a new entry", i, added)
	}
}

// A caller may reuse its buffers between WriteRows calls.
func TestWriteRowsReusedBuffer(t *testing.T) {
	s, err := NewSchema([]Node{{Name: "s", Type: ByteArray, Logical: String, Dictionary: true}})
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(s, Options{})
	buf := []byte("aaaa")
	str := unsafe.String(&buf[0], len(buf))
	var want []grp
	for _, v := range []string{"aaaa", "bbbb", "cccc"} {
		copy(buf, v)
		if err := w.WriteRows([]ColumnData{{Bytes: []string{str, str, str}}}, 3); err != nil {
			t.Fatal(err)
		}
		want = append(want, grp{v}, grp{v}, grp{v})
	}
	data, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	_, got := readArrow(t, data)
	compareRows(t, got, want)
}

// reset leaves the tables empty however full the dictionary was, whether it
// clears them whole or entry by entry, for strings and numbers.
func TestDictReset(t *testing.T) {
	for _, width := range []int{0, 8} {
		d := dict{seed: maphash.MakeSeed(), width: width}
		d.reset()
		for round, n := range []int{1, 3, 0, 15, 16, 17, 40, 200, 2, 1000, 5, 0, 9} {
			for i := range n {
				if width == 0 {
					s := fmt.Sprintf("v%d-%d", round, i%(n/2+1))
					if round%3 == 0 {
						s = s[:i%4] // short and empty strings too
					}
					d.str(s)
				} else {
					d.num(uint64(round*10000 + i))
				}
			}
			d.reset()
			for i, sl := range d.slots {
				if sl != 0 {
					t.Fatalf("width %d, after %d values: slot %d is %x", width, n, i, sl)
				}
			}
			if d.look != [256]int32{} {
				t.Fatalf("width %d, after %d values: look not empty", width, n)
			}
		}
	}
}

// A dictionary holds at most maxEntries entries (the slots keep 24 bits of
// index): a column chunk with more distinct values falls back to PLAIN and
// reads back whole.
func TestDictMaxEntries(t *testing.T) {
	defer func(n int) { maxEntries = n }(maxEntries)
	maxEntries = 100
	s, err := NewSchema([]Node{
		{Name: "s", Type: ByteArray, Logical: String, Dictionary: true},
		{Name: "n", Type: Int64, Dictionary: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, distinct := range []int{99, 100, 101, 1000} {
		var rows []grp
		for i := range 3 * distinct {
			rows = append(rows, grp{fmt.Sprintf("v%d", i%distinct), int64(i % distinct)})
		}
		data := writeFile(t, s, Options{}, rows, 0)
		_, got := readArrow(t, data)
		compareRows(t, got, rows)
		rdr := fileMeta(t, data)
		for c := range 2 {
			cc, err := rdr.MetaData().RowGroup(0).ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			if want := distinct < maxEntries; cc.HasDictionaryPage() != want {
				t.Errorf("%d distinct values, column %d: dictionary page %v, want %v", distinct, c, cc.HasDictionaryPage(), want)
			}
		}
		rdr.Close()
	}
}

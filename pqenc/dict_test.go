package pqenc

import (
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

package wasmsize

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestMergeDataSmall(t *testing.T) {
	// A module of a data section only, its segments out of order (as Go's
	// linker may write them), 8 and 5,000 bytes apart.
	segs := []segment{{5021, []byte{6}}, {10, []byte{3}}, {1 << 20, []byte{7}}, {19, []byte{4, 5}}}
	sec := binary.AppendUvarint(nil, uint64(len(segs)))
	for _, s := range segs {
		one, err := appendSegments(nil, []segment{s})
		if err != nil {
			t.Fatal(err)
		}
		sec = append(sec, one[1:]...)
	}
	wasm := append([]byte("\x00asm\x01\x00\x00\x00"), 11)
	wasm = binary.AppendUvarint(wasm, uint64(len(sec)))
	wasm = append(wasm, sec...)
	merged, err := MergeData(wasm, MaxDataGap)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dataSegments(sectionBody(merged, 11))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].offset != 10 || !bytes.Equal(got[0].data, []byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 4, 5}) || got[1].offset != 5021 || got[2].offset != 1<<20 {
		t.Fatalf("merged into %+v", got)
	}
	sameMemory(t, wasm, merged)
	if _, err := MergeData(wasm[:20], MaxDataGap); err == nil {
		t.Error("a truncated module merged")
	}
	if _, err := appendSegments(nil, []segment{{10, []byte{1, 2}}, {11, []byte{3}}}); err == nil {
		t.Error("overlapping segments written")
	}
}

func sectionBody(wasm []byte, id byte) []byte {
	for i := 8; i < len(wasm); {
		size, n := binary.Uvarint(wasm[i+1:])
		start := i + 1 + n
		i = start + int(size)
		if wasm[start-1-n] == id {
			return wasm[start:i]
		}
	}
	return nil
}

// sameMemory checks that two modules' data segments initialise the same memory.
func sameMemory(t *testing.T, a, b []byte) {
	t.Helper()
	ma, lo, err := memoryImage(a)
	if err != nil {
		t.Fatal(err)
	}
	mb, lob, err := memoryImage(b)
	if err != nil {
		t.Fatal(err)
	}
	if lo != lob || !bytes.Equal(ma, mb) {
		t.Fatalf("the merged data segments initialise other memory (from %d, %d bytes; was from %d, %d bytes)", lob, len(mb), lo, len(ma))
	}
}

// memoryImage is the memory the data segments of wasm initialise, from the
// lowest offset they write .
func memoryImage(wasm []byte) ([]byte, int64, error) {
	for i := 8; i < len(wasm); {
		id := wasm[i]
		size, n := binary.Uvarint(wasm[i+1:])
		if n <= 0 || size > uint64(len(wasm)-i-1-n) {
			return nil, 0, errors.New("bad section")
		}
		i += 1 + n + int(size)
		if id != 11 {
			continue
		}
		segs, err := dataSegments(wasm[i-int(size) : i])
		if err != nil || len(segs) == 0 {
			return nil, 0, err
		}
		lo, hi := segs[0].offset, int64(0)
		for _, s := range segs {
			lo, hi = min(lo, s.offset), max(hi, s.offset+int64(len(s.data)))
		}
		mem := make([]byte, hi-lo)
		for _, s := range segs {
			if !bytes.Equal(mem[s.offset-lo:][:len(s.data)], make([]byte, len(s.data))) {
				return nil, 0, errors.New("segments overlap")
			}
			copy(mem[s.offset-lo:], s.data)
		}
		return mem, lo, nil
	}
	return nil, 0, errors.New("no data section")
}

package protowire

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	gpw "google.golang.org/protobuf/encoding/protowire"
)

// inputs are edge cases and random bytes biased to varint continuation bits.
func inputs() [][]byte {
	in := [][]byte{nil, {0}, {0x80}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
		gpw.AppendVarint(nil, math.MaxInt32<<3|2), gpw.AppendVarint(nil, (math.MaxInt32+1)<<3), {0x0b, 0x0c}, {0x0b, 0x14, 0x00, 0x13}}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, r.IntN(14))
		for i := range b {
			b[i] = byte(r.Uint32())
			if r.IntN(3) > 0 {
				b[i] |= 0x80
			}
			if r.IntN(4) == 0 {
				b[i] = byte(r.IntN(0x30)) // small tags, groups, end groups
			}
		}
		in = append(in, b)
	}
	return in
}

func sameErr(t *testing.T, what string, b []byte, ours, theirs int) {
	t.Helper()
	if ours != theirs {
		t.Fatalf("%s(% x): %d, protowire %d", what, b, ours, theirs)
	}
	e, g := ParseError(ours), gpw.ParseError(theirs)
	if (e == nil) != (g == nil) || e != nil && !strings.HasSuffix(g.Error(), e.Error()) {
		t.Fatalf("%s(% x): error %v, protowire %v", what, b, e, g)
	}
}

func TestSameAsProtowire(t *testing.T) {
	for _, b := range inputs() {
		v, n := ConsumeVarint(b)
		gv, gn := gpw.ConsumeVarint(b)
		if v != gv {
			t.Fatalf("ConsumeVarint(% x) = %d, protowire %d", b, v, gv)
		}
		sameErr(t, "ConsumeVarint", b, n, gn)
		num, typ, n := ConsumeTag(b)
		gnum, gtyp, gn := gpw.ConsumeTag(b)
		if int32(num) != int32(gnum) || int8(typ) != int8(gtyp) {
			t.Fatalf("ConsumeTag(% x) = %d %d, protowire %d %d", b, num, typ, gnum, gtyp)
		}
		sameErr(t, "ConsumeTag", b, n, gn)
		bv, n := ConsumeBytes(b)
		gbv, gn := gpw.ConsumeBytes(b)
		if !bytes.Equal(bv, gbv) {
			t.Fatalf("ConsumeBytes(% x) = % x, protowire % x", b, bv, gbv)
		}
		sameErr(t, "ConsumeBytes", b, n, gn)
		f32, n := ConsumeFixed32(b)
		gf32, gn := gpw.ConsumeFixed32(b)
		if f32 != gf32 {
			t.Fatalf("ConsumeFixed32(% x) = %d, protowire %d", b, f32, gf32)
		}
		sameErr(t, "ConsumeFixed32", b, n, gn)
		f64, n := ConsumeFixed64(b)
		gf64, gn := gpw.ConsumeFixed64(b)
		if f64 != gf64 {
			t.Fatalf("ConsumeFixed64(% x) = %d, protowire %d", b, f64, gf64)
		}
		sameErr(t, "ConsumeFixed64", b, n, gn)
		for typ := range Type(8) {
			for _, num := range []Number{1, 2, 5} {
				sameErr(t, "ConsumeFieldValue", b, ConsumeFieldValue(num, typ, b), gpw.ConsumeFieldValue(gpw.Number(num), gpw.Type(typ), b))
			}
		}
	}
	deep := bytes.Repeat([]byte{0x0b}, recursionLimit+2)
	sameErr(t, "ConsumeFieldValue", nil, ConsumeFieldValue(1, StartGroupType, deep), gpw.ConsumeFieldValue(1, gpw.StartGroupType, deep))
	if !errors.Is(ParseError(errCodeRecursionDepth), errParse) {
		t.Fatal("recursion depth is not a parse error")
	}
}

func TestAppendSameAsProtowire(t *testing.T) {
	vals := []uint64{0, 1, 127, 128, 300, 1<<14 - 1, 1 << 14, 1<<21 - 1, 1 << 35, 1<<63 - 1, 1 << 63, math.MaxUint64}
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		vals = append(vals, r.Uint64()>>r.IntN(64))
	}
	for _, v := range vals {
		if got, want := AppendVarint([]byte{9}, v), gpw.AppendVarint([]byte{9}, v); !bytes.Equal(got, want) {
			t.Fatalf("AppendVarint(%d) = % x, want % x", v, got, want)
		}
		if got, want := SizeVarint(v), gpw.SizeVarint(v); got != want {
			t.Fatalf("SizeVarint(%d) = %d, want %d", v, got, want)
		}
		if got, want := DecodeZigZag(v), gpw.DecodeZigZag(v); got != want {
			t.Fatalf("DecodeZigZag(%d) = %d, want %d", v, got, want)
		}
	}
	for _, num := range []Number{1, 2, 15, 16, 2047, 2048, MaxValidNumber} {
		for typ := range Type(6) {
			if got, want := AppendTag(nil, num, typ), gpw.AppendTag(nil, gpw.Number(num), gpw.Type(typ)); !bytes.Equal(got, want) {
				t.Fatalf("AppendTag(%d, %d) = % x, want % x", num, typ, got, want)
			}
		}
		if got, want := SizeTag(num), gpw.SizeTag(gpw.Number(num)); got != want {
			t.Fatalf("SizeTag(%d) = %d, want %d", num, got, want)
		}
	}
	for _, n := range []int{0, 1, 127, 128, 1 << 20} {
		s := strings.Repeat("x", n)
		if got, want := AppendString(nil, s), gpw.AppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%d bytes) differs", n)
		}
		if got, want := SizeBytes(n), gpw.SizeBytes(n); got != want {
			t.Fatalf("SizeBytes(%d) = %d, want %d", n, got, want)
		}
	}
}

package layout

import (
	"strings"
	"testing"
	"time"

	"github.com/otlp2parquet/otlp2parquet/storage"
)

func TestKey(t *testing.T) {
	hour := time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC).Unix() / 3600
	id := [16]byte{0x0b, 0x5e, 1, 2, 3, 4, 0x45, 6, 0x87, 8, 9, 10, 11, 12, 13, 14}
	got := Key("logs", "check out", hour, id, 1772600400123456789)
	want := "logs/check%20out/year=2026/month=03/day=04/hour=05/0b5e0102-0304-4506-8708-090a0b0c0d0e-1772600400123456789.parquet"
	if got != want {
		t.Fatalf("Key = %q\nwant  %q", got, want)
	}
	if err := storage.ValidKey(got); err != nil {
		t.Fatal(err)
	}
}

func TestSegment(t *testing.T) {
	for in, want := range map[string]string{
		"checkout":      "checkout",
		"svc-1_a.b":     "svc-1_a.b",
		"":              "unknown_service",
		".":             "%2E",
		"..":            "%2E%2E",
		"../../x":       "..%2F..%2Fx",
		"a/b\\c":        "a%2Fb%5Cc",
		"year=2020":     "year%3D2020",
		"tab\there\n":   "tab%09here%0A",
		"100%":          "100%25",
		"caf\u00e9":     "caf%C3%A9",
		"...":           "...",
		"~x":            "%7Ex",
		"\x00\x7f\xff ": "%00%7F%FF%20",
	} {
		if got := string(AppendSegment(nil, in)); got != want {
			t.Errorf("segment(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLongSegmentsStayDistinctAndBounded(t *testing.T) {
	seen := map[string]string{}
	for _, in := range []string{
		strings.Repeat("a", 200),
		strings.Repeat("a", 201),
		strings.Repeat("a", 110) + strings.Repeat("/", 50),
		strings.Repeat("é", 100),
		strings.Repeat("a", 109) + "/" + strings.Repeat("b", 100),
	} {
		seg := string(AppendSegment(nil, in))
		if len(seg) > maxSegment {
			t.Errorf("segment of %d bytes is %d bytes long", len(in), len(seg))
		}
		if !strings.Contains(seg, "~") {
			t.Errorf("cut segment %q has no hash marker", seg)
		}
		// A cut never splits a %XX escape.
		head := seg[:strings.IndexByte(seg, '~')]
		if i := strings.LastIndexByte(head, '%'); i >= 0 && i > len(head)-3 {
			t.Errorf("segment %q cut inside an escape", seg)
		}
		if prev, dup := seen[seg]; dup {
			t.Errorf("%q and %q map to the same segment %q", prev, in, seg)
		}
		seen[seg] = in
		if again := string(AppendSegment(nil, in)); again != seg {
			t.Errorf("segment of the same name changed: %q vs %q", seg, again)
		}
	}
}

func TestNewID(t *testing.T) {
	a, b := NewID(), NewID()
	if a == b {
		t.Fatal("two ids are equal")
	}
	if a[6]>>4 != 4 || a[8]>>6 != 2 {
		t.Fatalf("id %x is not a version 4, variant 1 UUID", a)
	}
}

package otlp

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// asciiShort and validUTF8 agree with utf8.Valid (asciiShort only for up
// to 16 bytes, all ASCII) for every length and every place of a non-ASCII
// byte, valid UTF-8 or not.
func TestASCIIChecks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 80 {
		for at := -1; at < n; at++ {
			for _, hi := range []string{"\xff", "é"} {
				b := make([]byte, n)
				for i := range b {
					b[i] = byte(' ' + r.IntN(95))
				}
				if at >= 0 {
					b = append(b[:at], append([]byte(hi), b[at:]...)...)
				}
				want := utf8.Valid(b)
				if got := validUTF8(b); got != want {
					t.Fatalf("validUTF8(%q) = %v, want %v", b, got, want)
				}
				ascii := at < 0 && len(b) <= 16
				if got := asciiShort(b); got != ascii {
					t.Fatalf("asciiShort(%q) = %v, want %v", b, got, ascii)
				}
			}
		}
	}
}

package batch

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// appendDouble's fast path for short decimals prints what strconv prints.
func TestAppendDoubleShortDecimals(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	check := func(f float64) {
		t.Helper()
		want := strconv.AppendFloat(nil, f, 'f', -1, 64)
		if got, ok := appendShortDecimal(nil, f); ok && string(got) != string(want) {
			t.Fatalf("appendShortDecimal(%v) = %s, want %s", f, got, want)
		}
	}
	for _, f := range []float64{1, -1, 0.1, 0.2, 0.3, 1.5, 100, 1e6, 123456.789, 0.000001, 0.0000015,
		9.999999, 99999.99, 0.1 + 0.2, 1.0 / 3, 2.675, 1e14, 1e14 + 0.5, 140737488355327, 14073748835532.7,
		math.Nextafter(1, 2), math.Nextafter(0.1, 1), math.Nextafter(1e14, 0)} {
		check(f)
		check(-f)
	}
	for range 2_000_000 {
		var f float64
		switch r.IntN(5) {
		case 0: // k decimals
			k := r.IntN(8)
			f = float64(r.Int64N(1<<uint(r.IntN(50)+1))) / math.Pow(10, float64(k))
		case 1: // the benchmark's durations
			f = float64(r.IntN(200000)) / 100
		case 2: // any double of a moderate size
			f = math.Float64frombits(r.Uint64()&^(1<<63)>>12 | uint64(1000+r.IntN(90))<<52)
		case 3: // next to a power of ten
			p := math.Pow(10, float64(r.IntN(20)-6))
			f = p
			for range r.IntN(4) {
				f = math.Nextafter(f, 0)
			}
			for range r.IntN(4) {
				f = math.Nextafter(f, math.Inf(1))
			}
		case 4: // sums and products that leave binary noise
			f = float64(r.IntN(1000))*0.1 + float64(r.IntN(1000))*0.01
		}
		if r.IntN(2) == 0 {
			f = -f
		}
		check(f)
	}
}

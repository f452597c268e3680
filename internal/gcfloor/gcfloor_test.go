package gcfloor

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, headroom uint64
		want           int
	}{
		{0, 64 * mib, 1600},         // counted as the runtime's 4 MiB
		{1 * mib, 64 * mib, 1600},   // likewise
		{8 * mib, 64 * mib, 800},    // the heap may grow by 64 MiB
		{40 * mib, 64 * mib, 160},   // by 64 MiB
		{64 * mib, 64 * mib, 100},   // by as much as is live: GOGC=100
		{500 * mib, 64 * mib, 100},  // likewise
		{8 * mib, 2 * mib, 100},     // a floor below the live heap changes nothing
		{minHeap, 1 << 62, 1 << 20}, // bounded
	} {
		if got := Percent(c.live, c.headroom); got != c.want {
			t.Errorf("Percent(%d MiB live, %d MiB headroom) = %d, want %d", c.live/mib, c.headroom/mib, got, c.want)
		}
	}
}

// gcPercent reads GOGC as the runtime has it now.
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// TestStart checks that the floor follows the live heap from one
// collection to the next: raised over a small heap, 100 over a heap larger
// than the headroom, raised again once that heap is garbage.
func TestStart(t *testing.T) {
	defer debug.SetGCPercent(gcPercent())
	Start(1<<30, true) // GOGC set by the user: nothing changes
	if p := gcPercent(); p != 100 {
		t.Fatalf("GOGC %d after Start with GOGC set, want 100 (go test's default)", p)
	}
	const headroom = 16 << 20
	stop := start(headroom)
	defer stop()
	// waitFor collects until the finalizer has set GOGC as want says.
	waitFor := func(what string, want func(int) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			runtime.GC()
			if p := gcPercent(); want(p) {
				return
			} else if time.Now().After(deadline) {
				t.Fatalf("GOGC %d: want %s", p, what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("raised over a small heap", func(p int) bool { return p > 100 })
	big := make([][]byte, 64)
	for i := range big {
		big[i] = make([]byte, 1<<20) // 64 MiB live, four times the headroom
	}
	waitFor("100 over a large heap", func(p int) bool { return p == 100 })
	runtime.KeepAlive(big)
	big = nil
	waitFor("raised again", func(p int) bool { return p > 100 })
}

// Package gcfloor spares a small, growing heap a garbage collection at every doubling: it gives the collector a floor of headroom.
package gcfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// With GOGC=100 the collector runs whenever the heap has grown by as much
// as was live after the last collection. While the live heap is small and
// growing (a server's first seconds, its first batch being encoded) that
// is a collection every few megabytes: eight in under a second while a
// server's first flush grew the heap from 5 to 80 MB, some with
// stop-the-world phases of 2-9 ms that every request in flight waited out.
//
// Start resets GOGC after each collection so that the next one comes once
// the heap has grown by max(live heap, headroom): GOGC=100 once the live
// heap is larger than headroom, fewer collections below it, and at most
// headroom more heap than GOGC=100 would allow. (The runtime's growth is
// GOGC percent of the live heap plus the goroutine stacks and globals it
// scans; Start counts those too.)

// sentinel is an object whose finalizer runs after each collection that
// finds it unreachable. It holds a pointer so that the allocator gives it
// a block of its own (the finalizer of a tiny block may never run).
type sentinel struct{ _ *byte }

var once sync.Once

// Start gives the collector a floor of headroom bytes for the life of the
// process, unless GOGC is set in the environment (gogcSet: the user's
// choice stands) or headroom is 0. It is for main packages: it changes the
// process's collector settings. Later calls do nothing.
func Start(headroom uint64, gogcSet bool) {
	if gogcSet || headroom == 0 {
		return
	}
	once.Do(func() { start(headroom) })
}

// start tunes GOGC after every collection until stop is called.
func start(headroom uint64) (stop func()) {
	var stopped atomic.Bool
	scanned := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"},
		{Name: "/gc/scan/globals:bytes"},
	}
	var tune func(*sentinel)
	tune = func(*sentinel) {
		if stopped.Load() {
			return
		}
		metrics.Read(scanned)
		var base uint64
		for _, s := range scanned {
			if s.Value.Kind() == metrics.KindUint64 {
				base += s.Value.Uint64()
			}
		}
		debug.SetGCPercent(Percent(base, headroom))
		runtime.SetFinalizer(new(sentinel), tune)
	}
	debug.SetGCPercent(Percent(0, headroom))
	runtime.SetFinalizer(new(sentinel), tune)
	return func() { stopped.Store(true) }
}

// minHeap is the runtime's smallest heap goal: a live heap below it counts
// as this much.
const minHeap = 4 << 20

// Percent is the GOGC that lets a heap grow by max(live, headroom) before
// the next collection, live being what the collector scans (the live heap,
// goroutine stacks and globals): 100 at least.
func Percent(live, headroom uint64) int {
	live = max(live, minHeap)
	if headroom <= live {
		return 100
	}
	return int(min(float64(headroom)*100/float64(live), 1<<20))
}

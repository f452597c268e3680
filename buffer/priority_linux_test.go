package buffer

import (
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/otlp2parquet/otlp2parquet/storage/memory"
)

// lowerPriority lowers the priority of the calling goroutine's thread, and
// of that thread alone.
func TestLowerPriority(t *testing.T) {
	// The raw system call answers 20 minus the nice value.
	nice := func() int {
		p, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
		if err != nil {
			t.Fatal(err)
		}
		return 20 - p
	}
	before := nice()
	got := make(chan int)
	go func() {
		lowerPriority()
		got <- nice()
	}()
	if n := <-got; n != flushNice {
		t.Errorf("flushing thread's nice value %d, want %d", n, flushNice)
	}
	if n := nice(); n != before {
		t.Errorf("the test's thread went from nice %d to %d", before, n)
	}
}

// A flush that starts while keeping up runs its chunks at the lowest
// priority, and those after it fell behind (here: a shutdown began) at the
// normal one: a flush lowered throughout was starved by other processes
// while the log filled.
func TestFlushRaisesPriorityWhenBehind(t *testing.T) {
	defer func(n int, procs func() int, hook func()) {
		chunkBytes, flushProcs, testHookRead = n, procs, hook
	}(chunkBytes, flushProcs, testHookRead)
	chunkBytes = 2 << 10
	// The process's own nice value (0 unless the tests run under nice):
	// a thread not lowered has it.
	p, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if err != nil {
		t.Fatal(err)
	}
	base := 20 - p
	if base >= flushNice {
		t.Skipf("the tests run at nice %d: no lower priority to tell apart", base)
	}
	for _, procs := range []int{1, 2, 3} { // lowered, a flush keeps 1, 1 and 2 goroutines busy
		flushProcs = func() int { return procs }
		buf := open(t, t.TempDir(), memory.New(), Options{MaxRows: 600, MaxAge: time.Hour})
		var mu sync.Mutex
		var nices []int
		started := make(chan struct{})
		testHookRead = func() {
			p, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			nices = append(nices, 20-p)
			first := len(nices) == 1
			mu.Unlock()
			if first {
				buf.StoreNow()
				close(started)
			}
		}
		for i := range 60 { // the 60th request has the batch sealed
			export(t, buf, request(t, "api", i*10, 10, false))
		}
		select {
		case <-started: // by the sealer, not by Close
		case <-time.After(10 * time.Second):
			t.Fatal("no flush began after the batch filled")
		}
		if err := buf.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if buf.Stats().RecordsWritten != 600 {
			t.Fatalf("stats %+v", buf.Stats())
		}
		mu.Lock()
		normal := 0
		for _, n := range nices {
			if n == base {
				normal++
			}
		}
		// The batch's chunks, then any empty read at its end or of the
		// empty batch Close stores: all but the first two or so at base.
		if len(nices) < 8 || nices[0] != flushNice || normal < len(nices)/2 {
			t.Errorf("flush on %d goroutines: chunks ran at nice %v, want %d first and %d once behind", procs, nices, flushNice, base)
		}
		mu.Unlock()
	}
}

package buffer

import (
	"testing"

	"golang.org/x/sys/unix"
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

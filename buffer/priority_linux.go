package buffer

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// flushNice is the OS priority (nice value) of the threads that flush.
const flushNice = 19

// lowerPriority puts the calling goroutine, from now on, on an OS thread of
// its own that runs at the lowest priority: a flush that keeps up then takes
// the CPU only when acknowledging requests leaves it free (one that falls
// behind runs at the normal priority: see Buffer.flusher). The goroutine
// never unlocks the thread, so the thread ends with it and no other
// goroutine inherits the priority. On two CPUs shared with the load
// generator, 1000 requests/s of 100 records read p99 6.8-7.1 ms with it
// (and a P more than CPUs, see internal/cli), 10.9-14.9 ms without
// (BENCHMARKS.md).
func lowerPriority() {
	runtime.LockOSThread()
	// A thread's nice value is per thread on Linux (PRIO_PROCESS with a
	// thread id). Failing to lower it only costs latency: ignored.
	_ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), flushNice)
}

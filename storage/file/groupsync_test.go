package file

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGroupSyncCoversLaterWrites checks the group commit rule: a wait
// returns only after a sync that started after the wait was asked for.
func TestGroupSyncCoversLaterWrites(t *testing.T) {
	var written, synced atomic.Int64 // "writes" done, and the writes covered by the last sync
	var syncs atomic.Int64
	g := newGroupSync(func() error {
		covered := written.Load() // what is on disk is what was written when the sync started
		time.Sleep(2 * time.Millisecond)
		synced.Store(covered)
		syncs.Add(1)
		return nil
	})
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for range 20 {
				mine := written.Add(1)
				if err := g.wait(); err != nil {
					t.Error(err)
					return
				}
				if synced.Load() < mine {
					t.Errorf("wait returned before write %d was synced (synced up to %d)", mine, synced.Load())
					return
				}
			}
		})
	}
	wg.Wait()
	if n := syncs.Load(); n >= 64*20 {
		t.Errorf("%d syncs for %d waits: nothing was grouped", n, 64*20)
	} else {
		t.Logf("%d syncs for %d waits", n, 64*20)
	}
}

func TestGroupSyncFailureIsSticky(t *testing.T) {
	fail := errors.New("EIO")
	calls := 0
	g := newGroupSync(func() error {
		calls++
		if calls == 2 {
			return fail
		}
		return nil
	})
	if err := g.wait(); err != nil {
		t.Fatal(err)
	}
	if err := g.wait(); !errors.Is(err, fail) {
		t.Fatalf("second wait: %v, want the sync error", err)
	}
	if err := g.wait(); !errors.Is(err, fail) {
		t.Fatalf("after a failed sync: %v, want the sync error again", err)
	}
	if calls != 2 {
		t.Fatalf("%d syncs, want no more after the failure", calls)
	}
	if err := g.failed(); !errors.Is(err, fail) {
		t.Fatalf("failed() = %v", err)
	}
}

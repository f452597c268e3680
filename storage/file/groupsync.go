package file

import (
	"fmt"
	"os"
	"sync"
)

// groupSync makes many concurrent writes durable with one file-system sync
// (group commit): each Put asks for a sync that starts after its own write,
// and whoever finds no sync running starts one that covers every request
// made so far. Under load, one sync serves dozens of Puts instead of each
// paying two fsyncs; alone, a Put pays about what it did.
type groupSync struct {
	sync func() error // syncs the whole file system holding the root
	dir  *os.File     // the descriptor sync uses

	mu        sync.Mutex
	cond      sync.Cond
	requested uint64 // requests made
	done      uint64 // requests covered by a finished sync
	running   bool
	err       error // set by a failed sync; the bucket is unusable after it
}

func newGroupSync(sync func() error) *groupSync {
	g := &groupSync{sync: sync}
	g.cond.L = &g.mu
	return g
}

// wait returns once everything written before the call is durable.
//
// A failed sync leaves the page cache in an unknown state (data may be
// dropped and never written again), so after one every wait fails: the
// server answers 503, /ready reports it, and only a restart, after the
// file system is repaired, clears it. That is how databases treat fsync
// errors too.
func (g *groupSync) wait() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requested++
	mine := g.requested
	for g.done < mine && g.err == nil {
		if g.running {
			g.cond.Wait()
			continue
		}
		g.running = true
		target := g.requested
		g.mu.Unlock()
		err := g.sync()
		g.mu.Lock()
		g.running = false
		if err != nil {
			g.err = fmt.Errorf("sync failed, storage unusable until restart: %w", err)
		} else {
			g.done = target
		}
		g.cond.Broadcast()
	}
	return g.err
}

// failed reports a sync that failed earlier.
func (g *groupSync) failed() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

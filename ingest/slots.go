package ingest

import (
	"context"
	"time"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
)

// Slots bounds the requests doing one kind of work at once. A request that
// cannot get a slot within the wait is refused with ErrOverloaded (a 503
// with Retry-After): refusing fast beats queueing until clients time out.
type Slots struct {
	c    chan struct{}
	wait time.Duration
	what string // the work, for the error: "processed", "decoded"
}

// NewSlots returns n slots for work named what, waited for at most wait.
func NewSlots(n int, wait time.Duration, what string) *Slots {
	return &Slots{c: make(chan struct{}, n), wait: wait, what: what}
}

// Acquire takes a slot; Release gives it back.
func (s *Slots) Acquire(ctx context.Context) error {
	select {
	case s.c <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(s.wait)
	defer t.Stop()
	select {
	case s.c <- struct{}{}:
		return nil
	case <-t.C:
		return fmtlite.Errorf("%w: %d requests being %s, none finished within %v", ErrOverloaded, cap(s.c), s.what, s.wait)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release gives back a slot taken by Acquire.
func (s *Slots) Release() { <-s.c }

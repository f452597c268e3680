// Package admittest has a fake exporter with admission control for the receivers' tests.
package admittest

import (
	"fmt"
	"sync"

	"github.com/otlp2parquet/otlp2parquet/ingest"
)

// Admitter is an ingest.Exporter whose log takes requests of up to Max
// bytes (a full log: Max -1); it records the sizes it was asked about.
type Admitter struct {
	ingest.Exporter
	mu    sync.Mutex
	max   int64
	asked []int64
}

// NewAdmitter returns an Admitter over e taking requests of up to max bytes.
func NewAdmitter(e ingest.Exporter, max int64) *Admitter {
	return &Admitter{Exporter: e, max: max}
}

// SetMax changes the largest request the Admitter takes.
func (a *Admitter) SetMax(max int64) {
	a.mu.Lock()
	a.max = max
	a.mu.Unlock()
}

// Asked returns the sizes Admit was asked about, in order.
func (a *Admitter) Asked() []int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]int64(nil), a.asked...)
}

// Admit implements ingest.Admitter.
func (a *Admitter) Admit(_ ingest.Signal, size int64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked = append(a.asked, size)
	if size > a.max {
		return fmt.Errorf("log full: %w", ingest.ErrOverloaded)
	}
	return nil
}

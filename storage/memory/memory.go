// Package memory is an in-process storage.Bucket, for tests and for trying things out.
package memory

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
	"github.com/otlp2parquet/otlp2parquet/storage"
)

// Bucket keeps objects in a map.
type Bucket struct {
	mu      sync.RWMutex
	objects map[string][]byte
}

// New returns an empty Bucket.
func New() *Bucket { return &Bucket{objects: make(map[string][]byte)} }

// Put implements storage.Bucket.
func (b *Bucket) Put(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return fmtlite.Errorf("memory: put %q: %w", key, err)
	}
	if err := storage.ValidKey(key); err != nil {
		return fmtlite.Errorf("memory: put: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.objects[key]; ok {
		return fmtlite.Errorf("memory: put %q: %w", key, storage.ErrExist)
	}
	b.objects[key] = slices.Clone(data)
	return nil
}

// Get implements storage.Bucket.
func (b *Bucket) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmtlite.Errorf("memory: get %q: %w", key, err)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	data, ok := b.objects[key]
	if !ok {
		return nil, fmtlite.Errorf("memory: get %q: %w", key, storage.ErrNotExist)
	}
	return slices.Clone(data), nil
}

// Delete implements storage.Bucket.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmtlite.Errorf("memory: delete %q: %w", key, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.objects, key)
	return nil
}

// Check implements storage.Checker; a memory bucket is always usable.
func (b *Bucket) Check(context.Context) error { return nil }

// List implements storage.Bucket.
func (b *Bucket) List(ctx context.Context, prefix string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmtlite.Errorf("memory: list %q: %w", prefix, err)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	var keys []string
	for k := range b.objects {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// Package storage defines the object store Parquet files are written to: a small Bucket interface and its errors.
package storage

import (
	"context"
	"errors"
	"strings"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
)

var (
	// ErrNotExist means no object has the key.
	ErrNotExist = errors.New("object does not exist")
	// ErrExist means an object already has the key; Put never replaces one.
	ErrExist = errors.New("object already exists")
	// ErrInvalidKey means the key is not a clean relative path.
	ErrInvalidKey = errors.New("invalid object key")
)

// Bucket is a flat store of immutable objects named by keys such as
// "logs/svc/year=2026/month=11/day=25/hour=17/id-ts.parquet".
//
// Keys are relative, "/"-separated, with no empty, "." or ".." segments, no
// backslashes or control characters, and at most 1024 bytes. Implementations
// are safe for concurrent use.
type Bucket interface {
	// Put stores data as a new object. It is atomic: readers see the whole
	// object or none. If key exists, Put fails with ErrExist and leaves the
	// object as it was. On any error the object does not exist, or is the
	// one that existed before.
	Put(ctx context.Context, key string, data []byte) error
	// Get returns an object's content, or ErrNotExist.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes an object. Deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// List returns the keys that start with prefix, sorted.
	List(ctx context.Context, prefix string) ([]string, error)
}

// Checker is implemented by buckets that can tell whether they are usable
// right now, for a readiness probe. Find it with a type assertion:
//
//	if c, ok := b.(storage.Checker); ok { err = c.Check(ctx) }
//
// Check is cheap, writes no object, and returns nil only if the bucket was
// reachable and usable when it ran; it is no promise about the next Put.
type Checker interface {
	Check(ctx context.Context) error
}

// ValidKey checks key against the Bucket key rules.
func ValidKey(key string) error {
	if key == "" || len(key) > 1024 {
		return fmtlite.Errorf("%w %q: length %d, want 1 to 1024 bytes", ErrInvalidKey, key, len(key))
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmtlite.Errorf("%w %q: empty, \".\" or \"..\" segment", ErrInvalidKey, key)
		}
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return fmtlite.Errorf("%w %q: byte %#x at %d", ErrInvalidKey, key, c, i)
		}
	}
	return nil
}

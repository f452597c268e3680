// Package storagetest is the conformance suite every storage.Bucket must pass.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/otlp2parquet/otlp2parquet/storage"
)

// Run checks that the buckets newBucket returns keep the storage.Bucket
// contract. Each subtest gets a new, empty bucket.
func Run(t *testing.T, newBucket func(t *testing.T) storage.Bucket) {
	ctx := context.Background()

	t.Run("PutGet", func(t *testing.T) {
		b := newBucket(t)
		data := []byte("PAR1 some parquet bytes PAR1")
		key := "logs/svc/year=2026/month=11/day=25/hour=17/a-1.parquet"
		if err := b.Put(ctx, key, data); err != nil {
			t.Fatalf("Put: %v", err)
		}
		data[0] = 'X' // the bucket must not keep the caller's slice
		got, err := b.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if string(got) != "PAR1 some parquet bytes PAR1" {
			t.Fatalf("Get = %q", got)
		}
	})

	t.Run("EmptyAndLargeObjects", func(t *testing.T) {
		b := newBucket(t)
		if err := b.Put(ctx, "empty", nil); err != nil {
			t.Fatalf("Put empty: %v", err)
		}
		if got, err := b.Get(ctx, "empty"); err != nil || len(got) != 0 {
			t.Fatalf("Get empty = %d bytes, %v", len(got), err)
		}
		large := make([]byte, 9<<20+12345) // not a whole number of MiB: backends may write in pieces
		for i := range large {
			large[i] = byte(i * 7)
		}
		if err := b.Put(ctx, "dir/large", large); err != nil {
			t.Fatalf("Put large: %v", err)
		}
		got, err := b.Get(ctx, "dir/large")
		if err != nil || !bytes.Equal(got, large) {
			t.Fatalf("Get large: %d bytes (want %d), %v", len(got), len(large), err)
		}
	})

	t.Run("PutNeverReplaces", func(t *testing.T) {
		b := newBucket(t)
		if err := b.Put(ctx, "k/once", []byte("first")); err != nil {
			t.Fatalf("Put: %v", err)
		}
		err := b.Put(ctx, "k/once", []byte("second"))
		if !errors.Is(err, storage.ErrExist) {
			t.Fatalf("second Put = %v, want ErrExist", err)
		}
		if got, _ := b.Get(ctx, "k/once"); string(got) != "first" {
			t.Fatalf("after second Put, Get = %q, want first", got)
		}
	})

	t.Run("GetMissing", func(t *testing.T) {
		b := newBucket(t)
		if _, err := b.Get(ctx, "no/such/key"); !errors.Is(err, storage.ErrNotExist) {
			t.Fatalf("Get missing = %v, want ErrNotExist", err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		b := newBucket(t)
		if err := b.Put(ctx, "d/x", []byte("x")); err != nil {
			t.Fatal(err)
		}
		if err := b.Delete(ctx, "d/x"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := b.Get(ctx, "d/x"); !errors.Is(err, storage.ErrNotExist) {
			t.Fatalf("Get after Delete = %v, want ErrNotExist", err)
		}
		if err := b.Delete(ctx, "d/x"); err != nil {
			t.Fatalf("Delete missing = %v, want nil", err)
		}
		if err := b.Put(ctx, "d/x", []byte("again")); err != nil {
			t.Fatalf("Put after Delete: %v", err)
		}
	})

	t.Run("List", func(t *testing.T) {
		b := newBucket(t)
		keys := []string{
			"logs/b/year=2026/month=11/day=25/hour=17/2.parquet",
			"logs/a/year=2026/month=11/day=25/hour=17/1.parquet",
			"logs/a/year=2026/month=11/day=25/hour=18/3.parquet",
			"logsx/other",
			"traces/t/1.parquet",
		}
		for _, k := range keys {
			if err := b.Put(ctx, k, []byte(k)); err != nil {
				t.Fatalf("Put %q: %v", k, err)
			}
		}
		cases := map[string][]string{
			"":        {keys[1], keys[2], keys[0], keys[3], keys[4]},
			"logs/":   {keys[1], keys[2], keys[0]},
			"logs":    {keys[1], keys[2], keys[0], keys[3]},
			"logs/a/": {keys[1], keys[2]},
			"logs/a/year=2026/month=11/day=25/hour=1": {keys[1], keys[2]},
			"metrics/": nil,
			"zzz":      nil,
		}
		for prefix, want := range cases {
			got, err := b.List(ctx, prefix)
			if err != nil {
				t.Fatalf("List(%q): %v", prefix, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("List(%q) = %q, want %q", prefix, got, want)
			}
		}
	})

	t.Run("InvalidKeys", func(t *testing.T) {
		b := newBucket(t)
		for _, key := range []string{"", "/abs", "a//b", "a/../b", "..", "./a", "a/", "a\\b", "a\nb", "a\x00b", string(make([]byte, 1025))} {
			if err := b.Put(ctx, key, []byte("x")); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Put(%q) = %v, want ErrInvalidKey", key, err)
			}
		}
		got, err := b.List(ctx, "")
		if err != nil || len(got) != 0 {
			t.Fatalf("after invalid Puts, List = %q, %v; want nothing", got, err)
		}
	})

	t.Run("UnusualButValidKeys", func(t *testing.T) {
		b := newBucket(t)
		for _, key := range []string{"logs/a%2F..%2Fb/x.parquet", "logs/caf\u00e9 \u2603/x", "a=b/c=d/e", "logs/%2E%2E/x"} {
			if err := b.Put(ctx, key, []byte(key)); err != nil {
				t.Errorf("Put(%q): %v", key, err)
				continue
			}
			if got, err := b.Get(ctx, key); err != nil || string(got) != key {
				t.Errorf("Get(%q) = %q, %v", key, got, err)
			}
		}
	})

	t.Run("ConcurrentPuts", func(t *testing.T) {
		b := newBucket(t)
		var wg sync.WaitGroup
		var won atomic.Int32
		for i := range 16 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				if err := b.Put(ctx, fmt.Sprintf("c/%02d", i), []byte{byte(i)}); err != nil {
					t.Errorf("Put distinct key %d: %v", i, err)
				}
			}()
			go func() {
				defer wg.Done()
				err := b.Put(ctx, "c/same", []byte{byte(i)})
				switch {
				case err == nil:
					won.Add(1)
				case !errors.Is(err, storage.ErrExist):
					t.Errorf("Put same key: %v", err)
				}
			}()
		}
		wg.Wait()
		if n := won.Load(); n != 1 {
			t.Fatalf("%d Puts of the same key succeeded, want exactly 1", n)
		}
		got, err := b.List(ctx, "c/")
		if err != nil || len(got) != 17 {
			t.Fatalf("List = %d keys, %v; want 17", len(got), err)
		}
	})

	t.Run("CanceledContext", func(t *testing.T) {
		b := newBucket(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := b.Put(cctx, "x/y", []byte("z")); err == nil {
			t.Fatal("Put with a canceled context succeeded")
		}
		if _, err := b.Get(ctx, "x/y"); !errors.Is(err, storage.ErrNotExist) {
			t.Fatalf("after canceled Put, Get = %v, want ErrNotExist", err)
		}
	})
}

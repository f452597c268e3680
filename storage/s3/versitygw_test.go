package s3_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/otlp2parquet/otlp2parquet/internal/s3test"
	"github.com/otlp2parquet/otlp2parquet/storage"
	"github.com/otlp2parquet/otlp2parquet/storage/s3"
	"github.com/otlp2parquet/otlp2parquet/storage/storagetest"
)

// The integration tests run against versitygw, a real S3 gateway that checks
// SigV4 signatures and If-None-Match, storing objects as plain files.

func versityBucket(t *testing.T, srv *s3test.Server, prefix string, opts ...s3.Option) *s3.Bucket {
	t.Helper()
	cfg := s3.Config{Bucket: srv.Bucket, Prefix: prefix, Region: s3test.Region, Endpoint: srv.Endpoint, ForcePathStyle: true}
	opts = append([]s3.Option{s3.WithCredentials(credentials.NewStaticCredentialsProvider(s3test.AccessKey, s3test.SecretKey, ""))}, opts...)
	b, err := s3.New(context.Background(), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConformanceVersitygw(t *testing.T) {
	s3test.Require(t)
	for _, prefix := range []string{"", "tenant/a/"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			storagetest.Run(t, func(t *testing.T) storage.Bucket {
				srv := s3test.New(t) // an empty bucket for each subtest
				b := versityBucket(t, srv, prefix)
				t.Cleanup(func() { checkFiles(t, srv, prefix, b) })
				return b
			})
		})
	}
}

// checkFiles checks that every object is the plain file DIR/BUCKET/PREFIX/KEY.
func checkFiles(t *testing.T, srv *s3test.Server, prefix string, b *s3.Bucket) {
	keys, err := b.List(context.Background(), "")
	if err != nil {
		t.Errorf("List: %v", err)
		return
	}
	for _, k := range keys {
		want, err := b.Get(context.Background(), k)
		if err != nil {
			t.Errorf("Get %q: %v", k, err)
			continue
		}
		got, err := os.ReadFile(srv.ObjectPath(prefix + k))
		if err != nil {
			t.Errorf("object %q is not a file: %v", k, err)
		} else if string(got) != string(want) {
			t.Errorf("file of %q holds %d bytes, the object %d", k, len(got), len(want))
		}
	}
}

func TestVersitygwObjectsArePlainFiles(t *testing.T) {
	srv := s3test.New(t)
	b := versityBucket(t, srv, "tenant/a")
	ctx := context.Background()
	key := "logs/svc/year=2026/month=11/day=25/hour=17/x.parquet"
	if err := b.Put(ctx, key, []byte("PAR1...PAR1")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(srv.ObjectPath("tenant/a/" + key))
	if err != nil || string(got) != "PAR1...PAR1" {
		t.Fatalf("file = %q, %v", got, err)
	}
	if err := b.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestVersitygwChecksSignatures(t *testing.T) {
	srv := s3test.New(t)
	cfg := s3.Config{Bucket: srv.Bucket, Region: s3test.Region, Endpoint: srv.Endpoint, ForcePathStyle: true}
	b, err := s3.New(context.Background(), cfg, s3.WithCredentials(credentials.NewStaticCredentialsProvider(s3test.AccessKey, "wrong-secret", "")))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.Check(ctx); err == nil {
		t.Fatal("Check with a wrong secret succeeded")
	}
	if err := b.Put(ctx, "k", []byte("x")); err == nil || errors.Is(err, storage.ErrExist) {
		t.Fatalf("Put with a wrong secret = %v, want an access error", err)
	}
}

func TestVersitygwMissingBucket(t *testing.T) {
	srv := s3test.New(t)
	cfg := s3.Config{Bucket: "no-such-bucket", Region: s3test.Region, Endpoint: srv.Endpoint, ForcePathStyle: true}
	b, err := s3.New(context.Background(), cfg, s3.WithCredentials(credentials.NewStaticCredentialsProvider(s3test.AccessKey, s3test.SecretKey, "")))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.Check(ctx); err == nil || !strings.Contains(err.Error(), `"no-such-bucket"`) {
		t.Fatalf("Check = %v, want an error naming the bucket", err)
	}
	// A missing bucket is no missing object.
	if _, err := b.Get(ctx, "k"); err == nil || errors.Is(err, storage.ErrNotExist) {
		t.Fatalf("Get in a missing bucket = %v, want an error other than ErrNotExist", err)
	}
}

// TestVersitygwOutage: while the server is down calls fail, quickly and
// without the caller's deadline, and work again once it is back.
func TestVersitygwOutage(t *testing.T) {
	srv := s3test.New(t)
	b := versityBucket(t, srv, "")
	ctx := context.Background()
	if err := b.Put(ctx, "before", []byte("x")); err != nil {
		t.Fatal(err)
	}
	srv.Stop()

	// No deadline: connection refused, tried DefaultMaxAttempts times with
	// the standard backoff (under 50ms, then 100ms), then an error.
	start := time.Now()
	err := b.Put(ctx, "during", []byte("x"))
	if err == nil || errors.Is(err, storage.ErrExist) {
		t.Fatalf("Put while stopped = %v, want a connection error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Put while stopped took %v", d)
	}
	t.Logf("Put while stopped failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	if err := b.Check(ctx); err == nil {
		t.Fatal("Check while stopped succeeded")
	}
	// A deadline shorter than the retries ends the call at the deadline.
	dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := b.Get(dctx, "before"); err == nil {
		t.Fatal("Get while stopped succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Get with a 200ms deadline took %v", d)
	}

	srv.Start()
	if got, err := b.Get(ctx, "before"); err != nil || string(got) != "x" {
		t.Fatalf("Get after restart = %q, %v", got, err)
	}
	if err := b.Put(ctx, "after", []byte("y")); err != nil {
		t.Fatalf("Put after restart: %v", err)
	}
}

package s3_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdks3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/otlp2parquet/otlp2parquet/storage"
	"github.com/otlp2parquet/otlp2parquet/storage/s3"
	"github.com/otlp2parquet/otlp2parquet/storage/storagetest"
)

// testCredentials keep the SDK off the environment's credentials, and off
// the network (instance roles), without touching the environment.
var testCredentials = s3.WithCredentials(credentials.NewStaticCredentialsProvider("test", "testtesttest", ""))

// fakeS3 starts gofakes3 in process; it makes buckets on first use and
// accepts any credentials. gofakes3 v1.2.0 honours If-None-Match: * under
// its backend lock, so the create-only subtests run unchanged.
func fakeS3(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New(), gofakes3.WithAutoBucket(true)).Server())
	t.Cleanup(srv.Close)
	return srv.URL
}

func newBucket(t *testing.T, cfg s3.Config, opts ...s3.Option) *s3.Bucket {
	t.Helper()
	b, err := s3.New(context.Background(), cfg, append([]s3.Option{testCredentials}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fakeConfig(t *testing.T, prefix string) s3.Config {
	return s3.Config{Bucket: "test", Prefix: prefix, Region: "us-east-1", Endpoint: fakeS3(t), ForcePathStyle: true}
}

func TestConformanceGofakes3(t *testing.T) {
	for _, prefix := range []string{"", "tenant/a/"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			storagetest.Run(t, func(t *testing.T) storage.Bucket {
				return newBucket(t, fakeConfig(t, prefix))
			})
		})
	}
}

func TestPrefixIsPrependedAndStripped(t *testing.T) {
	ctx := context.Background()
	cfg := fakeConfig(t, "tenant/a") // no trailing "/": added
	b := newBucket(t, cfg)
	if err := b.Put(ctx, "logs/x.parquet", []byte("x")); err != nil {
		t.Fatal(err)
	}
	// Another Bucket over the same server without a prefix sees the full key.
	cfg.Prefix = ""
	root := newBucket(t, cfg)
	if err := root.Put(ctx, "tenant/ab", []byte("not under the prefix")); err != nil {
		t.Fatal(err)
	}
	if got, err := root.List(ctx, ""); err != nil || !slices.Equal(got, []string{"tenant/a/logs/x.parquet", "tenant/ab"}) {
		t.Fatalf("List without prefix = %q, %v", got, err)
	}
	if got, err := b.List(ctx, ""); err != nil || !slices.Equal(got, []string{"logs/x.parquet"}) {
		t.Fatalf("List with prefix = %q, %v", got, err)
	}
}

func TestContentType(t *testing.T) {
	ctx := context.Background()
	b := newBucket(t, fakeConfig(t, "p"))
	for key, want := range map[string]string{
		"logs/a.parquet": "application/vnd.apache.parquet",
		"logs/a.json":    "application/octet-stream",
		"parquet":        "application/octet-stream",
	} {
		if err := b.Put(ctx, key, []byte("data")); err != nil {
			t.Fatal(err)
		}
		out, err := b.Client().HeadObject(ctx, &sdks3.HeadObjectInput{Bucket: aws.String("test"), Key: aws.String("p/" + key)})
		if err != nil {
			t.Fatalf("HeadObject %q: %v", key, err)
		}
		if got := aws.ToString(out.ContentType); got != want {
			t.Errorf("%q: Content-Type %q, want %q", key, got, want)
		}
		if got := aws.ToInt64(out.ContentLength); got != 4 {
			t.Errorf("%q: Content-Length %d, want 4", key, got)
		}
	}
}

func TestErrorsNameBucketAndKey(t *testing.T) {
	ctx := context.Background()
	b := newBucket(t, fakeConfig(t, "pre"))
	if err := b.Put(ctx, "k", nil); err != nil {
		t.Fatal(err)
	}
	err := b.Put(ctx, "k", nil)
	if want := `s3: put "test/pre/k": `; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("second Put = %v, want prefix %s", err, want)
	}
	_, err = b.Get(ctx, "missing")
	if want := `s3: get "test/pre/missing": `; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Get missing = %v, want prefix %s", err, want)
	}
}

func TestCheck(t *testing.T) {
	b := newBucket(t, fakeConfig(t, ""))
	if err := b.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestRegionAuto(t *testing.T) {
	// R2's S3 API: region "auto", an endpoint, path style.
	cfg := fakeConfig(t, "")
	cfg.Region = "auto"
	b := newBucket(t, cfg)
	if got := b.Client().Options().Region; got != "auto" {
		t.Fatalf("Region = %q", got)
	}
	ctx := context.Background()
	if err := b.Put(ctx, "a/b.parquet", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Get(ctx, "a/b.parquet"); err != nil || string(got) != "x" {
		t.Fatalf("Get = %q, %v", got, err)
	}
}

func TestRegionDefault(t *testing.T) {
	// t.Setenv restores the variables; this test does not run in parallel.
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_PROFILE", "")
	cfg := s3.Config{Bucket: "b"}
	if got := newBucket(t, cfg).Client().Options().Region; got != s3.DefaultRegion {
		t.Errorf("no region anywhere: %q, want %q", got, s3.DefaultRegion)
	}
	t.Setenv("AWS_REGION", "eu-west-3")
	if got := newBucket(t, cfg).Client().Options().Region; got != "eu-west-3" {
		t.Errorf("AWS_REGION=eu-west-3: %q", got)
	}
	cfg.Region = "ap-south-1"
	if got := newBucket(t, cfg).Client().Options().Region; got != "ap-south-1" {
		t.Errorf("Config.Region wins over AWS_REGION: %q", got)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := []s3.Config{
		{Bucket: "b"},
		{Bucket: "b", Prefix: "a/b/", Region: "eu-west-1"},
		{Bucket: "b", Prefix: "a", Endpoint: "http://127.0.0.1:9000", ForcePathStyle: true},
		{Bucket: "b", Region: "auto", Endpoint: "https://acct.r2.cloudflarestorage.com"},
	}
	for _, c := range ok {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	bad := map[string]s3.Config{
		"Bucket":   {},
		"Bucket ":  {Bucket: "a/b"},
		"Prefix":   {Bucket: "b", Prefix: "/abs"},
		"Prefix ":  {Bucket: "b", Prefix: "a//b"},
		"Prefix  ": {Bucket: "b", Prefix: "../x"},
		"Region":   {Bucket: "b", Region: "us east"},
		"Endpoint": {Bucket: "b", Endpoint: "127.0.0.1:9000"},
		// "auto" is no AWS region: without an endpoint it can only fail later.
		"Region ": {Bucket: "b", Region: "auto"},
	}
	for setting, c := range bad {
		err := c.Validate()
		if err == nil {
			t.Errorf("%+v: Validate = nil, want an error naming %s", c, setting)
			continue
		}
		if !strings.Contains(err.Error(), strings.TrimSpace(setting)) {
			t.Errorf("%+v: %v does not name %s", c, err, strings.TrimSpace(setting))
		}
		if _, nerr := s3.New(context.Background(), c, testCredentials); nerr == nil {
			t.Errorf("%+v: New accepted it", c)
		}
	}
	if _, err := s3.New(context.Background(), s3.Config{Bucket: "b"}, testCredentials, s3.WithMaxAttempts(0)); err == nil {
		t.Error("New accepted max attempts 0")
	}
}

// failing is a server that answers every request with status.
func failing(t *testing.T, status int, count *atomic.Int32) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count.Add(1)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestMaxAttempts(t *testing.T) {
	for _, tc := range []struct {
		opts []s3.Option
		want int32
	}{
		{nil, s3.DefaultMaxAttempts},
		{[]s3.Option{s3.WithMaxAttempts(1)}, 1},
		{[]s3.Option{s3.WithMaxAttempts(2)}, 2},
	} {
		var n atomic.Int32
		cfg := s3.Config{Bucket: "b", Region: "us-east-1", Endpoint: failing(t, http.StatusServiceUnavailable, &n), ForcePathStyle: true}
		b := newBucket(t, cfg, tc.opts...)
		if err := b.Put(context.Background(), "k", []byte("x")); err == nil {
			t.Fatal("Put to a failing server succeeded")
		}
		if got := n.Load(); got != tc.want {
			t.Errorf("%d requests, want %d", got, tc.want)
		}
	}
}

func TestContextBoundsACall(t *testing.T) {
	// A server that never answers: only the caller's context ends the call.
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	b := newBucket(t, s3.Config{Bucket: "b", Region: "us-east-1", Endpoint: srv.URL, ForcePathStyle: true})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := b.Put(ctx, "k", []byte("x"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Put = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Put returned after %v, long after its 300ms deadline", d)
	}
}

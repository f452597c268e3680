//go:build js && wasm

package r2_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall/js"
	"testing"

	"github.com/otlp2parquet/otlp2parquet/storage"
	"github.com/otlp2parquet/otlp2parquet/storage/r2"
	"github.com/otlp2parquet/otlp2parquet/storage/storagetest"
)

// fakeR2 returns the class of testdata/fake-r2.js.
func fakeR2(t testing.TB) js.Value {
	t.Helper()
	src, err := os.ReadFile("testdata/fake-r2.js")
	if err != nil {
		t.Fatal(err)
	}
	return js.Global().Call("eval", string(src))
}

func newBinding(t testing.TB) js.Value {
	return fakeR2(t).New()
}

func newBucket(t testing.TB, binding js.Value) *r2.Bucket {
	t.Helper()
	b, err := r2.New(binding)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The conformance suite, against the fake binding: it checks the Go side
// (promises, copies, null as ErrExist, list pages); wrangler's local R2 is
// exercised by internal/e2e's Worker test.
func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Bucket { return newBucket(t, newBinding(t)) })
}

func TestListPages(t *testing.T) {
	ctx := context.Background()
	b := newBucket(t, newBinding(t))
	for i := range 2500 {
		if err := b.Put(ctx, "p/"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+"/"+strconv.Itoa(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := b.List(ctx, "p/")
	if err != nil || len(keys) != 2500 {
		t.Fatalf("List = %d keys, %v; want 2500 over three pages", len(keys), err)
	}
}

func TestPutFailure(t *testing.T) {
	binding := newBinding(t)
	binding.Set("failPutsFrom", 1)
	err := newBucket(t, binding).Put(context.Background(), "k/x", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), `r2: put "k/x": Error: put: fake R2 outage on k/x`) {
		t.Fatalf("Put during an outage = %v", err)
	}
	if errors.Is(err, storage.ErrExist) {
		t.Fatal("an outage is not ErrExist")
	}
}

func TestNotABucket(t *testing.T) {
	for _, v := range []js.Value{js.Undefined(), js.Null(), js.ValueOf("otel-logs"), js.ValueOf(map[string]any{})} {
		if _, err := r2.New(v); err == nil {
			t.Errorf("New(%v) accepted it", v)
		}
	}
}

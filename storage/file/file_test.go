package file_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otlp2parquet/otlp2parquet/storage"
	"github.com/otlp2parquet/otlp2parquet/storage/file"
	"github.com/otlp2parquet/otlp2parquet/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Bucket {
		b, err := file.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { assertNoTempFiles(t, b.Root()) })
		return b
	})
}

func assertNoTempFiles(t *testing.T, root string) {
	t.Helper()
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}

func TestObjectsAreFilesUnderRoot(t *testing.T) {
	root := t.TempDir()
	b, err := file.New(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Put(context.Background(), "logs/svc/x.parquet", []byte("abc")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "logs", "svc", "x.parquet"))
	if err != nil || string(got) != "abc" {
		t.Fatalf("file content %q, %v", got, err)
	}
}

func TestFailedWriteLeavesNothing(t *testing.T) {
	root := t.TempDir()
	b, err := file.New(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// "logs/blocker" is a file, so "logs/blocker/x" cannot be created.
	if err := b.Put(ctx, "logs/blocker", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(ctx, "logs/blocker/x", []byte("y")); err == nil {
		t.Fatal("Put under a file succeeded")
	}
	keys, err := b.List(ctx, "")
	if err != nil || len(keys) != 1 {
		t.Fatalf("List = %q, %v; want only logs/blocker", keys, err)
	}
	assertNoTempFiles(t, root)
	if _, err := b.Get(ctx, "logs/blocker/x"); err == nil {
		t.Fatal("half-written object is readable")
	}
}

func TestCheck(t *testing.T) {
	var _ storage.Checker = (*file.Bucket)(nil)
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "root")
	b, err := file.New(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Check(ctx); err != nil {
		t.Fatalf("Check on a fresh root: %v", err)
	}
	assertNoTempFiles(t, root)
	if err := os.Remove(root); err != nil {
		t.Fatal(err)
	}
	if err := b.Check(ctx); err == nil {
		t.Fatal("Check with the root removed succeeded")
	}
	// A file where the root should be.
	if err := os.WriteFile(root, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := b.Check(ctx); err == nil {
		t.Fatal("Check with a file as root succeeded")
	}
}

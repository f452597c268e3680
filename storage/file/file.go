// Package file is a storage.Bucket in a local directory, with atomic, create-only writes.
package file

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/otlp2parquet/otlp2parquet/storage"
)

// tempPrefix starts the names of files being written. List skips them, and
// they do not end in .parquet, so globs such as **/*.parquet never see them.
const tempPrefix = ".tmp-"

// Bucket stores each object as a file under a root directory; a key's "/"
// are directories.
type Bucket struct {
	root string
	// group makes writes durable by group commit where the platform can
	// sync a whole file system (Linux); nil means per-file fsyncs.
	group *groupSync
}

// New returns a Bucket rooted at dir, creating dir if needed.
func New(dir string) (*Bucket, error) {
	if dir == "" {
		return nil, errors.New("file: empty directory name")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("file: create root: %w", err)
	}
	b := &Bucket{root: abs}
	if g, err := openGroupSync(abs); err == nil {
		b.group = g
	}
	return b, nil
}

// Root is the directory the Bucket writes to.
func (b *Bucket) Root() string { return b.root }

func (b *Bucket) path(key string) (string, error) {
	if err := storage.ValidKey(key); err != nil {
		return "", err
	}
	return filepath.Join(b.root, filepath.FromSlash(key)), nil
}

// Put writes data to a temporary file in the object's directory, makes it
// durable, and links it to its name, which fails if the name exists: an
// object is never replaced and never seen half-written, even after a crash.
// The link is made durable too before Put returns.
//
// On Linux both steps are group commits (syncfs shared by concurrent Puts,
// which also covers directories MkdirAll created); elsewhere the file and
// its directory are fsynced.
func (b *Bucket) Put(ctx context.Context, key string, data []byte) (err error) {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("file: put %q: %w", key, err)
	}
	name, err := b.path(key)
	if err != nil {
		return fmt.Errorf("file: put: %w", err)
	}
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("file: put %q: %w", key, err)
	}
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("file: put %q: %w", key, err)
	}
	defer func() {
		// The temporary name is gone after a successful link; on error it must go too.
		_ = os.Remove(tmp.Name())
	}()
	if err := writeOut(tmp, data); err != nil {
		tmp.Close()
		return fmt.Errorf("file: put %q: write: %w", key, err)
	}
	if b.group == nil {
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return fmt.Errorf("file: put %q: sync: %w", key, err)
		}
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("file: put %q: close: %w", key, err)
	}
	if b.group != nil {
		// The content must be on disk before a name points at it.
		if err := b.group.wait(); err != nil {
			return fmt.Errorf("file: put %q: %w", key, err)
		}
	}
	if err := os.Link(tmp.Name(), name); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("file: put %q: %w", key, storage.ErrExist)
		}
		// Some file systems have no hard links: check, then rename.
		if _, serr := os.Lstat(name); serr == nil {
			return fmt.Errorf("file: put %q: %w", key, storage.ErrExist)
		}
		if rerr := os.Rename(tmp.Name(), name); rerr != nil {
			return fmt.Errorf("file: put %q: %w", key, err)
		}
	}
	if b.group != nil {
		if err := b.group.wait(); err != nil {
			return fmt.Errorf("file: put %q: %w", key, err)
		}
		return nil
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("file: put %q: sync directory: %w", key, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Get implements storage.Bucket.
func (b *Bucket) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("file: get %q: %w", key, err)
	}
	name, err := b.path(key)
	if err != nil {
		return nil, fmt.Errorf("file: get: %w", err)
	}
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("file: get %q: %w", key, storage.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("file: get %q: %w", key, err)
	}
	return data, nil
}

// Delete implements storage.Bucket.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("file: delete %q: %w", key, err)
	}
	name, err := b.path(key)
	if err != nil {
		return fmt.Errorf("file: delete: %w", err)
	}
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("file: delete %q: %w", key, err)
	}
	return nil
}

// Check implements storage.Checker: the root is a directory in which a file
// can be created (and is removed at once).
func (b *Bucket) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("file: check %q: %w", b.root, err)
	}
	if err := b.group.failed(); err != nil {
		return fmt.Errorf("file: check %q: %w", b.root, err)
	}
	fi, err := os.Stat(b.root)
	if err != nil {
		return fmt.Errorf("file: check: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("file: check %q: not a directory", b.root)
	}
	f, err := os.CreateTemp(b.root, tempPrefix+"check-*")
	if err != nil {
		return fmt.Errorf("file: check %q: not writable: %w", b.root, err)
	}
	cerr := f.Close()
	rerr := os.Remove(f.Name())
	if err := errors.Join(cerr, rerr); err != nil {
		return fmt.Errorf("file: check %q: %w", b.root, err)
	}
	return nil
}

// List implements storage.Bucket. It walks only the directory the prefix
// names, and skips files being written.
func (b *Bucket) List(ctx context.Context, prefix string) ([]string, error) {
	start := b.root
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir := prefix[:i]
		if storage.ValidKey(dir) != nil {
			return nil, nil // no key can start with it
		}
		start = filepath.Join(b.root, filepath.FromSlash(dir))
	}
	var keys []string
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), tempPrefix) {
			return nil
		}
		rel, err := filepath.Rel(b.root, p)
		if err != nil {
			return err
		}
		if key := filepath.ToSlash(rel); strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("file: list %q: %w", prefix, err)
	}
	slices.Sort(keys)
	return keys, nil
}

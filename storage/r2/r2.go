//go:build js && wasm

// Package r2 is a storage.Bucket over a Cloudflare Workers R2 binding, for the Worker's js/wasm build.
package r2

import (
	"context"
	"errors"
	"slices"
	"syscall/js"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
	"github.com/otlp2parquet/otlp2parquet/internal/jsio"
	"github.com/otlp2parquet/otlp2parquet/storage"
)

// Bucket calls the methods of an R2 binding (env.LOGS_BUCKET). Every call
// awaits a promise, so it must run in a goroutine of its own, never in a
// js.Func called from JavaScript.
type Bucket struct {
	b js.Value
}

// New returns a Bucket over binding, or an error when binding is not an
// R2 bucket (a missing or misnamed binding in wrangler.toml).
func New(binding js.Value) (*Bucket, error) {
	if binding.Type() != js.TypeObject {
		return nil, fmtlite.Errorf("r2: the binding is %s, not an R2 bucket", binding.Type())
	}
	for _, m := range []string{"put", "get", "delete", "list"} {
		if binding.Get(m).Type() != js.TypeFunction {
			return nil, fmtlite.Errorf("r2: the binding has no %s method: not an R2 bucket", m)
		}
	}
	return &Bucket{b: binding}, nil
}

// createOnly makes put fail (resolve to null) when the key exists: R2
// evaluates If-None-Match: * atomically, so no object is ever replaced.
var createOnly = js.ValueOf(map[string]any{"onlyIf": map[string]any{"etagDoesNotMatch": "*"}})

// Put implements storage.Bucket. An R2 put is atomic; the conditional put
// turns an existing key into storage.ErrExist.
func (b *Bucket) Put(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return fmtlite.Errorf("r2: put %q: %w", key, err)
	}
	if err := storage.ValidKey(key); err != nil {
		return fmtlite.Errorf("r2: put: %w", err)
	}
	obj, err := jsio.CallAwait(ctx, b.b, "put", key, jsio.Uint8Array(data), createOnly)
	if err != nil {
		return fmtlite.Errorf("r2: put %q: %w", key, err)
	}
	if obj.IsNull() {
		return fmtlite.Errorf("r2: put %q: %w", key, storage.ErrExist)
	}
	return nil
}

// Get implements storage.Bucket.
func (b *Bucket) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmtlite.Errorf("r2: get %q: %w", key, err)
	}
	if err := storage.ValidKey(key); err != nil {
		return nil, fmtlite.Errorf("r2: get: %w", err)
	}
	obj, err := jsio.CallAwait(ctx, b.b, "get", key)
	if err != nil {
		return nil, fmtlite.Errorf("r2: get %q: %w", key, err)
	}
	if obj.IsNull() || obj.IsUndefined() {
		return nil, fmtlite.Errorf("r2: get %q: %w", key, storage.ErrNotExist)
	}
	ab, err := jsio.CallAwait(ctx, obj, "arrayBuffer")
	if err != nil {
		return nil, fmtlite.Errorf("r2: get %q: reading the body: %w", key, err)
	}
	return jsio.Bytes(js.Global().Get("Uint8Array").New(ab)), nil
}

// Delete implements storage.Bucket. R2 deletes of missing keys succeed.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmtlite.Errorf("r2: delete %q: %w", key, err)
	}
	if err := storage.ValidKey(key); err != nil {
		return fmtlite.Errorf("r2: delete: %w", err)
	}
	if _, err := jsio.CallAwait(ctx, b.b, "delete", key); err != nil {
		return fmtlite.Errorf("r2: delete %q: %w", key, err)
	}
	return nil
}

// List implements storage.Bucket, following R2's cursor across pages.
func (b *Bucket) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	cursor := ""
	for {
		opts := map[string]any{"prefix": prefix, "limit": 1000}
		if cursor != "" {
			opts["cursor"] = cursor
		}
		res, err := jsio.CallAwait(ctx, b.b, "list", opts)
		if err != nil {
			return nil, fmtlite.Errorf("r2: list %q: %w", prefix, err)
		}
		objs := res.Get("objects")
		if objs.Type() != js.TypeObject {
			return nil, fmtlite.Errorf("r2: list %q: %w", prefix, errors.New("the answer has no objects"))
		}
		for i, n := 0, objs.Length(); i < n; i++ {
			keys = append(keys, objs.Index(i).Get("key").String())
		}
		if !res.Get("truncated").Truthy() {
			break
		}
		cursor = jsio.String(res.Get("cursor"))
		if cursor == "" {
			return nil, fmtlite.Errorf("r2: list %q: %w", prefix, errors.New("truncated answer without a cursor"))
		}
	}
	slices.Sort(keys)
	return keys, nil
}

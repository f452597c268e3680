//go:build js && wasm

// Package jsio lets Go code compiled to js/wasm wait for JavaScript promises and call JavaScript methods that may throw.
package jsio

import (
	"context"
	"errors"
	"syscall/js"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
)

// Call calls v[method](args...) and returns a JavaScript exception it
// throws as an error instead of panicking.
func Call(v js.Value, method string, args ...any) (res js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = asError(r)
		}
	}()
	return v.Call(method, args...), nil
}

// Await waits for p, when it is a promise (or any thenable), and returns
// what it resolves to, or its rejection as an error; a value that is not a
// promise is returned as it is. ctx ending stops the wait, not the
// JavaScript operation. Await must run in a goroutine of its own, not in a
// js.Func called from JavaScript: it blocks until the event loop runs the
// promise's callbacks.
func Await(ctx context.Context, p js.Value) (js.Value, error) {
	if p.Type() != js.TypeObject || p.Get("then").Type() != js.TypeFunction {
		return p, nil
	}
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	onOK := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: arg0(args)}
		return nil
	})
	onErr := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: asError(js.Error{Value: arg0(args)})}
		return nil
	})
	defer onOK.Release()
	defer onErr.Release()
	if _, err := Call(p, "then", onOK, onErr); err != nil {
		return js.Undefined(), err
	}
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return js.Undefined(), ctx.Err()
	}
}

// CallAwait is Call, then Await of what it returns.
func CallAwait(ctx context.Context, v js.Value, method string, args ...any) (js.Value, error) {
	p, err := Call(v, method, args...)
	if err != nil {
		return p, err
	}
	return Await(ctx, p)
}

// Bytes copies a Uint8Array into a new Go slice.
func Bytes(u8 js.Value) []byte {
	b := make([]byte, u8.Get("length").Int())
	js.CopyBytesToGo(b, u8)
	return b
}

// Uint8Array copies b into a new Uint8Array.
func Uint8Array(b []byte) js.Value {
	u8 := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u8, b)
	return u8
}

// String returns v as a string when it is one, else "" (null, undefined,
// bindings that are objects).
func String(v js.Value) string {
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}

func arg0(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}

// asError turns what a JavaScript call threw or rejected with into an
// error carrying its message (an Error's name and message, else the value
// as text).
func asError(r any) error {
	jerr, ok := r.(js.Error)
	if !ok {
		if err, ok := r.(error); ok {
			return err
		}
		return fmtlite.Errorf("%v", r)
	}
	v := jerr.Value
	if v.Type() == js.TypeObject && v.Get("message").Type() == js.TypeString {
		name := String(v.Get("name"))
		if name == "" {
			name = "Error"
		}
		return errors.New(name + ": " + v.Get("message").String())
	}
	return errors.New("JavaScript exception: " + js.Global().Call("String", v).String())
}

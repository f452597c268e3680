//go:build js && wasm

package worker

import (
	"io"
	"syscall/js"

	"github.com/otlp2parquet/otlp2parquet/internal/jsio"
	"github.com/otlp2parquet/otlp2parquet/receiver/exchange"
)

// gunzipper decompresses gzip bodies with the runtime's DecompressionStream:
// native code, and no compress/flate in the wasm. Its errors (a corrupt or
// truncated stream) are the runtime's TypeErrors, so the answer says
// "invalid gzip body" with the runtime's words, not compress/gzip's.
type gunzipper struct{}

// open pipes the request's stream through a DecompressionStream and returns
// a reader of its output; the request's streamReader cancels it when the
// request ends. The raw reader is not read: the runtime reads the body.
func (gunzipper) open(body io.Reader, _ *exchange.RawReader) (io.Reader, error) {
	sr, ok := body.(*streamReader)
	if !ok {
		// A Go reader (Handler.Serve called from Go, as the tests do):
		// hand its bytes to JavaScript as a stream.
		b, err := io.ReadAll(body)
		if err != nil {
			return nil, err
		}
		sr = &streamReader{body: js.Global().Get("Response").New(jsio.Uint8Array(b)).Get("body")}
	}
	ds := js.Global().Get("DecompressionStream").New("gzip")
	sr.piped = &streamReader{body: sr.body.Call("pipeThrough", ds)}
	return sr.piped, nil
}

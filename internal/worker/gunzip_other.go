//go:build !(js && wasm)

package worker

import (
	"compress/gzip"
	"io"

	"github.com/otlp2parquet/otlp2parquet/receiver/exchange"
)

// gunzipper decompresses gzip bodies with compress/gzip, reusing its reader.
type gunzipper struct{ r gzip.Reader }

// open returns the decompressed body; raw reads the body as sent.
func (g *gunzipper) open(_ io.Reader, raw *exchange.RawReader) (io.Reader, error) {
	if err := g.r.Reset(raw); err != nil {
		return nil, err
	}
	return &g.r, nil
}

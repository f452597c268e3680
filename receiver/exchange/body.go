package exchange

import (
	"context"
	"errors"
	"io"
	"slices"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
)

// RawReader reads a body as sent and remembers the error the transport
// gave, so that it is not taken for the decompressor's.
type RawReader struct {
	R   io.Reader
	Err error
}

func (n *RawReader) Read(p []byte) (int, error) {
	k, err := n.R.Read(p)
	if err != nil {
		n.Err = err
	}
	return k, err
}

// BodyReader reads request bodies under a size limit.
type BodyReader struct {
	// Max is the limit on the body, decompressed.
	Max int64
	// Take, when set, is given the size of each chunk read; an error from
	// it ends the read and is returned as is (the server's bound on bytes
	// in memory).
	Take func(n int64) error
	// Limit, when set, recognises a decompressor's own limits (zstd's
	// window) and returns the error to answer with, else nil.
	Limit func(err error) error
}

// Read appends the body src yields (raw, decompressed when enc is not
// Identity) to buf until EOF. It stops as soon as the body passes Max
// bytes, so that a small compressed bomb costs at most the limit in memory,
// with an error wrapping ingest.ErrTooLarge. Errors reading src go through
// Error.
func (b *BodyReader) Read(ctx context.Context, buf []byte, raw *RawReader, src io.Reader, enc Encoding) ([]byte, error) {
	limit := b.Max + 1 // read one byte past the limit to see that it is passed
	for {
		if len(buf) == cap(buf) {
			// Double, from 32 KiB, but never past the limit: the buffer is
			// what a bomb would inflate.
			buf = slices.Grow(buf, int(min(max(int64(cap(buf)), 32<<10), limit-int64(len(buf)))))
		}
		room := buf[len(buf):min(int64(cap(buf)), limit)]
		n, rerr := src.Read(room)
		buf = buf[:len(buf)+n]
		if n > 0 && b.Take != nil {
			if err := b.Take(int64(n)); err != nil {
				return buf, err
			}
		}
		if int64(len(buf)) > b.Max {
			what := "body"
			if enc != Identity {
				what = enc.String() + " body, decompressed,"
			}
			return buf, fmtlite.Errorf("%s over the limit of %d bytes: %w", what, b.Max, ingest.ErrTooLarge)
		}
		if rerr == io.EOF {
			return buf, nil
		}
		if rerr != nil {
			return buf, b.Error(ctx, enc, raw, rerr)
		}
	}
}

// Error says what an error reading a body (raw, decompressed as enc says)
// means: the transport's failure is the client's fault unless ctx was
// canceled; a decompressor's limit is ErrTooLarge; a corrupt or truncated
// compressed stream is bad data.
func (b *BodyReader) Error(ctx context.Context, enc Encoding, raw *RawReader, err error) error {
	if raw.Err != nil && !errors.Is(raw.Err, io.EOF) {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmtlite.Errorf("reading the body: %w", ctxErr)
		}
		return &ingest.BadDataError{Err: fmtlite.Errorf("reading the body: %w", raw.Err)}
	}
	if b.Limit != nil {
		if lerr := b.Limit(err); lerr != nil {
			return lerr
		}
	}
	if enc == Identity {
		return &ingest.BadDataError{Err: fmtlite.Errorf("reading the body: %w", err)}
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF // a compressed body that ends before its header does
	}
	return &ingest.BadDataError{Err: fmtlite.Errorf("invalid %s body: %w", enc, err)}
}

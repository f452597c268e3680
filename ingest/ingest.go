// Package ingest turns one OTLP export request into Parquet objects in a bucket: decode, partition, encode, store.
package ingest

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
	"github.com/otlp2parquet/otlp2parquet/internal/version"
	"github.com/otlp2parquet/otlp2parquet/layout"
	"github.com/otlp2parquet/otlp2parquet/pqenc"
	"github.com/otlp2parquet/otlp2parquet/storage"
)

// Format is the encoding of a request body.
type Format uint8

// The request encodings OTLP defines, and the JSON Lines of the Collector's file exporter.
const (
	Protobuf Format = iota
	JSON
	JSONLines
)

func (f Format) String() string {
	switch f {
	case Protobuf:
		return "protobuf"
	case JSON:
		return "json"
	case JSONLines:
		return "jsonl"
	}
	return fmtlite.Sprintf("Format(%d)", uint8(f))
}

// ParseFormat reads a format name as the command line and configuration spell it.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "protobuf", "proto", "pb":
		return Protobuf, nil
	case "json":
		return JSON, nil
	case "jsonl", "ndjson":
		return JSONLines, nil
	}
	return 0, fmtlite.Errorf("unknown format %q (want protobuf, json or jsonl)", s)
}

// Options tune the Parquet files. The zero value is the defaults.
type Options struct {
	// PageSize and RowGroupSize bound Parquet pages and row groups (bytes); 0 means pqenc's defaults.
	PageSize     int
	RowGroupSize int
	// Now is the receive time source; nil means time.Now.
	Now func() time.Time
	// MaxConcurrent bounds the requests processed at once (each holds its
	// decoded data and Parquet buffers); 0 means 32 per CPU, enough to keep
	// the CPUs busy while many requests wait on slow storage.
	MaxConcurrent int
	// MaxWait is how long a request may wait for one of those slots before
	// it is refused with ErrOverloaded; 0 means one second. Refusing fast
	// (a 503 with Retry-After) beats queueing until clients time out.
	MaxWait time.Duration
}

// Exporter stores OTLP export requests of every signal: the receivers' one
// dependency. Pipeline writes each request through as its own objects;
// buffer.Buffer acknowledges once a request is in its write-ahead log and
// writes batches.
type Exporter interface {
	Export(ctx context.Context, s Signal, body []byte, f Format) (Result, error)
}

var _ Exporter = (*Pipeline)(nil)

// Admitter is implemented by an Exporter that can tell, before a request's
// body is read, that it will refuse it: Admit returns an error wrapping
// ErrOverloaded when a body of size bytes (as sent: compressed or not)
// cannot be taken now. Receivers call it when the size is known, so that
// shedding load does not cost reading and decoding what is then refused.
type Admitter interface {
	Admit(s Signal, size int64) error
}

// RefusalCounter is implemented by an Exporter that counts the requests a
// receiver refused on its own, before Export: over its bound on bytes in
// memory, over the size limit, a body that cannot be read or decompressed.
// Receivers call Refused with the error they answer with.
type RefusalCounter interface {
	Refused(s Signal, err error)
}

// Refused tells e of a request a receiver refused, when e counts them.
func Refused(e Exporter, s Signal, err error) {
	if c, ok := e.(RefusalCounter); ok {
		c.Refused(s, err)
	}
}

// Pipeline stores export requests. It is safe for concurrent use: each call
// takes its own decoding and encoding state from a pool.
type Pipeline struct {
	bucket storage.Bucket
	opts   Options
	pool   sync.Pool
	// hot keeps a few states out of the pool's reach: sync.Pool empties at
	// every other GC, and regrowing a state's buffers costs more than the
	// request itself. The rest come and go through pool.
	hot   chan *state
	slots *Slots
}

type state struct {
	batch   Batch
	writers map[*pqenc.Schema]*pqenc.Writer
	signals map[*pqenc.Schema]Signal // the signal each writer's table belongs to
}

// New returns a Pipeline writing to bucket.
func New(bucket storage.Bucket, opts Options) *Pipeline {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 32 * runtime.GOMAXPROCS(0)
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = time.Second
	}
	p := &Pipeline{bucket: bucket, opts: opts, slots: NewSlots(opts.MaxConcurrent, opts.MaxWait, "processed"),
		hot: make(chan *state, runtime.GOMAXPROCS(0))}
	p.pool.New = func() any {
		return &state{writers: make(map[*pqenc.Schema]*pqenc.Writer), signals: make(map[*pqenc.Schema]Signal)}
	}
	return p
}

// writer returns the state's writer for schema s, reset.
func (p *Pipeline) writer(st *state, sig Signal, s *pqenc.Schema) *pqenc.Writer {
	w := st.writers[s]
	if w == nil {
		w = pqenc.NewWriter(s, pqenc.Options{
			PageSize:     p.opts.PageSize,
			RowGroupSize: p.opts.RowGroupSize,
			CreatedBy:    version.CreatedBy(),
		})
		st.writers[s] = w
		st.signals[s] = sig
	}
	w.Reset()
	return w
}

// Object is one stored Parquet file.
type Object struct {
	Key   string
	Rows  int
	Bytes int
}

// Result says what a request became.
type Result struct {
	// Records is the number of items (log records, spans, data points) stored.
	Records int
	// Rejected counts records that were not stored, Message says why; both
	// go into the OTLP response's partial_success.
	Rejected int
	Message  string
	Objects  []Object
}

// BadDataError is a request that cannot be stored as sent: the client must
// not retry it. Other errors from Export are failures of this side
// (storage), after which a retry may succeed.
type BadDataError struct{ Err error }

func (e *BadDataError) Error() string { return e.Err.Error() }
func (e *BadDataError) Unwrap() error { return e.Err }

// IsBadData reports whether err means the request itself is at fault.
func IsBadData(err error) bool {
	_, ok := errors.AsType[*BadDataError](err)
	return ok
}

// Export decodes an export request of signal s, writes one Parquet object
// per partition (table, service, hour), and returns once every object is
// stored. If any object cannot be stored, it deletes the ones it stored (as
// far as it can) and returns the error: nothing of the request should count
// as stored. body is not retained.
func (p *Pipeline) Export(ctx context.Context, s Signal, body []byte, f Format) (Result, error) {
	if err := p.slots.Acquire(ctx); err != nil {
		return Result{}, fmtlite.Errorf("ingest: %w", err)
	}
	defer p.slots.Release()
	st := p.getState()
	defer p.putState(st)
	defer st.batch.Reset()
	st.batch.Reset()
	if err := st.batch.Decode(s, body, f, p.opts.Now().UnixNano()); err != nil {
		return Result{}, err
	}
	return p.store(ctx, s, st)
}

func (p *Pipeline) getState() *state {
	select {
	case st := <-p.hot:
		return st
	default:
		return p.pool.Get().(*state)
	}
}

// Forget drops what the kept decoding and encoding states hold for
// signals other than keep, so that a collection can free it. The Worker
// calls it before a large request: WebAssembly's heap never shrinks, and
// buffers of other signals' requests, kept in between, made a 6 MB request's
// heap grow around them to twice the size (BENCHMARKS.md). What keep's
// requests use stays: growing it again for every large request would cost
// more CPU than the request.
func (p *Pipeline) Forget(keep Signal) {
	var kept []*state
	for {
		select {
		case st := <-p.hot:
			st.batch.forget(keep)
			for schema, sig := range st.signals {
				if sig != keep {
					delete(st.writers, schema)
					delete(st.signals, schema)
				}
			}
			kept = append(kept, st)
			continue
		default:
		}
		break
	}
	for _, st := range kept {
		p.putState(st)
	}
}

func (p *Pipeline) putState(st *state) {
	select {
	case p.hot <- st:
	default:
		p.pool.Put(st)
	}
}

func (p *Pipeline) store(ctx context.Context, s Signal, st *state) (Result, error) {
	parts, rejected, reason := st.batch.Build(s)
	res := Result{Rejected: rejected}
	if rejected > 0 {
		res.Message = RejectedMessage(s, rejected, reason)
	}
	for _, part := range parts {
		w := p.writer(st, s, part.Schema)
		if err := w.WriteRows(part.Columns, part.Rows); err != nil {
			p.undo(res.Objects)
			return Result{}, fmtlite.Errorf("ingest: encode %s of service %q hour %d: %w", part.Table, part.Service, part.Hour, err)
		}
		data, err := w.Finish()
		if err != nil {
			p.undo(res.Objects)
			return Result{}, fmtlite.Errorf("ingest: encode %s of service %q hour %d: %w", part.Table, part.Service, part.Hour, err)
		}
		key := layout.Key(part.Table, part.Service, part.Hour, layout.NewID(), part.MinTimestamp)
		if err := p.bucket.Put(ctx, key, data); err != nil {
			p.undo(res.Objects)
			return Result{}, fmtlite.Errorf("ingest: store: %w", err)
		}
		res.Objects = append(res.Objects, Object{Key: key, Rows: part.Rows, Bytes: len(data)})
		res.Records += part.Rows
	}
	return res, nil
}

// RejectedMessage is the partial_success message for n items of signal s
// rejected for reason.
func RejectedMessage(s Signal, n int, reason string) string {
	return strconv.Itoa(n) + " " + s.Items() + " rejected: " + reason
}

// undo deletes objects of a request that failed, so that a client's retry
// does not leave them twice. It is best effort: the store may be down.
func (p *Pipeline) undo(objs []Object) {
	// A timer rather than context.WithTimeout: its context type would keep
	// the time package's formatting (about 4 KB of gzip) in the Worker.
	ctx, cancel := context.WithCancel(context.Background())
	defer time.AfterFunc(10*time.Second, cancel).Stop()
	defer cancel()
	for _, o := range objs {
		_ = p.bucket.Delete(ctx, o.Key)
	}
}

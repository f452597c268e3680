// Package buffer batches acknowledged OTLP requests in a write-ahead log and stores them as large Parquet objects, one per (table, service, hour) of each batch.
package buffer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/internal/version"
	"github.com/otlp2parquet/otlp2parquet/layout"
	"github.com/otlp2parquet/otlp2parquet/pqenc"
	"github.com/otlp2parquet/otlp2parquet/storage"
	"github.com/otlp2parquet/otlp2parquet/wal"
)

// Defaults for Options.
const (
	// DefaultMaxRows: a million log records make a Parquet file of roughly
	// 50–150 MB, past which query engines gain little from bigger files.
	DefaultMaxRows = 1_000_000
	// DefaultMaxBytes of request bodies (decompressed OTLP) per batch: a
	// typical record takes about 500 bytes of protobuf, so the row and byte
	// bounds meet near a million records.
	DefaultMaxBytes = 512 << 20
	// DefaultMaxAge bounds how stale the newest object can be.
	DefaultMaxAge = time.Minute
	// DefaultMaxLogBytes bounds the log on disk: about 40 s of 1000
	// requests/s of 100 records (52 MB/s) with the storage down.
	DefaultMaxLogBytes = 2 << 30
	// DefaultRowGroupRows bounds the rows of a row group (DuckDB writes
	// 122,880): the encoder holds a row group's values until it is full, so
	// this bounds a flush's memory whatever the batch size.
	DefaultRowGroupRows = 32 << 10
	// DefaultMaxWaitingBytes: a quarter to half a second of what this
	// machine's disk syncs.
	DefaultMaxWaitingBytes = 64 << 20
)

// Options tune a Buffer. The zero value is the defaults.
type Options struct {
	// A batch is flushed when it holds MaxRows records, MaxBytes of
	// request bodies, or its first request is MaxAge old.
	MaxRows  int64
	MaxBytes int64
	MaxAge   time.Duration
	// MaxLogBytes bounds the log (batches not yet stored, the open one
	// included); past it ExportLogs refuses requests with
	// ingest.ErrOverloaded until flushes catch up.
	MaxLogBytes int64
	// PageSize and RowGroupSize bound Parquet pages and row groups; 0 means
	// pqenc's defaults. RowGroupRows bounds a row group's rows; 0 means
	// DefaultRowGroupRows.
	PageSize, RowGroupSize, RowGroupRows int
	// RetryMin and RetryMax bound the backoff between attempts to store a
	// batch; 0 means 500 ms and 10 s.
	RetryMin, RetryMax time.Duration
	// MaxDecoding bounds the requests validated at once; 0 means two per
	// CPU. MaxWait is how long a request may wait for its turn before it
	// is refused with ingest.ErrOverloaded; 0 means one second.
	MaxDecoding int
	MaxWait     time.Duration
	// MaxWaitingBytes bounds the request bytes waiting for the log's
	// group commit; past it requests are refused with
	// ingest.ErrOverloaded. 0 means DefaultMaxWaitingBytes.
	MaxWaitingBytes int64
	// FlushProcs is how many goroutines a flush keeps busy (one fewer
	// while it runs lowered, see flusherState.threads); 0 means all of
	// GOMAXPROCS but one (see flushProcs).
	FlushProcs int
	// Now is the receive time source; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// OnFlush, when set, is called after each attempt to store a batch.
	OnFlush func(FlushInfo)
}

// FlushInfo describes one attempt to store a batch.
type FlushInfo struct {
	Segment  wal.Segment
	Duration time.Duration
	Records  int
	Objects  int // stored by this attempt
	Bytes    int // of those objects
	Err      error
}

// Stats are the Buffer's counters and gauges, for metrics.
type Stats struct {
	BufferedRecords int64 // acknowledged records not yet stored
	LogBytes        int64 // bytes of the log not yet stored, open batch included
	PendingBatches  int64 // sealed batches waiting to be stored
	ObjectsWritten  int64
	BytesWritten    int64
	RecordsWritten  int64
	StorageErrors   int64
	Replayed        int64 // batches found in the log at start
}

// Buffer is an ingest.Exporter that acknowledges a request once it is
// in the write-ahead log and stores requests in batches. It is safe for
// concurrent use.
type Buffer struct {
	log    *wal.Log
	bucket storage.Bucket
	opts   Options
	lg     *slog.Logger

	states sync.Pool     // *validator
	slots  *ingest.Slots // requests being validated

	mu       sync.Mutex
	cur      batchInfo // the open segment's
	curSeq   uint64    // the open segment's sequence number
	queue    []sealed  // sealed, waiting to be stored (oldest first)
	closed   bool
	sealReq  chan struct{}
	work     chan struct{}
	stop     chan struct{}
	wg       sync.WaitGroup
	drained  chan struct{}   // closed when the queue is empty after close
	ctx      context.Context // canceled when Close gives up waiting
	cancel   context.CancelFunc
	needSeal atomic.Bool // an append failed: start a new segment even if empty
	sealSoon atomic.Bool // the log is full: seal the open batch if it has records
	logBytes atomic.Int64
	waiting  atomic.Int64 // bytes of requests in Append
	ending   atomic.Bool  // shutting down: StoreNow or Close was called
	buffered atomic.Int64

	objects, bytes, records, storageErrs, replayed atomic.Int64
}

type batchInfo struct {
	records int64
	bytes   int64
	first   time.Time
}

type sealed struct {
	seg     wal.Segment
	records int64
	bytes   int64 // on disk
}

// Record payload: version, format, receive time (ns), body. Version 2
// adds the signal (ingest.Signal) after the format; version 1 records are logs.
const (
	recordVersion1 = 1
	recordVersion  = 2
	recordHeader1  = 1 + 1 + 8
	recordHeader   = 1 + 1 + 1 + 8
)

// Open opens the log in dir and starts storing into bucket. Batches left in
// the log by an earlier process are stored first, under the same keys that
// process would have used, so a crash between storing and deleting them
// duplicates nothing.
func Open(dir string, bucket storage.Bucket, opts Options) (*Buffer, error) {
	if opts.MaxRows <= 0 {
		opts.MaxRows = DefaultMaxRows
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.MaxLogBytes <= 0 {
		opts.MaxLogBytes = DefaultMaxLogBytes
	}
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = 500 * time.Millisecond
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxDecoding <= 0 {
		opts.MaxDecoding = 2 * runtime.GOMAXPROCS(0)
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = time.Second
	}
	if opts.MaxWaitingBytes <= 0 {
		opts.MaxWaitingBytes = DefaultMaxWaitingBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	l, old, err := wal.Open(dir)
	if err != nil {
		return nil, err
	}
	b := &Buffer{log: l, bucket: bucket, opts: opts, lg: opts.Logger,
		sealReq: make(chan struct{}, 1), work: make(chan struct{}, 1),
		stop: make(chan struct{}), drained: make(chan struct{})}
	b.states.New = func() any { return new(ingest.Batch) }
	b.slots = ingest.NewSlots(opts.MaxDecoding, opts.MaxWait, "decoded")
	b.ctx, b.cancel = context.WithCancel(context.Background())
	for _, s := range old {
		if emptySegment(s) {
			// The open segment of a process that stopped cleanly: nothing
			// to replay (nor to count as replayed).
			if err := l.Remove(s); err != nil {
				b.lg.Warn("buffer: cannot remove an empty write-ahead log segment", "segment", s.Name(), "err", err)
			}
			continue
		}
		b.queue = append(b.queue, sealed{seg: s, records: -1, bytes: s.Bytes})
		b.logBytes.Add(s.Bytes)
	}
	b.replayed.Store(int64(len(b.queue)))
	cur, size := l.Current()
	b.curSeq = cur.Seq
	b.logBytes.Add(size + wal.EndMarkBytes) // as for every segment: its end mark once sealed
	if len(b.queue) > 0 {
		b.lg.Info("buffer: storing batches left in the write-ahead log", "batches", len(b.queue), "bytes", b.logBytes.Load())
	}
	b.wg.Add(2)
	go b.sealer()
	go b.flusher()
	b.signal(b.work)
	return b, nil
}

// emptySegment reports whether s, found in the log at start, holds no
// record and nothing else after its header but, maybe, its end mark: what a
// process that stopped cleanly leaves of its open segment (or one that
// crashed right after opening it). A segment with bytes no record can be
// read from (cut short by a crash) is not empty: storing it reports what
// it lost.
func emptySegment(s wal.Segment) bool {
	r, err := wal.OpenReader(s.Path)
	if err != nil {
		return false
	}
	defer r.Close()
	_, ok := r.Next()
	return !ok && r.Skipped() == 0
}

func (b *Buffer) signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Export validates the request, logs it durably and returns; its items
// are stored with their batch. Objects in the result is empty.
func (b *Buffer) Export(ctx context.Context, sig ingest.Signal, body []byte, f ingest.Format) (ingest.Result, error) {
	// A request the log has no room for is refused before it is decoded:
	// when flushes fall behind, decoding requests only to refuse them
	// would take the CPU the flushes need to catch up.
	need := loggedSize(int64(len(body)))
	if err := b.logRoom(need); err != nil {
		return ingest.Result{}, err
	}
	records, rejected, reason, err := b.validate(ctx, sig, body, f)
	if err != nil {
		return ingest.Result{}, err
	}
	now := b.opts.Now()
	res := ingest.Result{Records: records, Rejected: rejected}
	if rejected > 0 {
		res.Message = ingest.RejectedMessage(sig, rejected, reason)
	}
	if records == 0 {
		return res, nil
	}
	if err := b.logRoom(need); err != nil { // again: the log may have filled while this request was decoded
		return ingest.Result{}, err
	}
	// Bound the bytes waiting for the log's next sync: past it the disk
	// is not keeping up, and a fast 503 beats a queue of seconds.
	if w := b.waiting.Add(need); w > b.opts.MaxWaitingBytes && w != need {
		b.waiting.Add(-need)
		return ingest.Result{}, fmt.Errorf("buffer: %w: %d bytes of requests waiting for the write-ahead log's disk (limit %d)",
			ingest.ErrOverloaded, w-need, b.opts.MaxWaitingBytes)
	}
	var h [recordHeader]byte
	h[0], h[1], h[2] = recordVersion, byte(f), byte(sig)
	binary.LittleEndian.PutUint64(h[3:], uint64(now.UnixNano()))
	b.logBytes.Add(need)
	seg, err := b.log.Append(ctx, h[:], body)
	b.waiting.Add(-need)
	if err != nil {
		switch {
		case errors.Is(err, wal.ErrClosed):
			b.logBytes.Add(-need)
			return ingest.Result{}, fmt.Errorf("buffer: %w: shutting down", ingest.ErrOverloaded)
		case ctx.Err() != nil:
			return ingest.Result{}, err // the record may be in the log; it is not acknowledged
		}
		// The segment is unusable after a failed write or sync: the
		// sealer starts a new one, and the client retries.
		b.needSeal.Store(true)
		b.signal(b.sealReq)
		return ingest.Result{}, fmt.Errorf("buffer: write-ahead log: %w", err)
	}
	b.buffered.Add(int64(records))
	b.mu.Lock()
	if b.curSeq == seg.Seq {
		if b.cur.records == 0 {
			b.cur.first = now
		}
		b.cur.records += int64(records)
		b.cur.bytes += int64(len(body))
		if b.cur.records >= b.opts.MaxRows || b.cur.bytes >= b.opts.MaxBytes {
			b.signal(b.sealReq)
		}
	} else {
		// Sealed while this append waited: count it with that batch.
		for i := range b.queue {
			if b.queue[i].seg.Seq == seg.Seq && b.queue[i].records >= 0 {
				b.queue[i].records += int64(records)
			}
		}
	}
	b.mu.Unlock()
	return res, nil
}

// Admit refuses, with ingest.ErrOverloaded, a request whose body of size
// bytes the log has no room for now (a compressed body only grows).
func (b *Buffer) Admit(_ ingest.Signal, size int64) error {
	return b.logRoom(loggedSize(size))
}

// loggedSize is how much of the log a request with a body of n bytes takes.
func loggedSize(n int64) int64 { return n + recordHeader + wal.RecordFraming }

var _ ingest.Admitter = (*Buffer)(nil)

// logRoom returns ingest.ErrOverloaded when the log cannot take need more
// bytes, and asks for the open batch to be sealed: it may be what fills the
// log, and sealed it can be stored and its space freed.
func (b *Buffer) logRoom(need int64) error {
	if used := b.logBytes.Load(); used+need > b.opts.MaxLogBytes {
		b.sealSoon.Store(true)
		b.signal(b.sealReq)
		return fmt.Errorf("buffer: %w: the write-ahead log holds %d bytes not yet in storage (limit %d)",
			ingest.ErrOverloaded, used, b.opts.MaxLogBytes)
	}
	return nil
}

// validate decodes the request and counts its records. At most a few run
// at once (decoding is CPU work, and the decoded request is the memory a
// request holds beyond its body); a request that waits MaxWait for a turn
// is refused with ingest.ErrOverloaded rather than queued without bound.
// The decoded request is dropped before the request waits on the log.
func (b *Buffer) validate(ctx context.Context, sig ingest.Signal, body []byte, f ingest.Format) (records, rejected int, reason string, err error) {
	if err := b.slots.Acquire(ctx); err != nil {
		return 0, 0, "", fmt.Errorf("buffer: %w", err)
	}
	defer b.slots.Release()
	v := b.states.Get().(*ingest.Batch)
	defer b.states.Put(v)
	defer v.Reset() // it points into body
	if err := v.Decode(sig, body, f, 0); err != nil {
		return 0, 0, "", err
	}
	records, rejected, reason = v.Count(sig)
	return records, rejected, reason, nil
}

// sealer closes the open batch when it is full or old enough.
func (b *Buffer) sealer() {
	defer b.wg.Done()
	tick := time.NewTicker(max(b.opts.MaxAge/10, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-b.sealReq:
		case <-tick.C:
		}
		b.mu.Lock()
		due := b.cur.records > 0 && (b.cur.records >= b.opts.MaxRows || b.cur.bytes >= b.opts.MaxBytes ||
			b.opts.Now().Sub(b.cur.first) >= b.opts.MaxAge || b.sealSoon.Load()) || b.needSeal.Load()
		b.mu.Unlock()
		if due {
			b.seal()
		}
	}
}

// StoreNow seals the open batch, if it has records, and starts storing it
// at normal priority, as everything from then on. A server shutting down
// calls it before it waits for the requests in flight (which may take
// seconds: net/http waits up to 5 s for connections that have sent
// nothing), so that storing the batch overlaps with that wait; Close then
// stores what those requests add.
func (b *Buffer) StoreNow() {
	b.ending.Store(true)
	b.mu.Lock()
	has := b.cur.records > 0
	b.mu.Unlock()
	if has {
		b.seal()
	}
}

// seal closes the open segment and queues it.
func (b *Buffer) seal() {
	b.mu.Lock()
	defer b.mu.Unlock()
	seg, err := b.log.Seal()
	if err != nil && seg.Path == "" {
		b.lg.Error("buffer: cannot seal the write-ahead log segment", "err", err)
		return
	}
	if err != nil {
		// The new segment could not be opened; appends fail (503) until a
		// later seal succeeds. The sealed one is still stored.
		b.lg.Error("buffer: cannot open a new write-ahead log segment", "err", err)
	} else {
		b.needSeal.Store(false)
		b.sealSoon.Store(false)
		cur, header := b.log.Current()
		b.curSeq = cur.Seq
		// The segment's size (its end mark included) is subtracted once it
		// is sealed and stored.
		b.logBytes.Add(header + wal.EndMarkBytes)
	}
	if seg.Path == "" {
		// Nothing was open (the segment after the last sealed one could not
		// be opened then); now it is, and there is nothing to store.
		return
	}
	b.queue = append(b.queue, sealed{seg: seg, records: b.cur.records, bytes: seg.Bytes})
	b.cur = batchInfo{}
	b.signal(b.work)
}

// flusher stores sealed batches, oldest first, retrying with backoff.
func (b *Buffer) flusher() {
	defer b.wg.Done()
	f := newFlusher(b)
	wait := time.Duration(0)
	for {
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-b.stop:
				t.Stop()
				if b.isClosing() {
					// Shutdown gives up on a failing store: the batch stays
					// in the log for the next start.
					b.closeDrained()
					return
				}
			}
		}
		b.mu.Lock()
		if len(b.queue) == 0 {
			closed := b.closed
			b.mu.Unlock()
			if closed {
				b.closeDrained()
				return
			}
			select {
			case <-b.work:
			case <-b.stop:
			}
			wait = 0
			continue
		}
		s := b.queue[0]
		b.mu.Unlock()

		// Keeping up, a flush yields the CPU to acknowledging requests;
		// falling behind, it takes its share: chunk by chunk (see flush).
		f.low = b.keepingUp()
		err := f.store(b.ctx, s)
		var bad *badSegmentError
		if errors.As(err, &bad) {
			// Retrying cannot help: keep the file for inspection and go on.
			b.lg.Error("buffer: a write-ahead log segment cannot be read; moved aside, its records are not stored", "segment", s.seg.Path, "err", err)
			if rerr := b.log.Quarantine(s.seg); rerr != nil {
				b.lg.Error("buffer: cannot move the segment aside", "err", rerr)
			}
			b.buffered.Add(-max(s.records, 0))
			err = nil
		} else if err != nil {
			b.storageErrs.Add(1)
			if wait == 0 {
				wait = b.opts.RetryMin
			} else {
				wait = min(wait*2, b.opts.RetryMax)
			}
			b.lg.Warn("buffer: storing a batch failed; it stays in the write-ahead log", "segment", s.seg.Name(), "retry_in", wait, "err", err)
			continue
		}
		wait = 0
		if bad != nil {
			// moved aside above
		} else if err := b.log.Remove(s.seg); err != nil {
			b.lg.Error("buffer: batch stored but its log segment not removed; a restart stores it again under the same keys", "err", err)
		}
		b.mu.Lock()
		b.queue = b.queue[1:]
		b.mu.Unlock()
		b.logBytes.Add(-s.bytes)
	}
}

// keepingUp reports whether flushes keep up with requests: the batch being
// stored is the only one sealed and the log is far from its bound.
// Storing for a shutdown (StoreNow, Close) never keeps up: it has a
// deadline, and requests no longer come.
func (b *Buffer) keepingUp() bool {
	b.mu.Lock()
	n := len(b.queue)
	b.mu.Unlock()
	return n <= 1 && b.logBytes.Load() < b.opts.MaxLogBytes/4*3 && !b.ending.Load()
}

func (b *Buffer) isClosing() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

func (b *Buffer) closeDrained() {
	select {
	case <-b.drained:
	default:
		close(b.drained)
	}
}

// Close stores everything buffered, waiting until ctx is done, and closes
// the log. What could not be stored by then stays in the log for the next
// Open.
func (b *Buffer) Close(ctx context.Context) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.mu.Unlock()
	b.ending.Store(true)
	b.seal()
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.signal(b.work)
	var err error
	select {
	case <-b.drained:
	case <-ctx.Done():
		err = fmt.Errorf("buffer: %d batches not stored before shutdown; they stay in the write-ahead log: %w", b.pending(), ctx.Err())
	}
	b.cancel()
	close(b.stop)
	b.wg.Wait()
	if cerr := b.log.Close(); err == nil {
		err = cerr
	}
	return err
}

func (b *Buffer) pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

// Stats returns the current counters.
func (b *Buffer) Stats() Stats {
	return Stats{
		BufferedRecords: b.buffered.Load(),
		LogBytes:        b.logBytes.Load(),
		PendingBatches:  int64(b.pending()),
		ObjectsWritten:  b.objects.Load(),
		BytesWritten:    b.bytes.Load(),
		RecordsWritten:  b.records.Load(),
		StorageErrors:   b.storageErrs.Load(),
		Replayed:        b.replayed.Load(),
	}
}

// flusher turns a segment into objects and stores them. It keeps the
// objects of a batch whose store failed, so a retry only puts the rest.
type flusherState struct {
	b       *Buffer
	chunks  [2]chunk
	writers map[partKey]*part
	free    map[*pqenc.Schema][]*pqenc.Writer

	procs int  // goroutines a flush keeps busy (Options.FlushProcs)
	low   bool // the store began keeping up: its chunks run lowered while it still does (lowNow)

	seq  uint64 // the segment whose objects are below
	path string // its file, for errors
	objs []object
	recs int
	held []*part // the writers whose files objs are, until stored
}

type partKey struct {
	table   string
	service string
	hour    int64
}

type part struct {
	w            *pqenc.Writer
	schema       *pqenc.Schema
	minTimestamp int64
	rows         int
}

type object struct {
	key  string
	data []byte
	rows int
}

func newFlusher(b *Buffer) *flusherState {
	procs := b.opts.FlushProcs
	if procs <= 0 {
		procs = flushProcs()
	}
	return &flusherState{b: b, procs: procs, writers: make(map[partKey]*part), free: make(map[*pqenc.Schema][]*pqenc.Writer)}
}

// chunkBytes is how much request data is decoded at once while encoding a
// batch: the flush's memory is about this much (twice when one chunk is
// decoded while the one before is encoded on other goroutines) beyond the
// Parquet output (which is built in memory: tens of MB for a million
// records).
var chunkBytes = 2 << 20 // a variable for tests

// badSegmentError is a segment that cannot be turned into objects.
type badSegmentError struct{ err error }

func (e *badSegmentError) Error() string { return e.err.Error() }
func (e *badSegmentError) Unwrap() error { return e.err }

// putTimeout bounds one Put of a flush.
const putTimeout = time.Minute

// maxPuts is how many objects of a batch are stored at once.
const maxPuts = 4

// errNotTried marks the objects whose Put was not started because another
// failed.
var errNotTried = errors.New("not tried")

func (f *flusherState) store(ctx context.Context, s sealed) error {
	start := time.Now()
	if f.seq != s.seg.Seq || f.objs == nil {
		if err := f.encode(s.seg); err != nil {
			f.objs = nil
			return &badSegmentError{err}
		}
	}
	// The objects go to storage side by side: a Put mostly waits, on the
	// disk's sync or on the network. One that fails stays in objs for the
	// next attempt, and so do those not started after a failure (a store
	// that times out costs one putTimeout per attempt, not one per object).
	errs := make([]error, len(f.objs))
	var wg sync.WaitGroup
	var failed atomic.Bool
	turn := make(chan struct{}, maxPuts)
	for i, o := range f.objs {
		turn <- struct{}{}
		if failed.Load() {
			<-turn
			errs[i] = errNotTried
			continue
		}
		wg.Go(func() {
			defer func() { <-turn }()
			pctx, cancel := context.WithTimeout(ctx, putTimeout)
			defer cancel()
			if errs[i] = f.b.bucket.Put(pctx, o.key, o.data); errs[i] != nil && !errors.Is(errs[i], storage.ErrExist) {
				failed.Store(true)
			}
		})
	}
	wg.Wait()
	var stored, bytes int
	var err error
	left := f.objs[:0]
	for i, o := range f.objs {
		if perr := errs[i]; perr != nil && !errors.Is(perr, storage.ErrExist) {
			if err == nil && perr != errNotTried {
				err = fmt.Errorf("buffer: store %s: %w", o.key, perr)
			}
			left = append(left, o)
			continue
		} else if perr == nil {
			stored++
			bytes += len(o.data)
			f.b.objects.Add(1)
			f.b.bytes.Add(int64(len(o.data)))
		}
		f.b.records.Add(int64(o.rows))
		if s.records >= 0 { // a replayed segment's records were never counted as buffered
			f.b.buffered.Add(-int64(o.rows))
		}
	}
	f.objs = left
	if f.b.opts.OnFlush != nil {
		f.b.opts.OnFlush(FlushInfo{Segment: s.seg, Duration: time.Since(start), Records: f.recs, Objects: stored, Bytes: bytes, Err: err})
	}
	if err == nil {
		f.objs = nil
		f.release()
		f.b.lg.Debug("buffer: batch stored", "segment", s.seg.Name(), "records", f.recs, "objects", stored, "bytes", bytes, "took", time.Since(start))
	}
	return err
}

// encode reads the segment and makes its objects, one per (table, service, hour).
func (f *flusherState) encode(seg wal.Segment) (err error) {
	f.release()
	f.seq, f.path, f.objs, f.recs = seg.Seq, seg.Path, f.objs[:0], 0
	clear(f.writers)
	for i := range f.chunks {
		f.chunks[i].reset()
	}
	rd, err := wal.OpenReader(seg.Path)
	if err != nil {
		return err
	}
	defer rd.Close()
	// With two threads or more for the flush (see threads), two chunks
	// take turns: while the requests of one are encoded (its parts side
	// by side), the next is read from the log and decoded. Otherwise one
	// chunk is read and decoded, then encoded, and so on.
	more := true
	for cur := 0; more && err == nil; {
		more, err = f.flush(&f.chunks[cur], &f.chunks[cur^1], rd)
		if f.chunks[cur].job != nil {
			cur ^= 1 // its work runs on: the next goes to the other chunk
		} // else on one goroutine: one chunk's memory stays in the caches
	}
	// Never leave a chunk's work running, even on an error: its writers
	// and chunk are reused.
	for i := range f.chunks {
		if werr := f.chunks[i].wait(); err == nil {
			err = werr
		}
	}
	if err != nil {
		f.holdWriters()
		f.release()
		return err
	}
	if skipped := rd.Skipped(); skipped > 0 {
		// Only a segment a crash cut short has no end mark.
		f.b.lg.Warn("buffer: write-ahead log segment cut short by a crash: it ends in a torn record (never acknowledged) or in its file's earlier use; skipped", "segment", seg.Name(), "bytes", skipped)
	}
	keys := make([]partKey, 0, len(f.writers))
	for k := range f.writers {
		keys = append(keys, k)
	}
	f.objs = slices.Grow(f.objs[:0], len(keys))[:len(keys)]
	low := f.lowNow()
	err = atPriority(low, func() error {
		return each(len(keys), f.threads(low), low, func(i int) error {
			k := keys[i]
			pt := f.writers[k]
			data, err := pt.w.Finish()
			if err != nil {
				return fmt.Errorf("buffer: encode %s of service %q hour %d: %w", k.table, k.service, k.hour, err)
			}
			f.objs[i] = object{
				key:  layout.Key(k.table, k.service, k.hour, objectID(seg, k), pt.minTimestamp),
				data: data, // the writer's buffer: it is held until stored
				rows: pt.rows,
			}
			return nil
		})
	})
	f.holdWriters()
	if err != nil {
		f.objs = f.objs[:0]
		f.release()
		return err
	}
	return nil
}

// threads is how many goroutines a flush keeps busy: procs, and one fewer
// while it runs lowered, so that a CPU is always free of it (see flush).
func (f *flusherState) threads(low bool) int {
	if low {
		return max(1, f.procs-1)
	}
	return f.procs
}

// encoders is how many goroutines encode a chunk's parts. While the flush
// keeps up, one fewer than threads: the other reads the next chunk. Behind
// (the log filling, requests refused), all of them: encoding is most of a
// flush's work, and the reading of the next chunk, a fraction of it, would
// leave a CPU idle most of the time. At saturation with 10,000-record
// bodies over ten services, the server used 1.3 of 2 CPUs so.
func (f *flusherState) encoders(low bool) int {
	if low {
		return max(1, f.threads(low)-1)
	}
	return f.threads(low)
}

// lowNow reports whether new flush goroutines should run at the lowest
// priority: the flush started so and still keeps up.
func (f *flusherState) lowNow() bool { return f.low && f.b.keepingUp() }

// holdWriters moves the batch's writers to held: the objects are their
// buffers.
func (f *flusherState) holdWriters() {
	for _, pt := range f.writers {
		f.held = append(f.held, pt)
	}
	clear(f.writers)
}

// release makes the writers of a batch's objects free for the next batch,
// once its objects are stored or given up: an object's data is its
// writer's buffer (copying tens of MB per batch into new memory cost more
// than encoding them, on a cold heap).
func (f *flusherState) release() {
	for _, pt := range f.held {
		pt.w.Reset()
		f.free[pt.schema] = append(f.free[pt.schema], pt.w)
	}
	clear(f.held)
	f.held = f.held[:0]
	clear(f.objs)
	f.objs = f.objs[:0]
}

// chunk is a run of logged requests decoded together, then encoded.
type chunk struct {
	batches [len(ingest.Signals)]ingest.Batch // the requests, by signal
	used    [len(ingest.Signals)]bool         // batches that hold requests
	arena   arena                             // their bodies
	parts   []ingest.Part
	writers []*part // parts[i] goes to writers[i]
	job     *job    // the chunk's running work; nil when none runs
}

// arena holds a chunk's request bodies in blocks that are reused from
// chunk to chunk. A body is never moved once kept (the decoded requests
// refer to it), so an arena that grew by copying would hold every smaller
// copy until the chunk is encoded, and a flush's first chunks would touch
// several times the memory they need.
type arena struct {
	blocks [][]byte
	cur    int // the block bodies go to now
	size   int // bytes kept since the last reset
}

// arenaSlack is room beyond chunkBytes in a block (256 KiB by default),
// for the body that reaches chunkBytes: a chunk of requests smaller than
// that fits in one block.
func arenaSlack() int { return chunkBytes / 8 }

// keep copies p into the arena and returns the copy.
func (a *arena) keep(p []byte) []byte {
	for ; a.cur < len(a.blocks); a.cur++ {
		if b := a.blocks[a.cur]; cap(b)-len(b) >= len(p) {
			at, end := len(b), len(b)+len(p)
			a.blocks[a.cur] = append(b, p...)
			a.size += len(p)
			return a.blocks[a.cur][at:end:end]
		}
	}
	b := append(make([]byte, 0, max(chunkBytes+arenaSlack(), len(p))), p...)
	a.blocks = append(a.blocks, b)
	a.size += len(p)
	return b[:len(p):len(p)]
}

// reset empties the arena, keeping its blocks.
func (a *arena) reset() {
	for i := range a.blocks {
		a.blocks[i] = a.blocks[i][:0]
	}
	a.cur, a.size = 0, 0
}

// job is a chunk's work running on goroutines of its own.
type job struct {
	done chan struct{} // closed when it ended
	err  error         // its result, once done
}

// wait waits for the chunk's work, if one runs, and empties the chunk.
func (c *chunk) wait() error {
	if c.job == nil {
		return nil
	}
	<-c.job.done
	err := c.job.err
	c.job = nil
	c.reset()
	return err
}

func (c *chunk) reset() {
	for i := range c.batches {
		c.batches[i].Reset()
		c.used[i] = false
	}
	c.arena.reset()
	clear(c.parts)
	c.parts = c.parts[:0]
	clear(c.writers)
	c.writers = c.writers[:0]
}

// flush reads the next chunk of the log from rd into c, decodes and
// encodes it, at the lowest priority while the flush keeps up, and reports
// whether the log may hold more. On one goroutine (see threads) it does so
// before it returns; otherwise on goroutines of its own, and it returns
// once c is read: c is encoded when the encoding of other (the chunk
// before, which may write to the same writers) ended, and other is read
// into next, once its work ended.
func (f *flusherState) flush(c, other *chunk, rd *wal.Reader) (more bool, err error) {
	if err := c.wait(); err != nil {
		return false, err
	}
	// Each chunk runs on threads of its own, lowered or not as the flush
	// keeps up when it starts: a lowered thread's priority cannot be
	// raised again (without privileges). A flush lowered throughout was
	// starved for minutes by other processes at normal priority (go test
	// -race of other packages, in CI) while the log filled; at 500,000
	// records/s offered, a first flush took 4-6 s, and the log filled
	// meanwhile. A flush that started while keeping up but no longer does
	// (a second batch sealed, the log filling, a shutdown) does its next
	// chunks at normal priority.
	//
	// A lowered flush keeps one thread fewer busy (threads), so that a
	// CPU is always free of it: it still keeps up, and requests waiting for
	// their log sync find a CPU at once. On two CPUs that is one thread,
	// the flush's work one step after the other: at 1000 requests/s of
	// 100 records, a first flush so left 99-181 requests over 10 ms in its
	// seconds against 197-328 on two threads (three 20 s runs each), and a
	// p99 of 8.6-11.7 ms against 11.2-13.5.
	low := f.lowNow()
	if f.threads(low) < 2 {
		if err := other.wait(); err != nil { // the chunk before, if it still runs on its own
			return false, err
		}
		err := atPriority(low, func() error {
			more, err = f.read(c, rd)
			if err != nil {
				return err
			}
			return f.encodeChunk(c, nil, low)
		})
		c.reset()
		return more && err == nil, err
	}
	j := &job{done: make(chan struct{})}
	after := other.job
	c.job = j
	read := make(chan bool, 1)
	go func() {
		if low {
			lowerPriority()
		}
		more, err := f.read(c, rd)
		read <- more && err == nil // rd is the flusher's again
		if err == nil {
			err = f.encodeChunk(c, after, low)
		}
		j.err = err
		close(j.done)
	}()
	return <-read, nil // an error comes with c's wait
}

// read reads requests from rd into c, and decodes them, until c holds
// chunkBytes of them or the log ends (more is false).
func (f *flusherState) read(c *chunk, rd *wal.Reader) (more bool, err error) {
	if testHookRead != nil {
		testHookRead()
	}
	for c.arena.size < chunkBytes {
		payload, ok := rd.Next()
		if !ok {
			return false, nil
		}
		sig, format, received, body, err := parseRecord(payload)
		if err != nil {
			return false, fmt.Errorf("buffer: %s: %w", f.path, err)
		}
		// The decoder refers to the body it decodes: keep the chunk's
		// bodies in its arena until the chunk is encoded.
		if err := c.batches[sig].Decode(sig, c.arena.keep(body), format, received); err != nil {
			// It was validated before it was logged.
			return false, fmt.Errorf("buffer: %s: a logged request no longer decodes: %w", f.path, err)
		}
		c.used[sig] = true
	}
	return true, nil
}

// encodeChunk waits for after (the chunk before, if its work runs) and
// encodes c's parts into their partitions' writers.
func (f *flusherState) encodeChunk(c *chunk, after *job, low bool) error {
	if after != nil {
		<-after.done
		if after.err != nil {
			return after.err // the writers are not to be written to
		}
	}
	for sig := range c.batches {
		if !c.used[sig] {
			continue
		}
		parts, _, _ := c.batches[sig].Build(ingest.Signal(sig))
		for _, p := range parts {
			k := partKey{p.Table, p.Service, p.Hour}
			pt := f.writers[k]
			if pt == nil {
				// The service name is the request's bytes, in the chunk's
				// arena: the key outlives the chunk.
				k.service = strings.Clone(k.service)
				pt = &part{w: f.writer(p.Schema), schema: p.Schema, minTimestamp: p.MinTimestamp}
				f.writers[k] = pt
			}
			pt.minTimestamp = min(pt.minTimestamp, p.MinTimestamp)
			pt.rows += p.Rows
			f.recs += p.Rows
			c.parts = append(c.parts, p)
			c.writers = append(c.writers, pt)
		}
	}
	// Each part goes to its own writer: encode them side by side. The
	// calling goroutine is lowered already when low.
	return each(len(c.parts), f.encoders(low), low, func(i int) error {
		p := &c.parts[i]
		if err := c.writers[i].w.WriteRows(p.Columns, p.Rows); err != nil {
			return fmt.Errorf("buffer: encode %s of service %q hour %d: %w", p.Table, p.Service, p.Hour, err)
		}
		return nil
	})
}

// testHookRead, when set by a test, is called as a chunk's reading starts,
// on its goroutine.
var testHookRead func()

// atPriority calls fn, at the lowest OS priority on a goroutine of its own
// when low.
func atPriority(low bool, fn func() error) error {
	if !low {
		return fn()
	}
	done := make(chan error, 1)
	go func() {
		lowerPriority()
		done <- fn()
	}()
	return <-done
}

// flushProcs is how many goroutines a flush keeps busy by default: all Ps
// but one, which is left to acknowledging requests (on two CPUs a flush at
// normal priority on both made the tail latency of acknowledgements worse
// and took more memory). With two or more, the next chunk is decoded while
// the one before is encoded on the others. The server gives Go a P more
// than CPUs and sets Options.FlushProcs to the CPUs (internal/cli); a
// lowered flush keeps one fewer busy (flusherState.threads).
var flushProcs = func() int { return max(1, runtime.GOMAXPROCS(0)-1) } // a variable for tests

// each calls fn for 0 to n-1 on up to procs goroutines (the caller's alone
// when procs is 1; others at the lowest priority when low), and returns the
// first error (the other calls still run to completion).
func each(n, procs int, low bool, fn func(i int) error) error {
	workers := min(n, procs)
	if workers <= 1 {
		for i := range n {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	var next atomic.Int64
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			if low {
				lowerPriority()
			}
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil && errs[w] == nil {
					errs[w] = err
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// parseRecord splits a log record into its header's fields and the request body.
func parseRecord(p []byte) (sig ingest.Signal, f ingest.Format, received int64, body []byte, err error) {
	switch {
	case len(p) >= recordHeader1 && p[0] == recordVersion1:
		return ingest.Logs, ingest.Format(p[1]), int64(binary.LittleEndian.Uint64(p[2:])), p[recordHeader1:], nil
	case len(p) >= recordHeader && p[0] == recordVersion:
		sig = ingest.Signal(p[2])
		if int(sig) >= len(ingest.Signals) {
			return 0, 0, 0, nil, fmt.Errorf("record of unknown signal %d", p[2])
		}
		return sig, ingest.Format(p[1]), int64(binary.LittleEndian.Uint64(p[3:])), p[recordHeader:], nil
	}
	return 0, 0, 0, nil, errors.New("record of unknown version")
}

func (f *flusherState) writer(s *pqenc.Schema) *pqenc.Writer {
	if free := f.free[s]; len(free) > 0 {
		w := free[len(free)-1]
		f.free[s] = free[:len(free)-1]
		return w
	}
	return pqenc.NewWriter(s, pqenc.Options{
		PageSize:     f.b.opts.PageSize,
		RowGroupSize: f.b.opts.RowGroupSize,
		RowGroupRows: f.b.opts.RowGroupRows,
		CreatedBy:    version.CreatedBy(),
	})
}

// objectID names a batch's object for one partition: a version 8 UUID from
// the log's id, the segment and the partition, so that storing the same
// segment again (after a crash) makes the same keys, and the create-only
// Put refuses the copies.
func objectID(seg wal.Segment, k partKey) [16]byte {
	h := fnv.New128a()
	h.Write(seg.LogID[:])
	var n [16]byte
	binary.LittleEndian.PutUint64(n[:8], seg.Seq)
	binary.LittleEndian.PutUint64(n[8:], uint64(k.hour))
	h.Write(n[:])
	h.Write([]byte(k.service))
	if k.table != "logs" { // logs' keys stay those of logs-only versions
		h.Write([]byte{0})
		h.Write([]byte(k.table))
	}
	var id [16]byte
	h.Sum(id[:0])
	id[6] = id[6]&0x0f | 0x80 // version 8
	id[8] = id[8]&0x3f | 0x80 // RFC 9562 variant
	return id
}

// Package wal is the write-ahead log of acknowledged requests: append-only segment files, written with group commit and fsync, replayed after a crash.
package wal

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A segment file is a header, then records, then (once sealed or closed)
// an end mark:
//
//	header: "otlp2parquet-wal2\n" (18 bytes), log id (16 bytes), segment sequence (8 bytes, big endian)
//	record: payload length (4 bytes, little endian), CRC-32C of the payload then the salt (4 bytes), payload
//	end:    0 (4 bytes), CRC-32C of the salt (4 bytes)
//
// The salt is the header's log id and sequence. A record is acknowledged
// only after its bytes are synced, so only the last segment's tail can hold
// a torn record: reading stops there. The salt lets a segment reuse the file
// of one processed before (see Remove): the records of its earlier use do
// not check against the new salt, so reading stops where the new ones end.
// Version 1 segments ("otlp2parquet-wal1\n", CRC-32C of the payload alone,
// no end mark, files never reused) are still read.
const (
	magic      = "otlp2parquet-wal2\n"
	magicV1    = "otlp2parquet-wal1\n"
	headerSize = len(magic) + 16 + 8
	saltSize   = headerSize - len(magic)
	recHeader  = 8
	// MaxRecordBytes bounds one record's payload (a request and its metadata).
	MaxRecordBytes = 1 << 30
)

// RecordFraming is what the log adds to each record: its length and checksum.
const RecordFraming = recHeader

// EndMarkBytes is the size of the mark that ends a sealed segment.
const EndMarkBytes = recHeader

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("wal: closed")

// Segment names one segment file of a log.
type Segment struct {
	// LogID is the log's random identity, made when its directory was
	// first used; with Seq it names the segment uniquely across logs.
	LogID [16]byte
	Seq   uint64
	Path  string
	// Bytes is the segment's size when it was sealed, end mark included (0
	// while open), or its file's size when found by Open (a reused file may
	// be larger than its segment).
	Bytes int64
	// Records is the number of records appended (0 for segments found on Open).
	Records int
}

// Name is a short unique name of the segment: log id and sequence.
func (s Segment) Name() string {
	return hex.EncodeToString(s.LogID[:]) + "-" + strconv.FormatUint(s.Seq, 10)
}

// Log is a directory of segment files: one open for appends, the others
// sealed, waiting to be processed and removed. It is safe for concurrent use.
type Log struct {
	dir string
	id  [16]byte

	mu      sync.Mutex
	f       *os.File // the open segment
	seg     Segment
	salt    [saltSize]byte // the open segment's: its records' checksums end with it
	size    int64          // bytes in the open segment, pending included
	pending [][]byte       // records appended, not yet written: headers and the callers' parts
	scratch []byte         // the committer's buffer where pending is gathered into one write (not on Linux: writev)
	batch   *commit
	err     error // sticky: a failed write or sync ends the segment's usefulness
	closed  bool
	wake    chan struct{} // signals the committer that pending has data
	done    chan struct{} // closed when the committer exits

	// committing serializes writes and syncs with sealing, which must not
	// close a file being synced.
	committing sync.Mutex

	// spare is a processed segment's file kept for the next segment to
	// write over ("" when none); spareMu guards it and its renames.
	spareMu sync.Mutex
	spare   string

	// deletions runs the gradual deletions of processed segments in the
	// background, one at a time; stopDeleting makes them finish at once
	// (Close).
	deletions    sync.WaitGroup
	deleting     sync.Mutex
	stopDeleting atomic.Bool
}

// commit is one group of appends made durable by one write and one sync.
type commit struct {
	done chan struct{}
	err  error
}

// Open opens the log in dir, creating it if needed, and returns the
// segments already there (sealed, oldest first) for the caller to replay.
// A new segment is opened for appends.
func Open(dir string) (*Log, []Segment, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("wal: %w", err)
	}
	id, err := logID(dir, false)
	if err != nil {
		return nil, nil, err
	}
	old, spare, err := list(dir, id)
	if err != nil {
		return nil, nil, err
	}
	if len(old) == 0 {
		// Nothing to replay, and sequence numbers restart at 1: a new
		// identity keeps the (log id, sequence) of a new segment, and so
		// the object keys of its batches, from repeating those of a
		// segment stored in an earlier life of the log (its last segment
		// may have been lost to a failed open before a restart).
		if id, err = logID(dir, true); err != nil {
			return nil, nil, err
		}
	}
	l := &Log{dir: dir, id: id, spare: spare, wake: make(chan struct{}, 1), done: make(chan struct{})}
	next := uint64(1)
	if len(old) > 0 {
		next = old[len(old)-1].Seq + 1
	}
	if err := l.openSegment(next); err != nil {
		return nil, nil, err
	}
	go l.committer()
	return l, old, nil
}

// logID reads the log's identity from dir/id, or makes a new one when
// there is none or renew is set.
func logID(dir string, renew bool) ([16]byte, error) {
	var id [16]byte
	path := filepath.Join(dir, "id")
	if !renew {
		b, err := os.ReadFile(path)
		if err == nil {
			n, derr := hex.Decode(id[:], []byte(strings.TrimSpace(string(b))))
			if derr != nil || n != 16 {
				return id, fmt.Errorf("wal: %s: not a 32-digit hex log id", path)
			}
			return id, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return id, fmt.Errorf("wal: %w", err)
		}
	}
	binary.LittleEndian.PutUint64(id[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(id[8:], rand.Uint64())
	tmp := path + ".tmp"
	if err := writeSynced(tmp, []byte(hex.EncodeToString(id[:])+"\n")); err != nil {
		return id, fmt.Errorf("wal: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return id, fmt.Errorf("wal: %w", err)
	}
	return id, syncDir(dir)
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("wal: sync %s: %w", dir, err)
	}
	return nil
}

// segment files are named by their sequence number, zero-padded so that
// names sort in order.
func segmentPath(dir string, seq uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%020d.seg", seq))
}

// list returns the segments in dir, oldest first, and the spare file
// ("" if none), after deleting processed segments whose deletion a crash
// cut short and all spares but the largest.
func list(dir string, id [16]byte) (segs []Segment, spare string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, "", fmt.Errorf("wal: %w", err)
	}
	var spareSize int64
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), removingSuffix) && !e.IsDir() {
			// A processed segment or a spare; its deletion was cut short.
			if err := removeGradually(filepath.Join(dir, e.Name()), nil); err != nil {
				return nil, "", err
			}
			continue
		}
		if strings.HasSuffix(e.Name(), spareSuffix) && !e.IsDir() {
			path := filepath.Join(dir, e.Name())
			info, err := e.Info()
			if err != nil {
				return nil, "", fmt.Errorf("wal: %w", err)
			}
			if spare != "" && info.Size() <= spareSize {
				if err := removeGradually(path, nil); err != nil {
					return nil, "", err
				}
				continue
			}
			if spare != "" {
				if err := removeGradually(spare, nil); err != nil {
					return nil, "", err
				}
			}
			spare, spareSize = path, info.Size()
			continue
		}
		name, ok := strings.CutSuffix(e.Name(), ".seg")
		if !ok || e.IsDir() {
			continue
		}
		seq, err := strconv.ParseUint(name, 10, 64)
		if err != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, "", fmt.Errorf("wal: %w", err)
		}
		segs = append(segs, Segment{LogID: id, Seq: seq, Path: filepath.Join(dir, e.Name()), Bytes: info.Size()})
	}
	slices.SortFunc(segs, func(a, b Segment) int {
		if a.Seq < b.Seq {
			return -1
		}
		if a.Seq > b.Seq {
			return 1
		}
		return 0
	})
	return segs, spare, nil
}

// openSegment creates segment seq with its header, durably. Called with
// l.mu held (or before the log is shared).
func (l *Log) openSegment(seq uint64) error {
	path := segmentPath(l.dir, seq)
	h := make([]byte, 0, headerSize)
	h = append(h, magic...)
	h = append(h, l.id[:]...)
	h = binary.BigEndian.AppendUint64(h, seq)
	f := l.takeSpare(path, h)
	if f == nil {
		var err error
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("wal: %w", err)
		}
		if _, err := f.Write(h); err != nil {
			f.Close()
			return fmt.Errorf("wal: write %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("wal: sync %s: %w", path, err)
		}
	}
	if err := syncDir(l.dir); err != nil {
		// Nothing was appended: remove it, so that a later Seal can
		// create the segment anew.
		f.Close()
		_ = os.Remove(path)
		return err
	}
	l.f = f
	l.seg = Segment{LogID: l.id, Seq: seq, Path: path}
	copy(l.salt[:], h[len(magic):])
	l.size = int64(headerSize)
	return nil
}

// takeSpare writes the header h over the start of the spare file, if there
// is one, syncs it, and renames the file to path: the new segment, open for
// writing after its header; nil if there is no spare (or it fails). The
// header is durable before the file has the segment's name: a file named as
// a segment never holds the header, and with it the salt, of its earlier use.
//
// Writing over blocks a file already has is what makes a log's sync cheap:
// appending to a new file allocates blocks and grows it, so each fdatasync
// also commits the file system's journal, and waits for whatever else the
// journal holds (objects being stored, files being deleted). Over a reused
// file it writes the data alone (on ext4 on this project's test VM: half the
// CPU and latency per sync, BENCHMARKS.md).
func (l *Log) takeSpare(path string, h []byte) *os.File {
	l.spareMu.Lock()
	defer l.spareMu.Unlock()
	if l.spare == "" {
		return nil
	}
	spare := l.spare
	l.spare = ""
	f, err := os.OpenFile(spare, os.O_WRONLY, 0)
	if err == nil {
		if _, err = f.Write(h); err == nil {
			if err = datasync(f); err == nil {
				err = os.Rename(spare, path)
			}
		}
		if err != nil {
			f.Close()
		}
	}
	if err != nil {
		// Deleted out of the caller's locks (appends wait on them); a
		// crash meanwhile leaves it for Open to delete.
		if os.Rename(spare, spare+removingSuffix) == nil {
			l.deleteLater(spare + removingSuffix)
		} else {
			_ = os.Remove(spare)
		}
		return nil
	}
	return f
}

// Append adds a record made of the parts (concatenated) to the open
// segment and returns once it is durable (written and synced with the
// records of other callers: group commit), or with the error that
// prevented it. It reports the segment the record went to. The parts are
// not copied: they must not change until Append returns. ctx is checked
// before appending only: once appended, Append waits for the commit.
func (l *Log) Append(ctx context.Context, parts ...[]byte) (Segment, error) {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n > MaxRecordBytes {
		return Segment{}, fmt.Errorf("wal: record of %d bytes over the limit of %d", n, MaxRecordBytes)
	}
	if n == 0 {
		return Segment{}, errors.New("wal: empty record (its header would read as the end mark)")
	}
	if err := ctx.Err(); err != nil {
		return Segment{}, err
	}
	h := make([]byte, recHeader)
	crc := uint32(0)
	for _, p := range parts {
		crc = crc32.Update(crc, castagnoli, p)
	}
	binary.LittleEndian.PutUint32(h[0:], uint32(n))
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return Segment{}, ErrClosed
	}
	if l.err != nil {
		err := l.err
		l.mu.Unlock()
		return Segment{}, err
	}
	// The segment is known now: the checksum ends with its salt.
	binary.LittleEndian.PutUint32(h[4:], crc32.Update(crc, castagnoli, l.salt[:]))
	// The parts are referred to, not copied, until the committer writes
	// them: Append does not return before that, so they stay valid.
	l.pending = append(l.pending, h)
	l.pending = append(l.pending, parts...)
	l.size += int64(recHeader + n)
	l.seg.Records++
	seg := l.seg
	if l.batch == nil {
		l.batch = &commit{done: make(chan struct{})}
	}
	c := l.batch
	// Woken under mu: Close marks the log closed under mu before it
	// closes wake, so no wake-up can come after that.
	select {
	case l.wake <- struct{}{}:
	default:
	}
	l.mu.Unlock()
	// Wait for the commit even if ctx ends meanwhile: the committer still
	// reads the caller's parts. A commit takes one write and one sync.
	<-c.done
	return seg, c.err
}

// committer writes and syncs pending records, one group at a time.
func (l *Log) committer() {
	defer close(l.done)
	for range l.wake {
		l.commitPending()
		l.mu.Lock()
		closed := l.closed && len(l.pending) == 0
		l.mu.Unlock()
		if closed {
			return
		}
	}
}

func (l *Log) commitPending() {
	l.committing.Lock()
	defer l.committing.Unlock()
	l.mu.Lock()
	buf, c, f, err := l.pending, l.batch, l.f, l.err
	l.pending, l.batch = nil, nil
	l.mu.Unlock()
	if c == nil {
		return
	}
	if err == nil {
		// One write per group (the committer alone uses scratch;
		// committing serializes it).
		if werr := writeParts(f, buf, &l.scratch); werr != nil {
			err = fmt.Errorf("wal: write %s: %w", f.Name(), werr)
		} else if serr := datasync(f); serr != nil {
			err = fmt.Errorf("wal: sync %s: %w", f.Name(), serr)
		}
		if err != nil {
			// What reached the disk is unknown: no later record may be
			// acknowledged after it in this segment.
			l.mu.Lock()
			l.err = err
			l.mu.Unlock()
		}
	}
	c.err = err
	close(c.done)
	// Reuse the list when nobody appended in the meantime.
	clear(buf)
	l.mu.Lock()
	if l.pending == nil {
		l.pending = buf[:0]
	}
	l.mu.Unlock()
}

// Current returns the open segment and its size in bytes so far.
func (l *Log) Current() (Segment, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seg, l.size
}

// Seal closes the open segment, once every record appended to it is
// durable, opens the next one, and returns the sealed segment. A log whose
// segment failed to write or sync gets a fresh segment and works again.
func (l *Log) Seal() (Segment, error) {
	l.commitPending() // flush what is pending into the segment being sealed
	l.committing.Lock()
	defer l.committing.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return Segment{}, ErrClosed
	}
	if l.f == nil {
		// The last Seal sealed l.seg but could not open the next segment:
		// nothing is open to seal; try to open it again.
		if err := l.openSegment(l.seg.Seq + 1); err != nil {
			return Segment{}, err
		}
		l.err = nil
		return Segment{}, nil
	}
	if len(l.pending) > 0 {
		// Appended between commitPending and the lock: make it durable here.
		if err := writeParts(l.f, l.pending, &l.scratch); err == nil {
			if err := datasync(l.f); err != nil && l.err == nil {
				l.err = fmt.Errorf("wal: sync %s: %w", l.f.Name(), err)
			}
		} else if l.err == nil {
			l.err = fmt.Errorf("wal: write %s: %w", l.f.Name(), err)
		}
		if l.batch != nil {
			l.batch.err = l.err
			close(l.batch.done)
		}
		clear(l.pending)
		l.pending, l.batch = l.pending[:0], nil
	}
	if l.err == nil {
		l.err = l.writeEnd()
	}
	sealed := l.seg
	sealed.Bytes = l.size
	if err := l.f.Close(); err != nil && l.err == nil {
		l.err = fmt.Errorf("wal: close %s: %w", sealed.Path, err)
	}
	if err := l.openSegment(sealed.Seq + 1); err != nil {
		// Keep appending to nothing: every Append fails until a Seal works.
		l.err = err
		l.f = nil
		return sealed, err
	}
	l.err = nil
	return sealed, nil
}

// writeEnd marks the end of the open segment's records, durably: what
// follows, in a reused file, is its earlier use. Called with l.mu held and
// nothing pending.
func (l *Log) writeEnd() error {
	var end [recHeader]byte
	binary.LittleEndian.PutUint32(end[4:], crc32.Checksum(l.salt[:], castagnoli))
	if _, err := l.f.Write(end[:]); err != nil {
		return fmt.Errorf("wal: write %s: %w", l.f.Name(), err)
	}
	l.size += recHeader
	if err := datasync(l.f); err != nil {
		return fmt.Errorf("wal: sync %s: %w", l.f.Name(), err)
	}
	return nil
}

// Remove takes a sealed segment whose records are all processed out of the
// log. Its file becomes the spare that the next segment writes over (see
// takeSpare), unless a spare at least as large is kept already (or it is
// over maxSpareBytes): then it is deleted.
//
// It renames the segment out of the log first (a crash before the rename
// completes leaves a whole segment, which replays under the same object
// keys: nothing doubles). A deletion is gradual: a segment holds a batch,
// up to hundreds of MB, and freeing that many blocks at once holds an ext4
// journal for a tenth of a second or more, while every fdatasync of the open
// segment, and with it every acknowledgement, waits behind it (BENCHMARKS.md).
// The deletion runs in the background once the segment is renamed, so the
// caller goes on to the next segment (a flush falling behind lost 0.5-0.7 s
// per deleted segment); a crash leaves the renamed file, which Open deletes.
func (l *Log) Remove(s Segment) error {
	info, err := os.Stat(s.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	drop := s.Path
	// A segment that never grew past its header and end mark has no blocks
	// to lend; kept as the spare, its old end mark would follow the next
	// segment's header and read, after a crash, as a torn record.
	if info.Size() > int64(headerSize+EndMarkBytes) && info.Size() <= maxSpareBytes {
		l.spareMu.Lock()
		spare := filepath.Join(l.dir, fmt.Sprintf("%020d%s", s.Seq, spareSuffix))
		switch old := l.spare; {
		case old == "":
			drop = ""
		case spareSize(old) < info.Size():
			drop = old
		}
		if drop != s.Path {
			if err := os.Rename(s.Path, spare); err != nil {
				l.spareMu.Unlock()
				return fmt.Errorf("wal: %w", err)
			}
			l.spare = spare
		}
		l.spareMu.Unlock()
		if drop == "" {
			return nil
		}
	}
	gone := drop + removingSuffix
	if err := os.Rename(drop, gone); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("wal: %w", err)
	}
	l.deleteLater(gone)
	return nil
}

// deleteLater deletes the file at path (named with removingSuffix) in the
// background, gradually, one file at a time. An error leaves the file,
// which the next Open deletes.
func (l *Log) deleteLater(path string) {
	l.deletions.Go(func() {
		l.deleting.Lock()
		defer l.deleting.Unlock()
		_ = removeGradually(path, &l.stopDeleting)
	})
}

// spareSuffix ends the name of the spare file.
const spareSuffix = ".spare"

// maxSpareBytes is the largest file kept as the spare: a segment that grew
// far past a batch (a long storage outage) is not kept on disk for good.
var maxSpareBytes int64 = 1 << 30 // a variable for tests

func spareSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return info.Size()
}

// removingSuffix marks a processed segment (or spare) being deleted; Open
// deletes those a crash left.
const removingSuffix = ".removing"

// removeStep is how much of a file removeGradually frees at a time.
const removeStep = 4 << 20

// removeGradually truncates the file at path in steps of removeStep, from
// its end, then unlinks it. Freeing blocks takes the file system's journal
// (and, mounted with discard, a trim of the blocks), which every append's
// sync waits for: after each step it pauses as long as the step took, so
// appends sync between steps. Freeing a 512 MiB segment in one unlink, or
// in 16 MiB steps back to back, held syncs for 8-15 ms each; in paced
// 4 MiB steps they stay under 5 ms (ext4 on a virtual disk).
// A nil or set stop unlinks at once what is left: nothing appends then.
func removeGradually(path string, stop *atomic.Bool) error {
	if stop != nil && !stop.Load() {
		truncateGradually(path, stop)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("wal: %w", err)
	}
	return nil
}

// truncateGradually shortens the file at path by removeStep at a time,
// pausing as long as each step took, until stop is set.
func truncateGradually(path string, stop *atomic.Bool) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return // the unlink frees it all
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return
	}
	for size := (fi.Size() - 1) / removeStep * removeStep; size > 0 && !stop.Load(); size -= removeStep {
		start := time.Now()
		if f.Truncate(size) != nil {
			return // the unlink frees the rest
		}
		time.Sleep(time.Since(start))
	}
}

// Close makes pending appends durable, closes the open segment and stops
// the log. The segment stays for the next Open to replay.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	l.commitPending()
	close(l.wake)
	<-l.done
	l.stopDeleting.Store(true)
	l.deletions.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return l.err
	}
	if l.err == nil {
		l.err = l.writeEnd()
	}
	err := l.f.Close()
	if l.err != nil {
		return l.err
	}
	return err
}

// Reader reads a segment's records in order. It streams the file through
// one buffer, so a segment of any size costs memory only for its largest
// record. The end mark ends the segment; without one (after a crash), a
// torn or corrupt record does (it can only be one that was never
// acknowledged). A Reader may be handed from goroutine to goroutine, one
// at a time.
type Reader struct {
	f       *os.File
	r       *bufio.Reader
	size    int64
	off     int64
	salt    []byte // nil: version 1, checksums of the payload alone
	payload []byte
	done    bool
	skipped int64
}

// OpenReader opens the segment at path for reading.
func OpenReader(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wal: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("wal: %w", err)
	}
	r := &Reader{f: f, r: bufio.NewReaderSize(f, 1<<20), size: info.Size(), off: int64(headerSize)}
	head := make([]byte, headerSize)
	if _, err := io.ReadFull(r.r, head); err != nil {
		// A crash while creating the segment leaves it short; nothing in
		// it was acknowledged.
		r.done, r.skipped = true, r.size
		return r, nil
	}
	switch string(head[:len(magic)]) {
	case magic:
		r.salt = head[len(magic):]
	case magicV1:
	default:
		// A header torn by a crash: nothing in the segment was acknowledged.
		r.done, r.skipped = true, r.size
	}
	return r, nil
}

// Next returns the next record's payload, valid until the next call, or
// false at the segment's end.
func (r *Reader) Next() (payload []byte, ok bool) {
	if r.done {
		return nil, false
	}
	p, end := r.record()
	if p == nil {
		r.done, r.skipped = true, r.size-r.off
		if end {
			r.skipped = 0
		}
		return nil, false
	}
	r.off += recHeader + int64(len(p))
	return p, true
}

// record reads the record at r.off: its payload, or nil at the end mark
// (end) or at a torn or corrupt record or the file's end. The log never
// writes an empty record: one of length 0 (zeros) ends a segment as a torn
// one does, in version 1 segments too.
func (r *Reader) record() (payload []byte, end bool) {
	var h [recHeader]byte
	if r.off >= r.size {
		return nil, false
	}
	if _, err := io.ReadFull(r.r, h[:]); err != nil {
		return nil, false
	}
	n := int64(binary.LittleEndian.Uint32(h[0:]))
	crc := binary.LittleEndian.Uint32(h[4:])
	if n == 0 && r.salt != nil {
		return nil, crc == crc32.Checksum(r.salt, castagnoli)
	}
	if n == 0 || n > MaxRecordBytes || r.size-r.off-recHeader < n {
		return nil, false
	}
	if int64(cap(r.payload)) < n {
		r.payload = make([]byte, n)
	}
	p := r.payload[:n]
	if _, err := io.ReadFull(r.r, p); err != nil {
		return nil, false
	}
	if crc32.Update(crc32.Checksum(p, castagnoli), castagnoli, r.salt) != crc {
		return nil, false
	}
	return p, false
}

// Skipped returns, once Next returned false, the number of bytes skipped
// at the segment's end: 0 after its end mark; after a crash, the torn
// record and, in a reused file, the end of its earlier use.
func (r *Reader) Skipped() int64 { return r.skipped }

// Close closes the segment's file.
func (r *Reader) Close() error { return r.f.Close() }

// Quarantine moves a segment that cannot be processed out of the log, to
// NAME.bad beside it, so that the log goes on and the file can be examined.
func (l *Log) Quarantine(s Segment) error {
	if err := os.Rename(s.Path, s.Path+".bad"); err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	return nil
}

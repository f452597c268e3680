package wal

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func readAll(t *testing.T, path string) ([][]byte, int64) {
	t.Helper()
	r, err := OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var recs [][]byte
	for {
		p, ok := r.Next()
		if !ok {
			return recs, r.Skipped()
		}
		recs = append(recs, bytes.Clone(p))
	}
}

func TestAppendSealRead(t *testing.T) {
	dir := t.TempDir()
	l, old, err := Open(dir)
	if err != nil || len(old) != 0 {
		t.Fatalf("Open: %v, %v", old, err)
	}
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := l.Append(context.Background(), []byte(fmt.Sprintf("w%d-", w)), []byte(fmt.Sprint(i))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	seg, err := l.Seal()
	if err != nil {
		t.Fatal(err)
	}
	if seg.Records != writers*each || seg.Seq != 1 {
		t.Errorf("sealed %+v, want seq 1 with %d records", seg, writers*each)
	}
	recs, skipped := readAll(t, seg.Path)
	if len(recs) != writers*each || skipped != 0 {
		t.Fatalf("read %d records, skipped %d", len(recs), skipped)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		seen[string(r)] = true
	}
	for w := range writers {
		for i := range each {
			if !seen[fmt.Sprintf("w%d-%d", w, i)] {
				t.Fatalf("record w%d-%d missing", w, i)
			}
		}
	}
	if info, err := os.Stat(seg.Path); err != nil || info.Size() != seg.Bytes {
		t.Errorf("segment size %v, Bytes %d (%v)", info.Size(), seg.Bytes, err)
	}
	if cur, _ := l.Current(); cur.Seq != 2 {
		t.Errorf("open segment %d after seal, want 2", cur.Seq)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(context.Background(), []byte("x")); err != ErrClosed {
		t.Errorf("Append after Close: %v", err)
	}
}

func TestReopenReplaysSegments(t *testing.T) {
	dir := t.TempDir()
	l, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	l.Append(context.Background(), []byte("one"))
	l.Seal()
	l.Append(context.Background(), []byte("two"))
	id := l.id
	// No Close: as after a crash, with everything acknowledged durable.
	l2, old, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if l2.id != id {
		t.Error("log id changed on reopen")
	}
	if len(old) != 2 || old[0].Seq != 1 || old[1].Seq != 2 {
		t.Fatalf("old segments %+v, want 1 and 2", old)
	}
	if cur, _ := l2.Current(); cur.Seq != 3 {
		t.Errorf("new segment %d, want 3", cur.Seq)
	}
	var got []string
	for _, s := range old {
		recs, _ := readAll(t, s.Path)
		for _, r := range recs {
			got = append(got, string(r))
		}
	}
	if fmt.Sprint(got) != "[one two]" {
		t.Errorf("replayed %v", got)
	}
	if old[0].Name() == old[1].Name() || old[0].LogID != id {
		t.Errorf("names %s %s", old[0].Name(), old[1].Name())
	}
	l.Close()
}

func TestTornTail(t *testing.T) {
	dir := t.TempDir()
	l, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"alpha", "beta", "gamma"} {
		l.Append(context.Background(), []byte(s))
	}
	seg, _ := l.Seal()
	l.Close()
	data, _ := os.ReadFile(seg.Path)
	for cut := headerSize; cut < len(data); cut++ {
		os.WriteFile(seg.Path, data[:cut], 0o644)
		recs, skipped := readAll(t, seg.Path)
		// Every whole record before the cut is read, nothing after it.
		want := 0
		for off, i := headerSize, 0; i < 3; i++ {
			off += recHeader + len([]string{"alpha", "beta", "gamma"}[i])
			if off <= cut {
				want++
			}
		}
		if len(recs) != want {
			t.Fatalf("cut at %d: %d records, want %d", cut, len(recs), want)
		}
		if skipped < 0 || skipped > int64(cut) {
			t.Fatalf("cut at %d: skipped %d", cut, skipped)
		}
	}
	// A flipped byte in the last record's payload: it is dropped, and the
	// end mark after it is not reached.
	bad := bytes.Clone(data)
	bad[len(bad)-recHeader-1] ^= 0xff
	os.WriteFile(seg.Path, bad, 0o644)
	if recs, skipped := readAll(t, seg.Path); len(recs) != 2 || skipped != int64(recHeader+len("gamma")+recHeader) {
		t.Errorf("corrupt last record: %d records, skipped %d", len(recs), skipped)
	}
	// A segment cut inside its header holds nothing.
	os.WriteFile(seg.Path, data[:10], 0o644)
	if recs, _ := readAll(t, seg.Path); len(recs) != 0 {
		t.Errorf("short header: %d records", len(recs))
	}
}

func TestAppendCanceled(t *testing.T) {
	l, _, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Append(ctx, []byte("x")); err != context.Canceled {
		t.Errorf("canceled Append: %v, want context.Canceled", err)
	}
	if seg, err := l.Seal(); err != nil || seg.Records != 0 {
		t.Errorf("a canceled Append left %d records (%v)", seg.Records, err)
	}
}

// A log left with no segment (the last one lost to a failed open, then a
// restart) restarts its sequence at 1 under a new identity, so (log id,
// sequence), which names a batch's objects, never repeats.
func TestNoSegmentsNewIdentity(t *testing.T) {
	dir := t.TempDir()
	l, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	l.Append(context.Background(), []byte("one"))
	seg, err := l.Seal()
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := l.Current()
	l.Close()
	for _, s := range []Segment{seg, cur} {
		if err := os.Remove(s.Path); err != nil {
			t.Fatal(err)
		}
	}
	l2, old, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	next, _ := l2.Current()
	if len(old) != 0 || next.Seq != 1 {
		t.Fatalf("old %v, next segment %d; want none and 1", old, next.Seq)
	}
	if next.LogID == seg.LogID {
		t.Errorf("segment %d of the same log id %x again", next.Seq, next.LogID)
	}
	l2.Close()
	l3, old, err := Open(dir) // segment 1 is there: same identity
	if err != nil {
		t.Fatal(err)
	}
	defer l3.Close()
	if len(old) != 1 || old[0].LogID != next.LogID {
		t.Errorf("reopened with a segment: %+v, want log id %x", old, next.LogID)
	}
}

// Appends racing Close either land (and are read back after reopening) or
// fail with ErrClosed; none is lost or panics the log.
func TestAppendRacesClose(t *testing.T) {
	for round := range 50 {
		dir := t.TempDir()
		l, _, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var ok atomic.Int64
		for range 8 {
			wg.Go(func() {
				for {
					_, err := l.Append(context.Background(), []byte("record"))
					if err == ErrClosed {
						return
					}
					if err != nil {
						t.Errorf("round %d: Append: %v", round, err)
						return
					}
					ok.Add(1)
				}
			})
		}
		time.Sleep(time.Duration(round%5) * time.Millisecond)
		if err := l.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", round, err)
		}
		wg.Wait()
		l, segs, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, s := range segs {
			recs, skipped := readAll(t, s.Path)
			if skipped != 0 {
				t.Errorf("round %d: %s: %d bytes skipped", round, s.Name(), skipped)
			}
			n += int64(len(recs))
		}
		if n != ok.Load() {
			t.Errorf("round %d: %d records read back, %d acknowledged", round, n, ok.Load())
		}
		l.Close()
	}
}

func BenchmarkAppend(b *testing.B) {
	l, _, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	rec := bytes.Repeat([]byte("x"), 50<<10)
	b.SetBytes(int64(len(rec)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.Append(context.Background(), rec); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// Remove deletes a segment larger than its step (and than a spare may be)
// whole; a segment whose removal a crash cut short is deleted at Open and
// not replayed.
func TestRemove(t *testing.T) {
	defer func(n int64) { maxSpareBytes = n }(maxSpareBytes)
	maxSpareBytes = removeStep
	dir := t.TempDir()
	l, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 3*removeStep/2)
	for range 3 {
		if _, err := l.Append(context.Background(), big); err != nil {
			t.Fatal(err)
		}
	}
	seg, err := l.Seal()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Remove(seg); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(seg.Path); !os.IsNotExist(err) {
		t.Errorf("%s: %v, want gone", seg.Path, err)
	}
	l.deletions.Wait() // deleted in the background
	if _, err := os.Stat(seg.Path + removingSuffix); !os.IsNotExist(err) {
		t.Errorf("%s%s: %v, want gone", seg.Path, removingSuffix, err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*"+spareSuffix)); len(m) != 0 {
		t.Errorf("a segment over maxSpareBytes kept as a spare: %v", m)
	}
	if err := l.Remove(seg); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	// A crash between the rename and the unlink.
	if _, err := l.Append(context.Background(), []byte("x")); err != nil {
		t.Fatal(err)
	}
	seg2, err := l.Seal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(seg2.Path, seg2.Path+removingSuffix); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, old, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	for _, s := range old {
		if s.Seq == seg2.Seq || s.Seq == seg.Seq {
			t.Errorf("segment %d replayed after its removal", s.Seq)
		}
	}
	if _, err := os.Stat(seg2.Path + removingSuffix); !os.IsNotExist(err) {
		t.Errorf("leftover %s%s: %v, want deleted at Open", seg2.Path, removingSuffix, err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

func appendAll(t *testing.T, l *Log, recs ...string) {
	t.Helper()
	for _, r := range recs {
		if _, err := l.Append(context.Background(), []byte(r)); err != nil {
			t.Fatal(err)
		}
	}
}

// A removed segment's file is reused by a later one: reading the later one
// returns its records only, not those of the file's earlier use, whether it
// was sealed or cut short by a crash; Open keeps the largest spare.
func TestReuseRemovedSegment(t *testing.T) {
	dir := t.TempDir()
	l, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	long := string(bytes.Repeat([]byte("L"), 1000))
	appendAll(t, l, long, long, long)
	seg1, _ := l.Seal()
	size1 := fileSize(t, seg1.Path)
	appendAll(t, l, "a", "b")
	if err := l.Remove(seg1); err != nil { // seg1's file is the spare
		t.Fatal(err)
	}
	seg2, _ := l.Seal() // seg3 is written over seg1's file
	appendAll(t, l, "x", "y")
	seg3, _ := l.Seal()
	if got := fileSize(t, seg3.Path); got != size1 || seg3.Bytes >= size1 {
		t.Fatalf("segment 3: file of %d bytes holding %d, want segment 1's file (%d bytes)", got, seg3.Bytes, size1)
	}
	if recs, skipped := readAll(t, seg3.Path); fmt.Sprintf("%s", recs) != "[x y]" || skipped != 0 {
		t.Fatalf("sealed reused segment: %s, skipped %d; want [x y], 0", recs, skipped)
	}
	if recs, _ := readAll(t, seg2.Path); fmt.Sprintf("%s", recs) != "[a b]" {
		t.Fatalf("segment 2: %s", recs)
	}
	// seg2's file becomes the spare, then seg3's, which is larger: seg2's goes.
	if err := l.Remove(seg2); err != nil {
		t.Fatal(err)
	}
	if err := l.Remove(seg3); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*"+spareSuffix)); len(m) != 1 || fileSize(t, m[0]) != size1 {
		t.Fatalf("spares %v, want one of %d bytes", m, size1)
	}
	seg4, _ := l.Seal() // seg5 is written over seg1's file again
	appendAll(t, l, "z")
	// No Close: as after a crash. Segment 5 has no end mark; its file goes on
	// with segment 3's records, then segment 1's.
	l2, old, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(old) != 2 || old[0].Seq != seg4.Seq || old[1].Seq != seg4.Seq+1 {
		t.Fatalf("old segments %+v, want %d and %d", old, seg4.Seq, seg4.Seq+1)
	}
	if recs, skipped := readAll(t, old[1].Path); fmt.Sprintf("%s", recs) != "[z]" || skipped == 0 {
		t.Fatalf("reused segment cut short: %s, skipped %d; want [z] and the rest skipped", recs, skipped)
	}
	l2.Close()
	l.Close()
	// Two spares (as a crash between the renames of Remove may leave): Open
	// keeps the larger, and the next segment writes over it.
	for i, size := range []int{100, 5000} {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%020d%s", 900+i, spareSuffix)), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l3, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l3.Close()
	if cur, _ := l3.Current(); fileSize(t, cur.Path) != 5000 {
		t.Errorf("new segment's file is %d bytes, want the larger spare's 5000", fileSize(t, cur.Path))
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*"+spareSuffix)); len(m) != 0 {
		t.Errorf("spares left after Open: %v", m)
	}
}

// A spare whose deletion a crash cut short is deleted at Open.
func TestOpenDeletesRemovingSpare(t *testing.T) {
	dir := t.TempDir()
	left := filepath.Join(dir, fmt.Sprintf("%020d%s%s", 7, spareSuffix, removingSuffix))
	if err := os.WriteFile(left, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	l, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("%s: %v, want deleted at Open", left, err)
	}
}

// A version 1 segment (checksums of the payload alone, no end mark) is
// read up to its last whole record; a zero-length record, as a zero-filled
// tail reads, ends it like a torn one.
func TestReadVersion1(t *testing.T) {
	var seg []byte
	seg = append(seg, magicV1...)
	seg = append(seg, make([]byte, headerSize-len(magicV1))...)
	for _, p := range []string{"first", "second record"} {
		seg = binary.LittleEndian.AppendUint32(seg, uint32(len(p)))
		seg = binary.LittleEndian.AppendUint32(seg, crc32.Checksum([]byte(p), castagnoli))
		seg = append(seg, p...)
	}
	whole := len(seg)
	seg = append(seg, make([]byte, 24)...)
	path := filepath.Join(t.TempDir(), "v1.seg")
	if err := os.WriteFile(path, seg, 0o600); err != nil {
		t.Fatal(err)
	}
	recs, skipped := readAll(t, path)
	if len(recs) != 2 || string(recs[0]) != "first" || string(recs[1]) != "second record" {
		t.Errorf("records %q", recs)
	}
	if skipped != int64(len(seg)-whole) {
		t.Errorf("skipped %d bytes, want the zero tail's %d", skipped, len(seg)-whole)
	}
}

// An empty segment (header and end mark) is not kept as the spare: the next
// segment written over it would carry its end mark after the header, which
// reads as a torn record if that segment gets none before a crash.
func TestEmptySegmentIsNoSpare(t *testing.T) {
	dir := t.TempDir()
	l, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	empty, err := l.Seal()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Remove(empty); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*"+spareSuffix)); len(m) != 0 {
		t.Errorf("the empty segment kept as a spare: %v", m)
	}
	// The segment after the next one takes the spare, if any. Read as after
	// a crash, before its first record and its end mark, it is empty and
	// whole.
	if _, err := l.Seal(); err != nil {
		t.Fatal(err)
	}
	cur, _ := l.Current()
	if recs, skipped := readAll(t, cur.Path); len(recs) != 0 || skipped != 0 {
		t.Errorf("the open segment after a crash: %d records, %d bytes skipped; want none", len(recs), skipped)
	}
	l.Close()
}

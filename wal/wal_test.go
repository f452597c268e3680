package wal

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
)

func readAll(t *testing.T, path string) ([][]byte, int64) {
	t.Helper()
	var recs [][]byte
	skipped, err := Read(path, func(p []byte) error {
		recs = append(recs, bytes.Clone(p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs, skipped
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
	// A flipped byte in the last record's payload: it is dropped.
	bad := bytes.Clone(data)
	bad[len(bad)-1] ^= 0xff
	os.WriteFile(seg.Path, bad, 0o644)
	if recs, skipped := readAll(t, seg.Path); len(recs) != 2 || skipped != int64(recHeader+len("gamma")) {
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

// Remove deletes a segment larger than its step whole; a segment whose
// removal a crash cut short is deleted at Open and not replayed.
func TestRemove(t *testing.T) {
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
	if _, err := os.Stat(seg.Path + removingSuffix); !os.IsNotExist(err) {
		t.Errorf("%s%s: %v, want gone", seg.Path, removingSuffix, err)
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

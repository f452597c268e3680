//go:build !linux

package wal

import "os"

func datasync(f *os.File) error { return f.Sync() }

// writeParts writes the parts in order with one write, gathered in
// *scratch (kept for the next group while it is not too big).
func writeParts(f *os.File, parts [][]byte, scratch *[]byte) error {
	b := (*scratch)[:0]
	for _, p := range parts {
		b = append(b, p...)
	}
	_, err := f.Write(b)
	if cap(b) > 64<<20 {
		b = nil
	}
	*scratch = b
	return err
}

package wal

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// datasync makes f's data durable: fdatasync skips the metadata a
// segment does not need for recovery (its size is found by reading).
func datasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }

// iovMax is the most buffers one writev takes (Linux's IOV_MAX).
const iovMax = 1024

// writeParts writes the parts in order straight from the callers' buffers
// (writev, iovMax parts per call): a group of requests is not copied into
// one buffer first, which at the start or after a burst cost the committer
// milliseconds of copying and a fresh allocation while every caller waited.
// It may reslice the elements of parts. scratch is unused here.
func writeParts(f *os.File, parts [][]byte, _ *[]byte) error {
	fd := int(f.Fd())
	for {
		for len(parts) > 0 && len(parts[0]) == 0 {
			parts = parts[1:]
		}
		if len(parts) == 0 {
			return nil
		}
		n, err := unix.Writev(fd, parts[:min(len(parts), iovMax)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		for n > 0 {
			if n < len(parts[0]) {
				parts[0] = parts[0][n:]
				break
			}
			n -= len(parts[0])
			parts = parts[1:]
		}
	}
}

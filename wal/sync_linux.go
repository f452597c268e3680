package wal

import (
	"os"

	"golang.org/x/sys/unix"
)

// datasync makes f's data durable: fdatasync skips the metadata a
// segment does not need for recovery (its size is found by reading).
func datasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }

//go:build !linux

package file

import (
	"errors"
	"os"
)

var errNoGroupSync = errors.New("file system sync not available")

// openGroupSync reports that this platform has no file-system-wide sync;
// the bucket then syncs each file and directory itself.
func openGroupSync(string) (*groupSync, error) { return nil, errNoGroupSync }

// writeOut writes data to f.
func writeOut(f *os.File, data []byte) error {
	_, err := f.Write(data)
	return err
}

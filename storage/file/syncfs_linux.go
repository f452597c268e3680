package file

import (
	"os"

	"golang.org/x/sys/unix"
)

// openGroupSync returns a group sync over the file system holding root,
// using Linux's syncfs(2).
func openGroupSync(root string) (*groupSync, error) {
	d, err := os.Open(root)
	if err != nil {
		return nil, err
	}
	// syncfs needs a descriptor on the file system; the groupSync keeps d
	// (and so the descriptor) alive as long as the bucket.
	fd := int(d.Fd())
	g := newGroupSync(func() error { return unix.Syncfs(fd) })
	g.dir = d
	return g, nil
}

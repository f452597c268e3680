package server

import (
	"net"
	"sync"
)

// connLimit bounds the connections the server's listeners hold open
// together, so that clients cannot take the file descriptors the
// write-ahead log and the storage need: past the bound, a server fails its
// own writes ("too many open files") and stops acknowledging anything.
// At the bound Accept waits; new connections queue in the kernel's backlog
// and their clients wait for an answer, not for a server failing.
type connLimit struct {
	sem chan struct{}
}

func newConnLimit(n int) *connLimit { return &connLimit{sem: make(chan struct{}, n)} }

// open is the number of connections held.
func (c *connLimit) open() int { return len(c.sem) }

// max is the bound.
func (c *connLimit) max() int { return cap(c.sem) }

// listener returns l with its connections counted against the bound.
func (c *connLimit) listener(l net.Listener) net.Listener {
	return &limitListener{Listener: l, c: c, done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	c    *connLimit
	done chan struct{}
	once sync.Once
}

// Accept takes the next connection, then waits for room for it: waiting
// first would hold room while no connection comes, and a listener that
// rarely gets one (gRPC clients keep theirs) would starve the other. So at
// the bound each listener holds one more connection, accepted, not served.
func (l *limitListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	select {
	case l.c.sem <- struct{}{}:
		return &limitConn{Conn: conn, sem: l.c.sem}, nil
	case <-l.done:
		conn.Close()
		return nil, net.ErrClosed
	}
}

// Close also ends an Accept waiting for room.
func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	sem  chan struct{}
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { <-c.sem })
	return err
}

package server

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// connLimit bounds the HTTP connections the server holds open, so that
// clients cannot take the file descriptors the write-ahead log and the
// storage need: past the open-file limit, a server fails its own writes
// ("too many open files") and stops acknowledging anything. At the bound
// Accept waits: new connections queue in the kernel's backlog and their
// clients wait for an answer, not for a server failing.
//
// When a connection must wait for room, onFull(true, true) is called, and
// onFull(true, false) at most once a second while connections wait: the
// server then stops keeping connections alive and closes the idle ones,
// and those that never sent a request, so that waiting clients get their
// turn instead of waiting out the idle and header timeouts. onFull(false,
// true) comes once an eighth of the room is free again. onFull is called
// with no lock held: closing connections calls back into release.
//
// gRPC connections are not counted: grpc-go sets TCP_USER_TIMEOUT and
// pools read buffers only on a *net.TCPConn, which a counting wrapper
// would hide, and a gRPC client multiplexes its requests over one
// connection.
type connLimit struct {
	sem     chan struct{}
	full    atomic.Bool
	squeeze atomic.Int64 // when onFull(true) was last called (ns)
	onFull  func(full, first bool)
}

func newConnLimit(n int, onFull func(full, first bool)) *connLimit {
	if onFull == nil {
		onFull = func(bool, bool) {}
	}
	return &connLimit{sem: make(chan struct{}, n), onFull: onFull}
}

// open is the number of connections held.
func (c *connLimit) open() int { return len(c.sem) }

// max is the bound.
func (c *connLimit) max() int { return cap(c.sem) }

// waiting is called when a connection must wait for room.
func (c *connLimit) waiting() {
	now := time.Now().UnixNano()
	if c.full.CompareAndSwap(false, true) {
		c.squeeze.Store(now)
		c.onFull(true, true)
		return
	}
	last := c.squeeze.Load()
	if now-last < int64(time.Second) || !c.squeeze.CompareAndSwap(last, now) {
		return
	}
	c.onFull(true, false)
}

func (c *connLimit) release() {
	<-c.sem
	if c.full.Load() && len(c.sem) <= cap(c.sem)-max(1, cap(c.sem)/8) && c.full.CompareAndSwap(true, false) {
		c.onFull(false, true)
	}
}

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
// first would hold room while no connection comes. So at the bound the
// listener holds one more connection, accepted, not yet served.
func (l *limitListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	select {
	case l.c.sem <- struct{}{}:
	default:
		l.c.waiting()
		select {
		case l.c.sem <- struct{}{}:
		case <-l.done:
			conn.Close()
			return nil, net.ErrClosed
		}
	}
	select {
	case <-l.done: // closed while this connection waited
		l.c.release()
		conn.Close()
		return nil, net.ErrClosed
	default:
	}
	return &limitConn{Conn: conn, c: l.c}, nil
}

// Close also ends an Accept waiting for room.
func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitConn gives its room back when closed. It passes on CloseWrite and
// CloseRead: net/http half-closes a connection whose request body it will
// not read (a 413 or 503 answered first) so that the client reads the
// answer before the connection goes; without them the client got a reset.
type limitConn struct {
	net.Conn
	c    *connLimit
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.c.release)
	return err
}

func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *limitConn) CloseRead() error {
	if cr, ok := c.Conn.(interface{ CloseRead() error }); ok {
		return cr.CloseRead()
	}
	return nil
}

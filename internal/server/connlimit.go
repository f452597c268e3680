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
// When a connection must wait for room, onFull(true, true) is called, then
// onFull(true, false) every second while connections wait: the server then
// stops keeping connections alive and closes the idle ones, and those that
// sent no request for 5 s (net/http's rule), so that waiting clients get
// their turn instead of waiting out the idle and header timeouts. The
// squeeze repeats because a silent connection younger than 5 s is spared
// by the first one. onFull(false, true) comes once the bound is relieved
// (see release). onFull is called with no lock of
// connLimit held: closing connections calls back into release. But
// onFull(false, true) may be called from a connection's Close, which
// net/http calls with its server's lock held (closing idle connections),
// so it must not take that lock.
//
// gRPC connections are not counted: grpc-go sets TCP_USER_TIMEOUT and
// pools read buffers only on a *net.TCPConn, which a counting wrapper
// would hide, and a gRPC client multiplexes its requests over one
// connection.
type connLimit struct {
	sem     chan struct{}
	full    atomic.Bool
	waiters atomic.Int32 // Accepts holding a connection until there is room
	waited  atomic.Int64 // when a connection last stopped waiting for room (ns)
	squeeze atomic.Int64 // when onFull(true) was last called (ns)
	onFull  func(full, first bool)
}

const (
	// squeezeEvery is how often onFull(true, false) is called while
	// connections wait.
	squeezeEvery = time.Second
	// calmFor is how long no connection must have waited for room
	// before keep-alive comes back.
	calmFor = time.Second
)

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

// waiting is called when a connection must wait for room, and again every
// squeezeEvery while it waits.
func (c *connLimit) waiting() {
	now := time.Now().UnixNano()
	if c.full.CompareAndSwap(false, true) {
		c.squeeze.Store(now)
		c.onFull(true, true)
		return
	}
	// Nine tenths: a tick a little late must not make the next one skip.
	last := c.squeeze.Load()
	if now-last < int64(squeezeEvery*9/10) || !c.squeeze.CompareAndSwap(last, now) {
		return
	}
	c.onFull(true, false)
}

// release gives back the room of a closed connection. Keep-alive comes
// back only when the bound is relieved: no connection waits, none has for
// calmFor, and max(2, an eighth) of the room is free. Each time keep-alive
// goes off, a client may send its next request on an idle connection just
// as it is closed, and that request fails. While clients want more
// connections than the bound, a place freed is taken at once, and with
// keep-alive on, connections kept idle between requests hold the room and
// the bound is reached again: turned on at the first free place,
// keep-alive would go on and off all along the overload (at a small bound,
// several times a second), failing requests each time. It comes back at a
// connection's close: with keep-alive off, each request ends with one.
func (c *connLimit) release() {
	<-c.sem
	if c.full.Load() && c.calm() && c.full.CompareAndSwap(true, false) {
		c.onFull(false, true)
	}
}

// calm reports whether the bound is relieved: see release.
func (c *connLimit) calm() bool {
	return c.waiters.Load() == 0 && len(c.sem) <= c.resumeAt() &&
		time.Now().UnixNano()-c.waited.Load() >= int64(calmFor)
}

// resumeAt is the most connections open at which keep-alive comes back.
func (c *connLimit) resumeAt() int {
	return max(0, cap(c.sem)-max(2, cap(c.sem)/8))
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
		if !l.wait() {
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

// wait waits for room, squeezing every squeezeEvery; it reports false when
// the listener was closed first.
func (l *limitListener) wait() bool {
	l.c.waiters.Add(1)
	defer func() {
		// Stored first: a release that sees no waiter sees this time.
		l.c.waited.Store(time.Now().UnixNano())
		l.c.waiters.Add(-1)
	}()
	l.c.waiting()
	tick := time.NewTicker(squeezeEvery)
	defer tick.Stop()
	for {
		select {
		case l.c.sem <- struct{}{}:
			return true
		case <-tick.C:
			l.c.waiting()
		case <-l.done:
			return false
		}
	}
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

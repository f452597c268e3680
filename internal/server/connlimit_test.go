package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// acceptAll accepts from l until it fails, sending each connection on the
// returned channel and the final error on errc.
func acceptAll(l net.Listener) (conns chan net.Conn, errc chan error) {
	conns, errc = make(chan net.Conn, 8), make(chan error, 1)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				errc <- err
				return
			}
			conns <- c
		}
	}()
	return conns, errc
}

func TestConnLimit(t *testing.T) {
	var mu sync.Mutex
	var calls []bool
	lim := newConnLimit(2, func(full, _ bool) {
		mu.Lock()
		calls = append(calls, full)
		mu.Unlock()
	})
	fullCalls := func() []bool {
		mu.Lock()
		defer mu.Unlock()
		return append([]bool(nil), calls...)
	}
	// Two listeners share the bound (the type allows it; the server has one).
	var ls [2]net.Listener
	var conns [2]chan net.Conn
	var errcs [2]chan error
	for i := range ls {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls[i] = lim.listener(l)
		defer ls[i].Close()
		conns[i], errcs[i] = acceptAll(ls[i])
	}
	dial := func(l net.Listener) net.Conn {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	accepted := func(i int, within time.Duration) net.Conn {
		select {
		case c := <-conns[i]:
			return c
		case <-time.After(within):
			return nil
		}
	}

	dial(ls[0])
	dial(ls[1])
	first, second := accepted(0, 5*time.Second), accepted(1, 5*time.Second)
	if first == nil || second == nil {
		t.Fatal("two connections under a bound of two were not both accepted")
	}
	if lim.open() != 2 || len(fullCalls()) != 0 {
		t.Fatalf("open = %d, onFull calls %v; want 2 and none", lim.open(), fullCalls())
	}
	dial(ls[1]) // the kernel completes it; the server must not take it yet
	if c := accepted(1, 300*time.Millisecond); c != nil {
		t.Fatal("a third connection was accepted past the bound")
	}
	if got := fullCalls(); len(got) != 1 || !got[0] {
		t.Fatalf("onFull calls %v with a connection waiting, want [true]", got)
	}
	first.Close()
	first.Close() // a second Close gives nothing back twice
	third := accepted(1, 5*time.Second)
	if third == nil {
		t.Fatal("the waiting connection was not accepted once another closed")
	}
	if lim.open() != 2 {
		t.Fatalf("open = %d after one closed and one was accepted, want 2", lim.open())
	}

	// Closing a listener ends an Accept waiting for room, and closes the
	// connection it was holding.
	held := dial(ls[0])
	if c := accepted(0, 300*time.Millisecond); c != nil {
		t.Fatal("a connection was accepted past the bound")
	}
	ls[0].Close()
	held.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := held.Read(make([]byte, 1)); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("client of the connection held when its listener closed: read %v, want EOF", err)
	}
	select {
	case err := <-errcs[0]:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept still waiting after its listener was closed")
	}
	lim.waited.Store(time.Now().Add(-calmFor).UnixNano()) // as if calmFor had passed since
	second.Close()
	third.Close()
	if lim.open() != 0 {
		t.Fatalf("open = %d after every connection closed, want 0", lim.open())
	}
	if got := fullCalls(); len(got) < 2 || got[len(got)-1] {
		t.Errorf("onFull calls %v once every connection closed, want a last false", got)
	}

	// The wrapper passes half-closes on to the TCP connection.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	ll := newConnLimit(1, nil).listener(l)
	defer ll.Close()
	c := dial(ll)
	sc, err := ll.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("read after the server's CloseWrite: %v, want EOF", err)
	}
	sc.Close()
}

// The server holds no more HTTP connections than MaxConnections; one
// waiting is served once another closes, idle ones make way for it, and
// /metrics shows the count and the bound.
func TestServerConnectionBound(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxConnections = 1
	s := start(t, cfg)
	base := "http://" + s.HTTPAddr()

	// A connection in the middle of its request holds the only room.
	busy, err := net.Dial("tcp", s.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if _, err := busy.Write([]byte("GET /health HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	waiting := &http.Client{Transport: &http.Transport{}, Timeout: 300 * time.Millisecond}
	if resp, err := waiting.Get(base + "/health"); err == nil {
		resp.Body.Close()
		t.Fatalf("a second connection was served past a bound of one: %d", resp.StatusCode)
	}
	waiting.CloseIdleConnections()

	busy.Close()
	holder := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	resp, err := holder.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("no connection served after the one holding the bound closed: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close() // holder keeps the connection, idle
	for _, want := range []string{"otlp2parquet_open_connections 1\n", "otlp2parquet_max_connections 1\n"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", strings.TrimSpace(want))
		}
	}

	// An idle keep-alive connection makes way for a new client.
	other := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	resp, err = other.Get(base + "/health")
	if err != nil {
		t.Fatalf("a new client waited behind an idle connection: %v", err)
	}
	resp.Body.Close()
	other.CloseIdleConnections()
	holder.CloseIdleConnections()

	// A request refused before its body is read still gets its answer and
	// a clean end (FIN, not a reset half a second later).
	refused, err := net.Dial("tcp", s.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer refused.Close()
	fmt.Fprintf(refused, "POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: %d\r\n\r\n", cfg.MaxBodyBytes+1)
	refused.SetReadDeadline(time.Now().Add(5 * time.Second))
	rr := bufio.NewReader(refused)
	answer, err := http.ReadResponse(rr, nil)
	if err != nil {
		t.Fatalf("no answer to a request over the size limit: %v", err)
	}
	io.Copy(io.Discard, answer.Body)
	answer.Body.Close()
	if answer.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("over the size limit: %d, want 413", answer.StatusCode)
	}
	refused.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
	if _, err := rr.ReadByte(); err != io.EOF {
		t.Errorf("after the 413: %v, want the server's FIN at once", err)
	}
}

func TestConnectionLimitDefault(t *testing.T) {
	cfg := Defaults()
	if n := openFileLimit(); n > 0 && n < 1<<30 {
		want := int(n - min(reservedFiles, n/4))
		if got := cfg.ConnectionLimit(); got != want || got <= 0 {
			t.Errorf("default bound %d with an open-file limit of %d, want %d", got, n, want)
		}
	}
	cfg.MaxConnections = 5
	if got := cfg.ConnectionLimit(); got != 5 {
		t.Errorf("MaxConnections 5: bound %d", got)
	}
}

// Keep-alive comes back only when no connection waits, none has for
// calmFor, and there is room to spare: not as soon as one place is free.
func TestConnLimitHysteresis(t *testing.T) {
	var calls []bool // onFull's full, in order; called from this goroutine only
	lim := newConnLimit(3, func(full, _ bool) { calls = append(calls, full) })
	want := func(when string, w ...bool) {
		t.Helper()
		if fmt.Sprint(calls) != fmt.Sprint(w) {
			t.Fatalf("onFull calls %v %s, want %v", calls, when, w)
		}
	}
	recent, old := time.Now().UnixNano(), time.Now().Add(-2*calmFor).UnixNano()
	for range 3 {
		lim.sem <- struct{}{}
	}
	lim.waiters.Add(1) // as an Accept waiting for room does
	lim.waiting()
	lim.release()
	want("after a release with a connection waiting", true)
	lim.sem <- struct{}{} // the waiting connection takes the room
	lim.waiters.Add(-1)
	lim.waited.Store(old)
	lim.release()
	want("with 2 of 3 open: one free place is no room to spare", true)
	lim.waited.Store(recent)
	lim.release()
	want("with 1 of 3 open and a connection waiting a moment ago", true)
	lim.sem <- struct{}{}
	lim.waited.Store(old)
	lim.release()
	want("with 1 of 3 open and none waiting for calmFor", true, false)
}

// While a connection waits, the squeeze repeats: connections that sent no
// request, or half a header, make way once they are 5 s old, and the
// waiting client is served long before the one-minute header timeout.
func TestServerSqueezeRepeats(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxConnections = 2
	s := start(t, cfg)
	silent, err := net.Dial("tcp", s.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	half, err := net.Dial("tcp", s.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	if _, err := half.Write([]byte("GET /health HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); s.conns.open() < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections open, want the 2 dialled", s.conns.open())
		}
	}
	// The first squeeze comes at once and spares both (younger than 5 s).
	began := time.Now()
	client := &http.Client{Transport: &http.Transport{}, Timeout: 25 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://" + s.HTTPAddr() + "/health")
	if err != nil {
		t.Fatalf("client waiting behind two silent connections, after %v: %v", time.Since(began).Round(time.Millisecond), err)
	}
	resp.Body.Close()
	t.Logf("served after %v", time.Since(began).Round(time.Millisecond))
}

// A connection closed while net/http closes idle connections (its lock
// held) gives its room back and turns keep-alive on without taking that
// lock again, even when the bound was reached again in between.
func TestServerReleaseDuringSqueeze(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxConnections = 1
	s := start(t, cfg)
	onFull := s.conns.onFull
	s.conns.onFull = func(full, first bool) {
		if !full {
			s.conns.full.Store(true) // an Accept found the bound reached again
		}
		onFull(full, first)
	}
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://" + s.HTTPAddr() + "/health")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// The server marks the connection idle soon after answering.
	for deadline := time.Now().Add(10 * time.Second); s.conns.open() > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the idle connection was not closed by SetKeepAlivesEnabled(false)")
		}
		s.conns.full.Store(true)
		done := make(chan struct{})
		go func() {
			s.http.SetKeepAlivesEnabled(false) // closes the idle connection: release, onFull(false)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("SetKeepAlivesEnabled(false) deadlocked: the release path re-entered net/http's lock")
		}
	}
}

// Once the bound is relieved, keep-alive is back: a client reuses its
// connection.
func TestServerKeepAliveBack(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxConnections = 2
	s := start(t, cfg)
	base := "http://" + s.HTTPAddr()
	// Two connections with half a header hold the room (the squeeze spares
	// them for 5 s).
	var holders []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", s.HTTPAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte("GET /health HTTP/1.1\r\nHost: x\r\n")); err != nil {
			t.Fatal(err)
		}
		holders = append(holders, c)
	}
	waited := make(chan error, 1)
	go func() {
		client := &http.Client{Transport: &http.Transport{}, Timeout: 25 * time.Second}
		defer client.CloseIdleConnections()
		resp, err := client.Get(base + "/health")
		if err == nil {
			resp.Body.Close()
		}
		waited <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); !s.conns.full.Load(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the bound was not reached with a third connection")
		}
	}
	for _, c := range holders {
		c.Close()
	}
	if err := <-waited; err != nil {
		t.Fatalf("the waiting client once the room was free: %v", err)
	}
	// Keep-alive comes back at the first connection closed once none has
	// waited for calmFor: with keep-alive off, each request closes its own.
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	reused := 0
	for deadline := time.Now().Add(15 * time.Second); reused < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("no connection reused %v after the bound was relieved: keep-alive still off", 15*time.Second)
		}
		var r bool
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { r = info.Reused }}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, base+"/health", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case r:
			reused++
		case reused > 0:
			t.Fatal("a new connection after one was reused: keep-alive went off again")
		default:
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// Many keep-alive clients against a small bound: while they exceed it,
// keep-alive stays off instead of flapping, so no request fails on a
// connection closed under it. The requests are not retried: each has a
// body the transport cannot replay.
func TestServerKeepAliveClientsSmallBound(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxConnections = 3
	s := start(t, cfg)
	url := "http://" + s.HTTPAddr() + "/health"
	// The bound is reached before the clients start: the first squeeze of
	// an overload may close an idle connection just as its client reuses
	// it; what must not happen is that again and again while it lasts.
	var holders []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", s.HTTPAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		holders = append(holders, c)
	}
	waiting, err := net.Dial("tcp", s.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer waiting.Close()
	for deadline := time.Now().Add(5 * time.Second); !s.conns.full.Load(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the bound was not reached with 4 connections")
		}
	}
	const clients, requests = 16, 25
	var (
		mu       sync.Mutex
		failures []error
	)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{}, Timeout: time.Minute}
			defer client.CloseIdleConnections()
			for range requests {
				req, _ := http.NewRequest(http.MethodPost, url, io.NopCloser(strings.NewReader("x")))
				req.ContentLength = 1
				resp, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusMethodNotAllowed {
						err = fmt.Errorf("status %d, want 405", resp.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // their connections queue behind the holders
	for _, c := range append(holders, waiting) {
		c.Close()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Errorf("%d of %d requests failed; first: %v", len(failures), clients*requests, failures[0])
	}
}

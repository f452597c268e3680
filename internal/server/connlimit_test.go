package server

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
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

func TestConnLimitSharedByListeners(t *testing.T) {
	lim := newConnLimit(2)
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
	if lim.open() != 2 {
		t.Fatalf("open = %d, want 2", lim.open())
	}
	dial(ls[1]) // the kernel completes it; the server must not take it yet
	if c := accepted(1, 300*time.Millisecond); c != nil {
		t.Fatal("a third connection was accepted past a bound of two shared by both listeners")
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
	second.Close()
	third.Close()
	if lim.open() != 0 {
		t.Fatalf("open = %d after every connection closed, want 0", lim.open())
	}
}

// The server holds no more connections than MaxConnections; one waiting is
// served once another closes, and /metrics shows the count and the bound.
func TestServerConnectionBound(t *testing.T) {
	cfg := testConfig(t)
	cfg.GRPCAddr = ""
	cfg.MaxConnections = 1
	s := start(t, cfg)
	base := "http://" + s.HTTPAddr()

	holder := &http.Client{Transport: &http.Transport{}}
	resp, err := holder.Get(base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close() // the connection stays open, idle in holder's pool

	waiting := &http.Client{Transport: &http.Transport{}, Timeout: 300 * time.Millisecond}
	if resp, err := waiting.Get(base + "/health"); err == nil {
		resp.Body.Close()
		t.Fatalf("a second connection was served past a bound of one: %d", resp.StatusCode)
	}
	waiting.CloseIdleConnections()

	holder.CloseIdleConnections()
	next := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	resp, err = next.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("no connection served after the one holding the bound closed: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"otlp2parquet_open_connections 1\n", "otlp2parquet_max_connections 1\n"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", strings.TrimSpace(want))
		}
	}
	next.CloseIdleConnections()
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

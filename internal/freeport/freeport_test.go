package freeport

import (
	"net"
	"strconv"
	"testing"
)

func TestAddr(t *testing.T) {
	addr, err := Addr()
	if err != nil {
		t.Fatal(err)
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(p)
	if host != "127.0.0.1" || port < lowest || port >= ephemeralLow() {
		t.Errorf("Addr() = %s, want 127.0.0.1 and a port in [%d, %d)", addr, lowest, ephemeralLow())
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the port Addr returned cannot be bound: %v", err)
	}
	l.Close()
}

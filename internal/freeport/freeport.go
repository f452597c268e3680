// Package freeport finds a free TCP port on 127.0.0.1 for a test to hand to a process it starts.
package freeport

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// lowest is the lowest port Addr picks; ports below it are left to
// services a machine may run.
const lowest = 10000

// Addr returns "127.0.0.1:PORT" for a port that nothing listens on now.
//
// A port asked of the kernel (":0") comes from its ephemeral range, which
// it also hands out to every listener of other tests that asks for any
// port and to the local end of every outgoing connection; in the seconds
// a started process takes to bind the port, one of those may take it (and
// a listener of another test may even answer in its place). So Addr picks
// at random below that range, where only processes told a port bind.
func Addr() (string, error) {
	if high := ephemeralLow(); high > lowest {
		for range 100 {
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(lowest+rand.IntN(high-lowest)))
			if l, err := net.Listen("tcp", addr); err == nil {
				l.Close()
				return addr, nil
			}
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("freeport: find a free port on 127.0.0.1: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// ephemeralLow is the first port of the kernel's ephemeral range (Linux's
// default where it cannot be read).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return 32768
	}
	return n
}

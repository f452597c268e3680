// Package s3test runs a real S3 server, versitygw over a temporary directory, for tests of code that talks S3.
package s3test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/otlp2parquet/otlp2parquet/internal/freeport"
)

// InstallHint is the message given when versitygw is not installed.
const InstallHint = "versitygw is not installed: run scripts/install-tools.sh"

// Credentials of the server's root user, and the region it signs for.
const (
	AccessKey = "test"
	SecretKey = "testtesttest"
	Region    = "us-east-1"
)

// startTimeout bounds how long a start may take before the test fails.
const startTimeout = 30 * time.Second

// Server is a running (or stopped) versitygw serving Dir over S3 at Endpoint.
// Objects are plain files: key K of bucket B is the file Dir/B/K.
type Server struct {
	Endpoint string // "http://127.0.0.1:PORT"
	Bucket   string // made before the server starts
	Dir      string // the gateway's root; every subdirectory is a bucket

	t    testing.TB
	bin  string
	addr string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	out  *syncBuffer
}

// Binary returns the path of the versitygw to run: the one in the
// repository's .tools/bin, else the one on PATH.
func Binary() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			bin := filepath.Join(dir, ".tools", "bin", "versitygw")
			if _, err := os.Stat(bin); err == nil {
				return bin, nil
			}
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return exec.LookPath("versitygw")
}

// Require returns the versitygw binary's path, or skips the test without
// one (fails it when CI=true). New calls it; call it first in a test that
// starts servers only in its subtests.
func Require(t testing.TB) string {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (%v)", InstallHint, err)
		}
		t.Skipf("%s (%v)", InstallHint, err)
	}
	return bin
}

// New starts versitygw on a free port of 127.0.0.1 over a new temporary
// directory holding one bucket, waits until it answers, and stops it when
// the test ends. Without versitygw the test is skipped, or fails when CI=true.
func New(t testing.TB) *Server {
	t.Helper()
	bin := Require(t)
	s := &Server{Bucket: "otlp2parquet-test", Dir: t.TempDir(), t: t, bin: bin}
	if err := os.Mkdir(filepath.Join(s.Dir, s.Bucket), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	// Another process may take the free port before versitygw binds it.
	for try := 1; ; try++ {
		addr, err := freeport.Addr()
		if err != nil {
			t.Fatal(err)
		}
		s.addr = addr
		s.Endpoint = "http://" + s.addr
		err = s.start()
		if err == nil {
			return s
		}
		if try == 3 {
			t.Fatalf("s3test: %v", err)
		}
		t.Logf("s3test: %v; trying another port", err)
	}
}

// ObjectPath is the file that holds key in the test bucket.
func (s *Server) ObjectPath(key string) string {
	return filepath.Join(s.Dir, s.Bucket, filepath.FromSlash(key))
}

// Start starts the server again after Stop, on the same address and
// directory; it does nothing if the server runs.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("s3test: %v", err)
	}
}

// Stop stops the server and waits until it has exited; it does nothing if
// the server is stopped. Requests then fail with "connection refused".
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// Output is what the server has printed so far, for failure messages.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out == nil {
		return ""
	}
	return s.out.String()
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	s.out = &syncBuffer{}
	cmd := exec.Command(s.bin, "--port", s.addr, "--quiet", "posix", s.Dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+AccessKey, "ROOT_SECRET_KEY="+SecretKey, "VGW_REGION="+Region)
	cmd.Stdout = s.out
	cmd.Stderr = s.out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	if err := waitReady(s.Endpoint, done); err != nil {
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("versitygw on %s: %w; its output:\n%s", s.addr, err, s.out.String())
	}
	s.cmd, s.done = cmd, done
	return nil
}

// waitReady polls endpoint until any HTTP answer comes back (an anonymous
// request gets an S3 error, which is enough), the process exits, or time
// runs out.
func waitReady(endpoint string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-exited:
			return errors.New("exited before answering")
		default:
		}
		resp, err := client.Get(endpoint + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer after %v: %w", startTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

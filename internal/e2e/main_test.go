package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/otlp2parquet/otlp2parquet/internal/duckdbtest"
	"github.com/otlp2parquet/otlp2parquet/internal/freeport"
)

// binary is the otlp2parquet command under test, built once by TestMain
// into buildDir, which the tests' other builds share.
var binary, buildDir string

// Bounds on the waits of the harness.
const (
	startTimeout = 20 * time.Second // until GET /health answers
	stopTimeout  = 20 * time.Second // from SIGTERM until the process has exited
	// shutdownTimeout is the server's OTLP2PARQUET_SHUTDOWN_TIMEOUT: below
	// stopTimeout, so that a hanging shutdown shows as the server's own.
	shutdownTimeout = "10s"
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "otlp2parquet-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	buildDir = dir
	if err := build(dir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// build compiles ./cmd/otlp2parquet into dir, with the race detector when
// the tests run with it.
func build(dir string) error {
	root, err := duckdbtest.RepoRoot()
	if err != nil {
		return err
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go command is needed to build the server: %w", err)
	}
	binary = filepath.Join(dir, "otlp2parquet")
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/otlp2parquet")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// server is one running otlp2parquet process.
type server struct {
	t        testing.TB
	cmd      *exec.Cmd
	stderr   *syncBuffer
	done     chan struct{} // closed when the process has exited
	exitCode int           // valid once done is closed
	killed   bool          // by kill: no clean exit to check

	URL      string // "http://127.0.0.1:P", the OTLP/HTTP address
	GRPCAddr string // "127.0.0.1:P"
	OutDir   string // OTLP2PARQUET_OUTPUT_DIR (file storage)
}

// childEnv is the environment of every process the tests start: the test's
// own, without anything that would configure otlp2parquet or the AWS SDK
// from outside the test, plus extra ("KEY=VALUE").
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "OTLP2PARQUET_") || strings.HasPrefix(k, "AWS_") || k == "CF_WORKER" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"AWS_CONFIG_FILE="+os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true",
	)
	return append(env, extra...)
}

// startServer starts otlp2parquet on free ports of 127.0.0.1 with file
// storage in a new temporary directory, writing through, then env ("OTLP2PARQUET_X=..."
// and others, which win over those defaults), and waits until GET /health
// answers. When the test ends it sends SIGTERM and checks that the process
// exits with status 0 in time.
func startServer(t testing.TB, env ...string) *server {
	t.Helper()
	return startServerBinary(t, binary, env...)
}

// startServerBinary is startServer with another build of the server.
func startServerBinary(t testing.TB, binary string, env ...string) *server {
	t.Helper()
	outDir := filepath.Join(t.TempDir(), "out")
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "OTLP2PARQUET_OUTPUT_DIR="); ok {
			outDir = v
		}
	}
	// Another process may take a free port before the server binds it.
	for try := 1; ; try++ {
		httpAddr, grpcAddr := freeAddr(t), freeAddr(t)
		s := &server{
			t:        t,
			URL:      "http://" + httpAddr,
			GRPCAddr: grpcAddr,
			OutDir:   outDir,
			stderr:   &syncBuffer{},
			done:     make(chan struct{}),
		}
		base := []string{
			"OTLP2PARQUET_HTTP_ADDR=" + httpAddr,
			"OTLP2PARQUET_GRPC_ADDR=" + grpcAddr,
			"OTLP2PARQUET_OUTPUT_DIR=" + outDir,
			"OTLP2PARQUET_SHUTDOWN_TIMEOUT=" + shutdownTimeout,
			// Write-through unless a test turns batching on: most tests
			// look at the objects of each request as soon as it is answered.
			"OTLP2PARQUET_BATCH=false",
		}
		s.cmd = exec.Command(binary)
		s.cmd.Env = childEnv(append(base, env...)...)
		s.cmd.Stdout = s.stderr
		s.cmd.Stderr = s.stderr
		if err := s.cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", binary, err)
		}
		go func() {
			err := s.cmd.Wait()
			s.exitCode = s.cmd.ProcessState.ExitCode()
			if s.exitCode == -1 && err != nil {
				s.stderr.Write([]byte("e2e: " + err.Error() + "\n"))
			}
			close(s.done)
		}()
		err := s.waitHealthy()
		if err == nil {
			t.Cleanup(s.stopClean)
			return s
		}
		if s.exited() && strings.Contains(s.stderr.String(), "address already in use") && try < 3 {
			t.Logf("server start: port taken, trying others:\n%s", s.stderr)
			continue
		}
		s.kill()
		t.Fatalf("otlp2parquet did not start: %v\nits output:\n%s", err, s.stderr)
	}
}

func (s *server) waitHealthy() error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(startTimeout)
	for {
		if s.exited() {
			return fmt.Errorf("exited with status %d", s.exitCode)
		}
		resp, err := client.Get(s.URL + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /health: %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no healthy answer after %v: %w", startTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Terminate sends SIGTERM.
func (s *server) Terminate() {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !s.exited() {
		s.t.Errorf("SIGTERM: %v", err)
	}
}

// Wait waits up to timeout for the process to exit and returns its status.
func (s *server) Wait(timeout time.Duration) (code int, ok bool) {
	select {
	case <-s.done:
		return s.exitCode, true
	case <-time.After(timeout):
		return 0, false
	}
}

// kill ends the process with SIGKILL, as a crash would.
func (s *server) kill() {
	s.killed = true
	_ = s.cmd.Process.Kill()
	<-s.done
}

// stopClean stops the server, if it still runs, with SIGTERM, and fails
// the test unless it exits with status 0 within stopTimeout.
func (s *server) stopClean() {
	if s.killed {
		return
	}
	if !s.exited() {
		s.Terminate()
	}
	code, ok := s.Wait(stopTimeout)
	if !ok {
		s.kill()
		s.t.Errorf("otlp2parquet still running %v after SIGTERM; killed it. Its output:\n%s", stopTimeout, s.stderr)
		return
	}
	if code != 0 {
		s.t.Errorf("otlp2parquet exited with status %d, want 0. Its output:\n%s", code, s.stderr)
		return
	}
	if s.t.Failed() {
		s.t.Logf("otlp2parquet output:\n%s", s.stderr)
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	addr, err := freeport.Addr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// tool returns the pinned tool's path in <repo>/.tools/bin, or skips the
// test without it (fails it when CI=true).
func tool(t testing.TB, name string) string {
	t.Helper()
	root, err := duckdbtest.RepoRoot()
	if err == nil {
		bin := filepath.Join(root, ".tools", "bin", name)
		if _, err = os.Stat(bin); err == nil {
			return bin
		}
	}
	msg := fmt.Sprintf("%s is not installed: run scripts/install-tools.sh (%v)", name, err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// parquetFiles returns the .parquet files under root, relative to it with
// "/" separators.
func parquetFiles(t testing.TB, root string) []string {
	t.Helper()
	var files []string
	walk(t, root, func(rel string, _ fs.DirEntry) {
		if strings.HasSuffix(rel, ".parquet") {
			files = append(files, rel)
		}
	})
	return files
}

// tempFiles returns what the file storage leaves behind while writing
// (names starting with .tmp-) under root.
func tempFiles(t testing.TB, root string) []string {
	t.Helper()
	var files []string
	walk(t, root, func(rel string, d fs.DirEntry) {
		if strings.HasPrefix(d.Name(), ".tmp-") {
			files = append(files, rel)
		}
	})
	return files
}

// walk calls fn for every file (not directory) under root; a missing root
// has no files.
func walk(t testing.TB, root string, fn func(rel string, d fs.DirEntry)) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		fn(filepath.ToSlash(rel), d)
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// logsGlob is what DuckDB reads a storage root's logs with.
func logsGlob(root string) string {
	return "read_parquet(" + sqlString(filepath.ToSlash(root)+"/logs/**/*.parquet") + ", hive_partitioning = true, filename = true)"
}

// num reads a DuckDB JSON number, which BIGINT and HUGEINT make a string.
func num(t testing.TB, v any) int64 {
	t.Helper()
	switch v := v.(type) {
	case float64:
		return int64(v)
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("DuckDB value %q is not an integer", v)
		}
		return n
	}
	t.Fatalf("DuckDB value %v (%T) is not an integer", v, v)
	return 0
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

// builds are the other builds of ./cmd/otlp2parquet the tests need, each
// made once per test binary into buildDir.
var builds sync.Map // name → *onceBuild

type onceBuild struct {
	once sync.Once
	path string
	err  error
}

// buildOnce builds ./cmd/otlp2parquet as buildDir/name with the go build
// flags args and the extra environment env, the first time it is asked.
func buildOnce(t testing.TB, name string, env []string, args ...string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(name, new(onceBuild))
	b := v.(*onceBuild)
	b.once.Do(func() {
		root, err := duckdbtest.RepoRoot()
		if err != nil {
			b.err = err
			return
		}
		path := filepath.Join(buildDir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.err = err
			return
		}
		full := append(append([]string{"build"}, args...), "-o", path, "./cmd/otlp2parquet")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", full...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go %s: %v\n%s", strings.Join(full, " "), err, out)
			return
		}
		b.path = path
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

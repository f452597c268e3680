package wasmsize

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// MaxGzipBytes is the budget for the gzip -9 size of the stripped js/wasm probe,
// its data segments merged as scripts/build-worker.sh merges the Worker's: the
// Worker's goal, which the core of all three signals (0.95 MB) must leave room
// under for the Worker's own code.
const MaxGzipBytes = 1_000_000

func TestWASMSize(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("builds a js/wasm binary; skipped with -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not on PATH: %v", err)
	}
	out := filepath.Join(t.TempDir(), "probe.wasm")
	// The test runs in internal/wasmsize, so ./probe is the probe package.
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./probe")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go build ./internal/wasmsize/probe: %v\n%s", err, b)
	}
	linked, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// As scripts/build-worker.sh ships the Worker's wasm.
	raw, err := MergeData(linked, MaxDataGap)
	if err != nil {
		t.Fatal(err)
	}
	sameMemory(t, linked, raw)
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	msg := fmt.Sprintf("wasm size: raw %d bytes, gzip -9 %d bytes (budget %d)", len(raw), gz.Len(), MaxGzipBytes)
	t.Log(msg)
	// go test prints a passing package's output only with -v, so the line is
	// also appended to $WASMSIZE_REPORT when set; scripts/test.sh prints it.
	if report := os.Getenv("WASMSIZE_REPORT"); report != "" {
		f, err := os.OpenFile(report, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(f, msg)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if gz.Len() >= MaxGzipBytes {
		t.Errorf("gzip -9 size of the js/wasm probe is %d bytes, over the %d byte budget", gz.Len(), MaxGzipBytes)
	}
}

// Package duckdbtest lets tests run SQL in DuckDB (via tools/duckdb/query.mjs) to read the Parquet files they produce.
package duckdbtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// InstallHint is the message given when the DuckDB tool is not usable.
const InstallHint = "DuckDB for Node is not installed: run scripts/install-tools.sh"

var (
	rootOnce sync.Once
	root     string
	rootErr  error

	availOnce sync.Once
	availErr  error
)

// RepoRoot returns the repository root: the nearest directory at or above
// the working directory that holds go.mod.
func RepoRoot() (string, error) {
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				root = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				rootErr = errors.New("duckdbtest: no go.mod found above the working directory")
				return
			}
			dir = parent
		}
	})
	return root, rootErr
}

// Available reports whether node, tools/duckdb/query.mjs and the installed
// @duckdb/node-api are usable, by running a trivial query once per process.
func Available() error {
	availOnce.Do(func() {
		if _, err := exec.LookPath("node"); err != nil {
			availErr = fmt.Errorf("node not found on PATH: %w", err)
			return
		}
		r, err := RepoRoot()
		if err != nil {
			availErr = err
			return
		}
		dir := os.Getenv("DUCKDB_NODE_DIR") // same override as query.mjs
		if dir == "" {
			dir = filepath.Join(r, ".tools", "duckdb")
		}
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
			availErr = fmt.Errorf("@duckdb/node-api not found: %w", err)
			return
		}
		out, err := run("SELECT 1 AS ok")
		if err != nil {
			availErr = err
			return
		}
		if strings.TrimSpace(string(out)) != `[{"ok":1}]` {
			availErr = fmt.Errorf("unexpected probe output %q", out)
		}
	})
	return availErr
}

// Require skips the test (or fails it when CI=true) if DuckDB is not available.
func Require(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		msg := fmt.Sprintf("%s (%v)", InstallHint, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// Query runs sql in a fresh in-memory DuckDB and returns the rows of its last
// statement. Values are as encoded by DuckDB's JSON row conversion: BIGINT,
// HUGEINT and DECIMAL arrive as strings, timestamps as strings, lists as
// []any, structs and maps as map[string]any, other integers and floats as
// float64. If DuckDB is missing, Query skips the test (fails it when CI=true);
// if the SQL fails, it fails the test.
func Query(t testing.TB, sql string) []map[string]any {
	t.Helper()
	Require(t)
	out, err := run(sql)
	if err != nil {
		t.Fatalf("duckdbtest: %v", err)
	}
	var rows []map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("duckdbtest: decoding query output: %v\noutput: %s", err, out)
	}
	return rows
}

func run(sql string) ([]byte, error) {
	r, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", filepath.Join(r, "tools", "duckdb", "query.mjs"))
	cmd.Stdin = strings.NewReader(sql)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("query failed: %v\nSQL: %s\nstderr: %s", err, sql, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

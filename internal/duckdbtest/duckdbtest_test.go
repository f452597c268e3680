package duckdbtest

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRepoRoot(t *testing.T) {
	r, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(r, "tools", "duckdb", "query.mjs")); err != nil {
		t.Fatalf("repo root %q has no tools/duckdb/query.mjs: %v", r, err)
	}
	if !strings.HasPrefix(mustAbs(t, "."), r) {
		t.Fatalf("repo root %q is not above the working directory", r)
	}
}

func TestParquetRoundTrip(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tiny.parquet")
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

	wrote := Query(t, fmt.Sprintf(`COPY (
		SELECT range::INTEGER AS id, 'row-' || range AS name, [range, range + 1] AS pair
		FROM range(3)
	) TO %s (FORMAT parquet);
	SELECT count(*)::INTEGER AS n FROM read_parquet(%s)`, q(file), q(file)))
	if want := []map[string]any{{"n": float64(3)}}; !reflect.DeepEqual(wrote, want) {
		t.Fatalf("count = %v, want %v", wrote, want)
	}

	rows := Query(t, fmt.Sprintf(`SELECT id, name, pair FROM read_parquet(%s) ORDER BY id`, q(file)))
	want := []map[string]any{
		{"id": float64(0), "name": "row-0", "pair": []any{"0", "1"}},
		{"id": float64(1), "name": "row-1", "pair": []any{"1", "2"}},
		{"id": float64(2), "name": "row-2", "pair": []any{"2", "3"}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows = %#v\nwant %#v", rows, want)
	}

	schema := Query(t, fmt.Sprintf(`SELECT name, type FROM parquet_schema(%s) WHERE name = 'name'`, q(file)))
	if len(schema) != 1 || schema[0]["type"] != "BYTE_ARRAY" {
		t.Fatalf("parquet_schema = %v", schema)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

package pqenc

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// runsRows is logsRows with the resource- and scope-like fields (service,
// namespace, scope, version, host, resource attributes) repeated over
// groups of 1 to 60 rows, as records of one resource come.
func runsRows(seed uint64, n, distinct int) []grp {
	rows := logsRows(seed, n, distinct)
	r := rand.New(rand.NewPCG(seed, 2))
	left := 0
	for i := range rows {
		if left > 0 && i > 0 {
			for _, f := range []int{7, 8, 9, 10, 11, 13} {
				rows[i][f] = rows[i-1][f]
			}
			left--
			continue
		}
		left = r.IntN(60)
	}
	return rows
}

// A column given as runs of repeated rows makes the very same file as the
// rows written out one by one, and reads back the same.
func TestRuns(t *testing.T) {
	s, err := NewSchema(logsNodes())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		opts       Options
		rows, dist int
		batch      int
	}{
		{name: "default", rows: 3000, dist: 20},
		{name: "batches", rows: 3000, dist: 20, batch: 170},
		{name: "one-row-batches", rows: 200, dist: 5, batch: 1},
		{name: "small-pages", opts: Options{PageSize: 300}, rows: 2000, dist: 50, batch: 333},
		{name: "dictionary-fallback", opts: Options{DictionaryLimit: 300}, rows: 2000, dist: 1000, batch: 500},
		{name: "uncompressed", opts: Options{Compression: Uncompressed}, rows: 500, dist: 3},
		{name: "row-groups", opts: Options{RowGroupRows: 37}, rows: 1000, dist: 10, batch: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows := runsRows(uint64(len(tc.name)), tc.rows, tc.dist)
			want := writeFile(t, s, tc.opts, rows, tc.batch)
			got := writeFileWith(t, s, tc.opts, rows, tc.batch, shredRuns)
			if !bytes.Equal(got, want) {
				t.Errorf("file written with runs (%d bytes) differs from the one written row by row (%d bytes)", len(got), len(want))
			}
			_, back := readArrow(t, got)
			compareRows(t, back, rows)
		})
	}
}

// Runs that do not add up to the rows, empty runs and siblings with
// different runs are refused before anything is written.
func TestRunsInvalid(t *testing.T) {
	s, err := NewSchema([]Node{strNode("s", Required, true), mapNode("m")})
	if err != nil {
		t.Fatal(err)
	}
	rows := []grp{{"a", mp{{"k", "v"}}}, {"a", mp{{"k", "v"}}}, {"b", mp{}}}
	for _, tc := range []struct {
		name string
		edit func(cols, full []ColumnData)
		want string
	}{
		{"short", func(c, _ []ColumnData) { c[0].Runs = []int32{1} }, "runs add up to 1 rows, want 3"},
		{"long", func(c, _ []ColumnData) { c[0].Runs = []int32{2, 2} }, "runs add up to 4 rows, want 3"},
		{"zero", func(c, _ []ColumnData) { c[0].Runs = []int32{3, 0} }, "run 1 has 0 rows"},
		// Each leaf of the map is valid alone: the key as runs (2, 1), the
		// value row by row (1, 1, 1).
		{"siblings", func(c, full []ColumnData) { c[2] = full[2]; c[2].Runs = []int32{1, 1, 1} }, "runs differ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cols := shredRuns(t, s, rows)
			tc.edit(cols, shred(t, s, rows))
			w := NewWriter(s, Options{})
			err := w.WriteRows(cols, len(rows))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("WriteRows: %v, want an error containing %q", err, tc.want)
			}
			if err := w.WriteRows(shred(t, s, rows), len(rows)); err != nil {
				t.Fatalf("WriteRows after a refused call: %v", err)
			}
			data, err := w.Finish()
			if err != nil {
				t.Fatal(err)
			}
			_, back := readArrow(t, data)
			compareRows(t, back, rows)
		})
	}
}

// Row groups are cut where they would be without runs: a long run of large
// rows counts as all its rows in the size that bounds the first row group.
func TestRunsRowGroupSize(t *testing.T) {
	s, err := NewSchema([]Node{strNode("s", Required, false), mapNode("m")})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 1000)
	var rows []grp
	for range 1000 {
		rows = append(rows, grp{long, mp{{"k", long}}}) // one run of 1,000 large rows
	}
	for i := range 99 {
		rows = append(rows, grp{fmt.Sprint(i % 10), mp{}}) // 99 runs of one short row
	}
	for _, opts := range []Options{{RowGroupSize: 100_000}, {RowGroupSize: 2_000, PageSize: 500}} {
		want := writeFile(t, s, opts, rows, 0)
		got := writeFileWith(t, s, opts, rows, 0, shredRuns)
		if !bytes.Equal(got, want) {
			rg := func(data []byte) string {
				rdr := fileMeta(t, data)
				defer rdr.Close()
				return fmt.Sprintf("%d row groups, the first of %d rows", rdr.NumRowGroups(), rdr.MetaData().RowGroup(0).NumRows())
			}
			t.Errorf("RowGroupSize %d: with runs %s; row by row %s", opts.RowGroupSize, rg(got), rg(want))
		}
		_, back := readArrow(t, got)
		compareRows(t, back, rows)
	}
}

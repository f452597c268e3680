package pqenc

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"
)

// RowGroupRows bounds the rows of each row group, whatever the size
// estimate, and however the rows arrive.
func TestRowGroupRows(t *testing.T) {
	s, err := NewSchema(logsNodes())
	if err != nil {
		t.Fatal(err)
	}
	rows := logsRows(7, 1000, 5)
	for _, batch := range []int{0, 1, 33, 250} {
		data := writeFile(t, s, Options{RowGroupRows: 128}, rows, batch)
		rdr, err := file.NewParquetReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if n := rdr.NumRowGroups(); n != 8 {
			t.Errorf("batches of %d: %d row groups, want 8 (1000 rows, at most 128 each)", batch, n)
		}
		for i := range rdr.NumRowGroups() {
			if n := rdr.MetaData().RowGroup(i).NumRows(); n > 128 || (i < 7 && n != 128) {
				t.Errorf("batches of %d: row group %d has %d rows", batch, i, n)
			}
		}
		_, got := readArrow(t, data)
		compareRows(t, got, rows)
	}
}

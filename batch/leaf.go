package batch

import "github.com/otlp2parquet/otlp2parquet/pqenc"

// leaf appends the column of a leaf with values v (their type picks the
// field of pqenc.ColumnData), levels rep and def and runs. It is not
// inlined: a ColumnData literal at each of the many call sites would cost
// about half a kilobyte of the Worker's WebAssembly.
//
//go:noinline
func leaf[T string | int32 | int64 | float64 | bool](c []pqenc.ColumnData, rep, def []uint8, v []T, runs []int32) []pqenc.ColumnData {
	c = append(c, pqenc.ColumnData{Rep: rep, Def: def, Runs: runs})
	cd := &c[len(c)-1]
	switch v := any(v).(type) {
	case []string:
		cd.Bytes = v
	case []int32:
		cd.Int32 = v
	case []int64:
		cd.Int64 = v
	case []float64:
		cd.Double = v
	case []bool:
		cd.Bool = v
	}
	return c
}

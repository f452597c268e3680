package pqenc

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchRows is shaped like OTLP log records: 2 timestamps, 2 ids, 2 ints,
// 6 short dictionary strings, a body, 3 resource attributes and 10 log
// attributes.
func benchRows(n int) []grp {
	r := rand.New(rand.NewPCG(1, 2))
	rows := logsRows(3, n, 30)
	for i := range rows {
		res := mp{}
		for k := range 3 {
			res = append(res, kv{fmt.Sprintf("service.attr%d", k), fmt.Sprintf("value-%d", r.IntN(5))})
		}
		attrs := mp{}
		for k := range 10 {
			attrs = append(attrs, kv{fmt.Sprintf("attr.%d", k), fmt.Sprintf("v%d", r.IntN(100))})
		}
		rows[i][12] = fmt.Sprintf("request %d handled in %dms by worker %d", r.IntN(1e6), r.IntN(500), r.IntN(16))
		rows[i][13], rows[i][14] = res, attrs
	}
	// Like protobuf-decoded OTLP, make all strings alias one buffer, laid out
	// row by row.
	var sb strings.Builder
	for _, r := range rows {
		walkStrings(r, func(s string) string { sb.WriteString(s); return s })
	}
	big, off := sb.String(), 0
	for _, r := range rows {
		walkStrings(r, func(s string) string { off += len(s); return big[off-len(s) : off] })
	}
	return rows
}

// walkStrings replaces every string in v (in order) with f(string).
func walkStrings(v any, f func(string) string) any {
	switch x := v.(type) {
	case string:
		return f(x)
	case grp:
		for i := range x {
			x[i] = walkStrings(x[i], f)
		}
	case lst:
		for i := range x {
			x[i] = walkStrings(x[i], f)
		}
	case mp:
		for i := range x {
			x[i].K = walkStrings(x[i].K, f)
			x[i].V = walkStrings(x[i].V, f)
		}
	}
	return v
}

func BenchmarkWriteLogsLike(b *testing.B) {
	const n = 10000
	s, err := NewSchema(logsNodes())
	if err != nil {
		b.Fatal(err)
	}
	cols := shred(b, s, benchRows(n))
	w := NewWriter(s, Options{})
	var size int
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		w.Reset()
		if err := w.WriteRows(cols, n); err != nil {
			b.Fatal(err)
		}
		data, err := w.Finish()
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
	b.ReportMetric(float64(size), "file-bytes")
}

package pqenc

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

func strNode(name string, rep Repetition, dict bool) Node {
	return Node{Name: name, Repetition: rep, Type: ByteArray, Logical: String, Dictionary: dict}
}

func mapNode(name string) Node {
	return Node{Name: name, Logical: Map, Children: []Node{{
		Name: "key_value", Repetition: Repeated, Children: []Node{
			strNode("key", Required, true),
			strNode("value", Optional, true),
		},
	}}}
}

// logsNodes is shaped like the otlp2parquet logs table.
func logsNodes() []Node {
	return []Node{
		{Name: "Timestamp", Type: Int64, Logical: TimestampNanosUTC},
		{Name: "ObservedTimestamp", Type: Int64, Logical: TimestampNanosUTC},
		{Name: "TraceId", Type: FixedLenByteArray, Length: 16},
		{Name: "SpanId", Type: FixedLenByteArray, Length: 8},
		{Name: "TraceFlags", Type: Int32, Logical: Uint32},
		{Name: "SeverityNumber", Type: Int32, Dictionary: true},
		strNode("SeverityText", Required, true),
		strNode("ServiceName", Required, true),
		strNode("ServiceNamespace", Optional, true),
		strNode("ScopeName", Required, true),
		strNode("ScopeVersion", Optional, true),
		strNode("HostName", Required, true),
		strNode("Body", Optional, false),
		mapNode("ResourceAttributes"),
		mapNode("LogAttributes"),
	}
}

const logsArrowSchema = `    - Timestamp: type=timestamp[ns, tz=UTC]
    - ObservedTimestamp: type=timestamp[ns, tz=UTC]
    - TraceId: type=fixed_size_binary[16]
    - SpanId: type=fixed_size_binary[8]
    - TraceFlags: type=uint32
    - SeverityNumber: type=int32
    - SeverityText: type=utf8
    - ServiceName: type=utf8
    - ServiceNamespace: type=utf8, nullable
    - ScopeName: type=utf8
    - ScopeVersion: type=utf8, nullable
    - HostName: type=utf8
    - Body: type=utf8, nullable
    - ResourceAttributes: type=map<utf8, utf8, items_nullable>
    - LogAttributes: type=map<utf8, utf8, items_nullable>`

func randString(r *rand.Rand, n int) string {
	const alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 äöü€"
	var b strings.Builder
	for b.Len() < n {
		b.WriteByte(alpha[r.IntN(len(alpha))])
	}
	return b.String()[:n]
}

// logsRows generates n log-like rows; distinct controls the cardinality of
// the dictionary columns.
func logsRows(seed uint64, n, distinct int) []grp {
	r := rand.New(rand.NewPCG(seed, 1))
	pick := func(prefix string) string { return fmt.Sprintf("%s-%d", prefix, r.IntN(distinct)) }
	rows := make([]grp, n)
	base := int64(1_700_000_000_000_000_000)
	for i := range rows {
		var body any
		switch r.IntN(10) {
		case 0:
			body = nil
		case 1:
			body = ""
		default:
			body = randString(r, r.IntN(200))
		}
		var ns, sv any
		if r.IntN(3) > 0 {
			ns = pick("ns")
		}
		if r.IntN(2) == 0 {
			sv = ""
		} else if r.IntN(2) == 0 {
			sv = pick("v")
		}
		res := mp{}
		for k := range r.IntN(4) {
			res = append(res, kv{fmt.Sprintf("res.key%d", k), pick("rv")})
		}
		attrs := mp{}
		for k := range r.IntN(12) {
			var v any = pick("av")
			if r.IntN(7) == 0 {
				v = nil
			}
			attrs = append(attrs, kv{fmt.Sprintf("attr.%d", k), v})
		}
		tid := make([]byte, 16)
		sid := make([]byte, 8)
		for j := range tid {
			tid[j] = byte(r.Uint32())
		}
		for j := range sid {
			sid[j] = byte(r.Uint32())
		}
		rows[i] = grp{
			base + int64(i)*1000 + int64(r.IntN(1000)),
			base + int64(i)*1000 + 500,
			string(tid), string(sid),
			uint32(r.Uint32()),
			int32(r.IntN(24) + 1),
			[]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}[r.IntN(6)],
			pick("svc"), ns, pick("scope"), sv, pick("host"),
			body, res, attrs,
		}
	}
	return rows
}

func TestLogsRoundTrip(t *testing.T) {
	s, err := NewSchema(logsNodes())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		opts     Options
		rows     int
		distinct int
		batch    int
		minRG    int  // minimum number of row groups expected
		fallback bool // dictionary columns must have fallen back to PLAIN
	}{
		{name: "default", rows: 3000, distinct: 20},
		{name: "uncompressed", opts: Options{Compression: Uncompressed}, rows: 500, distinct: 20},
		{name: "small-pages-and-groups", opts: Options{PageSize: 512, RowGroupSize: 64 << 10}, rows: 5000, distinct: 50, batch: 700, minRG: 3},
		{name: "row-group-per-batch-splitting", opts: Options{PageSize: 100, RowGroupSize: 8 << 10}, rows: 2000, distinct: 5, minRG: 10},
		{name: "dictionary-fallback", opts: Options{PageSize: 1024, DictionaryLimit: 200}, rows: 2000, distinct: 1000, batch: 10, fallback: true},
		{name: "one-row", rows: 1, distinct: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows := logsRows(uint64(len(tc.name)), tc.rows, tc.distinct)
			data := writeFile(t, s, tc.opts, rows, tc.batch)
			sc, got := readArrow(t, data)
			if got := fieldsString(sc); got != logsArrowSchema {
				t.Fatalf("arrow schema:\n%s\nwant\n%s", got, logsArrowSchema)
			}
			compareRows(t, got, rows)

			rdr := fileMeta(t, data)
			defer rdr.Close()
			md := rdr.MetaData()
			if md.NumRows != int64(tc.rows) {
				t.Errorf("num_rows %d, want %d", md.NumRows, tc.rows)
			}
			if rdr.NumRowGroups() < max(1, tc.minRG) {
				t.Errorf("%d row groups, want >= %d", rdr.NumRowGroups(), tc.minRG)
			}
			for g := 0; g < rdr.NumRowGroups(); g++ {
				rg := md.RowGroup(g)
				for c := 0; c < rg.NumColumns(); c++ {
					cc, err := rg.ColumnChunk(c)
					if err != nil {
						t.Fatal(err)
					}
					dict := s.Leaves()[c].Node.Dictionary
					// High-cardinality dictionary columns: every one but the
					// severities and the map keys.
					name := strings.Join(s.Leaves()[c].Path, ".")
					if tc.fallback && !strings.HasPrefix(name, "Severity") && !strings.HasSuffix(name, ".key") {
						dict = false
					}
					if cc.HasDictionaryPage() != dict {
						t.Errorf("rg %d column %v: dictionary page %v, want %v (encodings %v)", g, cc.PathInSchema(), cc.HasDictionaryPage(), dict, cc.Encodings())
					}
					wantEnc := parquet.Encodings.Plain
					if dict {
						wantEnc = parquet.Encodings.RLEDict
					}
					es := cc.EncodingStats()
					if last := es[len(es)-1]; last.Encoding != wantEnc || len(es) != map[bool]int{false: 1, true: 2}[dict] {
						t.Errorf("rg %d column %v: encoding stats %+v", g, cc.PathInSchema(), es)
					}
				}
			}
			if tc.opts.PageSize > 0 && tc.opts.PageSize <= 1024 {
				// The Body column must have been cut into several pages.
				pr, err := rdr.RowGroup(0).GetColumnPageReader(12)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for pr.Next() {
					n++
				}
				if err := pr.Err(); err != nil {
					t.Fatal(err)
				}
				if n < 3 {
					t.Errorf("Body column has %d pages in row group 0, want several", n)
				}
			}
		})
	}
}

// fieldsString renders the fields like arrow.Schema.String, without the
// per-field metadata lines.
func fieldsString(sc *arrow.Schema) string {
	var lines []string
	for _, f := range sc.Fields() {
		l := fmt.Sprintf("    - %s: type=%s", f.Name, f.Type)
		if f.Nullable {
			l += ", nullable"
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

func TestArrowSchemaString(t *testing.T) {
	s, err := NewSchema(logsNodes())
	if err != nil {
		t.Fatal(err)
	}
	data := writeFile(t, s, Options{}, logsRows(1, 3, 2), 0)
	sc, _ := readArrow(t, data)
	t.Logf("arrow-go schema:\n%s", sc)
	for _, f := range sc.Fields() {
		t.Logf("%s: %s nullable=%v", f.Name, f.Type, f.Nullable)
	}
	rdr := fileMeta(t, data)
	defer rdr.Close()
	var sb strings.Builder
	schema.PrintSchema(rdr.MetaData().Schema.Root(), &sb, 2)
	t.Logf("parquet schema:\n%s", sb.String())
}

package pqenc

// DuckDB is the second independent reader of pqenc's files (arrow-go, in
// helpers_test.go, is the first). Every test here writes files into
// t.TempDir() and reads them back through internal/duckdbtest.
//
// Known DuckDB behaviour these tests account for (not encoder bugs):
//
//   - DuckDB has no nanosecond TIMESTAMP WITH TIME ZONE: a Parquet
//     TIMESTAMP(isAdjustedToUTC=true, NANOS) column is read as TIMESTAMPTZ
//     with microsecond precision, truncated toward zero (-1500 ns reads as
//     -1 µs), and epoch_ns() of it is a multiple of 1000. The same holds for
//     the rendered statistics. Expected timestamps are truncated likewise
//     (duckTS); arrow-go checks the full nanosecond values.
//   - DuckDB's JSON rows lose the sign of -0.0 and turn NaN/±Inf into strings,
//     so floating-point values are selected as VARCHAR and parsed back.
//   - DuckDB renders BLOBs with printable bytes as themselves, the backslash
//     included, so binary values are selected with hex().
//   - DuckDB drops a FLOAT/DOUBLE min_value or max_value that is ±Inf (its
//     ParquetStatisticsUtils::ConvertValueInternal returns NULL for
//     non-finite values), so parquet_metadata shows no bound there although
//     the file has one (arrow-go reads it back).
//   - parquet_schema prints IntType's bitWidth as a raw character
//     ("IntType(bitWidth= , isSigned=0)" for 32 bits, '@' for 64).
//   - Zero-padded hive partition values (hour=02) stay VARCHAR.

import (
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/otlp2parquet/otlp2parquet/internal/duckdbtest"
)

// ---------------------------------------------------------------------------
// Helpers

func duckStr(s string) string   { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func duckIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// duckSave writes rows (in batches of batch) to path with writeFile.
func duckSave(t testing.TB, path string, s *Schema, opts Options, rows []grp, batch int) []byte {
	t.Helper()
	data := writeFile(t, s, opts, rows, batch)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

// duckNeedsExpr reports whether n has a leaf whose DuckDB JSON value is
// lossy or ambiguous: timestamps, floats and binary.
func duckNeedsExpr(n *Node) bool {
	if len(n.Children) == 0 {
		return n.Logical == TimestampNanosUTC || n.Type == Float || n.Type == Double ||
			n.Type == FixedLenByteArray || (n.Type == ByteArray && n.Logical != String)
	}
	return slices.ContainsFunc(n.Children, func(c Node) bool { return duckNeedsExpr(&c) })
}

// duckExpr returns a SQL expression that reads node n (whose value is the SQL
// expression x) with its leaves in an exact JSON form: epoch_ns() for
// timestamps, hex() for binary and VARCHAR for floats, rebuilding lists,
// maps and structs around them. depth keeps lambda names apart.
func duckExpr(n *Node, x string, depth int) string {
	if !duckNeedsExpr(n) {
		return x
	}
	if n.Repetition == Repeated { // a bare repeated field reads as a list
		v := fmt.Sprintf("e%d", depth)
		return fmt.Sprintf("list_transform(%s, lambda %s: %s)", x, v, duckExprOne(n, v, depth+1))
	}
	return duckExprOne(n, x, depth)
}

func duckExprOne(n *Node, x string, depth int) string {
	v := fmt.Sprintf("e%d", depth)
	switch {
	case len(n.Children) == 0:
		switch {
		case n.Logical == TimestampNanosUTC:
			return "epoch_ns(" + x + ")"
		case n.Type == Float || n.Type == Double:
			return "CAST(" + x + " AS VARCHAR)"
		default:
			return "hex(" + x + ")"
		}
	case n.Logical == List:
		elem := &n.Children[0].Children[0]
		return fmt.Sprintf("list_transform(%s, lambda %s: %s)", x, v, duckExpr(elem, v, depth+1))
	case n.Logical == Map:
		k, val := &n.Children[0].Children[0], &n.Children[0].Children[1]
		return fmt.Sprintf("map_from_entries(list_transform(map_entries(%s), lambda %s: struct_pack(key := %s, value := %s)))",
			x, v, duckExpr(k, v+".key", depth+1), duckExpr(val, v+".value", depth+1))
	default:
		var fs []string
		for i := range n.Children {
			c := &n.Children[i]
			fs = append(fs, fmt.Sprintf("%s := %s", duckIdent(c.Name), duckExpr(c, x+"."+duckIdent(c.Name), depth+1)))
		}
		return fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL ELSE struct_pack(%s) END", x, strings.Join(fs, ", "))
	}
}

// duckSelectList selects every top-level field of s through duckExpr.
func duckSelectList(s *Schema) string {
	var cols []string
	for i := range s.fields {
		f := &s.fields[i]
		cols = append(cols, duckExpr(f, duckIdent(f.Name), 0)+" AS "+duckIdent(f.Name))
	}
	return strings.Join(cols, ", ")
}

// fromDuck converts a value of a duckSelectList row back into the test value
// model of helpers_test.go.
func fromDuck(n *Node, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if n.Repetition == Repeated {
		l, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: repeated field read as %T, want a list", n.Name, v)
		}
		out := lst{}
		for _, e := range l {
			x, err := fromDuckOne(n, e)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	return fromDuckOne(n, v)
}

func fromDuckOne(n *Node, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() (any, error) { return nil, fmt.Errorf("%s: unexpected DuckDB value %#v", n.Name, v) }
	switch {
	case len(n.Children) == 0:
		return duckLeaf(n, v)
	case n.Logical == List:
		l, ok := v.([]any)
		if !ok {
			return bad()
		}
		out := lst{}
		for _, e := range l {
			x, err := fromDuck(&n.Children[0].Children[0], e)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	case n.Logical == Map:
		l, ok := v.([]any)
		if !ok {
			return bad()
		}
		out := mp{}
		for _, e := range l {
			m, ok := e.(map[string]any)
			if !ok || len(m) != 2 {
				return bad()
			}
			k, err := fromDuck(&n.Children[0].Children[0], m["key"])
			if err != nil {
				return nil, err
			}
			val, err := fromDuck(&n.Children[0].Children[1], m["value"])
			if err != nil {
				return nil, err
			}
			out = append(out, kv{k, val})
		}
		return out, nil
	default:
		m, ok := v.(map[string]any)
		if !ok || len(m) != len(n.Children) {
			return bad()
		}
		out := make(grp, len(n.Children))
		for i := range n.Children {
			x, err := fromDuck(&n.Children[i], m[n.Children[i].Name])
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
}

func duckLeaf(n *Node, v any) (any, error) {
	bad := func(err error) (any, error) {
		return nil, fmt.Errorf("%s: DuckDB value %#v: %v", n.Name, v, err)
	}
	s, isStr := v.(string)
	f, isNum := v.(float64)
	switch n.Type {
	case Boolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case Int32:
		if isNum && f == math.Trunc(f) {
			if n.Logical == Uint32 && f >= 0 && f <= math.MaxUint32 {
				return uint32(f), nil
			}
			if n.Logical == None && f >= math.MinInt32 && f <= math.MaxInt32 {
				return int32(f), nil
			}
		}
	case Int64:
		if isStr {
			if n.Logical == Uint64 {
				u, err := strconv.ParseUint(s, 10, 64)
				if err != nil {
					return bad(err)
				}
				return u, nil
			}
			i, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return bad(err)
			}
			return i, nil
		}
	case Float, Double:
		if isStr {
			bitSize := 64
			if n.Type == Float {
				bitSize = 32
			}
			x, err := strconv.ParseFloat(s, bitSize)
			if err != nil {
				return bad(err)
			}
			if n.Type == Float {
				return float32(x), nil
			}
			return x, nil
		}
	case ByteArray, FixedLenByteArray:
		if isStr && n.Logical == String {
			return s, nil
		}
		if isStr {
			b, err := hex.DecodeString(s)
			if err != nil {
				return bad(err)
			}
			return string(b), nil
		}
	}
	return bad(fmt.Errorf("unexpected type %T", v))
}

// duckTS is a nanosecond timestamp as DuckDB reads it: truncated toward zero
// to microseconds.
func duckTS(ns int64) int64 { return ns / 1000 * 1000 }

// duckWant returns v of node n with its timestamps as DuckDB reads them.
func duckWant(n *Node, v any) any {
	if v == nil {
		return nil
	}
	if n.Repetition == Repeated {
		out := lst{}
		for _, e := range v.(lst) {
			out = append(out, duckWantOne(n, e))
		}
		return out
	}
	return duckWantOne(n, v)
}

func duckWantOne(n *Node, v any) any {
	if v == nil {
		return nil
	}
	switch {
	case len(n.Children) == 0:
		if n.Logical == TimestampNanosUTC {
			return duckTS(v.(int64))
		}
		return v
	case n.Logical == List:
		out := lst{}
		for _, e := range v.(lst) {
			out = append(out, duckWant(&n.Children[0].Children[0], e))
		}
		return out
	case n.Logical == Map:
		out := mp{}
		for _, e := range v.(mp) {
			out = append(out, kv{duckWant(&n.Children[0].Children[0], e.K), duckWant(&n.Children[0].Children[1], e.V)})
		}
		return out
	default:
		g := v.(grp)
		out := make(grp, len(g))
		for i := range g {
			out[i] = duckWant(&n.Children[i], g[i])
		}
		return out
	}
}

func duckWantRows(s *Schema, rows []grp) []grp {
	out := make([]grp, len(rows))
	for i, r := range rows {
		out[i] = make(grp, len(r))
		for c := range r {
			out[i][c] = duckWant(&s.fields[c], r[c])
		}
	}
	return out
}

// duckReadRows reads every row of the file at path with DuckDB, in file order.
func duckReadRows(t testing.TB, s *Schema, path string) []grp {
	t.Helper()
	res := duckdbtest.Query(t, fmt.Sprintf(
		"SELECT %s, file_row_number AS __row FROM read_parquet(%s, file_row_number = true) ORDER BY file_row_number",
		duckSelectList(s), duckStr(path)))
	rows := make([]grp, len(res))
	for i, m := range res {
		if got := m["__row"]; got != strconv.Itoa(i) {
			t.Fatalf("DuckDB row %d has file_row_number %v", i, got)
		}
		if len(m) != len(s.fields)+1 {
			t.Fatalf("DuckDB row %d has columns %v", i, slices.Sorted(maps.Keys(m)))
		}
		rows[i] = make(grp, len(s.fields))
		for c := range s.fields {
			v, err := fromDuck(&s.fields[c], m[s.fields[c].Name])
			if err != nil {
				t.Fatalf("DuckDB row %d: %v", i, err)
			}
			rows[i][c] = v
		}
	}
	return rows
}

// duckDescribe returns DuckDB's column types for the file, in order.
func duckDescribe(t testing.TB, path string) []string {
	t.Helper()
	var out []string
	for _, r := range duckdbtest.Query(t, "DESCRIBE SELECT * FROM read_parquet("+duckStr(path)+")") {
		out = append(out, fmt.Sprintf("%v %v", r["column_name"], r["column_type"]))
	}
	return out
}

// duckMetadata returns parquet_metadata's rows ordered by row group and column.
func duckMetadata(t testing.TB, path string) []map[string]any {
	t.Helper()
	return duckdbtest.Query(t, "SELECT * FROM parquet_metadata("+duckStr(path)+") ORDER BY row_group_id::BIGINT, column_id::BIGINT")
}

func duckInt(t testing.TB, v any) int64 {
	t.Helper()
	switch x := v.(type) {
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			t.Fatalf("DuckDB integer %q: %v", x, err)
		}
		return n
	case float64:
		return int64(x)
	}
	t.Fatalf("DuckDB integer has type %T (%v)", v, v)
	return 0
}

// ---------------------------------------------------------------------------
// 1. Logs-like schema

// duckLogsNodes is a logs-like schema: every physical/logical type of the
// logs table, dictionary columns, and RequestId, a dictionary column of
// unique values that must fall back to PLAIN.
func duckLogsNodes() []Node {
	return []Node{
		{Name: "Timestamp", Type: Int64, Logical: TimestampNanosUTC},
		{Name: "TraceId", Type: FixedLenByteArray, Length: 16, Dictionary: true},
		{Name: "SpanId", Type: FixedLenByteArray, Length: 8},
		{Name: "TraceFlags", Type: Int32, Logical: Uint32},
		{Name: "SeverityNumber", Type: Int32, Dictionary: true},
		strNode("SeverityText", Required, true),
		strNode("ServiceNamespace", Optional, true),
		strNode("RequestId", Required, true),
		strNode("Body", Optional, false),
		mapNode("LogAttributes"),
	}
}

var duckLogsTypes = []string{
	"Timestamp TIMESTAMP WITH TIME ZONE",
	"TraceId BLOB",
	"SpanId BLOB",
	"TraceFlags UINTEGER",
	"SeverityNumber INTEGER",
	"SeverityText VARCHAR",
	"ServiceNamespace VARCHAR",
	"RequestId VARCHAR",
	"Body VARCHAR",
	"LogAttributes MAP(VARCHAR, VARCHAR)",
}

// duckText returns a random valid UTF-8 string of up to n runes.
func duckText(r *rand.Rand, n int) string {
	runes := []rune("abcxyz ABC019_-.,:;'\"\\/\t\näöüßéÅ€中文日本語한국어😀🎉🚀\U0010FFFF\u00a0\u200b")
	var b strings.Builder
	for range r.IntN(n + 1) {
		b.WriteRune(runes[r.IntN(len(runes))])
	}
	return b.String()
}

func duckLogsRows(seed uint64, n int, base int64) []grp {
	r := rand.New(rand.NewPCG(seed, 99))
	randBytes := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return string(b)
	}
	traces := []string{strings.Repeat("\x00", 16), strings.Repeat("\xff", 16), "\\x00\\\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a"}
	for len(traces) < 12 {
		traces = append(traces, randBytes(16))
	}
	flags := []uint32{0, 1, 0x7fffffff, 0x80000000, 0xffffffff}
	sevText := []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", ""}
	namespaces := []string{"", "prod", "名前空間", "é", "ns with 'quote'"}
	bodies := []string{"", "héllo wörld", "日本語のログ", "emoji 🎉🚀", "tab\tnewline\n", `quote ' " \ backslash`, "nul\x00byte", strings.Repeat("long ", 40)}
	keys := []string{"http.method", "http.status_code", "k.ü", "", "日本", "user.id", "a'b", "x"}
	vals := []string{"GET", "POST", "200", "", "値", "ü", "true"}
	rows := make([]grp, n)
	for i := range rows {
		var ns any
		if r.IntN(4) > 0 {
			ns = namespaces[r.IntN(len(namespaces))]
		}
		var body any
		switch k := r.IntN(10); {
		case k == 0:
			body = nil
		case k < 4:
			body = bodies[r.IntN(len(bodies))]
		default:
			body = duckText(r, 120)
		}
		attrs := mp{}
		for _, k := range r.Perm(len(keys))[:r.IntN(6)] {
			var v any
			if r.IntN(6) > 0 {
				v = vals[r.IntN(len(vals))]
			}
			attrs = append(attrs, kv{keys[k], v})
		}
		fl := flags[r.IntN(len(flags))]
		if r.IntN(2) == 0 {
			fl = r.Uint32()
		}
		rows[i] = grp{
			base + int64(i)*1_000_123 + int64(r.IntN(1000)),
			traces[r.IntN(len(traces))],
			randBytes(8),
			fl,
			int32(r.IntN(30) - 3),
			sevText[r.IntN(len(sevText))],
			ns,
			fmt.Sprintf("req-%06d-%x", i, r.Uint64()),
			body,
			attrs,
		}
	}
	return rows
}

func TestDuckDBLogs(t *testing.T) {
	duckdbtest.Require(t)
	t.Parallel()
	s, err := NewSchema(duckLogsNodes())
	if err != nil {
		t.Fatal(err)
	}
	rows := duckLogsRows(1, 600, 1_700_000_000_123_456_789)
	path := filepath.Join(t.TempDir(), "logs.parquet")
	opts := Options{PageSize: 256, RowGroupSize: 8 << 10, DictionaryLimit: 512}
	data := duckSave(t, path, s, opts, rows, 97)

	// The options must really give many pages and row groups (checked with
	// arrow-go's page reader; DuckDB does not list pages).
	rdr := fileMeta(t, data)
	nrg := rdr.NumRowGroups()
	pr, err := rdr.RowGroup(0).GetColumnPageReader(8) // Body
	if err != nil {
		t.Fatal(err)
	}
	pages := 0
	for pr.Next() {
		pages++
	}
	rdr.Close()
	if nrg < 5 || pages < 5 {
		t.Fatalf("test setup: %d row groups, %d Body pages in row group 0; want several of each", nrg, pages)
	}

	if got := duckDescribe(t, path); !reflect.DeepEqual(got, duckLogsTypes) {
		t.Errorf("DESCRIBE:\n got %q\nwant %q", got, duckLogsTypes)
	}

	got := duckReadRows(t, s, path)
	compareRows(t, got, duckWantRows(s, rows))
	_, arrowRows := readArrow(t, data) // the same bytes, the other reader
	compareRows(t, arrowRows, rows)

	// Encodings as DuckDB sees them: RequestId (unique values) fell back to
	// PLAIN in every row group, the other dictionary columns did not.
	md := duckMetadata(t, path)
	if len(md) != nrg*len(s.Leaves()) {
		t.Fatalf("parquet_metadata: %d rows, want %d row groups x %d columns", len(md), nrg, len(s.Leaves()))
	}
	for _, m := range md {
		c := duckInt(t, m["column_id"])
		leaf := s.Leaves()[c]
		wantDict := leaf.Node.Dictionary && leaf.Node.Name != "RequestId"
		enc, _ := m["encodings"].(string)
		hasDict := m["dictionary_page_offset"] != nil
		if hasDict != wantDict || strings.Contains(enc, "RLE_DICTIONARY") != wantDict {
			t.Errorf("row group %v column %v: encodings %q, dictionary page offset %v; want dictionary %v",
				m["row_group_id"], m["path_in_schema"], enc, m["dictionary_page_offset"], wantDict)
		}
	}
}

// ---------------------------------------------------------------------------
// 2. Lists, structs and the other physical types

func TestDuckDBNestedAndPrimitiveTypes(t *testing.T) {
	duckdbtest.Require(t)
	t.Parallel()
	nodes := []Node{
		{Name: "b", Type: Boolean},
		{Name: "ob", Repetition: Optional, Type: Boolean},
		{Name: "i64", Type: Int64, Dictionary: true},
		{Name: "oi64", Repetition: Optional, Type: Int64},
		{Name: "u64", Type: Int64, Logical: Uint64},
		{Name: "f", Repetition: Optional, Type: Float},
		{Name: "fd", Type: Float, Dictionary: true},
		{Name: "d", Type: Double, Dictionary: true},
		{Name: "od", Repetition: Optional, Type: Double},
		{Name: "i32", Type: Int32},
		{Name: "bin", Repetition: Optional, Type: ByteArray},
		listNode("ints", Optional, Node{Type: Int64}),
		listNode("rints", Required, Node{Repetition: Optional, Type: Int64, Dictionary: true}),
		listNode("events", Optional, Node{Repetition: Optional, Children: []Node{
			{Name: "time", Type: Int64, Logical: TimestampNanosUTC},
			strNode("name", Required, true),
			mapNode("attrs"),
			listNode("links", Optional, Node{Type: FixedLenByteArray, Length: 4}),
			{Name: "score", Repetition: Optional, Type: Double},
		}}),
		{Name: "scope", Repetition: Optional, Children: []Node{
			strNode("name", Optional, true),
			{Name: "dropped", Type: Int32, Logical: Uint32},
			{Name: "inner", Children: []Node{{Name: "n", Repetition: Optional, Type: Int64, Logical: Uint64}}},
		}},
		{Name: "bare", Repetition: Repeated, Type: Int32},
		listNode("lol", Optional, listNode("", Optional, Node{Repetition: Optional, Type: Double})),
	}
	s, err := NewSchema(nodes)
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []string{
		"b BOOLEAN", "ob BOOLEAN", "i64 BIGINT", "oi64 BIGINT", "u64 UBIGINT", "f FLOAT", "fd FLOAT",
		"d DOUBLE", "od DOUBLE", "i32 INTEGER", "bin BLOB", "ints BIGINT[]", "rints BIGINT[]",
		"events STRUCT(\"time\" TIMESTAMP WITH TIME ZONE, \"name\" VARCHAR, attrs MAP(VARCHAR, VARCHAR), links BLOB[], score DOUBLE)[]",
		"scope STRUCT(\"name\" VARCHAR, dropped UINTEGER, \"inner\" STRUCT(n UBIGINT))",
		"bare INTEGER[]", "lol DOUBLE[][]",
	}
	negZero := math.Copysign(0, -1)
	doubles := []float64{0, negZero, 1.5, -2.25, 0.1, 1e300, -1e-300, math.Inf(1), math.Inf(-1), math.NaN(),
		math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 123456789.123456789}
	floats := []float32{0, float32(negZero), 0.1, -1.5, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.MaxFloat32, math.SmallestNonzeroFloat32, 16777217}
	int64s := []int64{0, -1, 1, math.MinInt64, math.MaxInt64, 1 << 53, 1<<53 + 1, -(1 << 53) - 1}
	uint64s := []uint64{0, 1, math.MaxUint64, 1 << 63, 1<<63 - 1, 1<<64 - 2}
	r := rand.New(rand.NewPCG(11, 12))
	maybe := func(v any) any {
		if r.IntN(4) == 0 {
			return nil
		}
		return v
	}
	var rows []grp
	for i := range 400 {
		var ints any
		if r.IntN(5) > 0 {
			l := lst{}
			for range r.IntN(6) {
				l = append(l, int64s[r.IntN(len(int64s))]+int64(r.IntN(3)))
			}
			ints = l
		}
		rints := lst{}
		for range r.IntN(4) {
			rints = append(rints, maybe(int64(r.IntN(5)-2)))
		}
		var events any
		if r.IntN(6) > 0 {
			l := lst{}
			for k := range r.IntN(4) {
				if r.IntN(5) == 0 {
					l = append(l, nil)
					continue
				}
				attrs := mp{}
				for a := range r.IntN(3) {
					attrs = append(attrs, kv{string(rune('a' + a)), maybe([]string{"x", "", "ü"}[r.IntN(3)])})
				}
				var links any
				if r.IntN(3) > 0 {
					ll := lst{}
					for range r.IntN(3) {
						ll = append(ll, string([]byte{byte(r.Uint32()), 0, '\\', byte(k)}))
					}
					links = ll
				}
				ts := int64(1_600_000_000_000_000_000) + int64(i)*1_000_003 + int64(k)
				if r.IntN(10) == 0 {
					ts = -ts // before 1970: DuckDB truncates toward zero
				}
				l = append(l, grp{ts, []string{"start", "stop", "", "日本"}[r.IntN(4)], attrs, links, maybe(doubles[r.IntN(len(doubles))])})
			}
			events = l
		}
		var scope any
		if r.IntN(4) > 0 {
			scope = grp{maybe("scope"), r.Uint32(), grp{maybe(uint64s[r.IntN(len(uint64s))])}}
		}
		bare := lst{}
		for range r.IntN(3) {
			bare = append(bare, int32(r.Uint32()))
		}
		var lol any
		if r.IntN(5) > 0 {
			l := lst{}
			for range r.IntN(3) {
				var inner any
				if r.IntN(4) > 0 {
					il := lst{}
					for range r.IntN(3) {
						il = append(il, maybe(doubles[r.IntN(len(doubles))]))
					}
					inner = il
				}
				l = append(l, inner)
			}
			lol = l
		}
		var bin any
		if r.IntN(4) > 0 {
			bin = string([]byte{0, byte(i), 0xfe, '\\', 'x'})[:r.IntN(6)]
		}
		rows = append(rows, grp{
			r.IntN(2) == 0,
			maybe(r.IntN(3) == 0),
			int64s[r.IntN(len(int64s))],
			maybe(r.Int64() - r.Int64()),
			uint64s[r.IntN(len(uint64s))] - uint64(r.IntN(2)),
			maybe(floats[r.IntN(len(floats))]),
			floats[r.IntN(len(floats))],
			doubles[r.IntN(len(doubles))],
			maybe(r.NormFloat64() * 1e10),
			[]int32{0, -1, math.MinInt32, math.MaxInt32, 42}[r.IntN(5)],
			bin,
			ints, rints, events, scope, bare, lol,
		})
	}
	dir := t.TempDir()
	for k, opts := range []Options{{}, {PageSize: 300, RowGroupSize: 16 << 10, DictionaryLimit: 64}} {
		path := filepath.Join(dir, fmt.Sprintf("nested-%d.parquet", k))
		data := duckSave(t, path, s, opts, rows, 150)
		if got := duckDescribe(t, path); !reflect.DeepEqual(got, wantTypes) {
			t.Errorf("options %+v: DESCRIBE:\n got %q\nwant %q", opts, got, wantTypes)
		}
		got := duckReadRows(t, s, path)
		compareRows(t, got, duckWantRows(s, rows))
		_, arrowRows := readArrow(t, data)
		compareRows(t, arrowRows, rows)
	}
}

// ---------------------------------------------------------------------------
// 3. Statistics, schema and pruning

func TestDuckDBStatistics(t *testing.T) {
	duckdbtest.Require(t)
	t.Parallel()
	nodes := []Node{
		{Name: "ts", Type: Int64, Logical: TimestampNanosUTC},
		{Name: "u32", Type: Int32, Logical: Uint32},
		{Name: "i32", Repetition: Optional, Type: Int32, Dictionary: true},
		{Name: "i64", Type: Int64},
		{Name: "u64", Type: Int64, Logical: Uint64, Dictionary: true},
		{Name: "d", Repetition: Optional, Type: Double},
		{Name: "f", Type: Float},
		{Name: "b", Repetition: Optional, Type: Boolean},
		strNode("s", Optional, true),
		strNode("plain", Required, false),
		{Name: "fl", Type: FixedLenByteArray, Length: 4, Dictionary: true},
		mapNode("m"),
		listNode("l", Optional, Node{Repetition: Optional, Type: Int64}),
	}
	s, err := NewSchema(nodes)
	if err != nil {
		t.Fatal(err)
	}
	const n = 400
	long := func(c string, k int) string { return strings.Repeat(c, 100) + strconv.Itoa(k) }
	r := rand.New(rand.NewPCG(5, 6))
	negZero := math.Copysign(0, -1)
	base := int64(1_700_000_000_000_000_000)
	rows := make([]grp, n)
	for i := range rows {
		var i32, d, b, str, l any
		if i%7 != 0 {
			i32 = int32(r.IntN(2000) - 1000)
		}
		switch i % 9 {
		case 0:
		case 1:
			d = math.NaN()
		case 2:
			d = negZero
		case 3:
			d = 0.0
		case 4:
			d = []float64{math.Inf(1), math.Inf(-1)}[r.IntN(2)]
		default:
			d = r.NormFloat64()
		}
		if i%5 != 0 {
			b = i%3 == 0
		}
		switch i % 11 {
		case 0:
		case 1:
			str = long("z", i) // longer than 64 bytes: truncated, inexact statistics
		case 2:
			str = long("ä", i)
		case 3:
			str = ""
		default:
			// Below long("ä", _), so that it is every row group's maximum.
			str = []string{"a", "ab", "z", "ä", "äa", "Z", " "}[r.IntN(7)]
		}
		m := mp{}
		for k := range r.IntN(3) {
			m = append(m, kv{fmt.Sprintf("k%d", k), []any{nil, "v", "ü"}[r.IntN(3)]})
		}
		if r.IntN(4) > 0 {
			ll := lst{}
			for range r.IntN(3) {
				var v any
				if r.IntN(3) > 0 {
					v = r.Int64N(1000) - 500
				}
				ll = append(ll, v)
			}
			l = ll
		}
		i64 := r.Int64N(1_000_000) - 500_000
		if i == 123 {
			i64 = math.MaxInt64
		} else if i == 321 {
			i64 = math.MinInt64
		}
		rows[i] = grp{
			base + int64(i)*1_000_000_000 + 789,              // ascending: row groups cover disjoint ranges
			uint32(0x7fff_f000 + i*41),                       // crosses 2^31 around row 100
			i32, i64, uint64(1<<63) + uint64(r.IntN(10)) - 5, // around 2^63
			d, float32(r.NormFloat64()), b, str,
			fmt.Sprintf("%03d-%s", i, strings.Repeat("p", i%90)), // some longer than 64 bytes
			string([]byte{byte(i), 0x80, byte(255 - i%256), 'x'}),
			m, l,
		}
	}
	path := filepath.Join(t.TempDir(), "stats.parquet")
	duckSave(t, path, s, Options{RowGroupSize: 6 << 10, PageSize: 512}, rows, 0)

	// parquet_schema: physical, converted and logical types as written.
	type schemaRow struct{ name, typ, length, rep, conv, logical, duck string }
	wantSchema := []schemaRow{
		{"schema", "", "", "", "", "", ""},
		{"ts", "INT64", "", "REQUIRED", "", "TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=<null>, NANOS=NanoSeconds()))", "TIMESTAMP WITH TIME ZONE"},
		{"u32", "INT32", "", "REQUIRED", "UINT_32", "IntType(bitWidth= , isSigned=0)", "UINTEGER"},
		{"i32", "INT32", "", "OPTIONAL", "", "", "INTEGER"},
		{"i64", "INT64", "", "REQUIRED", "", "", "BIGINT"},
		{"u64", "INT64", "", "REQUIRED", "UINT_64", "IntType(bitWidth=@, isSigned=0)", "UBIGINT"},
		{"d", "DOUBLE", "", "OPTIONAL", "", "", "DOUBLE"},
		{"f", "FLOAT", "", "REQUIRED", "", "", "FLOAT"},
		{"b", "BOOLEAN", "", "OPTIONAL", "", "", "BOOLEAN"},
		{"s", "BYTE_ARRAY", "", "OPTIONAL", "UTF8", "StringType()", "VARCHAR"},
		{"plain", "BYTE_ARRAY", "", "REQUIRED", "UTF8", "StringType()", "VARCHAR"},
		{"fl", "FIXED_LEN_BYTE_ARRAY", "4", "REQUIRED", "", "", "BLOB"},
		{"m", "", "", "REQUIRED", "MAP", "MapType()", ""},
		{"key_value", "", "", "REPEATED", "", "", ""},
		{"key", "BYTE_ARRAY", "", "REQUIRED", "UTF8", "StringType()", "VARCHAR"},
		{"value", "BYTE_ARRAY", "", "OPTIONAL", "UTF8", "StringType()", "VARCHAR"},
		{"l", "", "", "OPTIONAL", "LIST", "ListType()", ""},
		{"list", "", "", "REPEATED", "", "", ""},
		{"element", "INT64", "", "OPTIONAL", "", "", "BIGINT"},
	}
	str := func(v any) string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	var gotSchema []schemaRow
	for _, m := range duckdbtest.Query(t, "SELECT * FROM parquet_schema("+duckStr(path)+") ORDER BY column_id::BIGINT") {
		gotSchema = append(gotSchema, schemaRow{str(m["name"]), str(m["type"]), str(m["type_length"]), str(m["repetition_type"]),
			str(m["converted_type"]), str(m["logical_type"]), str(m["duckdb_type"])})
	}
	if !reflect.DeepEqual(gotSchema, wantSchema) {
		t.Errorf("parquet_schema:\n got %q\nwant %q", gotSchema, wantSchema)
	}

	// parquet_metadata: per column chunk, against what each row group's rows imply.
	md := duckMetadata(t, path)
	leaves := s.Leaves()
	if len(md)%len(leaves) != 0 || len(md)/len(leaves) < 4 {
		t.Fatalf("parquet_metadata: %d rows for %d columns; want 4 or more row groups", len(md), len(leaves))
	}
	start := 0
	for g := 0; g < len(md)/len(leaves); g++ {
		chunk := md[g*len(leaves) : (g+1)*len(leaves)]
		nrows := int(duckInt(t, chunk[0]["row_group_num_rows"]))
		if start+nrows > n {
			t.Fatalf("row groups hold more than %d rows", n)
		}
		cols := shred(t, s, rows[start:start+nrows])
		for c, m := range chunk {
			leaf := &leaves[c]
			where := fmt.Sprintf("row group %d (rows %d..%d) column %s", g, start, start+nrows-1, strings.Join(leaf.Path, "."))
			if duckInt(t, m["row_group_id"]) != int64(g) || duckInt(t, m["column_id"]) != int64(c) ||
				m["path_in_schema"] != strings.Join(leaf.Path, ", ") || duckInt(t, m["row_group_num_rows"]) != int64(nrows) {
				t.Fatalf("%s: unexpected parquet_metadata row %v", where, m)
			}
			duckCheckChunk(t, where, leaf, &cols[c], nrows, m)
		}
		start += nrows
	}
	if start != n {
		t.Errorf("row groups hold %d rows, wrote %d", start, n)
	}

	// Queries whose filters DuckDB can evaluate against the statistics (and
	// would answer wrongly if the statistics excluded matching rows).
	var wantHigh, wantHighMin, wantTS, wantZ, wantMax int64 = 0, math.MaxInt64, 0, 0, 0
	var wantTSSum, wantLong int64
	// DuckDB compares the microsecond-truncated timestamps: rows 150..170.
	lo, hi := base+150*1_000_000_000, base+170*1_000_000_000
	for i, row := range rows {
		if u := int64(row[1].(uint32)); u >= 1<<31 {
			wantHigh++
			wantHighMin = min(wantHighMin, u)
		}
		if ts := duckTS(row[0].(int64)); ts >= lo && ts <= hi {
			wantTS++
			wantTSSum += int64(i)
		}
		if row[8] == long("z", 100) {
			wantZ++
		}
		if str, _ := row[8].(string); str >= strings.Repeat("ä", 100) {
			wantLong++
		}
		if row[3] == int64(math.MaxInt64) {
			wantMax++
		}
	}
	// One query (one DuckDB process) with a scalar subquery per filter.
	file := "read_parquet(" + duckStr(path) + ", file_row_number = true)"
	filters := []struct{ sql, want string }{
		{"SELECT count(*) || '/' || min(u32) FROM FILE WHERE u32 >= 2147483648",
			fmt.Sprintf("%d/%d", wantHigh, wantHighMin)},
		{fmt.Sprintf("SELECT count(*) || '/' || sum(file_row_number) FROM FILE WHERE ts BETWEEN TIMESTAMPTZ %s AND TIMESTAMPTZ %s",
			duckStr(duckTSText(lo)), duckStr(duckTSText(hi))),
			fmt.Sprintf("%d/%d", wantTS, wantTSSum)},
		{"SELECT count(*) FROM FILE WHERE s = " + duckStr(long("z", 100)), fmt.Sprint(wantZ)},
		{"SELECT count(*) FROM FILE WHERE i64 = 9223372036854775807", fmt.Sprint(wantMax)},
		// Every row group's maximum of s is one of these, its bound truncated.
		{"SELECT count(*) FROM FILE WHERE s >= " + duckStr(strings.Repeat("ä", 100)), fmt.Sprint(wantLong)},
	}
	var sel []string
	for i, f := range filters {
		sel = append(sel, fmt.Sprintf("(%s)::VARCHAR AS q%d", strings.ReplaceAll(f.sql, "FILE", file), i))
	}
	res := duckdbtest.Query(t, "SELECT "+strings.Join(sel, ", "))
	if len(res) != 1 {
		t.Fatalf("filter queries returned %v", res)
	}
	for i, f := range filters {
		if got := res[0][fmt.Sprintf("q%d", i)]; got != f.want {
			t.Errorf("%s\n got %v\nwant %s", f.sql, got, f.want)
		}
	}
	if wantZ != 1 || wantHigh == 0 || wantTS != 21 || wantMax != 1 || wantLong < 30 {
		t.Fatalf("test setup: the pruning queries match %d, %d, %d, %d, %d rows", wantZ, wantHigh, wantTS, wantMax, wantLong)
	}
}

// duckCheckChunk checks one parquet_metadata row against the column data cd
// that the chunk holds.
func duckCheckChunk(t *testing.T, where string, leaf *Leaf, cd *ColumnData, nrows int, m map[string]any) {
	t.Helper()
	slots, nulls := nrows, 0
	if leaf.MaxDef > 0 {
		slots = len(cd.Def)
		for _, d := range cd.Def {
			if d < leaf.MaxDef {
				nulls++
			}
		}
	}
	if got := duckInt(t, m["num_values"]); got != int64(slots) {
		t.Errorf("%s: num_values %d, want %d", where, got, slots)
	}
	if got := duckInt(t, m["stats_null_count"]); got != int64(nulls) {
		t.Errorf("%s: stats_null_count %d, want %d", where, got, nulls)
	}
	gotMin, gotMax := m["stats_min_value"], m["stats_max_value"]
	minExact, maxExact := m["min_is_exact"], m["max_is_exact"]
	n := leaf.Node
	// Expected bounds, rendered as DuckDB renders them; "" means none.
	var wantMin, wantMax string
	switch n.Type {
	case Boolean:
		if len(cd.Bool) > 0 {
			wantMin, wantMax = strconv.FormatBool(!slices.Contains(cd.Bool, false)), strconv.FormatBool(slices.Contains(cd.Bool, true))
		}
	case Int32:
		if len(cd.Int32) > 0 {
			if n.Logical == Uint32 {
				u := make([]uint32, len(cd.Int32))
				for i, v := range cd.Int32 {
					u[i] = uint32(v)
				}
				wantMin, wantMax = fmt.Sprint(slices.Min(u)), fmt.Sprint(slices.Max(u))
			} else {
				wantMin, wantMax = fmt.Sprint(slices.Min(cd.Int32)), fmt.Sprint(slices.Max(cd.Int32))
			}
		}
	case Int64:
		if len(cd.Int64) > 0 {
			switch n.Logical {
			case Uint64:
				u := make([]uint64, len(cd.Int64))
				for i, v := range cd.Int64 {
					u[i] = uint64(v)
				}
				wantMin, wantMax = fmt.Sprint(slices.Min(u)), fmt.Sprint(slices.Max(u))
			case TimestampNanosUTC:
				wantMin, wantMax = duckTSText(slices.Min(cd.Int64)), duckTSText(slices.Max(cd.Int64))
			default:
				wantMin, wantMax = fmt.Sprint(slices.Min(cd.Int64)), fmt.Sprint(slices.Max(cd.Int64))
			}
		}
	case Float, Double:
		vals := cd.Double
		if n.Type == Float {
			vals = nil
			for _, v := range cd.Float {
				vals = append(vals, float64(v))
			}
		}
		vals = slices.DeleteFunc(slices.Clone(vals), math.IsNaN)
		if len(vals) > 0 {
			lo, hi := slices.Min(vals), slices.Max(vals)
			// Parquet: a zero minimum is written as -0, a zero maximum as +0.
			if lo == 0 {
				lo = math.Copysign(0, -1)
			}
			if hi == 0 {
				hi = 0
			}
			// Compared as parsed numbers (with the sign of zero), not as text.
			// DuckDB drops an infinite bound (ConvertValueInternal returns
			// NULL for non-finite floats), so ±Inf reads as no bound.
			bitSize := 64
			if n.Type == Float {
				bitSize = 32
			}
			checkFloat := func(what string, got any, want float64) {
				if math.IsInf(want, 0) {
					if got != nil {
						t.Errorf("%s: %s %#v, want none (DuckDB drops infinite bounds)", where, what, got)
					}
					return
				}
				s, _ := got.(string)
				x, err := strconv.ParseFloat(s, bitSize)
				if err != nil || x != want || math.Signbit(x) != math.Signbit(want) {
					t.Errorf("%s: %s %#v, want %v (signbit %v)", where, what, got, want, math.Signbit(want))
				}
			}
			checkFloat("stats_min_value", gotMin, lo)
			checkFloat("stats_max_value", gotMax, hi)
			if (!math.IsInf(lo, 0) && minExact != true) || (!math.IsInf(hi, 0) && maxExact != true) {
				t.Errorf("%s: min_is_exact %v, max_is_exact %v, want true", where, minExact, maxExact)
			}
		} else if gotMin != nil || gotMax != nil {
			t.Errorf("%s: min %v max %v for a chunk without non-NaN values", where, gotMin, gotMax)
		}
		return
	case ByteArray, FixedLenByteArray:
		if len(cd.Bytes) == 0 {
			break
		}
		lo, hi := slices.Min(cd.Bytes), slices.Max(cd.Bytes) // Go compares strings as unsigned bytes
		if n.Type == FixedLenByteArray {
			wantMin, wantMax = duckBlobText(lo), duckBlobText(hi)
			break
		}
		// Bounds over 64 bytes are truncated and inexact: the minimum to a
		// prefix, the maximum to a short value above it.
		gs, _ := gotMin.(string)
		if len(lo) <= 64 {
			if gs != lo || minExact != true {
				t.Errorf("%s: stats_min_value %q (exact %v), want %q (exact)", where, gs, minExact, lo)
			}
		} else if len(gs) > 64 || !strings.HasPrefix(lo, gs) || !utf8.ValidString(gs) || minExact != false {
			t.Errorf("%s: stats_min_value %q (exact %v), want a valid UTF-8 prefix of at most 64 bytes of %q (inexact)", where, gs, minExact, lo)
		}
		gs, _ = gotMax.(string)
		if len(hi) <= 64 {
			if gs != hi || maxExact != true {
				t.Errorf("%s: stats_max_value %q (exact %v), want %q (exact)", where, gs, maxExact, hi)
			}
		} else if len(gs) > 64 || gs <= hi || !utf8.ValidString(gs) || maxExact != false {
			t.Errorf("%s: stats_max_value %q (exact %v), want valid UTF-8 of at most 64 bytes above %q (inexact)", where, gs, maxExact, hi)
		}
		return
	}
	if wantMin == "" {
		if gotMin != nil || gotMax != nil {
			t.Errorf("%s: min %v max %v for a chunk without values", where, gotMin, gotMax)
		}
		return
	}
	if gotMin != wantMin || gotMax != wantMax || minExact != true || maxExact != true {
		t.Errorf("%s: stats min %#v max %#v (exact %v %v), want %q %q (exact)", where, gotMin, gotMax, minExact, maxExact, wantMin, wantMax)
	}
}

// duckTSText renders a nanosecond timestamp as DuckDB renders a TIMESTAMPTZ
// (in UTC): microseconds, trailing zeros dropped.
func duckTSText(ns int64) string {
	s := time.Unix(0, duckTS(ns)).UTC().Format("2006-01-02 15:04:05.999999")
	return s + "+00"
}

// duckBlobText renders bytes as DuckDB renders a BLOB: printable ASCII as
// itself, except '"' and anything outside 0x20..0x7e as \xHH.
func duckBlobText(b string) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 0x20 && c <= 0x7e && c != '"' {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, `\x%02X`, c)
		}
	}
	return sb.String()
}

// ---------------------------------------------------------------------------
// 4. Many files in a hive-partitioned tree

func TestDuckDBManyFiles(t *testing.T) {
	duckdbtest.Require(t)
	t.Parallel()
	s, err := NewSchema(duckLogsNodes())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "t")
	type agg struct {
		n, sev, flags, bodies, attrs, tsUS int64
		hours                              map[int]bool
	}
	want := map[string]*agg{}
	w := NewWriter(s, Options{PageSize: 1024, RowGroupSize: 16 << 10})
	const files = 20
	for i := range files {
		svc, hour := fmt.Sprintf("svc-%d", i%4), i%3
		rows := duckLogsRows(uint64(100+i), 5+13*i, int64(1_710_000_000_000_000_000)+int64(i)*3_600_000_000_000)
		if err := w.WriteRows(shred(t, s, rows), len(rows)); err != nil {
			t.Fatal(err)
		}
		data, err := w.Finish()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "svc="+svc, fmt.Sprintf("hour=%02d", hour), fmt.Sprintf("part-%02d.parquet", i))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		w.Reset() // the writer's buffer (data) is reused from here on
		a := want[svc]
		if a == nil {
			a = &agg{hours: map[int]bool{}}
			want[svc] = a
		}
		a.hours[hour] = true
		for _, r := range rows {
			a.n++
			a.sev += int64(r[4].(int32))
			a.flags += int64(r[3].(uint32))
			if r[8] != nil {
				a.bodies++
			}
			a.attrs += int64(len(r[9].(mp)))
			a.tsUS += r[0].(int64) / 1000
		}
	}
	glob := duckStr(filepath.Join(dir, "**", "*.parquet"))
	res := duckdbtest.Query(t, `SELECT svc, count(*)::VARCHAR AS n, sum(SeverityNumber)::VARCHAR AS sev,
		sum(TraceFlags)::VARCHAR AS flags, count(Body)::VARCHAR AS bodies,
		sum(cardinality(LogAttributes))::VARCHAR AS attrs, sum(epoch_us("Timestamp"))::VARCHAR AS ts_us,
		list(DISTINCT hour ORDER BY hour) AS hours, count(DISTINCT filename)::VARCHAR AS files
		FROM read_parquet(`+glob+`, hive_partitioning = true, filename = true) GROUP BY svc ORDER BY svc`)
	var got, exp []string
	for _, m := range res {
		got = append(got, fmt.Sprintf("%v n=%v sev=%v flags=%v bodies=%v attrs=%v ts_us=%v hours=%v files=%v",
			m["svc"], m["n"], m["sev"], m["flags"], m["bodies"], m["attrs"], m["ts_us"], m["hours"], m["files"]))
	}
	for _, svc := range slices.Sorted(maps.Keys(want)) {
		a := want[svc]
		var hours []string
		for _, h := range slices.Sorted(maps.Keys(a.hours)) {
			hours = append(hours, fmt.Sprintf("%02d", h)) // DuckDB keeps "00" as VARCHAR
		}
		exp = append(exp, fmt.Sprintf("%s n=%d sev=%d flags=%d bodies=%d attrs=%d ts_us=%d hours=[%s] files=%d",
			svc, a.n, a.sev, a.flags, a.bodies, a.attrs, a.tsUS, strings.Join(hours, " "), files/4))
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("per-partition aggregates:\n got %q\nwant %q", got, exp)
	}

	// A filter on the partition columns only reads the matching files.
	res = duckdbtest.Query(t, `SELECT count(*)::VARCHAR AS n, count(DISTINCT filename)::VARCHAR AS files
		FROM read_parquet(`+glob+`, hive_partitioning = true, filename = true) WHERE svc = 'svc-1' AND hour = '02'`)
	var wantN, wantFiles int
	for i := range files {
		if i%4 == 1 && i%3 == 2 {
			wantN += 5 + 13*i
			wantFiles++
		}
	}
	if g := fmt.Sprint(res); g != fmt.Sprintf("[map[files:%d n:%d]]", wantFiles, wantN) {
		t.Errorf("svc-1, hour 2: got %s, want %d rows in %d files", g, wantN, wantFiles)
	}
}

// ---------------------------------------------------------------------------
// 5. File metadata: created_by, key/value metadata, zero rows

func TestDuckDBFileMetadata(t *testing.T) {
	duckdbtest.Require(t)
	t.Parallel()
	s, err := NewSchema(duckLogsNodes())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rows := duckLogsRows(3, 50, 1_700_000_000_000_000_000)
	const createdBy = "otlp2parquet version 1.2.3 (build 0123abcd)"
	withMeta := filepath.Join(dir, "a.parquet")
	data := duckSave(t, withMeta, s, Options{
		CreatedBy:        createdBy,
		RowGroupSize:     4 << 10,
		KeyValueMetadata: []KeyValue{{"otlp2parquet.schema", "logs/v1"}, {"empty", ""}, {"ünï", "cödé 'q'"}},
	}, rows, 0)
	defaults := filepath.Join(dir, "b.parquet")
	duckSave(t, defaults, s, Options{}, rows[:1], 0)
	zero := filepath.Join(dir, "c.parquet")
	duckSave(t, zero, s, Options{CreatedBy: "zero rows"}, nil, 0)

	rdr := fileMeta(t, data)
	nrg := rdr.NumRowGroups()
	rdr.Close()
	res := duckdbtest.Query(t, fmt.Sprintf(`SELECT created_by, num_rows::VARCHAR AS num_rows, num_row_groups::VARCHAR AS num_row_groups,
		len(column_orders)::VARCHAR AS orders FROM parquet_file_metadata([%s, %s, %s]) ORDER BY file_name`,
		duckStr(withMeta), duckStr(defaults), duckStr(zero)))
	nl := len(s.Leaves())
	want := []string{
		fmt.Sprintf("%s|50|%d|%d", createdBy, nrg, nl),
		fmt.Sprintf("otlp2parquet version unknown|1|1|%d", nl),
		fmt.Sprintf("zero rows|0|0|%d", nl),
	}
	var got []string
	for _, m := range res {
		got = append(got, fmt.Sprintf("%v|%v|%v|%v", m["created_by"], m["num_rows"], m["num_row_groups"], m["orders"]))
	}
	if nrg < 2 {
		t.Errorf("test setup: %d row groups, want several", nrg)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parquet_file_metadata:\n got %q\nwant %q", got, want)
	}

	res = duckdbtest.Query(t, "SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata("+duckStr(withMeta)+")")
	got = nil
	for _, m := range res {
		got = append(got, fmt.Sprintf("%v=%v", m["k"], m["v"]))
	}
	if want := []string{"otlp2parquet.schema=logs/v1", "empty=", "ünï=cödé 'q'"}; !reflect.DeepEqual(got, want) {
		t.Errorf("parquet_kv_metadata:\n got %q\nwant %q", got, want)
	}

	// A file without row groups reads as an empty table of the right types.
	if got := duckDescribe(t, zero); !reflect.DeepEqual(got, duckLogsTypes) {
		t.Errorf("zero rows: DESCRIBE:\n got %q\nwant %q", got, duckLogsTypes)
	}
	if got := duckReadRows(t, s, zero); len(got) != 0 {
		t.Errorf("zero rows: read %d rows", len(got))
	}
}

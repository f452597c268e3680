package otlp_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// officialProto decodes b with the official generated types.
func officialProto(b []byte) (*collogspb.ExportLogsServiceRequest, error) {
	req := &collogspb.ExportLogsServiceRequest{}
	return req, proto.Unmarshal(b, req)
}

func TestProtoOracleRandom(t *testing.T) {
	t.Parallel()
	n := 3000
	if testing.Short() || raceEnabled {
		n = 300
	}
	var d otlp.Decoder
	var l otlp.Logs
	records := 0
	for seed := range n {
		req := otlptest.RandomLogsRequest(rand.New(rand.NewPCG(uint64(seed), 1)))
		b, err := proto.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		want, err := officialProto(b)
		if err != nil {
			t.Fatal(err)
		}
		l.Reset()
		if err := d.DecodeLogsProto(&l, b); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if diff := otlptest.Diff(want, otlptest.ToProto(&l)); diff != "" {
			t.Fatalf("seed %d: %s", seed, diff)
		}
		records += len(l.Records)
	}
	t.Logf("%d requests, %d records", n, records)
}

// TestProtoConcatenates checks that decoding several requests into one Logs
// gives their concatenation, as the batcher relies on.
func TestProtoConcatenates(t *testing.T) {
	var l otlp.Logs
	want := &collogspb.ExportLogsServiceRequest{}
	for seed := range 20 {
		req := otlptest.RandomLogsRequest(rand.New(rand.NewPCG(uint64(seed), 2)))
		b, _ := proto.Marshal(req)
		if err := otlp.DecodeLogsProto(&l, b); err != nil {
			t.Fatal(err)
		}
		want.ResourceLogs = append(want.ResourceLogs, req.ResourceLogs...)
	}
	if diff := otlptest.Diff(want, otlptest.ToProto(&l)); diff != "" {
		t.Fatal(diff)
	}
}

// Builders for hand-made protobuf.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func lenf(num protowire.Number, content ...[]byte) []byte {
	b := protowire.AppendTag(nil, num, protowire.BytesType)
	return protowire.AppendBytes(b, cat(content...))
}

func strf(num protowire.Number, s string) []byte { return lenf(num, []byte(s)) }

func varf(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func fix64f(num protowire.Number, v uint64) []byte {
	return protowire.AppendFixed64(protowire.AppendTag(nil, num, protowire.Fixed64Type), v)
}

func fix32f(num protowire.Number, v uint32) []byte {
	return protowire.AppendFixed32(protowire.AppendTag(nil, num, protowire.Fixed32Type), v)
}

func tagb(num protowire.Number, typ protowire.Type) []byte { return protowire.AppendTag(nil, num, typ) }

// record wraps log record fields in a request; they start at byte 6.
func record(fields ...[]byte) []byte { return lenf(1, lenf(2, lenf(2, fields...))) }

// attr is a log record attribute with the given AnyValue fields.
func attr(key string, value ...[]byte) []byte { return lenf(6, strf(1, key), lenf(2, value...)) }

// unknownFields has one unknown field of each wire type, a group with content included.
var unknownFields = cat(
	varf(100, 300), fix64f(101, 7), fix32f(102, 9), strf(103, "junk"),
	tagb(104, protowire.StartGroupType), varf(1, 5), strf(2, "in group"), tagb(104, protowire.EndGroupType),
)

// Inputs that the official decoder and ours both accept, and must read alike.
var protoAccepted = []struct {
	name string
	in   []byte
}{
	{"empty", nil},
	{"empty resource logs", lenf(1)},
	{"unknown fields, all levels", cat(unknownFields, lenf(1, unknownFields,
		lenf(1, unknownFields, lenf(1, strf(1, "k"), lenf(2, unknownFields, strf(1, "v"), unknownFields)), lenf(3, unknownFields, strf(1, "u"))),
		lenf(2, unknownFields, lenf(1, unknownFields, strf(1, "scope")), lenf(2, unknownFields, fix64f(1, 5),
			lenf(5, unknownFields, lenf(5, unknownFields, lenf(1, unknownFields, varf(3, 1))), unknownFields),
			lenf(6, strf(1, "kv"), lenf(2, lenf(6, unknownFields, lenf(1, unknownFields, strf(1, "a"), unknownFields)))),
		)),
	))},
	{"attributes interleaved with other fields", record(attr("a", varf(3, 1)), fix64f(1, 5), attr("b", varf(2, 1)), strf(3, "INFO"), attr("c"))},
	{"scalars given twice: last wins", record(fix64f(1, 1), fix64f(1, 2), strf(3, "a"), strf(3, "b"), varf(2, 9), varf(2, 13))},
	{"oneof: last member wins", record(lenf(5, strf(1, "s"), varf(3, 7), fix64f(4, 0x4000000000000000)))},
	{"oneof: array after string after array", record(lenf(5, lenf(5, lenf(1, varf(3, 1))), strf(1, "s"), lenf(5, lenf(1, varf(3, 2)))))},
	{"bool value 2 is true", record(lenf(5, varf(2, 2)))},
	{"severity and counts truncate like the official decoder", record(varf(2, 1<<40|9), varf(7, 1<<33|3), attr("k", varf(8, 1<<35|0xffffffff)))},
	{"negative strindex", record(attr("k", varf(8, uint64(0xffffffffffffffff))))},
	{"empty messages", record(lenf(5), lenf(6), lenf(6, strf(1, ""), lenf(2)))},
	{"empty ids", record(lenf(9), lenf(10))},
	{"ids given twice", record(strf(9, "0123456789abcdef"), strf(9, "fedcba9876543210"), strf(10, "01234567"))},
	{"entity refs interleaved keys", lenf(1, lenf(1, lenf(3, strf(3, "a"), strf(4, "x"), strf(3, "b"), strf(1, "url"), strf(2, "type"), strf(4, "y"))))},
	{"resource schema url twice", lenf(1, strf(3, "a"), strf(3, "b"))},
	{"zero-length bytes value", record(lenf(5, lenf(7)))},
	{"nesting at MaxDepth", record(lenf(5, nest(otlp.MaxDepth)))},
	// Attributes in the common form skip the scratch list; the others, and
	// what may nest, take the general path.
	{"attributes around a nested body", record(attr("a", strf(1, "x")),
		lenf(5, lenf(6, lenf(1, strf(1, "k"), lenf(2, strf(1, "v"))))),
		attr("b", varf(3, 7)), attr("c", lenf(6, lenf(1, strf(1, "n"), lenf(2, varf(2, 1))))), attr("d", fix64f(4, 0x3ff0000000000000)))},
	{"nested attribute between scalar ones", cat(
		record(attr("a", strf(1, "x")), attr("n", lenf(5, lenf(1, strf(1, "e")), lenf(1, lenf(6, lenf(1, strf(1, "m")))))), attr("b", strf(1, "y"))),
		record(attr("a", strf(1, "x")), attr("b", strf(1, "y")), attr("n", lenf(6)), attr("a", varf(2, 0))))},
	{"attribute forms off the fast path", record(
		attr(strings.Repeat("k", 200), strf(1, strings.Repeat("v", 300))),
		attr("int", varf(3, 1<<62)), attr("negative", varf(3, 0xffffffffffffffff)), attr("bool0", varf(2, 0)), attr("empty"),
		lenf(6, strf(1, "unknown"), lenf(2, strf(1, "v")), varf(9, 1)),
		lenf(6, lenf(2, strf(1, "value first")), strf(1, "key")),
		lenf(6, strf(1, "bytes"), lenf(2, strf(7, "\x00\xff"))),
		lenf(6, strf(1, "two fields"), lenf(2, strf(1, "s"), varf(3, 5))),
		lenf(6, strf(1, "strindex"), lenf(2, varf(8, 3))),
		attr("ünïcödé", strf(1, "välüé")))},
}

// tooDeep nests arrays one level deeper than allowed; the innermost array ends the input.
var tooDeep = record(lenf(5, nest(otlp.MaxDepth+1)))

// nest is an AnyValue's content holding n arrays, one inside the other.
func nest(n int) []byte {
	v := varf(3, 42)
	for range n {
		v = lenf(5, lenf(1, v))
	}
	return v
}

func TestProtoOracleAccepted(t *testing.T) {
	for _, tc := range protoAccepted {
		t.Run(tc.name, func(t *testing.T) {
			want, err := officialProto(tc.in)
			if err != nil {
				t.Fatalf("official decoder: %v", err)
			}
			var l otlp.Logs
			if err := otlp.DecodeLogsProto(&l, tc.in); err != nil {
				t.Fatal(err)
			}
			if diff := otlptest.Diff(want, otlptest.ToProto(&l)); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}

// Malformed inputs that both decoders reject.
var protoRejected = []struct {
	name, msg, path string
	off             int
	in              []byte
}{
	{"truncated tag", "field tag", "", 0, []byte{0x80}},
	{"truncated length", "unexpected EOF", "resource_logs", 0, []byte{0x0a}},
	{"length past the end", "unexpected EOF", "resource_logs", 0, []byte{0x0a, 0x05, 0x12}},
	{"varint overflow", "variable length integer overflow", "resource_logs[0].scope_logs[0].log_records[0].severity_number", 6,
		record(tagb(2, protowire.VarintType), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})},
	{"truncated varint", "unexpected EOF", "resource_logs[0].scope_logs[0].log_records[0].severity_number", 6, record(tagb(2, protowire.VarintType), []byte{0x80})},
	{"truncated fixed64", "unexpected EOF", "resource_logs[0].scope_logs[0].log_records[0].time_unix_nano", 6, record(tagb(1, protowire.Fixed64Type), []byte{1, 2, 3})},
	{"field number 0", "field tag", "", 0, []byte{0x00}},
	{"field number past the largest", "invalid field number", "", 0, varf(protowire.MaxValidNumber+1, 1)},
	{"nested field number past the largest", "invalid field number", "resource_logs[0].scope_logs[0].log_records[0]", 6, record(fix64f(1<<30, 1))},
	{"unexpected end group", "unknown field 5", "", 0, tagb(5, protowire.EndGroupType)},
	{"unterminated group", "unknown field 5", "resource_logs[0]", 2, lenf(1, tagb(5, protowire.StartGroupType), varf(1, 1))},
	{"mismatched group end", "unknown field 5", "", 0, cat(tagb(5, protowire.StartGroupType), tagb(6, protowire.EndGroupType))},
	{"invalid UTF-8 in a log record", "not valid UTF-8", "resource_logs[0].scope_logs[0].log_records[0].severity_text", 6, record(strf(3, "ok\xffno"))},
	{"invalid UTF-8 in a nested key", "not valid UTF-8", "resource_logs[0].scope_logs[0].log_records[0].body.kvlist_value.values[1].key", 17,
		record(lenf(5, lenf(6, lenf(1, strf(1, "a")), lenf(1, strf(1, "\xc0\x80")))))},
	{"invalid UTF-8 in a scope name", "not valid UTF-8", "resource_logs[0].scope_logs[0].scope.name", 6, lenf(1, lenf(2, lenf(1, strf(1, "\xed\xa0\x80"))))},
	{"invalid UTF-8 in an entity key", "not valid UTF-8", "resource_logs[0].resource.entity_refs[0].description_keys", 6, lenf(1, lenf(1, lenf(3, strf(4, "\xff"))))},
	{"message length past its parent", "unexpected EOF", "resource_logs[0].scope_logs", 2, cat([]byte{0x0a, 0x03}, tagb(2, protowire.BytesType), []byte{0x05, 0x00})},
}

func TestProtoOracleRejected(t *testing.T) {
	for _, tc := range protoRejected {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := officialProto(tc.in); err == nil {
				t.Fatal("official decoder accepts it")
			}
			var l otlp.Logs
			err := otlp.DecodeLogsProto(&l, tc.in)
			checkError(t, err, "protobuf", tc.msg, tc.path, tc.off)
		})
	}
}

// The documented classes of input that the official decoder accepts and ours rejects.
var protoStricter = []struct {
	name, msg, path string
	off             int
	in              []byte
}{
	{"trace id of 15 bytes", "15 bytes, want 16 or none", "resource_logs[0].scope_logs[0].log_records[0].trace_id", 6, record(strf(9, "0123456789abcde"))},
	{"span id of 9 bytes", "9 bytes, want 8 or none", "resource_logs[0].scope_logs[0].log_records[0].span_id", 15, record(fix64f(1, 1), strf(10, "012345678"))},
	{"time as a varint", "wire type 0, want 1 (64-bit)", "resource_logs[0].scope_logs[0].log_records[0].time_unix_nano", 6, record(varf(1, 5))},
	{"flags as a varint", "wire type 0, want 5 (32-bit)", "resource_logs[0].scope_logs[0].log_records[0].flags", 6, record(varf(8, 1))},
	{"severity as bytes", "wire type 2, want 0 (varint)", "resource_logs[0].scope_logs[0].log_records[0].severity_number", 6, record(strf(2, "x"))},
	{"resource logs as a varint", "wire type 0, want 2 (length-delimited)", "resource_logs", 0, varf(1, 1)},
	{"string value as fixed32", "wire type 5, want 2 (length-delimited)", "resource_logs[0].scope_logs[0].log_records[0].attributes[0].value.string_value", 13, record(attr("k", fix32f(1, 1)))},
	{"resource given twice", "resource given twice", "resource_logs[0].resource", 4, lenf(1, lenf(1), lenf(1))},
	{"scope given twice", "scope given twice", "resource_logs[0].scope_logs[0].scope", 6, lenf(1, lenf(2, lenf(1), lenf(1)))},
	{"body given twice", "body given twice", "resource_logs[0].scope_logs[0].log_records[0].body", 10, record(lenf(5, varf(3, 1)), lenf(5, varf(3, 2)))},
	{"value given twice", "value given twice", "resource_logs[0].scope_logs[0].log_records[0].attributes[0].value", 13, record(lenf(6, strf(1, "k"), lenf(2), lenf(2)))},
	{"array given twice", "array or kvlist given twice", "resource_logs[0].scope_logs[0].log_records[0].body.array_value", 10, record(lenf(5, lenf(5), lenf(5)))},
	{"kvlist after array", "array or kvlist given twice", "resource_logs[0].scope_logs[0].log_records[0].body.kvlist_value", 10, record(lenf(5, lenf(5), lenf(6)))},
	{"nesting past MaxDepth", "values nest deeper than 64 levels", "resource_logs[0].scope_logs[0].log_records[0].body" + strings.Repeat(".array_value.values[0]", otlp.MaxDepth) + ".array_value", len(tooDeep) - len(lenf(5, lenf(1, varf(3, 42)))), tooDeep},
}

func TestProtoStricter(t *testing.T) {
	for _, tc := range protoStricter {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := officialProto(tc.in); err != nil {
				t.Fatalf("official decoder rejects it: %v", err)
			}
			var l otlp.Logs
			err := otlp.DecodeLogsProto(&l, tc.in)
			checkError(t, err, "protobuf", tc.msg, tc.path, tc.off)
			if !stricterProto(err) {
				t.Errorf("%v is not one of the documented stricter classes", err)
			}
		})
	}
}

// stricterProto tells whether err is one of the classes DecodeLogsProto
// documents as rejecting what the official decoder accepts.
func stricterProto(err error) bool {
	var e *otlp.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, s := range []string{"want 16 or none", "want 8 or none", "wire type", "given twice", "values nest deeper than"} {
		if strings.Contains(e.Msg, s) {
			return true
		}
	}
	return false
}

// checkError checks err is an *Error with the format, a message containing
// msg, the path (unless "" and off -1) and the byte offset (unless -1).
func checkError(t *testing.T, err error, format, msg, path string, off int) {
	t.Helper()
	var e *otlp.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want an *otlp.Error", err, err)
	}
	if e.Format != format {
		t.Errorf("Format %q, want %q", e.Format, format)
	}
	if !strings.Contains(e.Msg, msg) {
		t.Errorf("message %q, want it to contain %q", e.Msg, msg)
	}
	if (path != "" || off >= 0) && e.Path() != path {
		t.Errorf("path %q, want %q", e.Path(), path)
	}
	if off >= 0 && e.Offset != off {
		t.Errorf("offset %d, want %d (%v)", e.Offset, off, err)
	}
	if !strings.HasPrefix(err.Error(), "otlp: invalid "+format) {
		t.Errorf("Error() = %q", err.Error())
	}
}

// TestProtoDeepNestingPath checks the path of an error deep inside nested values.
func TestProtoDeepNestingPath(t *testing.T) {
	in := record(lenf(5, nest(otlp.MaxDepth+1)))
	var l otlp.Logs
	err := otlp.DecodeLogsProto(&l, in)
	var e *otlp.Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	want := "resource_logs[0].scope_logs[0].log_records[0].body" + strings.Repeat(".array_value.values[0]", otlp.MaxDepth) + ".array_value"
	if e.Path() != want {
		t.Fatalf("path %s\nwant %s", e.Path(), want)
	}
}

// A record's attribute key equal to the key at its position in the record
// before skips the UTF-8 check (it passed it there): a key of the same
// length that differs, invalid, is still refused, in the first record or a
// later one, and the same keys in valid records are accepted alike.
func TestProtoKeyCheckedAfterEqualKey(t *testing.T) {
	valid := "http.request.method"
	invalid := "http.request.m\xffthod" // as long as valid
	logs := func(keys ...string) []byte {
		var recs [][]byte
		for _, k := range keys {
			recs = append(recs, lenf(2, attr(valid, strf(1, "GET")), attr(k, strf(1, "v"))))
		}
		return lenf(1, lenf(2, recs...))
	}
	ok := logs(valid, valid, valid)
	if _, err := officialProto(ok); err != nil {
		t.Fatal(err)
	}
	var l otlp.Logs
	if err := otlp.DecodeLogsProto(&l, ok); err != nil {
		t.Fatalf("valid keys: %v", err)
	}
	for i, in := range [][]byte{logs(invalid, valid), logs(valid, invalid), logs(valid, valid, invalid)} {
		if _, err := officialProto(in); err == nil {
			t.Fatal("official decoder accepts it")
		}
		var l otlp.Logs
		err := otlp.DecodeLogsProto(&l, in)
		rec := []int{0, 1, 2}[i]
		off := bytes.Index(in, strf(1, invalid))
		checkError(t, err, "protobuf", "not valid UTF-8", fmt.Sprintf("resource_logs[0].scope_logs[0].log_records[%d].attributes[1].key", rec), off)
	}
}

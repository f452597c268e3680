package otlp_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

func officialTracesProto(b []byte) (*coltracepb.ExportTraceServiceRequest, error) {
	req := &coltracepb.ExportTraceServiceRequest{}
	return req, proto.Unmarshal(b, req)
}

func TestTracesProtoOracleRandom(t *testing.T) {
	t.Parallel()
	n := 1500
	if testing.Short() || raceEnabled {
		n = 150
	}
	var d otlp.Decoder
	var tr otlp.Traces
	spans := 0
	for seed := range n {
		req := otlptest.RandomTracesRequest(rand.New(rand.NewPCG(uint64(seed), 11)))
		b, err := proto.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		want, err := officialTracesProto(b)
		if err != nil {
			t.Fatal(err)
		}
		tr.Reset()
		if err := d.DecodeTracesProto(&tr, b); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if diff := otlptest.Diff(want, otlptest.ToProtoTraces(&tr)); diff != "" {
			t.Fatalf("seed %d: %s", seed, diff)
		}
		spans += len(tr.Spans)
	}
	t.Logf("%d requests, %d spans", n, spans)
}

func TestTracesProtoConcatenates(t *testing.T) {
	var tr otlp.Traces
	want := &coltracepb.ExportTraceServiceRequest{}
	for seed := range 20 {
		req := otlptest.RandomTracesRequest(rand.New(rand.NewPCG(uint64(seed), 12)))
		b, _ := proto.Marshal(req)
		if err := otlp.DecodeTracesProto(&tr, b); err != nil {
			t.Fatal(err)
		}
		want.ResourceSpans = append(want.ResourceSpans, req.ResourceSpans...)
	}
	if diff := otlptest.Diff(want, otlptest.ToProtoTraces(&tr)); diff != "" {
		t.Fatal(diff)
	}
}

// span wraps span fields in a request; they start at byte 6.
func span(fields ...[]byte) []byte { return lenf(1, lenf(2, lenf(2, fields...))) }

// spanAttr is a span attribute (field 9) with the given AnyValue fields.
func spanAttr(key string, value ...[]byte) []byte { return lenf(9, strf(1, key), lenf(2, value...)) }

var tracesProtoAccepted = []struct {
	name string
	in   []byte
}{
	{"empty", nil},
	{"empty resource spans", lenf(1)},
	{"every span field", span(strf(1, "0123456789abcdef"), strf(2, "01234567"), strf(3, "rojo=00f067aa0ba902b7"), strf(4, "76543210"),
		strf(5, "GET /"), varf(6, 2), fix64f(7, 5), fix64f(8, 9), spanAttr("a", strf(1, "x")), varf(10, 1),
		lenf(11, fix64f(1, 6), strf(2, "ev"), lenf(3, strf(1, "k"), lenf(2, varf(3, 1))), varf(4, 2)), varf(12, 3),
		lenf(13, strf(1, "fedcba9876543210"), strf(2, "76543210"), strf(3, "ts"), lenf(4, strf(1, "l"), lenf(2, varf(2, 1))), varf(5, 4), fix32f(6, 0x101)), varf(14, 5),
		lenf(15, strf(2, "boom"), varf(3, 2)), fix32f(16, 0x301))},
	{"events and links interleaved with attributes", span(spanAttr("a", strf(1, "x")), lenf(11, strf(2, "e1"), lenf(3, strf(1, "ek"), lenf(2, strf(1, "ev")))),
		spanAttr("b", lenf(6, lenf(1, strf(1, "n"), lenf(2, varf(3, 1))))), lenf(13, lenf(4, strf(1, "lk"))), lenf(11, strf(2, "e2")), spanAttr("c", varf(2, 1)))},
	{"kind and status code out of their enums", span(varf(6, 1<<40|99), lenf(15, varf(3, 0xffffffffffffffff)))},
	{"status with unknown and deprecated fields", span(lenf(15, varf(1, 2), unknownFields, strf(2, "m")))},
	{"empty status, events, links", span(lenf(15), lenf(11), lenf(13))},
	{"empty ids", span(lenf(1), lenf(2), lenf(4), lenf(13, lenf(1), lenf(2)))},
	{"unknown fields at every span level", span(unknownFields, lenf(11, unknownFields), lenf(13, unknownFields), lenf(15, unknownFields))},
	{"two scopes, two resources", cat(lenf(1, lenf(2, lenf(2, strf(5, "a"))), lenf(2, lenf(1, strf(1, "s")), lenf(2, strf(5, "b")))), lenf(1, strf(3, "u"), lenf(2, lenf(2))))},
}

func TestTracesProtoOracleAccepted(t *testing.T) {
	for _, tc := range tracesProtoAccepted {
		t.Run(tc.name, func(t *testing.T) {
			want, err := officialTracesProto(tc.in)
			if err != nil {
				t.Fatalf("official decoder: %v", err)
			}
			var tr otlp.Traces
			if err := otlp.DecodeTracesProto(&tr, tc.in); err != nil {
				t.Fatal(err)
			}
			if diff := otlptest.Diff(want, otlptest.ToProtoTraces(&tr)); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}

// Inputs the official decoder accepts and ours rejects (the documented
// classes), and malformed ones both reject.
var tracesProtoRejected = []struct {
	name, msg, path string
	off             int
	in              []byte
	official        bool // the official decoder accepts it
}{
	{"trace id of 15 bytes", "15 bytes, want 16 or none", "resource_spans[0].scope_spans[0].spans[0].trace_id", 6, span(strf(1, "0123456789abcde")), true},
	{"parent span id of 7 bytes", "7 bytes, want 8 or none", "resource_spans[0].scope_spans[0].spans[0].parent_span_id", 6, span(strf(4, "0123456")), true},
	{"link span id of 9 bytes", "9 bytes, want 8 or none", "resource_spans[0].scope_spans[0].spans[0].links[1].span_id", 10, span(lenf(13), lenf(13, strf(2, "012345678"))), true},
	{"start time as a varint", "wire type 0, want 1 (64-bit)", "resource_spans[0].scope_spans[0].spans[0].start_time_unix_nano", 6, span(varf(7, 1)), true},
	{"flags as a varint", "wire type 0, want 5 (32-bit)", "resource_spans[0].scope_spans[0].spans[0].flags", 6, span(varf(16, 1)), true},
	{"link flags as fixed64", "wire type 1, want 5 (32-bit)", "resource_spans[0].scope_spans[0].spans[0].links[0].flags", 8, span(lenf(13, fix64f(6, 1))), true},
	{"event time as fixed32", "wire type 5, want 1 (64-bit)", "resource_spans[0].scope_spans[0].spans[0].events[0].time_unix_nano", 8, span(lenf(11, fix32f(1, 1))), true},
	{"kind as bytes", "wire type 2, want 0 (varint)", "resource_spans[0].scope_spans[0].spans[0].kind", 6, span(strf(6, "x")), true},
	{"status given twice", "status given twice", "resource_spans[0].scope_spans[0].spans[0].status", 8, span(lenf(15), lenf(15)), true},
	{"status code as fixed32", "wire type 5, want 0 (varint)", "resource_spans[0].scope_spans[0].spans[0].status.code", 8, span(lenf(15, fix32f(3, 1))), true},
	{"scope given twice", "scope given twice", "resource_spans[0].scope_spans[0].scope", 6, lenf(1, lenf(2, lenf(1), lenf(1))), true},
	{"event attribute value given twice", "value given twice", "resource_spans[0].scope_spans[0].spans[0].events[0].attributes[0].value", 15, span(lenf(11, lenf(3, strf(1, "k"), lenf(2), lenf(2)))), true},
	{"invalid UTF-8 in a span name", "not valid UTF-8", "resource_spans[0].scope_spans[0].spans[0].name", 6, span(strf(5, "a\xff")), false},
	{"invalid UTF-8 in a link's trace state", "not valid UTF-8", "resource_spans[0].scope_spans[0].spans[0].links[0].trace_state", 8, span(lenf(13, strf(3, "\xc0"))), false},
	{"truncated event", "unexpected EOF", "resource_spans[0].scope_spans[0].spans[0].events[0].name", 8, span(lenf(11, []byte{0x12, 0x05, 'a'})), false},
}

func TestTracesProtoRejected(t *testing.T) {
	for _, tc := range tracesProtoRejected {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := officialTracesProto(tc.in); (err == nil) != tc.official {
				t.Fatalf("official decoder: %v", err)
			}
			var tr otlp.Traces
			err := otlp.DecodeTracesProto(&tr, tc.in)
			checkError(t, err, "protobuf", tc.msg, tc.path, tc.off)
			if tc.official && !stricterProto(err) {
				t.Errorf("%v is not one of the documented stricter classes", err)
			}
		})
	}
}

// TestTracesJSONOracleRandom decodes random requests as the Collector
// encodes them, and variants of that JSON, and compares with the
// Collector's decoding.
func TestTracesJSONOracleRandom(t *testing.T) {
	t.Parallel()
	n := 500
	if testing.Short() || raceEnabled {
		n = 50
	}
	var d otlp.Decoder
	var tr otlp.Traces
	for seed := range n {
		r := rand.New(rand.NewPCG(uint64(seed), 13))
		in, err := otlptest.PdataTracesJSON(otlptest.RandomTracesRequest(r))
		if err != nil {
			t.Fatal(err)
		}
		want, err := pdataTracesDecode(in)
		if err != nil {
			t.Fatalf("seed %d: pdata: %v", seed, err)
		}
		for i, variant := range [][]byte{in, mutateJSON(t, r, in)} {
			got, err := ourTracesJSON(&d, &tr, variant)
			if err != nil {
				t.Fatalf("seed %d, variant %d: %v\n%.2000s", seed, i, err, variant)
			}
			if diff := otlptest.Diff(want, got); diff != "" {
				t.Fatalf("seed %d, variant %d %.2000s: %s", seed, i, variant, diff)
			}
		}
	}
}

func pdataTracesDecode(b []byte) (*coltracepb.ExportTraceServiceRequest, error) {
	req, err := otlptest.PdataTracesFromJSON(b)
	if err == nil {
		otlptest.NormalizeTraceZeroIDs(req)
	}
	return req, err
}

func ourTracesJSON(d *otlp.Decoder, tr *otlp.Traces, b []byte) (*coltracepb.ExportTraceServiceRequest, error) {
	tr.Reset()
	if err := d.DecodeTracesJSON(tr, b); err != nil {
		return nil, err
	}
	req := otlptest.ToProtoTraces(tr)
	otlptest.NormalizeTraceZeroIDs(req)
	return req, nil
}

func wrapSpan(members string) string {
	return `{"resourceSpans":[{"scopeSpans":[{"spans":[{` + members + `}]}]}]}`
}

// TestTracesJSONMatchesProtojson checks, for the fields of spans, events,
// links and status, that ours accepts what protojson accepts and reads the
// same value (ids left out: OTLP's hex is not protojson's base64).
func TestTracesJSONMatchesProtojson(t *testing.T) {
	fields := []string{
		wrapSpan(`"kind":%s`), wrapSpan(`"flags":%s`), wrapSpan(`"name":%s`), wrapSpan(`"traceState":%s`),
		wrapSpan(`"startTimeUnixNano":%s`), wrapSpan(`"end_time_unix_nano":%s`), wrapSpan(`"droppedEventsCount":%s`), wrapSpan(`"dropped_links_count":%s`),
		wrapSpan(`"status":{"code":%s}`), wrapSpan(`"status":{"message":%s}`), wrapSpan(`"status":%s`),
		wrapSpan(`"events":[{"timeUnixNano":%s}]`), wrapSpan(`"events":[{"name":%s}]`), wrapSpan(`"events":%s`),
		wrapSpan(`"events":[{"droppedAttributesCount":%s}]`), wrapSpan(`"links":[{"flags":%s}]`), wrapSpan(`"links":[{"traceState":%s}]`),
		wrapSpan(`"links":%s`), wrapSpan(`"links":[{"attributes":%s}]`), wrapSpan(`"attributes":[{"key":"k","value":%s}]`),
		`{"resourceSpans":[{"scopeSpans":[{"spans":%s}]}]}`, `{"resourceSpans":[{"scopeSpans":%s}]}`,
	}
	values := []string{
		`0`, `1`, `2`, `5`, `6`, `-1`, `1.0`, `1e1`, `4294967295`, `4294967296`, `2147483648`, `18446744073709551615`, `"3"`, `""`, `"x"`,
		`"SPAN_KIND_SERVER"`, `"SPAN_KIND_CONSUMER"`, `"SPAN_KIND_UNSPECIFIED"`, `"STATUS_CODE_OK"`, `"STATUS_CODE_ERROR"`, `"STATUS_CODE_UNSET"`,
		`"span_kind_server"`, `"SERVER"`, `true`, `null`, `[]`, `{}`, `[{}]`, `[null]`, `{"stringValue":"s"}`, `"\u00e9"`, `"a\ud800"`,
	}
	var d otlp.Decoder
	var tr otlp.Traces
	for _, f := range fields {
		for _, v := range values {
			in := strings.Replace(f, "%s", v, 1)
			// As protojsonDecode: unknown enum names are errors, unknown fields not.
			want := &coltracepb.ExportTraceServiceRequest{}
			werr := protojson.Unmarshal([]byte(in), want)
			if werr != nil && strings.Contains(werr.Error(), "unknown field") {
				want = &coltracepb.ExportTraceServiceRequest{}
				werr = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal([]byte(in), want)
			}
			tr.Reset()
			err := d.DecodeTracesJSON(&tr, []byte(in))
			if (err != nil) != (werr != nil) {
				t.Errorf("%s: our error %v, protojson's %v", in, err, werr)
				continue
			}
			if err != nil {
				var e *otlp.Error
				if !errors.As(err, &e) {
					t.Errorf("%s: error %T", in, err)
				}
				continue
			}
			if diff := otlptest.Diff(want, otlptest.ToProtoTraces(&tr)); diff != "" {
				t.Errorf("%s: %s", in, diff)
			}
		}
	}
}

func TestTracesJSONErrors(t *testing.T) {
	const at = len(`{"resourceSpans":[{"scopeSpans":[{"spans":[{`)
	const path = "resourceSpans[0].scopeSpans[0].spans[0]."
	cases := []struct {
		in, msg, path string
		off           int
	}{
		{wrapSpan(`"parentSpanId":"abc"`), `"abc" is not 16 hex digits`, path + "parentSpanId", at + 15},
		{wrapSpan(`"kind":"SERVER"`), `"SERVER" is not a SpanKind`, path + "kind", at + 7},
		{wrapSpan(`"status":{"code":"OK"}`), `"OK" is not a StatusCode`, path + "status.code", at + 17},
		{wrapSpan(`"status":{},"status":{}`), "field given twice", path + "status", at + 12},
		{wrapSpan(`"links":[{},{"traceId":"zz"}]`), `"zz" is not 32 hex digits`, path + "links[1].traceId", at + 23},
		{wrapSpan(`"events":[{"timeUnixNano":-1}]`), `is not an unsigned integer of 64 bits`, path + "events[0].timeUnixNano", at + 26},
		{wrapSpan(`"events":[{"attributes":[{"key":1}]}]`), "want a string, found a number", path + "events[0].attributes[0].key", at + 32},
		{wrapSpan(`"droppedLinksCount":true`), "want an unsigned integer, found a boolean", path + "droppedLinksCount", at + 20},
	}
	var d otlp.Decoder
	for _, tc := range cases {
		var tr otlp.Traces
		err := d.DecodeTracesJSON(&tr, []byte(tc.in))
		t.Run(tc.path, func(t *testing.T) { checkError(t, err, "json", tc.msg, tc.path, tc.off) })
	}
}

func TestTracesJSONLines(t *testing.T) {
	var lines []byte
	want := &coltracepb.ExportTraceServiceRequest{}
	for seed := range 5 {
		req := otlptest.RandomTracesRequest(rand.New(rand.NewPCG(uint64(seed), 14)))
		b, err := otlptest.PdataTracesJSON(req)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(append(lines, b...), "\r\n\n"...)
		pd, _ := pdataTracesDecode(b)
		want.ResourceSpans = append(want.ResourceSpans, pd.ResourceSpans...)
	}
	var tr otlp.Traces
	if err := otlp.DecodeTracesJSONLines(&tr, lines); err != nil {
		t.Fatal(err)
	}
	got := otlptest.ToProtoTraces(&tr)
	otlptest.NormalizeTraceZeroIDs(got)
	if diff := otlptest.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
	bad := append(bytes.Clone(lines), `{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":true}]}]}]}`...)
	err := otlp.DecodeTracesJSONLines(&tr, bad)
	var e *otlp.Error
	if !errors.As(err, &e) || e.Line != 11 || e.Format != "jsonl" {
		t.Fatalf("error %v, want one on line 11", err)
	}
}

func tracesProtoSeeds() [][]byte {
	var seeds [][]byte
	for seed := uint64(0); len(seeds) < 4; seed++ {
		b, _ := proto.Marshal(otlptest.RandomTracesRequest(rand.New(rand.NewPCG(seed, 15))))
		if len(b) > 0 && len(b) < 3000 {
			seeds = append(seeds, b)
		}
	}
	realistic, _ := proto.Marshal(otlptest.RealisticTracesRequest(5, 2))
	seeds = append(seeds, realistic)
	for _, tc := range tracesProtoAccepted {
		seeds = append(seeds, tc.in)
	}
	for _, tc := range tracesProtoRejected {
		seeds = append(seeds, tc.in)
	}
	return seeds
}

func FuzzDecodeTracesProto(f *testing.F) {
	for _, s := range tracesProtoSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) { fuzzProto(t, tracesCodec, b) })
}

func tracesJSONSeeds() [][]byte {
	var seeds [][]byte
	for seed := uint64(0); len(seeds) < 4; seed++ {
		b, _ := otlptest.PdataTracesJSON(otlptest.RandomTracesRequest(rand.New(rand.NewPCG(seed, 16))))
		if len(b) > 2 && len(b) < 4000 {
			seeds = append(seeds, b)
		}
	}
	realistic, _ := otlptest.PdataTracesJSON(otlptest.RealisticTracesRequest(5, 2))
	seeds = append(seeds, realistic)
	for _, s := range []string{
		wrapSpan(`"kind":"SPAN_KIND_CLIENT","status":{"code":"STATUS_CODE_ERROR","message":"m"},"parent_span_id":"EEE19B7EC3C1B174","events":[{"time_unix_nano":1e3,"name":"e"}],"links":[{"traceId":"5b8efff798038103d269b633813fc60c","flags":"257"}]`),
		wrapSpan(`"status":{},"status":{}`),
		wrapSpan(`"links":[{"spanId":"abc"}]`),
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

func FuzzDecodeTracesJSON(f *testing.F) {
	for _, s := range tracesJSONSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) { fuzzJSON(t, tracesCodec, b) })
}

func BenchmarkDecodeTraces(b *testing.B) {
	for _, s := range benchRequests {
		req := otlptest.RealisticTracesRequest(s.records, s.services)
		pb, _ := proto.Marshal(req)
		js, err := otlptest.PdataTracesJSON(req)
		if err != nil {
			b.Fatal(err)
		}
		var d otlp.Decoder
		var tr otlp.Traces
		b.Run("proto/"+s.name, func(b *testing.B) {
			run(b, pb, s.records, func() error {
				tr.Reset()
				return d.DecodeTracesProto(&tr, pb)
			})
		})
		b.Run("json/"+s.name, func(b *testing.B) {
			run(b, js, s.records, func() error {
				tr.Reset()
				return d.DecodeTracesJSON(&tr, js)
			})
		})
	}
}

// TestDecodeTracesAllocations: once warm, protobuf decoding allocates
// nothing, JSON only the chunk holding decoded ids.
func TestDecodeTracesAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	req := otlptest.RealisticTracesRequest(100, 3)
	pb, _ := proto.Marshal(req)
	js, err := otlptest.PdataTracesJSON(req)
	if err != nil {
		t.Fatal(err)
	}
	var d otlp.Decoder
	var tr otlp.Traces
	for _, tc := range []struct {
		name   string
		max    float64
		decode func() error
	}{
		{"protobuf", 0, func() error { return d.DecodeTracesProto(&tr, pb) }},
		{"json", 1, func() error { return d.DecodeTracesJSON(&tr, js) }},
	} {
		allocs := testing.AllocsPerRun(20, func() {
			tr.Reset()
			if err := tc.decode(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > tc.max {
			t.Errorf("%s: %.1f allocations a decode, want at most %.0f", tc.name, allocs, tc.max)
		}
	}
}

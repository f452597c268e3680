package otlp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

var updateCorpus = flag.Bool("update-fuzz-corpus", false, "rewrite the seed corpus files under testdata/fuzz")

// smallRandomRequests are random requests that encode to a few KB at most.
func smallRandomRequests(n int) [][]byte {
	var out [][]byte
	for seed := uint64(0); len(out) < n; seed++ {
		b, err := proto.Marshal(otlptest.RandomLogsRequest(rand.New(rand.NewPCG(seed, 5))))
		if err != nil {
			panic(err)
		}
		if len(b) > 0 && len(b) < 3000 {
			out = append(out, b)
		}
	}
	return out
}

func protoSeeds() [][]byte {
	seeds := smallRandomRequests(8)
	realistic, _ := proto.Marshal(otlptest.RealisticLogsRequest(3, 2))
	seeds = append(seeds, realistic)
	for _, tc := range protoAccepted {
		seeds = append(seeds, tc.in)
	}
	for _, tc := range protoRejected {
		seeds = append(seeds, tc.in)
	}
	for _, tc := range protoStricter {
		if len(tc.in) < 1000 {
			seeds = append(seeds, tc.in)
		}
	}
	return seeds
}

func FuzzDecodeLogsProto(f *testing.F) {
	for _, s := range protoSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) { fuzzProto(t, logsCodec, b) })
}

// codec is one signal's decoders and their oracles, for the fuzz targets
// every signal shares (fuzzProto, fuzzJSON). P is the official request type.
type codec[M any, P proto.Message] struct {
	proto, json, jsonLines func(d *otlp.Decoder, m *M, b []byte) error
	toProto                func(*M) P
	official               func([]byte) (P, error) // the official protobuf decoder
	pdata                  func([]byte) (P, error) // the Collector's pdata JSON decoder
	normalize              func(P)                 // zero ids as pdata reads them
	diff                   func(want, got P) string
}

var (
	logsCodec = codec[otlp.Logs, *collogspb.ExportLogsServiceRequest]{
		(*otlp.Decoder).DecodeLogsProto, (*otlp.Decoder).DecodeLogsJSON, (*otlp.Decoder).DecodeLogsJSONLines,
		otlptest.ToProto, officialProto, pdataDecode, otlptest.NormalizeZeroIDs, otlptest.Diff[*collogspb.ExportLogsServiceRequest]}
	tracesCodec = codec[otlp.Traces, *coltracepb.ExportTraceServiceRequest]{
		(*otlp.Decoder).DecodeTracesProto, (*otlp.Decoder).DecodeTracesJSON, (*otlp.Decoder).DecodeTracesJSONLines,
		otlptest.ToProtoTraces, officialTracesProto, pdataTracesDecode, otlptest.NormalizeTraceZeroIDs, otlptest.Diff[*coltracepb.ExportTraceServiceRequest]}
	metricsCodec = codec[otlp.Metrics, *colmetricspb.ExportMetricsServiceRequest]{
		(*otlp.Decoder).DecodeMetricsProto, (*otlp.Decoder).DecodeMetricsJSON, (*otlp.Decoder).DecodeMetricsJSONLines,
		otlptest.ToProtoMetrics, officialMetricsProto, pdataMetricsDecode, otlptest.NormalizeMetricsZeroIDs, otlptest.DiffMetrics}
)

// fuzzProto checks our protobuf decoder against the official one on b: the
// same result, or an error of ours that says where, for input the official
// decoder rejects too or that we refuse for a documented reason.
func fuzzProto[M any, P proto.Message](t *testing.T, c codec[M, P], b []byte) {
	var d otlp.Decoder
	var m M
	err := c.proto(&d, &m, b)
	want, werr := c.official(b)
	if err != nil {
		var e *otlp.Error
		if !errors.As(err, &e) || e.Format != "protobuf" || e.Offset < -1 || e.Offset > len(b) {
			t.Fatalf("error %#v", err)
		}
	}
	switch {
	case err == nil && werr != nil:
		t.Fatalf("ours accepts what the official decoder rejects: %v", werr)
	case err == nil:
		if diff := c.diff(want, c.toProto(&m)); diff != "" {
			t.Fatal(diff)
		}
		// The same Decoder, reused, gives the same result.
		var again M
		if err := c.proto(&d, &again, b); err != nil {
			t.Fatal(err)
		}
		if diff := c.diff(want, c.toProto(&again)); diff != "" {
			t.Fatal("reused decoder:", diff)
		}
	case werr == nil && !stricterProto(err):
		t.Fatalf("ours rejects what the official decoder accepts, and not for a documented reason: %v", err)
	}
}

// fuzzJSON checks our OTLP/JSON decoder on b: an error that says where, or
// valid JSON read as JSON Lines reads it and as pdata does (where pdata's
// reading is comparable).
func fuzzJSON[M any, P proto.Message](t *testing.T, c codec[M, P], b []byte) {
	var d otlp.Decoder
	var m M
	err := c.json(&d, &m, b)
	if err != nil {
		var e *otlp.Error
		if !errors.As(err, &e) || e.Format != "json" || e.Offset < 0 || e.Offset > len(b) {
			t.Fatalf("error %#v", err)
		}
	}
	// JSON Lines reads an input without line breaks as JSON does.
	if !bytes.ContainsAny(b, "\n") {
		var ml M
		lerr := c.jsonLines(&d, &ml, b)
		if (lerr == nil) != (err == nil || blankInput(b)) {
			t.Fatalf("JSON: %v; JSON Lines: %v", err, lerr)
		}
		if err == nil {
			if diff := c.diff(c.toProto(&m), c.toProto(&ml)); diff != "" {
				t.Fatal("JSON Lines:", diff)
			}
		}
	}
	if err != nil {
		return
	}
	if !json.Valid(b) || !utf8.Valid(b) {
		t.Fatal("ours accepts invalid JSON")
	}
	if !pdataComparable(b) {
		return
	}
	want, perr := c.pdata(b)
	if perr != nil {
		return // pdata is stricter in places (base64 alphabets, exponents)
	}
	got := c.toProto(&m)
	c.normalize(got)
	if diff := c.diff(want, got); diff != "" {
		t.Fatal(diff)
	}
}

func jsonSeeds() [][]byte {
	var seeds [][]byte
	for seed := uint64(0); len(seeds) < 8; seed++ {
		b, err := otlptest.PdataJSON(otlptest.RandomLogsRequest(rand.New(rand.NewPCG(seed, 6))))
		if err != nil {
			panic(err)
		}
		if len(b) > 2 && len(b) < 4000 {
			seeds = append(seeds, b)
		}
	}
	realistic, _ := otlptest.PdataJSON(otlptest.RealisticLogsRequest(3, 2))
	seeds = append(seeds, realistic)
	for _, s := range []string{
		`{"resource_logs":[{"scope_logs":[{"log_records":[{"time_unix_nano":1e3,"severity_number":"SEVERITY_NUMBER_WARN","trace_id":"5B8EFFF798038103D269B633813FC60C","body":{"bytes_value":"-_8"}}]}]}]}`,
		`{"x":[{"y":null},-1.5e-3,"\ud83d\ude00"],"resourceLogs":[{"resource":null,"scopeLogs":[{"logRecords":[{"body":{"doubleValue":"-Infinity"},"attributes":[{"key":"k\n","value":{"kvlistValue":{"values":[{"key":"a","value":{"arrayValue":{"values":[{"intValue":"-9223372036854775808"}]}}}]}}}]}]}]}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"abc"}]}]}]}`,
		`{"resourceLogs":[],"resourceLogs":[]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a","intValue":"1"}}]}]}]}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

func FuzzDecodeLogsJSON(f *testing.F) {
	for _, s := range jsonSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) { fuzzJSON(t, logsCodec, b) })
}

func blankInput(b []byte) bool { return len(bytes.Trim(b, " \t\r\n")) == 0 }

// pdataComparable tells whether pdata's reading of valid JSON b is worth
// comparing with ours: pdata stops reading an object at an empty member
// name, reads a null string, array or kvlist value as an empty one where
// protojson (and ours) take null as unset, and knows a deprecated field.
func pdataComparable(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	var stack []json.Delim
	expectKey := false
	lastKey := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
		inObject := len(stack) > 0 && stack[len(stack)-1] == '{'
		if inObject && expectKey {
			if tok == json.Delim('}') {
				stack = stack[:len(stack)-1]
				expectKey = len(stack) > 0 && stack[len(stack)-1] == '{'
				continue
			}
			k, _ := tok.(string)
			switch k {
			case "", "deprecatedScopeLogs", "deprecated_scope_logs":
				return false
			}
			lastKey, expectKey = k, false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			stack = append(stack, tok.(json.Delim))
			expectKey = tok == json.Delim('{')
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		case nil:
			switch lastKey {
			case "stringValue", "string_value", "arrayValue", "array_value", "kvlistValue", "kvlist_value":
				if inObject {
					return false
				}
			}
		}
		expectKey = len(stack) > 0 && stack[len(stack)-1] == '{'
	}
}

func TestPdataComparable(t *testing.T) {
	for in, want := range map[string]bool{
		`{"a":{"b":[1,{"c":null}]}}`:                    true,
		`{"a":{"":1}}`:                                  false,
		`{"body":{"stringValue":null}}`:                 false,
		`{"body":{"stringValue":"null"}}`:               true,
		`{"x":[null],"stringValue":1}`:                  true,
		`{"resourceLogs":[{"deprecatedScopeLogs":[]}]}`: false,
	} {
		if got := pdataComparable([]byte(in)); got != want {
			t.Errorf("%s: %v, want %v", in, got, want)
		}
	}
}

// TestFuzzCorpus writes the committed seed corpus with -update-fuzz-corpus,
// and otherwise checks that it is there.
func TestFuzzCorpus(t *testing.T) {
	targets := map[string][][]byte{
		"FuzzDecodeLogsProto": append(smallRandomRequests(3), protoSeeds()[8:14]...),
		"FuzzDecodeLogsJSON":  jsonSeeds()[8:],
		// Traces: random and realistic requests and the hand-made cases.
		"FuzzDecodeTracesProto": tracesProtoSeeds(),
		"FuzzDecodeTracesJSON":  tracesJSONSeeds(),
		// The first metrics seeds are random requests, large for a corpus file.
		"FuzzDecodeMetricsProto": metricsProtoSeeds()[4:],
		"FuzzDecodeMetricsJSON":  metricsJSONSeeds()[4:],
	}
	for name, seeds := range targets {
		dir := filepath.Join("testdata", "fuzz", name)
		if !*updateCorpus {
			files, _ := filepath.Glob(filepath.Join(dir, "seed-*"))
			if len(files) == 0 {
				t.Errorf("no seed corpus in %s: run go test -run TestFuzzCorpus -update-fuzz-corpus ./otlp/", dir)
			}
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		old, _ := filepath.Glob(filepath.Join(dir, "seed-*"))
		for _, f := range old {
			os.Remove(f)
		}
		for i, s := range seeds {
			data := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

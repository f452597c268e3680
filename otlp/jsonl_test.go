package otlp_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
)

// TestJSONLinesConcatenates decodes several requests on several lines, as
// the Collector's file exporter writes them, and expects their concatenation.
func TestJSONLinesConcatenates(t *testing.T) {
	for _, sep := range []string{"\n", "\r\n", "\n\n  \t\n", "\r\n \r\n"} {
		for _, final := range []string{"", "\n", "\r\n", "\n\n"} {
			var file []byte
			want := &collogspb.ExportLogsServiceRequest{}
			for seed := range 5 {
				req := otlptest.RandomLogsRequest(rand.New(rand.NewPCG(uint64(seed), 4)))
				line, err := otlptest.PdataJSON(req)
				if err != nil {
					t.Fatal(err)
				}
				if bytes.ContainsAny(line, "\r\n") {
					t.Fatal("pdata wrote a line break inside a request")
				}
				if seed > 0 {
					file = append(file, sep...)
				}
				file = append(file, line...)
				pd, err := pdataDecode(line)
				if err != nil {
					t.Fatal(err)
				}
				want.ResourceLogs = append(want.ResourceLogs, pd.ResourceLogs...)
			}
			file = append(file, final...)
			var l otlp.Logs
			if err := otlp.DecodeLogsJSONLines(&l, file); err != nil {
				t.Fatalf("sep %q final %q: %v", sep, final, err)
			}
			got := otlptest.ToProto(&l)
			otlptest.NormalizeZeroIDs(got)
			if diff := otlptest.Diff(want, got); diff != "" {
				t.Fatalf("sep %q final %q: %s", sep, final, diff)
			}
		}
	}
}

func TestJSONLinesEmpty(t *testing.T) {
	for _, in := range []string{"", "\n", "\r\n", " \n\t\r\n\n", "{}", "{}\n{}\n", `{"resourceLogs":[]}`} {
		var l otlp.Logs
		if err := otlp.DecodeLogsJSONLines(&l, []byte(in)); err != nil {
			t.Errorf("%q: %v", in, err)
		}
		if len(l.Resources) != 0 {
			t.Errorf("%q: %d resources", in, len(l.Resources))
		}
	}
}

func TestJSONLinesErrors(t *testing.T) {
	good := `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{}]}]}]}`
	cases := []struct {
		in, msg, path string
		line, off     int
	}{
		{good + "\n\n" + good + "\r\n" + `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"zz"}]}]}]}` + "\n",
			`"zz" is not 32 hex digits`, "resourceLogs[0].scopeLogs[0].logRecords[0].traceId", 4, 2*len(good) + 4 + len(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":`)},
		{good + "\n" + good + good + "\n", "an object after the request", "", 2, 2*len(good) + 1},
		{good + "\n{\n" + good, "want a member name, found end of input", "", 2, len(good) + 2},
		{"\n\n  [1]", "want an object, found an array", "", 3, 4},
		{good + "\r\n" + `{"resourceLogs":[` + "\r\n", "want an object, found end of input", "resourceLogs[0]", 2, len(good) + 2 + len(`{"resourceLogs":[`) + 1},
	}
	for i, tc := range cases {
		var l otlp.Logs
		err := otlp.DecodeLogsJSONLines(&l, []byte(tc.in))
		checkError(t, err, "jsonl", tc.msg, tc.path, tc.off)
		if e, ok := err.(*otlp.Error); ok {
			if e.Line != tc.line {
				t.Errorf("case %d: line %d, want %d", i, e.Line, tc.line)
			}
			if want := " line " + string(rune('0'+tc.line)) + " "; !strings.Contains(err.Error(), want) {
				t.Errorf("case %d: %q does not name the line", i, err.Error())
			}
		}
	}
}

// TestJSONStringMemory checks that strings without escapes alias the input,
// and that decoded ones live in memory that later decodes, Reset and growth
// leave alone.
func TestJSONStringMemory(t *testing.T) {
	in := []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityText":"plain","eventName":"esc\naped","traceId":"5b8efff798038103d269b633813fc60c"}]}]}]}`)
	var d otlp.Decoder
	var l otlp.Logs
	if err := d.DecodeLogsJSON(&l, in); err != nil {
		t.Fatal(err)
	}
	inside := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		start := uintptr(unsafe.Pointer(&in[0]))
		return p >= start && p < start+uintptr(len(in))
	}
	r := l.Records[0]
	if r.SeverityText != "plain" || !inside(r.SeverityText) {
		t.Errorf("severityText %q does not alias the input", r.SeverityText)
	}
	if r.EventName != "esc\naped" || inside(r.EventName) {
		t.Errorf("eventName %q", r.EventName)
	}
	kept := []string{r.EventName, r.TraceID}
	keptCopy := []string{strings.Clone(kept[0]), strings.Clone(kept[1])}

	// Many escaped strings: the memory grows in new chunks; and after Reset
	// new decodes must not write over what earlier ones returned.
	var big strings.Builder
	big.WriteString(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[`)
	const n = 5000
	for i := range n {
		if i > 0 {
			big.WriteByte(',')
		}
		big.WriteString(`{"severityText":"r\u00e9cord `)
		big.WriteString(strings.Repeat("x", i%50))
		big.WriteString(`","body":{"bytesValue":"AAECAwQFBgc="}}`)
	}
	big.WriteString(`]}]}]}`)
	for range 3 {
		l.Reset()
		if err := d.DecodeLogsJSON(&l, []byte(big.String())); err != nil {
			t.Fatal(err)
		}
		for i, r := range l.Records {
			if want := "récord " + strings.Repeat("x", i%50); r.SeverityText != want {
				t.Fatalf("record %d: %q, want %q", i, r.SeverityText, want)
			}
			if r.Body.Str != "\x00\x01\x02\x03\x04\x05\x06\x07" {
				t.Fatalf("record %d: bytes %q", i, r.Body.Str)
			}
		}
		for i := range kept {
			if kept[i] != keptCopy[i] {
				t.Fatalf("a string from an earlier decode changed: %q, was %q", kept[i], keptCopy[i])
			}
		}
	}
}

package otlp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// pdataDecode decodes OTLP/JSON with the Collector's pdata, zero ids removed.
func pdataDecode(b []byte) (*collogspb.ExportLogsServiceRequest, error) {
	req, err := otlptest.PdataFromJSON(b)
	if err == nil {
		otlptest.NormalizeZeroIDs(req)
	}
	return req, err
}

// ourJSON decodes OTLP/JSON with ours, as the official types, zero ids removed.
func ourJSON(d *otlp.Decoder, l *otlp.Logs, b []byte) (*collogspb.ExportLogsServiceRequest, error) {
	l.Reset()
	if err := d.DecodeLogsJSON(l, b); err != nil {
		return nil, err
	}
	req := otlptest.ToProto(l)
	otlptest.NormalizeZeroIDs(req)
	return req, nil
}

// TestJSONOracleRandom decodes random requests as the Collector encodes them,
// and variants of that JSON, and compares with the Collector's decoding.
func TestJSONOracleRandom(t *testing.T) {
	t.Parallel()
	n := 1000
	if testing.Short() || raceEnabled {
		n = 100
	}
	var d otlp.Decoder
	var l otlp.Logs
	for seed := range n {
		r := rand.New(rand.NewPCG(uint64(seed), 3))
		req := otlptest.RandomLogsRequest(r)
		in, err := otlptest.PdataJSON(req)
		if err != nil {
			t.Fatal(err)
		}
		want, err := pdataDecode(in)
		if err != nil {
			t.Fatalf("seed %d: pdata: %v", seed, err)
		}
		got, err := ourJSON(&d, &l, in)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if diff := otlptest.Diff(want, got); diff != "" {
			t.Fatalf("seed %d: %s", seed, diff)
		}
		variant := mutateJSON(t, r, in)
		got, err = ourJSON(&d, &l, variant)
		if err != nil {
			t.Fatalf("seed %d, variant: %v\n%.2000s", seed, err, variant)
		}
		if diff := otlptest.Diff(want, got); diff != "" {
			t.Fatalf("seed %d, variant %.2000s: %s", seed, variant, diff)
		}
	}
}

// mutateJSON rewrites OTLP/JSON into an equivalent form a decoder must also
// accept: snake_case keys, 64-bit integers as numbers, 32-bit ones as
// strings, severity names, upper-case ids, escapes, unknown fields with
// nested junk, and whitespace.
func mutateJSON(t *testing.T, r *rand.Rand, in []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	m := mutator{r: r}
	m.value(v, "")
	return m.b
}

type mutator struct {
	r *rand.Rand
	b []byte
}

func (m *mutator) ws() {
	if m.r.IntN(5) == 0 {
		for range m.r.IntN(3) + 1 {
			m.b = append(m.b, " \t\n\r"[m.r.IntN(4)])
		}
	}
}

func snake(k string) string {
	var sb strings.Builder
	for _, c := range k {
		if 'A' <= c && c <= 'Z' {
			sb.WriteByte('_')
			c += 'a' - 'A'
		}
		sb.WriteRune(c)
	}
	return sb.String()
}

func (m *mutator) value(v any, key string) {
	m.ws()
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		m.r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		m.b = append(m.b, '{')
		for i, k := range keys {
			if i > 0 {
				m.b = append(m.b, ',')
			}
			name := k
			if m.r.IntN(2) == 0 {
				name = snake(k)
			}
			m.ws()
			m.str(name)
			m.ws()
			m.b = append(m.b, ':')
			m.value(v[k], k)
		}
		if m.r.IntN(4) == 0 {
			if len(keys) > 0 {
				m.b = append(m.b, ',')
			}
			m.str("unknownField" + fmt.Sprint(m.r.IntN(3)))
			m.b = append(m.b, ':')
			m.junk(3)
		}
		m.ws()
		m.b = append(m.b, '}')
	case []any:
		m.b = append(m.b, '[')
		for i, e := range v {
			if i > 0 {
				m.b = append(m.b, ',')
			}
			m.value(e, key)
		}
		m.ws()
		m.b = append(m.b, ']')
	case string:
		switch key {
		case "timeUnixNano", "observedTimeUnixNano", "intValue":
			if m.r.IntN(2) == 0 {
				m.b = append(m.b, v...)
				return
			}
		case "traceId", "spanId":
			if m.r.IntN(2) == 0 {
				v = strings.ToUpper(v)
			}
		}
		m.str(v)
	case json.Number:
		switch key {
		case "severityNumber":
			if name, ok := logspb.SeverityNumber_name[int32(mustInt(v))]; ok && m.r.IntN(2) == 0 {
				m.str(name)
				return
			}
		case "flags", "droppedAttributesCount", "keyStrindex", "stringValueStrindex", "doubleValue":
			if m.r.IntN(2) == 0 {
				m.str(string(v))
				return
			}
		}
		m.b = append(m.b, v...)
	case bool:
		m.b = fmt.Append(m.b, v)
	case nil:
		m.b = append(m.b, "null"...)
	default:
		panic(fmt.Sprintf("%T", v))
	}
}

func mustInt(n json.Number) int64 {
	i, err := n.Int64()
	if err != nil {
		panic(err)
	}
	return i
}

// str writes s as a JSON string, escaping some characters that need no escape.
func (m *mutator) str(s string) {
	m.b = append(m.b, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\' || c < 0x20 || m.r.IntN(8) == 0:
			switch short := map[rune]string{'"': `\"`, '\\': `\\`, '/': `\/`, '\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`}[c]; {
			case short != "" && m.r.IntN(2) == 0:
				m.b = append(m.b, short...)
			case c > 0xffff:
				r1, r2 := utf16.EncodeRune(c)
				m.b = fmt.Appendf(m.b, `\u%04x\u%04X`, r1, r2)
			default:
				m.b = fmt.Appendf(m.b, `\u%04x`, c)
			}
		default:
			m.b = utf8.AppendRune(m.b, c)
		}
	}
	m.b = append(m.b, '"')
}

// junk writes a random JSON value nested up to depth.
func (m *mutator) junk(depth int) {
	m.ws()
	n := 6
	if depth > 0 {
		n = 8
	}
	switch m.r.IntN(n) {
	case 0:
		m.b = append(m.b, "null"...)
	case 1:
		m.b = append(m.b, "true"...)
	case 2:
		m.b = append(m.b, "-12.5e+3"...)
	case 3:
		m.str("junk \"string\" ✓")
	case 4:
		m.b = append(m.b, "0"...)
	case 5:
		m.b = append(m.b, `"resourceLogs"`...)
	case 6:
		m.b = append(m.b, '[')
		for i := range m.r.IntN(4) {
			if i > 0 {
				m.b = append(m.b, ',')
			}
			m.junk(depth - 1)
		}
		m.b = append(m.b, ']')
	case 7:
		m.b = append(m.b, '{')
		for i := range m.r.IntN(4) {
			if i > 0 {
				m.b = append(m.b, ',')
			}
			m.str([]string{"resourceLogs", "body", "traceId", "k"}[m.r.IntN(4)])
			m.b = append(m.b, ':')
			m.junk(depth - 1)
		}
		m.b = append(m.b, '}')
	}
	m.ws()
}

// wrapRecord puts log record members into a request.
func wrapRecord(members string) string {
	return `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{` + members + `}]}]}]}`
}

// TestJSONEquivalents decodes hand-written OTLP/JSON that says the same as a
// canonical form, which the Collector's pdata decodes for the expected value.
func TestJSONEquivalents(t *testing.T) {
	const id = `"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"`
	cases := []struct{ name, in, canonical string }{
		{"empty object", `{}`, `{}`},
		{"whitespace around", " \t\r\n{ \"resourceLogs\" : [ ] } \n", `{}`},
		{"LogsData form with nulls", `{"resourceLogs":null}`, `{}`},
		{"snake_case keys",
			`{"resource_logs":[{"resource":{"dropped_attributes_count":2,"entity_refs":[{"schema_url":"u","id_keys":["a"],"description_keys":["b"]}]},"schema_url":"s","scope_logs":[{"schema_url":"t","log_records":[{"time_unix_nano":"1","observed_time_unix_nano":"2","severity_number":9,"severity_text":"INFO","dropped_attributes_count":3,"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174","event_name":"e","body":{"kvlist_value":{"values":[{"key":"k","key_strindex":4,"value":{"string_value_strindex":5}},{"key":"a","value":{"array_value":{"values":[{"bool_value":true},{"int_value":"7"},{"double_value":1.5},{"bytes_value":"AQI="},{"string_value":"s"}]}}}]}}}]}]}]}`,
			`{"resourceLogs":[{"resource":{"droppedAttributesCount":2,"entityRefs":[{"schemaUrl":"u","idKeys":["a"],"descriptionKeys":["b"]}]},"schemaUrl":"s","scopeLogs":[{"schemaUrl":"t","logRecords":[{"timeUnixNano":"1","observedTimeUnixNano":"2","severityNumber":9,"severityText":"INFO","droppedAttributesCount":3,"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","eventName":"e","body":{"kvlistValue":{"values":[{"key":"k","keyStrindex":4,"value":{"stringValueStrindex":5}},{"key":"a","value":{"arrayValue":{"values":[{"boolValue":true},{"intValue":"7"},{"doubleValue":1.5},{"bytesValue":"AQI="},{"stringValue":"s"}]}}}]}}}]}]}]}`},
		{"64-bit integers as numbers", wrapRecord(`"timeUnixNano":1700000000000000000,"observedTimeUnixNano":18446744073709551615,"body":{"intValue":-9223372036854775808}`),
			wrapRecord(`"timeUnixNano":"1700000000000000000","observedTimeUnixNano":"18446744073709551615","body":{"intValue":"-9223372036854775808"}`)},
		{"integers with exponent or fraction", wrapRecord(`"timeUnixNano":1e3,"observedTimeUnixNano":"2.50e1","flags":1.0,"severityNumber":9E0,"body":{"intValue":"-1.2e1"}`),
			wrapRecord(`"timeUnixNano":"1000","observedTimeUnixNano":"25","flags":1,"severityNumber":9,"body":{"intValue":"-12"}`)},
		{"32-bit integers as strings", wrapRecord(`"flags":"4294967295","droppedAttributesCount":"7","attributes":[{"key":"k","keyStrindex":"-2","value":{"stringValueStrindex":"-2147483648"}}]`),
			wrapRecord(`"flags":4294967295,"droppedAttributesCount":7,"attributes":[{"key":"k","keyStrindex":-2,"value":{"stringValueStrindex":-2147483648}}]`)},
		{"severity names", `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"SEVERITY_NUMBER_INFO"},{"severityNumber":"SEVERITY_NUMBER_FATAL4"},{"severityNumber":"SEVERITY_NUMBER_UNSPECIFIED"},{"severityNumber":"SEVERITY_NUMBER_TRACE2"}]}]}]}`,
			`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":9},{"severityNumber":24},{},{"severityNumber":2}]}]}]}`},
		{"unknown fields with nested junk", `{"x":{"resourceLogs":[1,{"y":[[],{}]}]},"resourceLogs":[{"z":null,"scopeLogs":[{"logRecords":[{"w":[true,false,null,-0.5e-3,"\u00e9\n"],"body":{"v":{},"stringValue":"ok","u":[]}}]}]}],"t":"resourceLogs"}`,
			wrapRecord(`"body":{"stringValue":"ok"}`)},
		{"nulls mean defaults", `{"resourceLogs":[{"resource":null,"schemaUrl":null,"scopeLogs":[{"scope":null,"logRecords":[{"timeUnixNano":null,"severityNumber":null,"severityText":null,"body":null,"attributes":null,"flags":null,"traceId":null,"spanId":null,"eventName":null,"droppedAttributesCount":null}]}]}]}`,
			wrapRecord(``)},
		{"null oneof members are unset", wrapRecord(`"body":{"stringValue":null,"arrayValue":null,"intValue":"3","kvlistValue":null,"bytesValue":null}`),
			wrapRecord(`"body":{"intValue":"3"}`)},
		{"escapes", wrapRecord(`"severityText":"\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00\u0000","body":{"stringValue":"a\u2028b"},"attributes":[{"\u006bey":"k\u00e9y","value":{"stringValue":""}}]`),
			wrapRecord(`"severityText":"\"\\/\b\f\n\r\t` + "Aé€😀" + `\u0000","body":{"stringValue":"a` + "\u2028" + `b"},"attributes":[{"key":"kéy","value":{"stringValue":""}}]`)},
		{"upper-case and mixed-case ids", wrapRecord(`"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EeE19b7Ec3C1b174"`), wrapRecord(id)},
		{"empty ids", wrapRecord(`"traceId":"","spanId":""`), wrapRecord(``)},
		{"base64 variants", `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"bytesValue":"+/8="}},{"body":{"bytesValue":"+/8"}},{"body":{"bytesValue":"-_8="}},{"body":{"bytesValue":"-_8"}},{"body":{"bytesValue":""}},{"body":{"bytesValue":"QUJD"}}]}]}]}`,
			`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"bytesValue":"+/8="}},{"body":{"bytesValue":"+/8="}},{"body":{"bytesValue":"+/8="}},{"body":{"bytesValue":"+/8="}},{"body":{"bytesValue":""}},{"body":{"bytesValue":"QUJD"}}]}]}]}`},
		{"special doubles", `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"doubleValue":"NaN"}},{"body":{"doubleValue":"Infinity"}},{"body":{"doubleValue":"-Infinity"}},{"body":{"doubleValue":-0}},{"body":{"doubleValue":"1.5e3"}},{"body":{"doubleValue":1e-320}},{"body":{"doubleValue":"-0"}}]}]}]}`,
			`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"doubleValue":"NaN"}},{"body":{"doubleValue":"Infinity"}},{"body":{"doubleValue":"-Infinity"}},{"body":{"doubleValue":-0}},{"body":{"doubleValue":1500}},{"body":{"doubleValue":1e-320}},{"body":{"doubleValue":-0}}]}]}]}`},
		{"empty AnyValue and KeyValue", wrapRecord(`"body":{},"attributes":[{},{"key":"k"},{"value":{}}]`), wrapRecord(`"attributes":[{},{"key":"k"},{}]`)},
		{"several resources and scopes", `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"a"}]},{"scope":{"name":"s2"}}]},{},{"scopeLogs":[{"logRecords":[{},{"eventName":"b"}]}]}]}`,
			`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"a"}]},{"scope":{"name":"s2"}}]},{},{"scopeLogs":[{"logRecords":[{},{"eventName":"b"}]}]}]}`},
	}
	var d otlp.Decoder
	var l otlp.Logs
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want, err := pdataDecode([]byte(tc.canonical))
			if err != nil {
				t.Fatalf("pdata on the canonical form: %v", err)
			}
			got, err := ourJSON(&d, &l, []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := otlptest.Diff(want, got); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}

// protojsonDecode decodes with protojson. OTLP ignores unknown fields, so
// when protojson rejects one it decodes again discarding them (which would
// also discard unknown enum names: hence not at first).
func protojsonDecode(in string) (*collogspb.ExportLogsServiceRequest, error) {
	req := &collogspb.ExportLogsServiceRequest{}
	err := protojson.Unmarshal([]byte(in), req)
	if err != nil && strings.Contains(err.Error(), "unknown field") {
		req = &collogspb.ExportLogsServiceRequest{}
		err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal([]byte(in), req)
	}
	return req, err
}

// TestJSONMatchesProtojson checks, field by field and value by value, that
// ours accepts what protojson accepts and reads the same value. (protojson is
// the protobuf project's own JSON reader; the ids are left out because
// OTLP's hex differs from its base64.)
func TestJSONMatchesProtojson(t *testing.T) {
	fields := []struct{ name, template string }{
		{"timeUnixNano", wrapRecord(`"timeUnixNano":%s`)},
		{"severityNumber", wrapRecord(`"severityNumber":%s`)},
		{"severityText", wrapRecord(`"severityText":%s`)},
		{"droppedAttributesCount", wrapRecord(`"droppedAttributesCount":%s`)},
		{"flags", wrapRecord(`"flags":%s`)},
		{"stringValue", wrapRecord(`"body":{"stringValue":%s}`)},
		{"boolValue", wrapRecord(`"body":{"boolValue":%s}`)},
		{"intValue", wrapRecord(`"body":{"intValue":%s}`)},
		{"doubleValue", wrapRecord(`"body":{"doubleValue":%s}`)},
		{"bytesValue", wrapRecord(`"body":{"bytesValue":%s}`)},
		{"stringValueStrindex", wrapRecord(`"body":{"stringValueStrindex":%s}`)},
		{"keyStrindex", wrapRecord(`"attributes":[{"keyStrindex":%s}]`)},
		{"key", wrapRecord(`"attributes":[{"key":%s}]`)},
		{"resource droppedAttributesCount", `{"resourceLogs":[{"resource":{"droppedAttributesCount":%s}}]}`},
		{"scope name", `{"resourceLogs":[{"scopeLogs":[{"scope":{"name":%s}}]}]}`},
		{"idKeys", `{"resourceLogs":[{"resource":{"entityRefs":[{"idKeys":%s}]}}]}`},
		{"arrayValue", wrapRecord(`"body":{"arrayValue":%s}`)},
		{"values", wrapRecord(`"body":{"kvlistValue":{"values":%s}}`)},
		{"body", wrapRecord(`"body":%s`)},
		{"logRecords", `{"resourceLogs":[{"scopeLogs":[{"logRecords":%s}]}]}`},
	}
	values := []string{
		`0`, `1`, `-1`, `-0`, `0.0`, `1.0`, `1.5`, `1e3`, `1E3`, `1e+3`, `1e-1`, `10e-1`, `100e-2`, `0.5e1`, `0e99`, `-0.0e5`,
		`1e20`, `1e19`, `1.8446744073709551615e19`, `1e2147483648`, `123456789012345678901234567890e-10`,
		`18446744073709551615`, `18446744073709551616`, `9223372036854775807`, `9223372036854775808`, `-9223372036854775808`, `-9223372036854775809`,
		`4294967295`, `4294967296`, `2147483647`, `2147483648`, `-2147483648`, `-2147483649`,
		`01`, `1.`, `.5`, `-`, `1e`, `1e+`, `+1`, `0x10`, `1_0`, `NaN`, `Infinity`,
		`1e400`, `-1e400`, `1e-400`, `4.9e-324`, `1.7976931348623157e308`,
		`"0"`, `"1"`, `"-1"`, `"-0"`, `"1e3"`, `"1.5"`, `" 1"`, `"1 "`, `""`, `"+1"`, `"01"`, `"0x10"`, `"1 2"`, `"\u0031"`, `"1e400"`,
		`"NaN"`, `"Infinity"`, `"-Infinity"`, `"infinity"`, `"nan"`, `"-NaN"`, `"+Infinity"`,
		`"SEVERITY_NUMBER_INFO"`, `"SEVERITY_NUMBER_INFO4"`, `"SEVERITY_NUMBER_INFO5"`, `"SEVERITY_NUMBER_UNSPECIFIED"`, `"severity_number_info"`, `"INFO"`, `"9"`,
		`true`, `false`, `null`, `"true"`, `[]`, `{}`, `[1]`, `["a","b"]`, `[null]`, `["a",null]`, `[{}]`, `[{},{"stringValue":"x"}]`, `{"values":[]}`, `{"values":[{"intValue":"1"}]}`,
		`"abc"`, `"QQ=="`, `"QQ"`, `"QQ="`, `"Q"`, `"-_8"`, `"+/8="`, `"+_8="`, `"Q Q=="`, `"QQ==\n"`, `"QUJD\r\nREVG"`, `"QQ==QQ=="`, `"YQ=="`, `"YR=="`,
		`"a\u00e9"`, `"\ud83d\ude00"`, `"\ud800"`, `"\udc00"`, `"\ud800\u0041"`, `"\ud800\ud800"`, `"\udc00\ud800\udc00"`, `"\ud800\udc00\udc00"`, `"\u12"`, `"\u12g4"`, `"\x"`, `"\'"`,
		"\"tab\there\"", "\"a\x7fb\"", "\"\xff\"", "\"\xc3\xa9\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", `"\u0000"`, `"é"`,
		`"unterminated`, `tru`, `nul`, `nulls`, `1 2`, `[1,]`, `[,1]`, `{"a":1,}`, `{,}`, `{"a"}`, `{"a":}`, `{1:2}`, `[1 2]`,
	}
	// Where protojson is wrong: it takes "1e", which RFC 8259 does not allow, as 1.
	protojsonLenient := map[string]bool{`1e`: true}
	var d otlp.Decoder
	var l otlp.Logs
	checked := 0
	for _, f := range fields {
		for _, v := range values {
			in := fmt.Sprintf(f.template, v)
			want, werr := protojsonDecode(in)
			if protojsonLenient[v] && werr == nil {
				werr = errors.New("protojson is lenient here")
			}
			l.Reset()
			err := d.DecodeLogsJSON(&l, []byte(in))
			if (err != nil) != (werr != nil) {
				t.Errorf("%s = %s: our error %v, protojson's %v", f.name, v, err, werr)
				continue
			}
			checked++
			if err != nil {
				if _, ok := err.(*otlp.Error); !ok {
					t.Errorf("%s = %s: error %T, want *otlp.Error", f.name, v, err)
				}
				continue
			}
			if diff := otlptest.Diff(want, otlptest.ToProto(&l)); diff != "" {
				t.Errorf("%s = %s: %s", f.name, v, diff)
			}
		}
	}
	t.Logf("%d cases", checked)
}

// TestJSONMatchesProtojsonDocuments compares whole documents' acceptance
// with protojson's, for the rules about objects: duplicates, oneofs, nulls.
func TestJSONMatchesProtojsonDocuments(t *testing.T) {
	docs := []string{
		`{}`, ` {} `, ``, ` `, `null`, `[]`, `{}{}`, `{} x`, `{"resourceLogs":[]}`, `{"resourceLogs":[],"resourceLogs":[]}`,
		`{"resourceLogs":[],"resource_logs":[]}`, `{"resourceLogs":null,"resourceLogs":[]}`, `{"resourceLogs":[null]}`, `{"resourceLogs":{}}`,
		`{"resourceLogs":[{"resource":{},"resource":{}}]}`, `{"resourceLogs":[{"schemaUrl":"a","schema_url":"b"}]}`,
		wrapRecord(`"body":{"stringValue":"a","intValue":"1"}`), wrapRecord(`"body":{"stringValue":"a","string_value":"b"}`),
		wrapRecord(`"body":{"stringValue":null,"intValue":"1"}`), wrapRecord(`"body":{"intValue":"1","stringValue":null}`),
		wrapRecord(`"body":{"arrayValue":{},"kvlistValue":{}}`), wrapRecord(`"body":{"arrayValue":{"values":[],"values":[]}}`),
		wrapRecord(`"timeUnixNano":"1","time_unix_nano":"2"`), wrapRecord(`"attributes":[],"attributes":[]`),
		wrapRecord(`"attributes":[{"key":"a","key":"b"}]`), wrapRecord(`"attributes":[{"value":{},"value":null}]`),
		wrapRecord(`"body":{"kvlistValue":{"values":[{"key":"a","value":{"kvlistValue":{"values":[{"key":"b","value":{"boolValue":true}}]}}}]}}`),
		wrapRecord(`"body":{"arrayValue":{"values":[{"arrayValue":{"values":[{"arrayValue":{}}]}}]}}`),
		`{"resourceLogs":[{"resource":{"entityRefs":[{"type":"t","type":"u"}]}}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"scope":{"name":"a"},"scope":null}]}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{}],"log_records":[{}]}]}]}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{}]},]}]}`,
		"{\"resourceLogs\":[]}\x00", "\ufeff{}", `{"resourceLogs":[]`, `{"resourceLogs"`, `{"resourceLogs":`, `{`, `{"a":1 "b":2}`,
	}
	var d otlp.Decoder
	var l otlp.Logs
	for _, in := range docs {
		want, werr := protojsonDecode(in)
		l.Reset()
		err := d.DecodeLogsJSON(&l, []byte(in))
		if (err != nil) != (werr != nil) {
			t.Errorf("%s: our error %v, protojson's %v", in, err, werr)
			continue
		}
		if err == nil {
			if diff := otlptest.Diff(want, otlptest.ToProto(&l)); diff != "" {
				t.Errorf("%s: %s", in, diff)
			}
		}
	}
}

// TestJSONErrors checks what errors say and where they point.
func TestJSONErrors(t *testing.T) {
	rec := func(members string) string { return wrapRecord(members) }
	const recAt = len(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{`)
	const recPath = "resourceLogs[0].scopeLogs[0].logRecords[0]."
	cases := []struct {
		in, msg, path string
		off           int
	}{
		{``, "want an object, found end of input", "", 0},
		{`[]`, "want an object, found an array", "", 0},
		{`{} {}`, "an object after the request", "", 3},
		{`{"resourceLogs":{}}`, "want an array, found an object", "resourceLogs", 16},
		{`{"resourceLogs":[1]}`, "want an object, found a number", "resourceLogs[0]", 17},
		{`{"resourceLogs":[{},null]}`, "want an object, found null", "resourceLogs[1]", 20},
		{`nope`, "want an object, found unexpected character 'n'", "", 0},
		{`{"resourceLogs":[{},tru]}`, "found unexpected character 't'", "resourceLogs[1]", 20},
		{`{"resourceLogs":[{}{}]}`, "want , or ] after an array element, found an object", "resourceLogs", 19},
		{`{"resourceLogs":[],"resourceLogs":[]}`, "field given twice", "resourceLogs", 19},
		{rec(`"traceId":"abc"`), `"abc" is not 32 hex digits`, recPath + "traceId", recAt + 10},
		{rec(`"spanId":"eee19b7ec3c1b17g"`), `"eee19b7ec3c1b17g" is not 16 hex digits`, recPath + "spanId", recAt + 9},
		{rec(`"traceId":5`), "want a string, found a number", recPath + "traceId", recAt + 10},
		{rec(`"timeUnixNano":"12a"`), `"12a" is not an unsigned integer`, recPath + "timeUnixNano", recAt + 15},
		{rec(`"timeUnixNano":-1`), `"-1" is not an unsigned integer of 64 bits`, recPath + "timeUnixNano", recAt + 15},
		{rec(`"flags":4294967296`), `"4294967296" is not an unsigned integer of 32 bits`, recPath + "flags", recAt + 8},
		{rec(`"flags":true`), "want an unsigned integer, found a boolean", recPath + "flags", recAt + 8},
		{rec(`"severityNumber":"INFO"`), `"INFO" is not a SeverityNumber`, recPath + "severityNumber", recAt + 17},
		{rec(`"body":{"intValue":1.5}`), `"1.5" is not an integer of 64 bits`, recPath + "body.intValue", recAt + 19},
		{rec(`"body":{"doubleValue":1e999}`), `"1e999" is out of range for a double`, recPath + "body.doubleValue", recAt + 22},
		{rec(`"body":{"doubleValue":"nan"}`), `"nan" is not a number`, recPath + "body.doubleValue", recAt + 22},
		{rec(`"body":{"bytesValue":"QQ=Q"}`), `"QQ=Q" is not base64`, recPath + "body.bytesValue", recAt + 21},
		{rec(`"body":{"boolValue":"true"}`), "want true or false, found a string", recPath + "body.boolValue", recAt + 20},
		{rec(`"body":{"stringValue":"a","intValue":"1"}`), "stringValue is set too", recPath + "body.intValue", recAt + 26},
		{rec(`"body":{"stringValue":"a","string_value":"b"}`), "field given twice", recPath + "body.stringValue", recAt + 26},
		{rec(`"attributes":[{"key":"a"},{"key":"b","value":{"kvlistValue":{"values":[{"key":"\ud800"}]}}}]`), "lone UTF-16 surrogate",
			recPath + "attributes[1].value.kvlistValue.values[0].key", recAt + 79},
		{rec(`"severityText":"a` + "\xff" + `"`), "not valid UTF-8", recPath + "severityText", recAt + 17},
		{rec(`"severityText":"a` + "\n" + `"`), "control character 0xa in string", recPath + "severityText", recAt + 17},
		{rec(`"severityText":"a\q"`), `invalid escape \q`, recPath + "severityText", recAt + 17},
		{rec(`"severityText":"abc`), "unterminated string", recPath + "severityText", recAt + 15},
		{rec(`"unknown":[1,2,}`), "want a value, found unexpected character '}'", "resourceLogs[0].scopeLogs[0].logRecords[0]", recAt + 15},
		{rec(`"unknown":{"a":01}`), "invalid number", "resourceLogs[0].scopeLogs[0].logRecords[0]", recAt + 15},
		{rec(`"body":` + strings.Repeat(`{"arrayValue":{"values":[`, otlp.MaxDepth+1) + strings.Repeat(`]}}`, otlp.MaxDepth+1)), "values nest deeper than 64 levels",
			recPath + "body" + strings.Repeat(".arrayValue.values[0]", otlp.MaxDepth) + ".arrayValue", recAt + 7 + 64*len(`{"arrayValue":{"values":[`) + len(`{"arrayValue":`)},
		{`{"x":` + strings.Repeat(`[`, 10001) + strings.Repeat(`]`, 10001) + `}`, "values nest deeper than 10000 levels", "", 5 + 10000},
	}
	var d otlp.Decoder
	for _, tc := range cases {
		var l otlp.Logs
		err := d.DecodeLogsJSON(&l, []byte(tc.in))
		t.Run(fmt.Sprintf("%.40s", tc.in), func(t *testing.T) {
			checkError(t, err, "json", tc.msg, tc.path, tc.off)
		})
	}
}

// TestJSONErrorMessage checks a whole message, as the brief's example has it.
func TestJSONErrorMessage(t *testing.T) {
	in := `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{},{},{},{"traceId":"abc"}]}]}]}`
	err := otlp.DecodeLogsJSON(&otlp.Logs{}, []byte(in))
	want := `otlp: invalid json at resourceLogs[0].scopeLogs[0].logRecords[3].traceId (byte 66): "abc" is not 32 hex digits`
	if err == nil || err.Error() != want {
		t.Fatalf("error %v\nwant %s", err, want)
	}
	if in[66:71] != `"abc"` {
		t.Fatalf("offset 66 is at %q", in[66:])
	}
}

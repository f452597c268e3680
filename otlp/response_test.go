package otlp_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/otlp2parquet/otlp2parquet/otlp"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

var responseCases = []struct {
	rejected int64
	msg      string
}{
	{0, ""},
	{3, "3 log records rejected: time_unix_nano is after the year 2262"},
	{1, ""},
	{0, "a warning with nothing rejected"},
	{math.MaxInt64, "max"},
	{-1, "negative stays what it was"},
	{2, "quote \" backslash \\ newline \n tab \t nul \x00 esc \x1b del \x7f"},
	{2, "unicode é 日本 😀 \u2028 \ufffd"},
	{2, "invalid utf-8: \xff\xfe and a cut rune \xe6\x97"},
}

// officialLogsResponse is the response the official types make of the same values.
func officialLogsResponse(rejected int64, msg string) *collogspb.ExportLogsServiceResponse {
	resp := &collogspb.ExportLogsServiceResponse{}
	if rejected != 0 || msg != "" {
		resp.PartialSuccess = &collogspb.ExportLogsPartialSuccess{
			RejectedLogRecords: rejected,
			ErrorMessage:       strings.ToValidUTF8(msg, "\uFFFD"),
		}
	}
	return resp
}

func TestLogsResponseOracle(t *testing.T) {
	for _, c := range responseCases {
		want := officialLogsResponse(c.rejected, c.msg)

		pb := otlp.AppendResponseProto([]byte("prefix"), c.rejected, c.msg)
		if !strings.HasPrefix(string(pb), "prefix") {
			t.Fatalf("%q: AppendLogsResponseProto dropped what b held", c.msg)
		}
		pb = pb[len("prefix"):]
		got := &collogspb.ExportLogsServiceResponse{}
		if err := proto.Unmarshal(pb, got); err != nil {
			t.Fatalf("%d %q: proto.Unmarshal: %v (bytes %x)", c.rejected, c.msg, err, pb)
		}
		if !proto.Equal(got, want) {
			t.Errorf("%d %q: protobuf decodes as %v, want %v", c.rejected, c.msg, got, want)
		}
		wantBytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if string(pb) != string(wantBytes) {
			t.Errorf("%d %q: protobuf %x, the official encoder writes %x", c.rejected, c.msg, pb, wantBytes)
		}

		js := otlp.AppendResponseJSON(nil, otlp.RejectedLogRecords, c.rejected, c.msg)
		got = &collogspb.ExportLogsServiceResponse{}
		if err := protojson.Unmarshal(js, got); err != nil {
			t.Fatalf("%d %q: protojson.Unmarshal(%s): %v", c.rejected, c.msg, js, err)
		}
		if !proto.Equal(got, want) {
			t.Errorf("%d %q: JSON %s decodes as %v, want %v", c.rejected, c.msg, js, got, want)
		}
	}
}

func TestLogsResponseJSONShape(t *testing.T) {
	for _, c := range []struct {
		rejected int64
		msg      string
		want     string
	}{
		{0, "", `{}`},
		{3, "bad", `{"partialSuccess":{"rejectedLogRecords":"3","errorMessage":"bad"}}`},
		{3, "", `{"partialSuccess":{"rejectedLogRecords":"3"}}`},
		{0, "warn", `{"partialSuccess":{"errorMessage":"warn"}}`},
		{1, "a\"b\\c\nd\x01", `{"partialSuccess":{"rejectedLogRecords":"1","errorMessage":"a\"b\\c\nd\u0001"}}`},
	} {
		if got := string(otlp.AppendResponseJSON(nil, otlp.RejectedLogRecords, c.rejected, c.msg)); got != c.want {
			t.Errorf("AppendResponseJSON(%d, otlp.RejectedLogRecords, %q) = %s, want %s", c.rejected, c.msg, got, c.want)
		}
	}
	if got := otlp.AppendResponseProto(nil, 0, ""); len(got) != 0 {
		t.Errorf("full success: protobuf %x, want no bytes (partial_success unset)", got)
	}
}

func TestStatusOracle(t *testing.T) {
	codes := []int32{0, 3, 8, 14, 16, -1, math.MaxInt32}
	for i, c := range responseCases {
		code := codes[i%len(codes)]
		want := &spb.Status{Code: code, Message: strings.ToValidUTF8(c.msg, "\uFFFD")}

		pb := otlp.AppendStatusProto(nil, code, c.msg)
		got := &spb.Status{}
		if err := proto.Unmarshal(pb, got); err != nil {
			t.Fatalf("%d %q: proto.Unmarshal: %v", code, c.msg, err)
		}
		if !proto.Equal(got, want) {
			t.Errorf("%d %q: protobuf decodes as %v, want %v", code, c.msg, got, want)
		}
		wantBytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if string(pb) != string(wantBytes) {
			t.Errorf("%d %q: protobuf %x, the official encoder writes %x", code, c.msg, pb, wantBytes)
		}

		js := otlp.AppendStatusJSON(nil, code, c.msg)
		got = &spb.Status{}
		if err := protojson.Unmarshal(js, got); err != nil {
			t.Fatalf("%d %q: protojson.Unmarshal(%s): %v", code, c.msg, js, err)
		}
		if !proto.Equal(got, want) {
			t.Errorf("%d %q: JSON %s decodes as %v, want %v", code, c.msg, js, got, want)
		}
	}
	if got, want := string(otlp.AppendStatusJSON(nil, 3, "bad")), `{"code":3,"message":"bad"}`; got != want {
		t.Errorf("AppendStatusJSON = %s, want %s", got, want)
	}
}

// TestResponseRandomMessages feeds arbitrary bytes as messages: whatever a
// client sent and an error quotes must still give a response readers accept.
func TestResponseRandomMessages(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		msg := string(b)
		rejected := r.Int64N(1000)
		want := officialLogsResponse(rejected, msg)
		got := &collogspb.ExportLogsServiceResponse{}
		if err := protojson.Unmarshal(otlp.AppendResponseJSON(nil, otlp.RejectedLogRecords, rejected, msg), got); err != nil || !proto.Equal(got, want) {
			t.Fatalf("JSON of %q: %v, %v; want %v", msg, err, got, want)
		}
		got = &collogspb.ExportLogsServiceResponse{}
		if err := proto.Unmarshal(otlp.AppendResponseProto(nil, rejected, msg), got); err != nil || !proto.Equal(got, want) {
			t.Fatalf("protobuf of %q: %v, %v; want %v", msg, err, got, want)
		}
		st := &spb.Status{}
		if err := protojson.Unmarshal(otlp.AppendStatusJSON(nil, 13, msg), st); err != nil || st.Message != strings.ToValidUTF8(msg, "\uFFFD") {
			t.Fatalf("status JSON of %q: %v, %q", msg, err, st.Message)
		}
	}
}

package otlptest

import (
	"math"
	"math/rand/v2"
	"testing"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"
)

func body(v *commonpb.AnyValue) *collogspb.ExportLogsServiceRequest {
	return &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		ScopeLogs: []*logspb.ScopeLogs{{LogRecords: []*logspb.LogRecord{{Body: v}}}},
	}}}
}

func double(f float64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
}

func TestDiff(t *testing.T) {
	withUnknown := body(double(1))
	withUnknown.ResourceLogs[0].ProtoReflect().SetUnknown([]byte{0xa0, 0x06, 0x01}) // field 100, varint 1
	cases := []struct {
		name  string
		a, b  *collogspb.ExportLogsServiceRequest
		equal bool
	}{
		{"nil and empty body", body(nil), body(&commonpb.AnyValue{}), true},
		{"nil and empty resource and scope", &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{ScopeLogs: []*logspb.ScopeLogs{{}}}}}, &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{Resource: &resourcepb.Resource{}, ScopeLogs: []*logspb.ScopeLogs{{Scope: &commonpb.InstrumentationScope{}}}}}}, true},
		{"unknown fields", withUnknown, body(double(1)), true},
		{"NaN", body(double(math.NaN())), body(double(math.NaN())), true},
		{"-0 and 0", body(double(math.Copysign(0, -1))), body(double(0)), false},
		{"different doubles", body(double(1)), body(double(2)), false},
		{"string and bytes", body(&commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "a"}}), body(&commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: []byte("a")}}), false},
		{"more records", body(nil), &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{ScopeLogs: []*logspb.ScopeLogs{{LogRecords: []*logspb.LogRecord{{}, {}}}}}}}, false},
	}
	for _, tc := range cases {
		if got := Diff(tc.a, tc.b) == ""; got != tc.equal {
			t.Errorf("%s: equal %v, want %v: %s", tc.name, got, tc.equal, Diff(tc.a, tc.b))
		}
	}
}

// TestRandomLogsRequest checks that the generator is deterministic and
// makes every kind of value, deep nesting and absent ids.
func TestRandomLogsRequest(t *testing.T) {
	a := RandomLogsRequest(rand.New(rand.NewPCG(7, 7)))
	b := RandomLogsRequest(rand.New(rand.NewPCG(7, 7)))
	if !proto.Equal(a, b) {
		t.Fatal("same seed, different requests")
	}
	kinds := map[string]bool{}
	maxDepth, records, noTrace, entityRefs := 0, 0, 0, 0
	var walk func(v *commonpb.AnyValue, depth int)
	walk = func(v *commonpb.AnyValue, depth int) {
		maxDepth = max(maxDepth, depth)
		switch x := v.GetValue().(type) {
		case nil:
			kinds["empty"] = true
		case *commonpb.AnyValue_StringValue:
			kinds["string"] = true
		case *commonpb.AnyValue_BoolValue:
			kinds["bool"] = true
		case *commonpb.AnyValue_IntValue:
			kinds["int"] = true
		case *commonpb.AnyValue_DoubleValue:
			kinds["double"] = true
		case *commonpb.AnyValue_BytesValue:
			kinds["bytes"] = true
		case *commonpb.AnyValue_StringValueStrindex:
			kinds["strindex"] = true
		case *commonpb.AnyValue_ArrayValue:
			kinds["array"] = true
			for _, e := range x.ArrayValue.Values {
				walk(e, depth+1)
			}
		case *commonpb.AnyValue_KvlistValue:
			kinds["kvlist"] = true
			for _, kv := range x.KvlistValue.Values {
				walk(kv.Value, depth+1)
			}
		}
	}
	for seed := range 200 {
		req := RandomLogsRequest(rand.New(rand.NewPCG(uint64(seed), 7)))
		for _, rl := range req.ResourceLogs {
			entityRefs += len(rl.GetResource().GetEntityRefs())
			for _, sl := range rl.ScopeLogs {
				for _, r := range sl.LogRecords {
					records++
					if r.TraceId == nil {
						noTrace++
					}
					walk(r.Body, 0)
					for _, kv := range r.Attributes {
						walk(kv.Value, 0)
					}
				}
			}
		}
	}
	if len(kinds) != 9 {
		t.Errorf("kinds %v, want all 9", kinds)
	}
	if maxDepth < 10 || records < 1000 || noTrace == 0 || noTrace == records || entityRefs == 0 {
		t.Errorf("depth %d, records %d, without trace id %d, entity refs %d", maxDepth, records, noTrace, entityRefs)
	}
}

func TestRealisticLogsRequest(t *testing.T) {
	req := RealisticLogsRequest(100, 3)
	if len(req.ResourceLogs) != 3 {
		t.Fatalf("%d resources", len(req.ResourceLogs))
	}
	n := 0
	for _, rl := range req.ResourceLogs {
		for _, sl := range rl.ScopeLogs {
			for _, r := range sl.LogRecords {
				n++
				if len(r.Attributes) != 10 || len(r.TraceId) != 16 || len(r.SpanId) != 8 || r.TimeUnixNano == 0 {
					t.Fatalf("record %v", r)
				}
			}
		}
	}
	if n != 100 {
		t.Fatalf("%d records", n)
	}
	if !proto.Equal(req, RealisticLogsRequest(100, 3)) {
		t.Fatal("not deterministic")
	}
}

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
)

const (
	ctProto = "application/x-protobuf"
	ctJSON  = "application/json"
)

// requestTimeout bounds every request the tests send.
const requestTimeout = 30 * time.Second

var client = &http.Client{Timeout: requestTimeout}

func str(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func integer(k string, v int64) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}}}
}

// logsRequest is one resource with service.name service and n records
// timestamped now, each with the attributes case=marker and seq=firstSeq+i
// and the body "marker #i".
func logsRequest(service, marker string, n int, firstSeq int64) *collogspb.ExportLogsServiceRequest {
	now := time.Now()
	recs := make([]*logspb.LogRecord, n)
	for i := range recs {
		recs[i] = &logspb.LogRecord{
			TimeUnixNano:         uint64(now.UnixNano()) + uint64(i),
			ObservedTimeUnixNano: uint64(now.UnixNano()),
			SeverityNumber:       logspb.SeverityNumber_SEVERITY_NUMBER_INFO,
			SeverityText:         "INFO",
			Body:                 &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: marker + " #" + strconv.Itoa(i)}},
			Attributes:           []*commonpb.KeyValue{str("case", marker), integer("seq", firstSeq+int64(i))},
			TraceId:              []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
			SpanId:               []byte{1, 2, 3, 4, 5, 6, 7, 8},
		}
	}
	return &collogspb.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{str("service.name", service)}},
		ScopeLogs: []*logspb.ScopeLogs{{
			Scope:      &commonpb.InstrumentationScope{Name: "e2e", Version: "1"},
			LogRecords: recs,
		}},
	}}}
}

// encode marshals req as contentType wants (OTLP/JSON has hex ids, which
// protojson does not write, so JSON goes through pdata).
func encode(t testing.TB, req *collogspb.ExportLogsServiceRequest, contentType string) []byte {
	t.Helper()
	var b []byte
	var err error
	if contentType == ctJSON {
		b, err = otlptest.PdataJSON(req)
	} else {
		b, err = proto.Marshal(req)
	}
	if err != nil {
		t.Fatalf("encode request: %v", err)
	}
	return b
}

// response is what came back for a request.
type response struct {
	status int
	header http.Header
	body   []byte
}

// post sends body to url+"/v1/logs" with the given content type and
// encoding ("" for none) and more headers ("Key", "Value" pairs).
func post(t testing.TB, url, contentType, encoding string, body io.Reader, headers ...string) response {
	t.Helper()
	r, err := tryPost(url, contentType, encoding, body, headers...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func tryPost(url, contentType, encoding string, body io.Reader, headers ...string) (response, error) {
	req, err := http.NewRequest(http.MethodPost, url+"/v1/logs", body)
	if err != nil {
		return response{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(client, req)
}

func do(c *http.Client, req *http.Request) (response, error) {
	resp, err := c.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: reading the response: %w", req.Method, req.URL, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// exportResponse checks a 200 answer: its Content-Type is the request's and
// its body is an ExportLogsServiceResponse without partial_success.
func (r response) exportResponse(t testing.TB, contentType string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %q (%s)", r.status, r.body, r.statusMessage())
	}
	if got := r.header.Get("Content-Type"); got != contentType {
		t.Errorf("response Content-Type %q, want %q", got, contentType)
	}
	resp := new(collogspb.ExportLogsServiceResponse)
	var err error
	if contentType == ctJSON {
		err = protojson.Unmarshal(r.body, resp)
	} else {
		err = proto.Unmarshal(r.body, resp)
	}
	if err != nil {
		t.Fatalf("response body %q is not an ExportLogsServiceResponse in %s: %v", r.body, contentType, err)
	}
	if resp.PartialSuccess != nil {
		t.Errorf("partial_success %v on a full success", resp.PartialSuccess)
	}
}

// status decodes a failure's google.rpc.Status by the response's Content-Type.
func (r response) rpcStatus(t testing.TB) *spb.Status {
	t.Helper()
	st, err := r.decodeStatus()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (r response) decodeStatus() (*spb.Status, error) {
	st := new(spb.Status)
	var err error
	switch ct := r.header.Get("Content-Type"); ct {
	case ctJSON:
		err = protojson.Unmarshal(r.body, st)
	case ctProto:
		err = proto.Unmarshal(r.body, st)
	default:
		return nil, fmt.Errorf("status %d with Content-Type %q, want %s or %s", r.status, ct, ctProto, ctJSON)
	}
	if err != nil {
		return nil, fmt.Errorf("status %d: body %q is not a google.rpc.Status: %v", r.status, r.body, err)
	}
	return st, nil
}

// statusMessage is the Status message of a failure, for test messages.
func (r response) statusMessage() string {
	st, err := r.decodeStatus()
	if err != nil {
		return err.Error()
	}
	return st.GetMessage()
}

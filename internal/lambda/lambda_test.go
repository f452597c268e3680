package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/receiver/otlphttp"
	"github.com/otlp2parquet/otlp2parquet/storage"
	memstore "github.com/otlp2parquet/otlp2parquet/storage/memory"
)

var quiet = slog.New(slog.DiscardHandler)

// newHandler is the handler runLambda builds, over bucket.
func newHandler(bucket storage.Bucket, token string) *Handler {
	p := ingest.New(bucket, ingest.Options{})
	return NewHandler(otlphttp.New(p, otlphttp.Options{MaxInFlightBytes: -1, AuthToken: token, Logger: quiet}), quiet)
}

// reply is the union of the response shapes, as the event sources read them.
type reply struct {
	StatusCode        int                 `json:"statusCode"`
	StatusDescription string              `json:"statusDescription"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

func (r reply) body(t *testing.T) []byte {
	t.Helper()
	if !r.IsBase64Encoded {
		return []byte(r.Body)
	}
	b, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return b
}

func (r reply) header(name string) string {
	if vs := r.MultiValueHeaders[name]; len(vs) > 0 {
		return vs[0]
	}
	return r.Headers[name]
}

// status decodes an error body as google.rpc.Status.
func (r reply) status(t *testing.T) *spb.Status {
	t.Helper()
	var st spb.Status
	var err error
	if strings.HasPrefix(r.header("Content-Type"), "application/json") {
		err = protojson.Unmarshal(r.body(t), &st)
	} else {
		err = proto.Unmarshal(r.body(t), &st)
	}
	if err != nil {
		t.Fatalf("status %d: body is not a google.rpc.Status: %v (%q)", r.StatusCode, err, r.body(t))
	}
	return &st
}

func invoke(t *testing.T, h *Handler, ev any) reply {
	t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var r reply
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	return r
}

func sample(t *testing.T, records int) *collogspb.ExportLogsServiceRequest {
	t.Helper()
	return otlptest.RealisticLogsRequest(records, 2)
}

func protoBody(t *testing.T, req *collogspb.ExportLogsServiceRequest) []byte {
	t.Helper()
	b, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonBody(t *testing.T, req *collogspb.ExportLogsServiceRequest) string {
	t.Helper()
	b, err := otlptest.PdataJSON(req) // OTLP/JSON: hex ids, unlike protojson
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func functionURL(method, path string, headers map[string]string, body []byte, b64 bool) events.LambdaFunctionURLRequest {
	e := events.LambdaFunctionURLRequest{
		Version: "2.0", RawPath: path, Headers: headers, IsBase64Encoded: b64,
		RequestContext: events.LambdaFunctionURLRequestContext{
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: method, Path: path, SourceIP: "192.0.2.1"},
		},
	}
	if b64 {
		e.Body = base64.StdEncoding.EncodeToString(body)
	} else {
		e.Body = string(body)
	}
	return e
}

func objects(t *testing.T, b *memstore.Bucket) []string {
	t.Helper()
	keys, err := b.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// exportResponse checks a 200 carrying ExportLogsServiceResponse in the
// request's content type, without rejections.
func exportResponse(t *testing.T, r reply, json bool) {
	t.Helper()
	if r.StatusCode != 200 {
		t.Fatalf("status %d, want 200: %q", r.StatusCode, r.body(t))
	}
	var resp collogspb.ExportLogsServiceResponse
	var err error
	if json {
		if r.IsBase64Encoded || r.header("Content-Type") != "application/json" {
			t.Errorf("JSON response: Content-Type %q, base64 %v", r.header("Content-Type"), r.IsBase64Encoded)
		}
		err = protojson.Unmarshal(r.body(t), &resp)
	} else {
		if !r.IsBase64Encoded || r.header("Content-Type") != "application/x-protobuf" {
			t.Errorf("protobuf response: Content-Type %q, base64 %v", r.header("Content-Type"), r.IsBase64Encoded)
		}
		err = proto.Unmarshal(r.body(t), &resp)
	}
	if err != nil {
		t.Fatalf("body is not an ExportLogsServiceResponse: %v", err)
	}
	if resp.GetPartialSuccess().GetRejectedLogRecords() != 0 {
		t.Errorf("partial success: %v", resp.GetPartialSuccess())
	}
}

func TestFunctionURLGzipProtobuf(t *testing.T) {
	b := memstore.New()
	h := newHandler(b, "")
	body := otlptest.Gzip(t, protoBody(t, sample(t, 100)))
	r := invoke(t, h, functionURL("POST", "/v1/logs", map[string]string{
		"content-type": "application/x-protobuf", "content-encoding": "gzip",
	}, body, true))
	exportResponse(t, r, false)
	if n := len(objects(t, b)); n != 2 {
		t.Errorf("%d objects, want 2 (one per service)", n)
	}
}

func TestHTTPAPIStagePath(t *testing.T) {
	b := memstore.New()
	h := newHandler(b, "")
	e := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /{proxy+}", RawPath: "/prod/v1/logs",
		Headers: map[string]string{"content-type": "application/json"},
		Body:    jsonBody(t, sample(t, 10)),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			Stage: "prod",
			HTTP:  events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/prod/v1/logs"},
		},
	}
	exportResponse(t, invoke(t, h, e), true)
	if len(objects(t, b)) == 0 {
		t.Error("nothing stored")
	}
}

func TestRESTJSONAnyHeaderCase(t *testing.T) {
	for _, multi := range []bool{false, true} {
		b := memstore.New()
		h := newHandler(b, "")
		e := events.APIGatewayProxyRequest{
			HTTPMethod: "POST", Path: "/v1/logs", Resource: "/{proxy+}",
			Body:           jsonBody(t, sample(t, 10)),
			RequestContext: events.APIGatewayProxyRequestContext{Stage: "prod", HTTPMethod: "POST", Path: "/prod/v1/logs"},
		}
		if multi {
			e.MultiValueHeaders = map[string][]string{"CONTENT-TYPE": {"application/json; charset=utf-8"}}
		} else {
			e.Headers = map[string]string{"Content-type": "application/json"}
		}
		r := invoke(t, h, e)
		exportResponse(t, r, true)
		if multi != (len(r.MultiValueHeaders) > 0) {
			t.Errorf("multi-value request %v, response headers %v / %v", multi, r.Headers, r.MultiValueHeaders)
		}
		if r.StatusDescription != "" {
			t.Errorf("REST response with statusDescription %q", r.StatusDescription)
		}
	}
}

func TestALB(t *testing.T) {
	b := memstore.New()
	h := newHandler(b, "")
	e := events.ALBTargetGroupRequest{
		HTTPMethod: "POST", Path: "/v1/logs",
		Headers:         map[string]string{"content-type": "application/x-protobuf"},
		Body:            base64.StdEncoding.EncodeToString(protoBody(t, sample(t, 10))),
		IsBase64Encoded: true,
		RequestContext:  events.ALBTargetGroupRequestContext{ELB: events.ELBContext{TargetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1"}},
	}
	r := invoke(t, h, e)
	exportResponse(t, r, false)
	if r.StatusDescription != "200 OK" {
		t.Errorf("statusDescription %q, want 200 OK", r.StatusDescription)
	}
}

func TestErrorsAnswerAsTheServer(t *testing.T) {
	valid := protoBody(t, sample(t, 5))
	for _, c := range []struct {
		name    string
		ev      any
		token   string
		status  int
		code    int32
		message string
	}{
		{"malformed protobuf", functionURL("POST", "/v1/logs", map[string]string{"content-type": "application/x-protobuf"}, []byte{0x0a, 0xff, 0xff}, true), "", 400, 3, "resource_logs"},
		{"malformed JSON", functionURL("POST", "/v1/logs", map[string]string{"content-type": "application/json"}, []byte(`{"resourceLogs":[`), false), "", 400, 3, ""},
		{"bad base64", events.LambdaFunctionURLRequest{Version: "2.0", RawPath: "/v1/logs", Body: "%%%", IsBase64Encoded: true,
			Headers:        map[string]string{"content-type": "application/json"},
			RequestContext: events.LambdaFunctionURLRequestContext{HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: "POST"}}}, "", 400, 3, "base64"},
		{"wrong content type", functionURL("POST", "/v1/logs", map[string]string{"content-type": "text/plain"}, valid, true), "", 415, 3, "Content-Type"},
		{"logs posted as traces", functionURL("POST", "/v1/traces", map[string]string{"content-type": "application/x-protobuf"}, valid, true), "", 400, 3, "resource_spans[0]"},
		{"logs posted as metrics", functionURL("POST", "/v1/metrics", map[string]string{"content-type": "application/x-protobuf"}, valid, true), "", 400, 3, "resource_metrics[0]"},
		{"unknown path", functionURL("POST", "/v1/profiles", map[string]string{"content-type": "application/x-protobuf"}, valid, true), "", 404, 5, "/v1/profiles"},
		{"GET", functionURL("GET", "/v1/logs", nil, nil, false), "", 405, 12, "GET"},
		{"no token", functionURL("POST", "/v1/logs", map[string]string{"content-type": "application/x-protobuf"}, valid, true), "s3cret", 401, 16, "bearer"},
		{"wrong token", functionURL("POST", "/v1/logs", map[string]string{"content-type": "application/x-protobuf", "authorization": "Bearer nope"}, valid, true), "s3cret", 401, 16, "bearer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := memstore.New()
			r := invoke(t, newHandler(b, c.token), c.ev)
			if r.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %q", r.StatusCode, c.status, r.body(t))
			}
			st := r.status(t)
			if st.Code != c.code || !strings.Contains(st.Message, c.message) {
				t.Errorf("status {%d %q}, want code %d and a message with %q", st.Code, st.Message, c.code, c.message)
			}
			if keys := objects(t, b); len(keys) != 0 {
				t.Errorf("stored %v", keys)
			}
		})
	}
}

func TestToken(t *testing.T) {
	b := memstore.New()
	h := newHandler(b, "s3cret")
	r := invoke(t, h, functionURL("POST", "/v1/logs", map[string]string{
		"content-type": "application/x-protobuf", "authorization": "Bearer s3cret",
	}, protoBody(t, sample(t, 5)), true))
	exportResponse(t, r, false)
}

// failing stores nothing and fails every Put.
type failing struct{ memstore.Bucket }

func (f *failing) Put(context.Context, string, []byte) error { return errors.New("S3 is down") }

func TestStorageDownIsRetryable(t *testing.T) {
	h := newHandler(&failing{*memstore.New()}, "")
	r := invoke(t, h, functionURL("POST", "/v1/logs", map[string]string{"content-type": "application/x-protobuf"}, protoBody(t, sample(t, 5)), true))
	if r.StatusCode != 503 || r.header("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After", r.StatusCode, r.header("Retry-After"))
	}
	if st := r.status(t); st.Code != 14 {
		t.Errorf("code %d, want UNAVAILABLE", st.Code)
	}
}

func TestPayloadLimit(t *testing.T) {
	for _, ct := range []string{"application/json", "application/x-protobuf"} {
		b := memstore.New()
		h := newHandler(b, "")
		ev := functionURL("POST", "/v1/logs", map[string]string{"content-type": ct}, bytes.Repeat([]byte("x"), MaxPayloadBytes), true)
		payload, _ := json.Marshal(ev)
		// Cut off as the emulator does at 6 MiB + 100 bytes: not valid JSON.
		out, err := h.Invoke(context.Background(), payload[:MaxPayloadBytes+100])
		if err != nil {
			t.Fatal(err)
		}
		var r reply
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatal(err)
		}
		if r.StatusCode != 413 {
			t.Fatalf("status %d, want 413", r.StatusCode)
		}
		if st := r.status(t); st.Code != 8 || !strings.Contains(st.Message, "6 MiB") {
			t.Errorf("status %v", st)
		}
		if r.header("Content-Type") != ct {
			t.Errorf("Content-Type %q, want %q", r.header("Content-Type"), ct)
		}
	}
}

func TestNotHTTP(t *testing.T) {
	h := newHandler(memstore.New(), "")
	for _, payload := range []string{`{}`, `{"Records":[{"eventSource":"aws:s3"}]}`, `[1,2]`, `not json`} {
		if _, err := h.Invoke(context.Background(), []byte(payload)); err == nil {
			t.Errorf("%s: no error", payload)
		}
	}
}

// The handler is shared by the invocations of an instance: with Lambda's
// managed concurrency several may run at once.
func TestConcurrentInvocations(t *testing.T) {
	b := memstore.New()
	h := newHandler(b, "")
	body := protoBody(t, sample(t, 20))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			payload, _ := json.Marshal(functionURL("POST", "/v1/logs", map[string]string{"content-type": "application/x-protobuf"}, body, true))
			out, err := h.Invoke(context.Background(), payload)
			var r reply
			if err == nil {
				err = json.Unmarshal(out, &r)
			}
			if err != nil || r.StatusCode != 200 {
				t.Errorf("status %d, err %v", r.StatusCode, err)
			}
		})
	}
	wg.Wait()
	if n := len(objects(t, b)); n != 16 {
		t.Errorf("%d objects, want 16", n)
	}
}

package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/otlp2parquet/otlp2parquet/internal/duckdbtest"
	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/internal/s3test"
)

// lambdaBootstrap is the Lambda bootstrap, built as `make lambda` builds it:
// static, without the RPC mode, and without the race detector (which needs cgo).
func lambdaBootstrap(t testing.TB) string {
	t.Helper()
	return buildOnce(t, "lambda/bootstrap", []string{"CGO_ENABLED=0"}, "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w")
}

// emulator is a running AWS Lambda Runtime Interface Emulator serving the
// bootstrap as a function.
type emulator struct {
	t    testing.TB
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	url  string // the invoke URL
}

// startEmulator starts aws-lambda-rie on free ports of 127.0.0.1 running
// the bootstrap with env (on top of the Lambda variables), and waits until
// it accepts invocations. The function itself starts on the first one, as
// in Lambda. It is stopped when the test ends.
func startEmulator(t testing.TB, env ...string) *emulator {
	t.Helper()
	rie := tool(t, "aws-lambda-rie")
	bootstrap := lambdaBootstrap(t)
	addr, apiAddr := freeAddr(t), freeAddr(t)
	e := &emulator{t: t, out: &syncBuffer{}, done: make(chan struct{}),
		url: "http://" + addr + "/2015-03-31/functions/function/invocations"}
	e.cmd = exec.Command(rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, bootstrap)
	e.cmd.Dir = filepath.Dir(bootstrap)
	e.cmd.Env = childEnv(append([]string{
		"AWS_LAMBDA_FUNCTION_NAME=otlp2parquet",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=30",
		"AWS_REGION=" + s3test.Region,
		"OTLP2PARQUET_LOG_LEVEL=info",
	}, env...)...)
	e.cmd.Stdout, e.cmd.Stderr = e.out, e.out
	if err := e.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", rie, err)
	}
	go func() { _ = e.cmd.Wait(); close(e.done) }()
	t.Cleanup(e.stop)
	deadline := time.Now().Add(startTimeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return e
		}
		select {
		case <-e.done:
			t.Fatalf("aws-lambda-rie exited at start:\n%s", e.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("aws-lambda-rie not listening on %s after %v:\n%s", addr, startTimeout, e.out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *emulator) stop() {
	select {
	case <-e.done:
		return
	default:
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.done:
	case <-time.After(stopTimeout):
		_ = e.cmd.Process.Kill()
		<-e.done
	}
	if e.t.Failed() {
		e.t.Logf("aws-lambda-rie and function output:\n%s", e.out)
	}
}

// invokeRaw posts payload as an invocation and returns the function's result.
func (e *emulator) invokeRaw(t testing.TB, payload []byte) []byte {
	t.Helper()
	resp, err := client.Post(e.url, "application/json", bytes.NewReader(payload))
	if err != nil {
		t.Fatalf("invoke: %v\n%s", err, e.out)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("invoke: status %d, %v: %s", resp.StatusCode, err, out)
	}
	return out
}

// invoke sends an HTTP event and returns the HTTP response the function
// gave, as the event's source would pass it on.
func (e *emulator) invoke(t testing.TB, event any) response {
	t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	return lambdaResponse(t, e.invokeRaw(t, payload))
}

func lambdaResponse(t testing.TB, out []byte) response {
	t.Helper()
	var r struct {
		StatusCode        int                 `json:"statusCode"`
		StatusDescription string              `json:"statusDescription"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Body              string              `json:"body"`
		IsBase64Encoded   bool                `json:"isBase64Encoded"`
		ErrorMessage      string              `json:"errorMessage"`
	}
	if err := json.Unmarshal(out, &r); err != nil || r.StatusCode == 0 {
		t.Fatalf("the function's result is not an HTTP response (%v): %s", err, out)
	}
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	for k, vs := range r.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	body := []byte(r.Body)
	if r.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(r.Body); err != nil {
			t.Fatalf("body: %v", err)
		}
	}
	return response{status: r.StatusCode, header: h, body: body}
}

// functionURLEvent is what a Function URL (payload 2.0) sends for a POST
// of body; binary bodies arrive base64-encoded.
func functionURLEvent(path string, headers map[string]string, body []byte, b64 bool) events.LambdaFunctionURLRequest {
	e := events.LambdaFunctionURLRequest{
		Version: "2.0", RawPath: path, Headers: headers, IsBase64Encoded: b64,
		RequestContext: events.LambdaFunctionURLRequestContext{
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: "POST", Path: path, SourceIP: "192.0.2.10"},
		},
	}
	if b64 {
		e.Body = base64.StdEncoding.EncodeToString(body)
	} else {
		e.Body = string(body)
	}
	return e
}

// restEvent is what an API Gateway REST API (payload 1.0) sends.
func restEvent(path string, headers map[string]string, body []byte) events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{
		HTTPMethod: "POST", Path: path, Resource: "/{proxy+}", Headers: headers, Body: string(body),
		RequestContext: events.APIGatewayProxyRequestContext{Stage: "prod", HTTPMethod: "POST", Path: "/prod" + path,
			Identity: events.APIGatewayRequestIdentity{SourceIP: "192.0.2.11"}},
	}
}

// startLambdaS3 starts versitygw and the emulator with the function
// storing in its bucket under s3Prefix, configured as on Lambda: by the
// OTLP2PARQUET_* variables and the AWS credentials in the environment.
func startLambdaS3(t *testing.T, env ...string) (*emulator, *s3test.Server, string) {
	t.Helper()
	gw := s3test.New(t)
	e := startEmulator(t, append(lambdaS3Env(gw), env...)...)
	return e, gw, filepath.Join(gw.Dir, gw.Bucket, filepath.FromSlash(s3Prefix))
}

// lambdaS3Env configures the function for gw's bucket under s3Prefix.
func lambdaS3Env(gw *s3test.Server) []string {
	return []string{
		"OTLP2PARQUET_S3_BUCKET=" + gw.Bucket,
		"OTLP2PARQUET_S3_PREFIX=" + s3Prefix,
		"OTLP2PARQUET_S3_ENDPOINT=" + gw.Endpoint,
		"OTLP2PARQUET_S3_FORCE_PATH_STYLE=true",
		"AWS_ACCESS_KEY_ID=" + s3test.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s3test.SecretKey,
	}
}

// TestLambda invokes the function under the Runtime Interface Emulator
// with versitygw as S3: a Function URL (2.0) event with a base64 gzip
// protobuf body and an API Gateway REST (1.0) event with a JSON body each
// get 200 with the OTLP response, and DuckDB reads their rows from the
// bucket. Bad and oversized requests get their 4xx and store nothing.
func TestLambda(t *testing.T) {
	duckdbtest.Require(t)
	s3test.Require(t)
	e, _, root := startLambdaS3(t, "OTLP2PARQUET_AUTH_TOKEN=lambda-token")
	auth := "Bearer lambda-token"

	pb := otlptest.Gzip(t, encode(t, logsRequest("lambda-v2", "lambda-v2", 100, 0), ctProto))
	r := e.invoke(t, functionURLEvent("/v1/logs", map[string]string{
		"content-type": ctProto, "content-encoding": "gzip", "authorization": auth,
	}, pb, true))
	r.exportResponse(t, ctProto)

	js := encode(t, logsRequest("lambda-v1", "lambda-v1", 50, 0), ctJSON)
	r = e.invoke(t, restEvent("/v1/logs", map[string]string{"Content-Type": ctJSON, "Authorization": auth}, js))
	r.exportResponse(t, ctJSON)

	rows := duckdbtest.Query(t, `SELECT ServiceName AS service, count(*) AS n, count(DISTINCT LogAttributes['seq']) AS seqs,
		min(LogAttributes['case']) AS "case", min(hex(TraceId)) AS trace
		FROM `+logsGlob(root)+` GROUP BY ALL ORDER BY ALL`)
	want := map[string]int64{"lambda-v1": 50, "lambda-v2": 100}
	if len(rows) != len(want) {
		t.Fatalf("services stored: %v, want %v", rows, want)
	}
	for _, row := range rows {
		svc := row["service"].(string)
		if num(t, row["n"]) != want[svc] || num(t, row["seqs"]) != want[svc] || row["case"] != svc ||
			row["trace"] != "0102030405060708090A0B0C0D0E0F10" {
			t.Errorf("service %s: %v, want %d records", svc, row, want[svc])
		}
	}

	// Traces (Function URL, protobuf) and metrics (REST, JSON) to their routes.
	r = e.invoke(t, functionURLEvent("/v1/traces", map[string]string{"content-type": ctProto, "authorization": auth},
		marshal(t, otlptest.RealisticTracesRequest(30, 1)), true))
	r.exportResponse(t, ctProto)
	summary, err := otlptest.PdataMetricsJSON(summaryRequest("lambda-metrics"))
	if err != nil {
		t.Fatal(err)
	}
	r = e.invoke(t, restEvent("/v1/metrics", map[string]string{"Content-Type": ctJSON, "Authorization": auth}, summary))
	r.exportResponse(t, ctJSON)
	spans := duckdbtest.Query(t, `SELECT count(*) AS n, min(ServiceName) AS s FROM `+signalGlob(root, "traces"))
	points := duckdbtest.Query(t, `SELECT count(*) AS n, min(ServiceName) AS s, sum(Count) AS c FROM `+signalGlob(root, "metrics/summary"))
	if num(t, spans[0]["n"]) != 30 || spans[0]["s"] != "service-0" || num(t, points[0]["n"]) != 2 || points[0]["s"] != "lambda-metrics" || num(t, points[0]["c"]) != 30 {
		t.Errorf("traces %v, summary points %v; want 30 spans of service-0 and 2 points of lambda-metrics", spans, points)
	}
	stored := len(parquetFiles(t, root))

	for _, c := range []struct {
		name   string
		event  any
		status int
		code   int32
	}{
		{"malformed protobuf", functionURLEvent("/v1/logs", map[string]string{"content-type": ctProto, "authorization": auth}, []byte{0x0a, 0x05, 0x01}, true), 400, 3},
		{"malformed JSON", restEvent("/v1/logs", map[string]string{"Content-Type": ctJSON, "Authorization": auth}, []byte(`{"resourceLogs": [{`)), 400, 3},
		{"no token", functionURLEvent("/v1/logs", map[string]string{"content-type": ctProto}, pb, true), 401, 16},
		{"wrong content type", functionURLEvent("/v1/logs", map[string]string{"content-type": "text/plain", "authorization": auth}, []byte("hello"), false), 415, 3},
		{"logs posted as traces", functionURLEvent("/v1/traces", map[string]string{"content-type": ctProto, "authorization": auth}, encode(t, logsRequest("x", "x", 3, 0), ctProto), true), 400, 3},
		{"unknown path", functionURLEvent("/v1/profiles", map[string]string{"content-type": ctProto, "authorization": auth}, pb, true), 404, 5},
	} {
		r := e.invoke(t, c.event)
		if r.status != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, r.status, c.status, r.statusMessage())
			continue
		}
		if st := r.rpcStatus(t); st.Code != c.code || st.Message == "" {
			t.Errorf("%s: status {%d %q}, want code %d with a message", c.name, st.Code, st.Message, c.code)
		}
	}

	// Over Lambda's 6 MiB payload limit: the emulator cuts the event off
	// there, as Lambda refuses it; the function answers 413 either way.
	big := functionURLEvent("/v1/logs", map[string]string{"content-type": ctProto, "authorization": auth},
		bytes.Repeat([]byte{0x0a}, 5<<20), true)
	r = e.invoke(t, big)
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.statusMessage(), "6 MiB") {
		t.Errorf("7 MB event: status %d (%s), want 413 naming the 6 MiB limit", r.status, r.statusMessage())
	}

	if n := len(parquetFiles(t, root)); n != stored {
		t.Errorf("%d objects after the refused requests, want %d", n, stored)
	}
}

// TestLambdaS3Down stops versitygw: the function answers a retryable 503
// with Retry-After and stores nothing; once S3 is back the same request
// gets 200.
func TestLambdaS3Down(t *testing.T) {
	duckdbtest.Require(t)
	s3test.Require(t)
	e, gw, root := startLambdaS3(t)
	body := encode(t, logsRequest("lambda-outage", "outage", 20, 0), ctProto)
	ev := functionURLEvent("/v1/logs", map[string]string{"content-type": ctProto}, body, true)
	e.invoke(t, ev).exportResponse(t, ctProto) // cold start with S3 up

	gw.Stop()
	r := e.invoke(t, ev)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Fatalf("S3 down: status %d, Retry-After %q (%s); want a retryable 503", r.status, r.header.Get("Retry-After"), r.statusMessage())
	}
	if st := r.rpcStatus(t); st.Code != 14 {
		t.Errorf("S3 down: code %d, want UNAVAILABLE (14)", st.Code)
	}
	gw.Start()
	e.invoke(t, ev).exportResponse(t, ctProto)

	rows := duckdbtest.Query(t, `SELECT count(*) AS n, count(DISTINCT LogAttributes['seq']) AS seqs FROM `+logsGlob(root))
	if n := num(t, rows[0]["n"]); n != 40 || num(t, rows[0]["seqs"]) != 20 {
		t.Errorf("stored %v; want the 20 records twice (the two acknowledged requests) and nothing of the refused one", rows[0])
	}
}

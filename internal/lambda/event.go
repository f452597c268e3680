package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MaxPayloadBytes is AWS Lambda's limit on a synchronous invocation's
// payload, the event JSON with its (base64) body: 6 MiB. Function URLs and
// API Gateway refuse larger requests before the function runs; the emulator
// and direct invocations cut them off, so the handler answers 413 itself for
// anything that reaches it at or past this size.
const MaxPayloadBytes = 6 << 20

// kind is the source of an HTTP event, which decides the response's shape.
type kind uint8

const (
	kindV2   kind = iota + 1 // Function URL, API Gateway HTTP API (payload format 2.0)
	kindREST                 // API Gateway REST API, HTTP API with payload format 1.0
	kindALB                  // Application Load Balancer target group
)

func (k kind) String() string {
	switch k {
	case kindV2:
		return "payload 2.0 (Function URL or HTTP API)"
	case kindREST:
		return "payload 1.0 (API Gateway REST)"
	case kindALB:
		return "ALB"
	}
	return "unknown"
}

// event is the union of the HTTP events otlp2parquet accepts: the fields of
// aws-lambda-go's events.APIGatewayV2HTTPRequest, LambdaFunctionURLRequest,
// APIGatewayProxyRequest and ALBTargetGroupRequest that it needs, read in
// one pass over the payload.
type event struct {
	Version        string `json:"version"`
	RawPath        string `json:"rawPath"`        // 2.0
	RawQueryString string `json:"rawQueryString"` // 2.0
	HTTPMethod     string `json:"httpMethod"`     // 1.0, ALB
	Path           string `json:"path"`           // 1.0, ALB

	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"` // 1.0, ALB

	Body            string `json:"body"`
	IsBase64Encoded bool   `json:"isBase64Encoded"`

	RequestContext struct {
		Stage string `json:"stage"`
		HTTP  struct {
			Method   string `json:"method"`
			SourceIP string `json:"sourceIp"`
		} `json:"http"` // 2.0
		Identity struct {
			SourceIP string `json:"sourceIp"`
		} `json:"identity"` // 1.0
		ELB *struct {
			TargetGroupArn string `json:"targetGroupArn"`
		} `json:"elb"` // ALB
	} `json:"requestContext"`
}

func (e *event) kind() kind {
	switch {
	case e.RequestContext.ELB != nil:
		return kindALB
	case e.Version == "2.0":
		return kindV2
	case e.HTTPMethod != "":
		return kindREST
	}
	return 0
}

// errNotHTTP is returned, as a function error, for events that are not
// HTTP requests (a test invocation with {}, an S3 notification, ...).
var errNotHTTP = errors.New("the event is not an HTTP request from a Lambda Function URL, API Gateway or an ALB")

// request turns the event into the HTTP request it carries.
func (e *event) request(ctx context.Context) (*http.Request, error) {
	k := e.kind()
	var method, path, query, remote string
	h := make(http.Header, len(e.Headers)+len(e.MultiValueHeaders))
	switch k {
	case kindV2:
		method, path, query = e.RequestContext.HTTP.Method, e.RawPath, e.RawQueryString
		remote = e.RequestContext.HTTP.SourceIP
		// An HTTP API stage other than $default prefixes the path with
		// its name; the routes are the same without it.
		if st := e.RequestContext.Stage; st != "" && st != "$default" {
			if rest, ok := strings.CutPrefix(path, "/"+st); ok && strings.HasPrefix(rest, "/") {
				path = rest
			}
		}
	case kindREST, kindALB:
		// The REST API's path has no stage; the ALB's is the request's.
		method, path = e.HTTPMethod, e.Path
		remote = e.RequestContext.Identity.SourceIP
	default:
		return nil, errNotHTTP
	}
	// Payload 2.0 joins repeated headers with commas in Headers; 1.0 and
	// ALB (with multi-value headers on) send every value in
	// MultiValueHeaders, and Headers holds the last one.
	if len(e.MultiValueHeaders) > 0 {
		for name, vs := range e.MultiValueHeaders {
			for _, v := range vs {
				h.Add(name, v)
			}
		}
	} else {
		for name, v := range e.Headers {
			h.Set(name, v)
		}
	}
	var body []byte
	if e.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(e.Body)
		if err != nil {
			return nil, fmt.Errorf("%w: isBase64Encoded is true but the body is not base64: %v", errBadEvent, err)
		}
		body = b
	} else {
		body = []byte(e.Body)
	}
	if method == "" {
		return nil, fmt.Errorf("%w: %s event without an HTTP method", errBadEvent, k)
	}
	if path == "" {
		path = "/"
	}
	u := &url.URL{Path: path, RawQuery: query}
	r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %s %q: %v", errBadEvent, method, path, err)
	}
	r.Header = h
	r.Host = h.Get("Host")
	r.ContentLength = int64(len(body))
	r.RemoteAddr = remote
	r.RequestURI = u.RequestURI()
	return r, nil
}

// errBadEvent is an HTTP event that cannot be turned into a request.
var errBadEvent = errors.New("malformed HTTP event")

// response is what the handler wrote, as an http.ResponseWriter.
type response struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newResponse() *response { return &response{header: make(http.Header)} }

func (w *response) Header() http.Header { return w.header }
func (w *response) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
func (w *response) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

// textual reports whether a content type can travel as a plain JSON string;
// anything else (protobuf) goes base64-encoded.
func textual(contentType string) bool {
	ct := strings.ToLower(contentType)
	return strings.HasPrefix(ct, "application/json") || strings.HasPrefix(ct, "text/")
}

// encode writes the response in the shape the event's source expects:
// {statusCode, headers, body, isBase64Encoded}, with multiValueHeaders for
// a REST API or an ALB that sent them and statusDescription for an ALB.
func (w *response) encode(k kind, multiValue bool) ([]byte, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	out := struct {
		StatusCode        int                 `json:"statusCode"`
		StatusDescription string              `json:"statusDescription,omitempty"`
		Headers           map[string]string   `json:"headers,omitempty"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders,omitempty"`
		Body              string              `json:"body"`
		IsBase64Encoded   bool                `json:"isBase64Encoded"`
	}{StatusCode: w.status}
	if k == kindALB {
		out.StatusDescription = strconv.Itoa(w.status) + " " + http.StatusText(w.status)
	}
	if multiValue && k != kindV2 {
		out.MultiValueHeaders = w.header
	} else {
		out.Headers = make(map[string]string, len(w.header))
		for name, vs := range w.header {
			out.Headers[name] = strings.Join(vs, ", ")
		}
	}
	if textual(w.header.Get("Content-Type")) {
		out.Body = w.body.String()
	} else {
		out.Body = base64.StdEncoding.EncodeToString(w.body.Bytes())
		out.IsBase64Encoded = true
	}
	return json.Marshal(out)
}

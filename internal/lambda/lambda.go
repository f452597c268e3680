// Package lambda runs otlp2parquet as an AWS Lambda function: HTTP events from Function URLs, API Gateway and ALBs into the OTLP/HTTP receiver.
package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	awslambda "github.com/aws/aws-lambda-go/lambda"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
)

// Handler answers Lambda invocations carrying HTTP requests with an
// http.Handler (the OTLP/HTTP receiver), so that a function answers exactly
// as the standalone server does. It implements aws-lambda-go's
// lambda.Handler.
type Handler struct {
	h   http.Handler
	log *slog.Logger
}

// NewHandler returns a Handler serving h; log nil means slog.Default().
func NewHandler(h http.Handler, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	return &Handler{h: h, log: log}
}

// Invoke answers one invocation. Events that are not HTTP requests are
// function errors; every HTTP request gets an HTTP response, errors
// included, in the shape its source expects.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if len(payload) >= MaxPayloadBytes {
		return h.tooLarge(ctx, payload)
	}
	var e event
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, fmt.Errorf("otlp2parquet: reading the Lambda event: %w", err)
	}
	k := e.kind()
	if k == 0 {
		return nil, fmt.Errorf("otlp2parquet: %w", errNotHTTP)
	}
	multiValue := len(e.MultiValueHeaders) > 0
	r, err := e.request(ctx)
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "lambda: bad event", slog.String("source", k.String()), slog.Any("error", err))
		return statusResponse(k, ingest.Classify(&ingest.BadDataError{Err: err}), contentTypeOf(&e), multiValue)
	}
	e.Body = "" // the request holds the body now; let the string go
	w := newResponse()
	h.h.ServeHTTP(w, r)
	return w.encode(k, multiValue)
}

// tooLarge answers a payload at Lambda's limit. The event may be cut off
// (the emulator truncates it), so its source and content type are read
// from its text instead of parsed.
func (h *Handler) tooLarge(ctx context.Context, payload []byte) ([]byte, error) {
	k := kindV2
	switch {
	case bytes.Contains(payload, []byte(`"targetGroupArn"`)):
		k = kindALB
	case bytes.Contains(payload, []byte(`"httpMethod"`)):
		k = kindREST
	}
	ct := ""
	if bytes.Contains(bytes.ToLower(payload), []byte(`"content-type":"application/json`)) {
		ct = "application/json"
	}
	err := fmt.Errorf("request of %d bytes or more: over AWS Lambda's invocation payload limit of %d bytes (6 MiB, body included, base64 for binary bodies); send smaller batches or compress them with gzip: %w",
		len(payload), MaxPayloadBytes, ingest.ErrTooLarge)
	h.log.LogAttrs(ctx, slog.LevelWarn, "lambda: payload too large", slog.Int("bytes", len(payload)))
	return statusResponse(k, ingest.Classify(err), ct, false)
}

// contentTypeOf returns the event's Content-Type header, in any case.
func contentTypeOf(e *event) string {
	for name, v := range e.Headers {
		if http.CanonicalHeaderKey(name) == "Content-Type" {
			return v
		}
	}
	for name, vs := range e.MultiValueHeaders {
		if http.CanonicalHeaderKey(name) == "Content-Type" && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// statusResponse is an error answered before the receiver sees the
// request: a google.rpc.Status in JSON for JSON requests, else protobuf, as
// the receiver answers.
func statusResponse(k kind, o ingest.Outcome, contentType string, multiValue bool) ([]byte, error) {
	w := newResponse()
	var body []byte
	if textual(contentType) {
		w.header.Set("Content-Type", "application/json")
		body = otlp.AppendStatusJSON(nil, int32(o.GRPCCode), o.Message)
	} else {
		w.header.Set("Content-Type", "application/x-protobuf")
		body = otlp.AppendStatusProto(nil, int32(o.GRPCCode), o.Message)
	}
	w.header.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(o.HTTPStatus)
	w.body.Write(body)
	return w.encode(k, multiValue)
}

// Start runs the Lambda runtime loop with h; it does not return. Outside
// Lambda (no AWS_LAMBDA_RUNTIME_API) it exits the process with an error.
func Start(ctx context.Context, h *Handler) {
	awslambda.StartWithOptions(h, awslambda.WithContext(ctx))
}

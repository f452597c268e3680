package ingest

import (
	"context"
	"errors"
	"time"

	"github.com/otlp2parquet/otlp2parquet/otlp"
)

// Errors the receivers return for requests refused before they reach the
// Pipeline. Wrap them (fmt.Errorf("...: %w", ErrTooLarge)) to say more; the
// message goes to the client.
var (
	// ErrOverloaded means the receiver holds as much request data as it may:
	// the client should retry later.
	ErrOverloaded = errors.New("server overloaded")
	// ErrTooLarge means the body, decompressed, is over the size limit.
	ErrTooLarge = errors.New("request too large")
	// ErrUnauthenticated means the request lacks the credentials the receiver wants.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrUnsupportedMediaType means a Content-Type or Content-Encoding the
	// receiver does not read.
	ErrUnsupportedMediaType = errors.New("unsupported media type")
)

// gRPC status codes (google.golang.org/grpc/codes), as integers so that
// builds without gRPC (the Worker) can use Classify.
const (
	codeOK                = 0
	codeCanceled          = 1
	codeInvalidArgument   = 3
	codeDeadlineExceeded  = 4
	codeResourceExhausted = 8
	codeUnavailable       = 14
	codeUnauthenticated   = 16
)

// HTTPStatusClientClosed is the status given to a request whose client went
// away (nginx's 499): nobody reads it, but logs and metrics tell it apart.
const HTTPStatusClientClosed = 499

// How long clients are asked to wait before retrying. OTLP clients honour
// Retry-After on 429 and 503 and otherwise back off exponentially on their own.
const (
	RetryAfterOverloaded  = 1 * time.Second
	RetryAfterUnavailable = 5 * time.Second
)

// Outcome is what a receiver answers for an error.
type Outcome struct {
	HTTPStatus int
	GRPCCode   int
	// Retryable tells whether an OTLP client will send the request again.
	Retryable bool
	// RetryAfter, when not 0, goes into the Retry-After header.
	RetryAfter time.Duration
	// Message is for the client's google.rpc.Status. Failures of this side
	// get a generic message: the error itself (bucket names, hosts) is for
	// the server's log.
	Message string
	// Level is how loud the failure is in the server's log, numbered as
	// log/slog's levels (see LevelDebug).
	Level int
}

// The log levels of failures, numbered as log/slog's (which this package
// does not import: it would add 0.16 MB to the Worker's gzip size).
const (
	// LevelDebug: load shed (ErrOverloaded) and clients that went away,
	// counted in metrics; a line each would add work when there is none to
	// spare.
	LevelDebug = -4
	// LevelWarn: the client's request is at fault.
	LevelWarn = 4
	// LevelError: this side failed (storage, a deadline while storing).
	LevelError = 8
)

// Classify maps an error from ExportLogs or a receiver to its answer. It is
// the one place that does so, for every entry point.
//
// The OTLP rules (opentelemetry-proto docs/specification.md) it follows:
//   - HTTP: clients retry only 429, 502, 503 and 504, honouring Retry-After;
//     every other 4xx and 5xx is final and the data is dropped. Bad data must
//     therefore be 400, and anything a retry can cure must be 429 or 503.
//   - gRPC: clients retry CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE,
//     UNAVAILABLE and DATA_LOSS; RESOURCE_EXHAUSTED only when the server sends
//     RetryInfo (it does not here), so overload is UNAVAILABLE. Bad data is
//     INVALID_ARGUMENT, never retried.
//
// nil is success: 200 / OK.
func Classify(err error) Outcome {
	switch {
	case err == nil:
		return Outcome{HTTPStatus: 200, GRPCCode: codeOK}

	// Client faults: final, the message says what to fix.
	case IsBadData(err) || isDecodeError(err):
		return Outcome{HTTPStatus: 400, GRPCCode: codeInvalidArgument, Message: err.Error(), Level: LevelWarn}
	case errors.Is(err, ErrTooLarge):
		// Not retryable on either protocol: the same request stays too large.
		return Outcome{HTTPStatus: 413, GRPCCode: codeResourceExhausted, Message: err.Error(), Level: LevelWarn}
	case errors.Is(err, ErrUnauthenticated):
		return Outcome{HTTPStatus: 401, GRPCCode: codeUnauthenticated, Message: err.Error(), Level: LevelWarn}
	case errors.Is(err, ErrUnsupportedMediaType):
		return Outcome{HTTPStatus: 415, GRPCCode: codeInvalidArgument, Message: err.Error(), Level: LevelWarn}

	// Temporary refusals: 503 / UNAVAILABLE, retried by every OTLP client.
	// (429 would do for HTTP too; 503 keeps HTTP and gRPC saying the same.)
	case errors.Is(err, ErrOverloaded):
		return Outcome{HTTPStatus: 503, GRPCCode: codeUnavailable, Retryable: true,
			RetryAfter: RetryAfterOverloaded, Message: err.Error() + ": retry later", Level: LevelDebug}

	// The client gave up; gRPC would retry CANCELLED, but no one is listening.
	case errors.Is(err, context.Canceled):
		return Outcome{HTTPStatus: HTTPStatusClientClosed, GRPCCode: codeCanceled, Message: "request canceled", Level: LevelDebug}
	// A deadline passed while storing: 504 and DEADLINE_EXCEEDED are both retried.
	case errors.Is(err, context.DeadlineExceeded):
		return Outcome{HTTPStatus: 504, GRPCCode: codeDeadlineExceeded, Retryable: true,
			Message: "deadline exceeded while storing the data: retry later", Level: LevelError}
	}
	// Everything else failed on this side, most likely storage. ExportLogs
	// has undone what it stored, so a retry cannot leave the data twice.
	return Outcome{HTTPStatus: 503, GRPCCode: codeUnavailable, Retryable: true,
		RetryAfter: RetryAfterUnavailable, Message: "the data could not be stored: retry later", Level: LevelError}
}

// isDecodeError reports a decoder error that reached a receiver without
// going through the Pipeline.
func isDecodeError(err error) bool {
	_, ok := errors.AsType[*otlp.Error](err)
	return ok
}

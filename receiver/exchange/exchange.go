// Package exchange is OTLP/HTTP without net/http: which requests are taken, how their bodies are read and what is answered, shared by the server's receiver and the Cloudflare Worker so that their answers cannot drift.
package exchange

import (
	"strconv"
	"strings"
	"time"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/receiver/admission"
)

// LogsPath is the path OTLP/HTTP logs are posted to; traces and metrics
// go to ingest.Traces.Path() and ingest.Metrics.Path().
const LogsPath = "/v1/logs"

// Content types of requests and responses.
const (
	ContentProtobuf = "application/x-protobuf"
	ContentJSON     = "application/json"
)

// Format is a request's Content-Type, which is also the response's.
type Format uint8

// The content types OTLP/HTTP defines. Unknown is answered in protobuf.
const (
	Unknown Format = iota
	Protobuf
	JSON
)

// ParseContentType reads a Content-Type value: the media type, in any case,
// with any parameters (charset) ignored.
func ParseContentType(v string) Format {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case ContentProtobuf:
		return Protobuf
	case ContentJSON:
		return JSON
	}
	return Unknown
}

// ContentType is the response's Content-Type for a request of format f.
func (f Format) ContentType() string {
	if f == JSON {
		return ContentJSON
	}
	return ContentProtobuf
}

// Ingest is the decoder format for a request of format f.
func (f Format) Ingest() ingest.Format {
	if f == JSON {
		return ingest.JSON
	}
	return ingest.Protobuf
}

// Encoding is a request's Content-Encoding.
type Encoding uint8

// The encodings the receivers know. Whether a transport reads Zstd is its
// own choice (the Worker leaves it out for size): see Options.Encodings.
const (
	Identity Encoding = iota
	Gzip
	Zstd
)

func (e Encoding) String() string {
	switch e {
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	}
	return "identity"
}

// Options configure a Receiver. The zero value takes every request with
// bodies up to DefaultMaxBodyBytes, identity, gzip or zstd.
type Options struct {
	// MaxBodyBytes caps a body after decompression; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// AuthToken, when set, must arrive as "Authorization: Bearer <token>".
	AuthToken string
	// Encodings lists the compressed Content-Encodings read; nil means gzip and zstd.
	Encodings []Encoding
}

// DefaultMaxBodyBytes is OTLP's recommended limit on a decompressed body.
const DefaultMaxBodyBytes = 64 << 20

// Receiver decides, before and after the body, what a request gets.
type Receiver struct {
	max       int64
	token     admission.Token
	encodings []Encoding
}

// New returns a Receiver.
func New(opts Options) *Receiver {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Encodings == nil {
		opts.Encodings = []Encoding{Gzip, Zstd}
	}
	return &Receiver{max: opts.MaxBodyBytes, token: admission.NewToken(opts.AuthToken), encodings: opts.Encodings}
}

// MaxBodyBytes is the limit on a decompressed body.
func (r *Receiver) MaxBodyBytes() int64 { return r.max }

// Request is what a receiver knows of a request before reading its body.
type Request struct {
	Method, Path    string
	ContentType     string
	ContentEncoding string
	Authorization   string
	// ContentLength is the body's length as sent, -1 when unknown.
	ContentLength int64
}

// Admission is a request taken on: how to read its body and decode it.
type Admission struct {
	Signal   ingest.Signal
	Format   Format
	Encoding Encoding
}

// Admit checks, in this order, the path, the method, the token, the
// Content-Type, the Content-Encoding and the Content-Length of a plain body.
// It returns the reply to send instead when the request is refused.
func (r *Receiver) Admit(req Request) (Admission, *Reply) {
	f := ParseContentType(req.ContentType)
	sig, ok := ingest.SignalForPath(req.Path)
	if !ok {
		return Admission{}, refused(f, 404, req.Path+": not found; OTLP data goes to POST "+
			ingest.Logs.Path()+", "+ingest.Traces.Path()+" or "+ingest.Metrics.Path())
	}
	if req.Method != "POST" {
		rep := refused(f, 405, "method "+req.Method+" not allowed: POST OTLP "+sig.String()+" to "+req.Path)
		rep.Header = append(rep.Header, Header{"Allow", "POST"})
		return Admission{}, rep
	}
	if !r.token.Check(req.Authorization) {
		rep := Failure(f, fmtlite.Errorf("%w: missing or wrong bearer token", ingest.ErrUnauthenticated))
		rep.Header = append(rep.Header, Header{"WWW-Authenticate", `Bearer realm="otlp2parquet"`})
		return Admission{}, rep
	}
	if f == Unknown {
		return Admission{}, Failure(f, fmtlite.Errorf("%w: Content-Type %q; want %s or %s",
			ingest.ErrUnsupportedMediaType, req.ContentType, ContentProtobuf, ContentJSON))
	}
	enc, err := r.parseEncoding(req.ContentEncoding)
	if err != nil {
		return Admission{}, Failure(f, err)
	}
	if enc == Identity && req.ContentLength > r.max {
		return Admission{}, Failure(f, fmtlite.Errorf("body of %d bytes is over the limit of %d bytes: %w", req.ContentLength, r.max, ingest.ErrTooLarge))
	}
	return Admission{Signal: sig, Format: f, Encoding: enc}, nil
}

func (r *Receiver) parseEncoding(v string) (Encoding, error) {
	enc := Identity
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "identity":
		return Identity, nil
	case "gzip", "x-gzip":
		enc = Gzip
	case "zstd":
		enc = Zstd
	default:
		return 0, fmtlite.Errorf("%w: Content-Encoding %q; want %s or none", ingest.ErrUnsupportedMediaType, v, r.encodingList())
	}
	for _, e := range r.encodings {
		if e == enc {
			return enc, nil
		}
	}
	return 0, fmtlite.Errorf("%w: Content-Encoding %q; want %s or none", ingest.ErrUnsupportedMediaType, v, r.encodingList())
}

func (r *Receiver) encodingList() string {
	names := make([]string, len(r.encodings))
	for i, e := range r.encodings {
		names[i] = e.String()
	}
	return strings.Join(names, ", ")
}

// Header is one response header.
type Header struct{ Name, Value string }

// Kind tells how a transport logs a Reply.
type Kind uint8

// The kinds of reply.
const (
	// Stored: the request's data is stored (Rejected records aside).
	Stored Kind = iota
	// Refused: routing (unknown path, wrong method) turned the request away.
	Refused
	// Failed: the request was taken on and failed; Err says why.
	Failed
)

// Reply is a whole answer: status, headers and body.
type Reply struct {
	Status int
	Header []Header
	Body   []byte

	Kind Kind
	// Err is the failure behind a Failed reply, for the log: it may say
	// more than the client is told.
	Err error
	// Rejected and Message are a Stored reply's partial success.
	Rejected int
	Message  string
}

// ContentType returns the reply's Content-Type.
func (r *Reply) ContentType() string {
	for _, h := range r.Header {
		if h.Name == "Content-Type" {
			return h.Value
		}
	}
	return ""
}

// The log levels of replies, numbered as log/slog's: ingest's.
const (
	LevelDebug = ingest.LevelDebug
	LevelWarn  = ingest.LevelWarn
	LevelError = ingest.LevelError
)

// Level is the log level of a failed or refused reply, as a slog.Level
// number: a failure's is ingest.Classify's (as on gRPC); requests refused
// before they reach the pipeline (misrouted) are debug.
func (r *Reply) Level() int {
	switch {
	case r.Kind == Refused:
		return LevelDebug
	case r.Err != nil:
		return ingest.Classify(r.Err).Level
	case r.Status == ingest.HTTPStatusClientClosed:
		return LevelDebug
	case r.Status >= 500:
		return LevelError
	}
	return LevelWarn
}

// Success is the answer to a request of signal s whose data is stored: an
// Export*ServiceResponse, with partial_success when items were rejected.
func Success(s ingest.Signal, f Format, res ingest.Result) *Reply {
	var body []byte
	if f == JSON {
		body = otlp.AppendResponseJSON(nil, s.RejectedField(), int64(res.Rejected), res.Message)
	} else {
		body = otlp.AppendResponseProto(nil, int64(res.Rejected), res.Message)
	}
	return &Reply{Status: 200, Header: []Header{{"Content-Type", f.ContentType()}}, Body: body,
		Kind: Stored, Rejected: res.Rejected, Message: res.Message}
}

// Failure is the answer to err, as ingest.Classify maps it: a
// google.rpc.Status, with Retry-After when the client should come back.
func Failure(f Format, err error) *Reply {
	o := ingest.Classify(err)
	rep := status(f, o.HTTPStatus, int32(o.GRPCCode), o.Message)
	rep.Kind, rep.Err = Failed, err
	if o.RetryAfter > 0 {
		secs := strconv.Itoa(int((o.RetryAfter + time.Second - 1) / time.Second))
		rep.Header = append(rep.Header, Header{"Retry-After", secs})
	}
	return rep
}

// refused answers a request that never reached the Pipeline (routing).
func refused(f Format, code int, msg string) *Reply {
	grpc := int32(5) // NOT_FOUND
	if code == 405 {
		grpc = 12 // UNIMPLEMENTED
	}
	rep := status(f, code, grpc, msg)
	rep.Kind = Refused
	return rep
}

func status(f Format, httpStatus int, code int32, msg string) *Reply {
	var body []byte
	if f == JSON {
		body = otlp.AppendStatusJSON(nil, code, msg)
	} else {
		body = otlp.AppendStatusProto(nil, code, msg)
	}
	return &Reply{Status: httpStatus, Header: []Header{{"Content-Type", f.ContentType()}}, Body: body}
}

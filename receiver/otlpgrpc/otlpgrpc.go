// Package otlpgrpc is the OTLP/gRPC receiver: the Export methods of the OTLP logs, trace and metrics services into an ingest.Exporter.
package otlpgrpc

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // registers the gzip decompressor OTLP requires
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/receiver/admission"
)

// Defaults for Options.
const (
	// DefaultMaxRecvMsgSize is OTLP's recommended limit on a decompressed message.
	DefaultMaxRecvMsgSize = 64 << 20
	// DefaultMaxInFlightBytes lets four messages of the default size be
	// processed at once.
	DefaultMaxInFlightBytes = 4 * DefaultMaxRecvMsgSize
)

// Options configure the receiver. The zero value is the defaults.
type Options struct {
	// MaxRecvMsgSize caps a message after decompression; larger ones fail
	// with RESOURCE_EXHAUSTED. 0 means DefaultMaxRecvMsgSize.
	MaxRecvMsgSize int
	// AuthToken, when set, must arrive as "authorization: Bearer <token>" metadata.
	AuthToken string
	// MaxInFlightBytes bounds the message bytes held by calls being
	// processed; past it calls fail with UNAVAILABLE. 0 means
	// DefaultMaxInFlightBytes, negative means no bound; a bound below
	// MaxRecvMsgSize is raised to it.
	MaxInFlightBytes int64
	// InFlight, when set, is the bound to use instead of one of
	// MaxInFlightBytes: a server shares one between its receivers, so
	// that their calls together stay within it.
	InFlight *admission.Limiter
	// Logger receives failed calls; nil means slog.Default().
	Logger *slog.Logger
	// ServerOptions are added to the server's (TLS credentials, keepalive,
	// interceptors: they run after the token check).
	ServerOptions []grpc.ServerOption
}

// ServiceName is the OTLP logs service; TraceService and MetricsService
// are registered beside it (ingest.Signal.GRPCService).
const ServiceName = "opentelemetry.proto.collector.logs.v1.LogsService"

// NewServer returns a gRPC server with the OTLP services of every signal
// registered. The caller runs it (Serve) and stops it (GracefulStop).
func NewServer(p ingest.Exporter, opts Options) *grpc.Server {
	if opts.MaxRecvMsgSize <= 0 {
		opts.MaxRecvMsgSize = DefaultMaxRecvMsgSize
	}
	if opts.MaxInFlightBytes == 0 {
		opts.MaxInFlightBytes = DefaultMaxInFlightBytes
	}
	if opts.MaxInFlightBytes > 0 && opts.MaxInFlightBytes < int64(opts.MaxRecvMsgSize) {
		opts.MaxInFlightBytes = int64(opts.MaxRecvMsgSize)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &server{
		p:        p,
		token:    admission.NewToken(opts.AuthToken),
		inflight: opts.InFlight,
		log:      opts.Logger,
	}
	if s.inflight == nil {
		s.inflight = admission.NewLimiter(opts.MaxInFlightBytes)
	}
	sopts := []grpc.ServerOption{
		grpc.ForceServerCodecV2(rawCodec{}),
		grpc.MaxRecvMsgSize(opts.MaxRecvMsgSize),
		grpc.ChainUnaryInterceptor(s.authenticate),
	}
	srv := grpc.NewServer(append(sopts, opts.ServerOptions...)...)
	for _, sig := range ingest.Signals {
		srv.RegisterService(serviceDesc(sig), s)
	}
	return srv
}

var protoFiles = [...]string{
	ingest.Logs:    "opentelemetry/proto/collector/logs/v1/logs_service.proto",
	ingest.Traces:  "opentelemetry/proto/collector/trace/v1/trace_service.proto",
	ingest.Metrics: "opentelemetry/proto/collector/metrics/v1/metrics_service.proto",
}

// serviceDesc is what protoc-gen-go-grpc would generate for the signal's
// service, with our raw message type in place of the generated ones.
//
// Its handler runs the interceptors before it reads the message (generated
// handlers read it first), so that a call without the token, or one arriving
// while the server is full, is refused before its message is decompressed.
// The request the interceptors see is therefore still empty.
func serviceDesc(sig ingest.Signal) *grpc.ServiceDesc {
	info := &grpc.UnaryServerInfo{FullMethod: exportMethod(sig)}
	handler := func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
		s := srv.(*server)
		req := new(rawMessage)
		handle := func(ctx context.Context, r any) (any, error) {
			return s.export(ctx, sig, r.(*rawMessage), dec)
		}
		if interceptor == nil {
			return handle(ctx, req)
		}
		return interceptor(ctx, req, info, handle)
	}
	return &grpc.ServiceDesc{
		ServiceName: sig.GRPCService(),
		HandlerType: (*any)(nil),
		Methods:     []grpc.MethodDesc{{MethodName: "Export", Handler: handler}},
		Metadata:    protoFiles[sig],
	}
}

func exportMethod(sig ingest.Signal) string { return "/" + sig.GRPCService() + "/Export" }

type server struct {
	p        ingest.Exporter
	token    admission.Token
	inflight *admission.Limiter
	log      *slog.Logger
	bufs     sync.Pool // *[]byte
}

// authenticate checks the bearer token of calls to the export methods.
func (s *server) authenticate(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if !s.token.Enabled() || !isExport(info.FullMethod) {
		return handler(ctx, req)
	}
	md, _ := metadata.FromIncomingContext(ctx)
	for _, v := range md.Get("authorization") {
		if s.token.Check(v) {
			return handler(ctx, req)
		}
	}
	return nil, s.fail(ctx, fmt.Errorf("%w: missing or wrong bearer token in the authorization metadata", ingest.ErrUnauthenticated))
}

func isExport(method string) bool {
	for _, sig := range ingest.Signals {
		if method == exportMethod(sig) {
			return true
		}
	}
	return false
}

// export reads the message with dec and stores it.
func (s *server) export(ctx context.Context, sig ingest.Signal, m *rawMessage, dec func(any) error) (*rawMessage, error) {
	if s.inflight.Full() {
		return nil, s.refuse(ctx, sig, fmt.Errorf("%d bytes of requests in memory: %w", s.inflight.InUse(), ingest.ErrOverloaded))
	}
	// An exporter that cannot take any request now (a batching server whose
	// log is full) refuses before the message is read: its size is not
	// known yet, so the question is whether an empty one would fit.
	if a, ok := s.p.(ingest.Admitter); ok {
		if err := a.Admit(sig, 0); err != nil {
			return nil, s.fail(ctx, err)
		}
	}
	if err := dec(m); err != nil {
		// gRPC's own status, such as RESOURCE_EXHAUSTED over the size limit.
		s.log.LogAttrs(ctx, slog.LevelWarn, "otlpgrpc: call failed",
			slog.String("code", status.Code(err).String()), slog.Any("error", err))
		ingest.Refused(s.p, sig, decodeFailure(err))
		return nil, err
	}
	defer m.free()
	n := int64(m.data.Len())
	if !s.inflight.TryAcquire(n) {
		return nil, s.refuse(ctx, sig, fmt.Errorf("%d bytes of requests in memory: %w", s.inflight.InUse(), ingest.ErrOverloaded))
	}
	defer s.inflight.Release(n)

	var body []byte
	var bp *[]byte
	if len(m.data) == 1 {
		body = m.data[0].ReadOnlyData() // the usual case: no copy
	} else {
		bp, _ = s.bufs.Get().(*[]byte)
		if bp == nil {
			bp = new([]byte)
		}
		body = slices.Grow((*bp)[:0], int(n))[:n]
		m.data.CopyTo(body)
		defer func() {
			*bp = body[:0]
			s.bufs.Put(bp)
		}()
	}
	res, err := s.p.Export(ctx, sig, body, ingest.Protobuf)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	if res.Rejected > 0 {
		s.log.LogAttrs(ctx, slog.LevelWarn, "otlpgrpc: partial success",
			slog.Int("rejected", res.Rejected), slog.String("reason", res.Message))
	}
	return &rawMessage{out: otlp.AppendResponseProto(nil, int64(res.Rejected), res.Message)}, nil
}

// decodeFailure says, for the metrics, what gRPC's failure to read a
// message means.
func decodeFailure(err error) error {
	switch status.Code(err) {
	case codes.ResourceExhausted: // over MaxRecvMsgSize
		return fmt.Errorf("%v: %w", err, ingest.ErrTooLarge)
	case codes.Canceled:
		return fmt.Errorf("%v: %w", err, context.Canceled)
	case codes.DeadlineExceeded:
		return fmt.Errorf("%v: %w", err, context.DeadlineExceeded)
	}
	return &ingest.BadDataError{Err: err} // INTERNAL: a message that cannot be decompressed
}

// refuse is fail for a call refused here rather than by Export.
func (s *server) refuse(ctx context.Context, sig ingest.Signal, err error) error {
	ingest.Refused(s.p, sig, err)
	return s.fail(ctx, err)
}

// fail logs err and returns it as the gRPC status ingest.Classify gives it.
func (s *server) fail(ctx context.Context, err error) error {
	o := ingest.Classify(err)
	s.log.LogAttrs(ctx, slog.Level(o.Level), "otlpgrpc: call failed",
		slog.String("code", codes.Code(o.GRPCCode).String()), slog.Any("error", err))
	return status.Error(codes.Code(o.GRPCCode), o.Message)
}

// rawMessage carries a request's bytes in and a response's bytes out:
// the decoder reads protobuf itself.
type rawMessage struct {
	data mem.BufferSlice // request, referenced until free
	out  []byte          // response
}

func (m *rawMessage) free() {
	m.data.Free()
	m.data = nil
}

// rawCodec hands the message bytes over without decoding them. It is forced
// on the server, so it serves every content-subtype, including "proto".
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(*rawMessage)
	if !ok {
		return nil, fmt.Errorf("otlpgrpc: cannot marshal %T", v)
	}
	return mem.BufferSlice{mem.SliceBuffer(m.out)}, nil
}

// Unmarshal keeps a reference to data (gRPC frees it when Unmarshal
// returns otherwise), so the message is not copied.
func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(*rawMessage)
	if !ok {
		return fmt.Errorf("otlpgrpc: cannot unmarshal into %T", v)
	}
	data.Ref()
	m.data = data
	return nil
}

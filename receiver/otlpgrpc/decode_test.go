package otlpgrpc

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/otlp2parquet/otlp2parquet/ingest"
)

// What gRPC's failures to read a message count as in the metrics.
func TestDecodeFailure(t *testing.T) {
	for code, is := range map[codes.Code]func(error) bool{
		codes.ResourceExhausted: func(err error) bool { return errors.Is(err, ingest.ErrTooLarge) },
		codes.Internal:          ingest.IsBadData, // grpc-go: "failed to decompress the received message"
		codes.Canceled:          func(err error) bool { return errors.Is(err, context.Canceled) },
		codes.DeadlineExceeded:  func(err error) bool { return errors.Is(err, context.DeadlineExceeded) },
	} {
		if err := decodeFailure(status.Error(code, "x")); !is(err) {
			t.Errorf("%v: %v, not classified as it should be", code, err)
		}
	}
}

package batch

import (
	"math/rand/v2"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
)

// RejectedTimes says what Build says, on random requests (which include
// times past 2262).
func TestRejectedTimesAgreesWithBuild(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var b Builder
	var d otlp.Decoder
	seen := 0
	for range 300 {
		body, err := proto.Marshal(otlptest.RandomLogsRequest(r))
		if err != nil {
			t.Fatal(err)
		}
		var l otlp.Logs
		if err := d.DecodeLogsProto(&l, body); err != nil {
			t.Fatal(err)
		}
		n, reason := RejectedTimes(&l)
		res := b.Build(&l, time.Unix(0, 1))
		if n != res.Rejected || reason != res.Reason {
			t.Fatalf("RejectedTimes = %d %q, Build = %d %q", n, reason, res.Rejected, res.Reason)
		}
		if n > 0 {
			seen++
		}
	}
	if seen == 0 {
		t.Error("no random request had a rejected record: the test shows nothing")
	}
}

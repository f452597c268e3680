package otlp_test

import (
	"testing"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// BenchmarkDecodeMetrics decodes realistic metrics requests (every metric
// type; 1,000 and 20,000 data points from 3 services) with ours and, for
// scale, the official protobuf decoder.
func BenchmarkDecodeMetrics(b *testing.B) {
	for _, s := range []struct {
		name   string
		points int
	}{{"realistic", 1000}, {"large", 20000}} {
		req := otlptest.RealisticMetricsRequest(s.points/3, 3)
		pb, err := proto.Marshal(req)
		if err != nil {
			b.Fatal(err)
		}
		js, err := otlptest.PdataMetricsJSON(req)
		if err != nil {
			b.Fatal(err)
		}
		var d otlp.Decoder
		var m otlp.Metrics
		b.Run(s.name+"/proto", func(b *testing.B) {
			run(b, pb, s.points, func() error {
				m.Reset()
				return d.DecodeMetricsProto(&m, pb)
			})
		})
		b.Run(s.name+"/official", func(b *testing.B) {
			run(b, pb, s.points, func() error {
				return proto.Unmarshal(pb, &colmetricspb.ExportMetricsServiceRequest{})
			})
		})
		b.Run(s.name+"/json", func(b *testing.B) {
			run(b, js, s.points, func() error {
				m.Reset()
				return d.DecodeMetricsJSON(&m, js)
			})
		})
	}
}

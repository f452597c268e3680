package otlp_test

import (
	"math/rand/v2"
	"testing"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"google.golang.org/protobuf/proto"
)

func metricsProtoSeeds() [][]byte {
	var seeds [][]byte
	for seed := uint64(0); len(seeds) < 4; seed++ {
		b, _ := proto.Marshal(otlptest.RandomMetricsRequest(rand.New(rand.NewPCG(seed, 15))))
		if len(b) > 0 && len(b) < 4000 {
			seeds = append(seeds, b)
		}
	}
	realistic, _ := proto.Marshal(otlptest.RealisticMetricsRequest(5, 1))
	seeds = append(seeds, realistic)
	for _, tc := range metricsProtoAccepted {
		seeds = append(seeds, tc.in)
	}
	for _, tc := range metricsProtoRejected {
		seeds = append(seeds, tc.in)
	}
	for _, tc := range metricsProtoStricter {
		seeds = append(seeds, tc.in)
	}
	return seeds
}

func FuzzDecodeMetricsProto(f *testing.F) {
	for _, s := range metricsProtoSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) { fuzzProto(t, metricsCodec, b) })
}

func metricsJSONSeeds() [][]byte {
	var seeds [][]byte
	for seed := uint64(0); len(seeds) < 4; seed++ {
		b, _ := otlptest.PdataMetricsJSON(otlptest.RandomMetricsRequest(rand.New(rand.NewPCG(seed, 16))))
		if len(b) > 2 && len(b) < 6000 {
			seeds = append(seeds, b)
		}
	}
	realistic, _ := otlptest.PdataMetricsJSON(otlptest.RealisticMetricsRequest(5, 1))
	seeds = append(seeds, realistic)
	for _, s := range []string{
		wrapMetric(`"gauge":{},"sum":{}`),
		wrapMetric(`"exponential_histogram":{"data_points":[{"scale":-3,"positive":{"offset":"2","bucket_counts":["1",2]},"zero_threshold":"NaN"}]}`),
		wrapMetric(`"sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA","isMonotonic":true,"dataPoints":[{"asInt":"-1","exemplars":[{"asDouble":"Infinity","traceId":"5B8EFFF798038103D269B633813FC60C"}]}]}`),
		wrapMetric(`"summary":{"dataPoints":[{"quantileValues":[{"quantile":0.5,"value":1e3}],"sum":-0}]}`),
		wrapMetric(`"histogram":{"dataPoints":[{"bucketCounts":[1,"2"],"explicitBounds":[1.5],"min":null,"max":2}]}`),
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

func FuzzDecodeMetricsJSON(f *testing.F) {
	for _, s := range metricsJSONSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) { fuzzJSON(t, metricsCodec, b) })
}

package otlp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
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
	f.Fuzz(func(t *testing.T, b []byte) {
		var d otlp.Decoder
		var m otlp.Metrics
		err := d.DecodeMetricsProto(&m, b)
		want, werr := officialMetricsProto(b)
		if err != nil {
			var e *otlp.Error
			if !errors.As(err, &e) || e.Format != "protobuf" || e.Offset < -1 || e.Offset > len(b) {
				t.Fatalf("error %#v", err)
			}
		}
		switch {
		case err == nil && werr != nil:
			t.Fatalf("ours accepts what the official decoder rejects: %v", werr)
		case err == nil:
			if diff := otlptest.DiffMetrics(want, otlptest.ToProtoMetrics(&m)); diff != "" {
				t.Fatal(diff)
			}
		case werr == nil && !stricterProto(err):
			t.Fatalf("ours rejects what the official decoder accepts, and not for a documented reason: %v", err)
		}
	})
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
	f.Fuzz(func(t *testing.T, b []byte) {
		var d otlp.Decoder
		var m otlp.Metrics
		err := d.DecodeMetricsJSON(&m, b)
		if err != nil {
			var e *otlp.Error
			if !errors.As(err, &e) || e.Format != "json" || e.Offset < 0 || e.Offset > len(b) {
				t.Fatalf("error %#v", err)
			}
		}
		if !bytes.ContainsAny(b, "\n") {
			var ml otlp.Metrics
			lerr := d.DecodeMetricsJSONLines(&ml, b)
			if (lerr == nil) != (err == nil || blankInput(b)) {
				t.Fatalf("JSON: %v; JSON Lines: %v", err, lerr)
			}
			if err == nil {
				if diff := otlptest.DiffMetrics(otlptest.ToProtoMetrics(&m), otlptest.ToProtoMetrics(&ml)); diff != "" {
					t.Fatal("JSON Lines:", diff)
				}
			}
		}
		if err != nil {
			return
		}
		if !json.Valid(b) {
			t.Fatal("ours accepts invalid JSON")
		}
		if !pdataComparable(b) {
			return
		}
		want, perr := pdataMetricsDecode(b)
		if perr != nil {
			return // pdata is stricter in places
		}
		got := otlptest.ToProtoMetrics(&m)
		otlptest.NormalizeMetricsZeroIDs(got)
		if diff := otlptest.DiffMetrics(want, got); diff != "" {
			t.Fatal(diff)
		}
	})
}

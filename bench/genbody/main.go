// Command genbody writes a realistic OTLP export request (logs, traces or metrics), in protobuf, to a file for the benchmarks (bench/load.sh, bench/worker.sh).
package main

import (
	"flag"
	"fmt"
	"os"

	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
)

func main() {
	records := flag.Int("records", 100, "items (log records, spans or data points) in the request")
	services := flag.Int("services", 1, "services (resources) the items are spread over")
	signal := flag.String("signal", "logs", "logs, traces or metrics")
	out := flag.String("out", "", "file to write the protobuf request to (required)")
	flag.Parse()
	if *out == "" || *records < 1 || *services < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: genbody [-signal logs|traces|metrics] -records N -services S -out FILE")
		os.Exit(2)
	}
	var req proto.Message
	switch *signal {
	case "logs":
		req = otlptest.RealisticLogsRequest(*records, *services)
	case "traces":
		req = otlptest.RealisticTracesRequest(*records, *services)
	case "metrics":
		req = otlptest.RealisticMetricsRequest(*records, *services)
	default:
		fmt.Fprintf(os.Stderr, "genbody: -signal %q: want logs, traces or metrics\n", *signal)
		os.Exit(2)
	}
	b, err := proto.Marshal(req)
	if err != nil {
		fmt.Fprintf(os.Stderr, "genbody: marshal %d records: %v\n", *records, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "genbody: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("genbody: %s: %s, %d items, %d services, %d bytes\n", *out, *signal, *records, *services, len(b))
}

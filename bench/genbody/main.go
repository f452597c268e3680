// Command genbody writes a realistic OTLP ExportLogsServiceRequest, in protobuf, to a file for the load benchmark (bench/load.sh).
package main

import (
	"flag"
	"fmt"
	"os"

	"google.golang.org/protobuf/proto"

	"github.com/otlp2parquet/otlp2parquet/internal/otlptest"
)

func main() {
	records := flag.Int("records", 100, "log records in the request")
	services := flag.Int("services", 1, "services (resources) the records are spread over")
	out := flag.String("out", "", "file to write the protobuf request to (required)")
	flag.Parse()
	if *out == "" || *records < 1 || *services < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: genbody -records N -services S -out FILE")
		os.Exit(2)
	}
	b, err := proto.Marshal(otlptest.RealisticLogsRequest(*records, *services))
	if err != nil {
		fmt.Fprintf(os.Stderr, "genbody: marshal %d records: %v\n", *records, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "genbody: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("genbody: %s: %d records, %d services, %d bytes\n", *out, *records, *services, len(b))
}

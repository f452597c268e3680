// Command otlp2parquet turns OpenTelemetry data into Parquet files.
package main

import (
	"os"

	"github.com/otlp2parquet/otlp2parquet/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Package cli is the otlp2parquet command line: it parses arguments and runs a subcommand.
package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/otlp2parquet/otlp2parquet/internal/version"
)

const usage = `otlp2parquet turns OpenTelemetry (OTLP) data into Parquet files.

Usage:
  otlp2parquet [serve] [flags]   receive OTLP over HTTP and gRPC (the default)
  otlp2parquet convert [--signal auto|logs|traces|metrics] [--format auto|protobuf|json|jsonl] [--out DIR] FILE...
  otlp2parquet version

Run "otlp2parquet COMMAND --help" for a command's options; "otlp2parquet serve --help"
lists every server setting and its OTLP2PARQUET_* environment variable.
`

// Main runs the command line args and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" && args[0] != "--version" {
		return serve(args, stdout, stderr)
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "convert":
		return convert(args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "otlp2parquet", version.Version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "otlp2parquet: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// Command report prints a js/wasm binary's size (raw and gzip -9) and the Go packages whose code takes the most of it (make worker-size).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/otlp2parquet/otlp2parquet/internal/wasmsize"
)

func main() {
	top := flag.Int("top", 25, "packages to list")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: report [-top N] STRIPPED.wasm NAMED.wasm\n\nSTRIPPED is the binary shipped (-ldflags=-s -w), NAMED the same build without -s, for its function names.")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := wasmsize.Report(os.Stdout, flag.Arg(0), flag.Arg(1), *top); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// Command mergedata rewrites a js/wasm binary with its data segments merged (wasmsize.MergeData): the same program, about 6 % smaller gzip -9; scripts/build-worker.sh runs it on the Worker's wasm.
package main

import (
	"os"

	"github.com/otlp2parquet/otlp2parquet/internal/wasmsize"
)

func main() {
	if len(os.Args) != 3 {
		os.Stderr.WriteString("usage: mergedata IN.wasm OUT.wasm\n")
		os.Exit(2)
	}
	in, err := os.ReadFile(os.Args[1])
	if err == nil {
		var out []byte
		if out, err = wasmsize.MergeData(in, wasmsize.MaxDataGap); err == nil {
			err = os.WriteFile(os.Args[2], out, 0o644)
		}
	}
	if err != nil {
		os.Stderr.WriteString("mergedata: " + err.Error() + "\n")
		os.Exit(1)
	}
}

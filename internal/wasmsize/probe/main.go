// Command probe links the whole core (decode, batch, Parquet encoder, layout, storage) for the WASM size guard.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/storage/memory"
)

func main() {
	body, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f := ingest.Protobuf
	if len(os.Args) > 1 {
		if f, err = ingest.ParseFormat(os.Args[1]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	res, err := ingest.New(memory.New(), ingest.Options{}).Export(context.Background(), ingest.Logs, body, f)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, o := range res.Objects {
		fmt.Println(o.Key, o.Rows, o.Bytes)
	}
}

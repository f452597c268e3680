// Command probe links the whole core (decode, batch, Parquet encoder, layout, storage) for the WASM size guard.
package main

import (
	"context"
	"io"
	"os"
	"strconv"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/storage/memory"
)

// It prints without fmt, which the core does not link either.
func main() {
	body, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err, 1)
	}
	f := ingest.Protobuf
	if len(os.Args) > 1 {
		if f, err = ingest.ParseFormat(os.Args[1]); err != nil {
			fail(err, 2)
		}
	}
	res, err := ingest.New(memory.New(), ingest.Options{}).Export(context.Background(), ingest.Logs, body, f)
	if err != nil {
		fail(err, 1)
	}
	for _, o := range res.Objects {
		os.Stdout.WriteString(o.Key + " " + strconv.Itoa(o.Rows) + " " + strconv.Itoa(o.Bytes) + "\n")
	}
}

func fail(err error, code int) {
	os.Stderr.WriteString(err.Error() + "\n")
	os.Exit(code)
}

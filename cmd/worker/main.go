//go:build js && wasm

// Command worker is the Go side of the Cloudflare Worker, built with GOOS=js GOARCH=wasm (make worker): it waits for worker/index.mjs to hand it requests.
package main

import "github.com/otlp2parquet/otlp2parquet/internal/worker"

func main() { worker.Main() }

// Package wasmsize guards the size of the js/wasm build of the core (OTLP decode, batching, Parquet encoding) so it stays small enough for edge runtimes.
package wasmsize

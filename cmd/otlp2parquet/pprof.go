//go:build pprof

package main

import (
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"
)

// Built with -tags pprof, the server serves net/http/pprof on
// OTLP2PARQUET_PPROF_ADDR (default 127.0.0.1:6060) for profiling under load.
func init() {
	addr := os.Getenv("OTLP2PARQUET_PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			slog.Error("pprof", "addr", addr, "err", err)
		}
	}()
}

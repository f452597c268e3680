// Package e2e tests the standalone otlp2parquet server as a real process, with real clients, storage (disk, versitygw) and readers (DuckDB).
package e2e

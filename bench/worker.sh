#!/usr/bin/env bash
# CPU time of the Worker's wasm per request, under node (make worker-bench):
# builds the bundle into a temporary directory, makes protobuf requests of
# 100 and 10,000 records with bench/genbody (the realistic records of
# BENCHMARKS.md, 3 services), 100 spans and a realistic metrics request, and
# runs bench/worker.mjs on them. RUNS sets
# the requests per size (default 50).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
bash scripts/build-worker.sh "$tmp/worker" >/dev/null
go run ./bench/genbody -records 100 -services 3 -out "$tmp/100.pb"
go run ./bench/genbody -records 10000 -services 3 -out "$tmp/10000.pb"
go run ./bench/genbody -signal traces -records 100 -services 3 -out "$tmp/traces.pb"
go run ./bench/genbody -signal metrics -records 100 -services 3 -out "$tmp/metrics.pb"
gzip -9 -k "$tmp/10000.pb"
node bench/worker.mjs "$tmp/worker" "100 records=$tmp/100.pb" "10,000 records=$tmp/10000.pb" "10,000 records gzip=$tmp/10000.pb.gz:gzip" \
	"100 spans=$tmp/traces.pb@/v1/traces" "metrics (360 data points)=$tmp/metrics.pb@/v1/metrics"

# Common tasks. `make test` runs everything CI runs (scripts/test.sh).
.PHONY: test tools run build fuzz bench lint load compare lambda worker worker-size worker-bench

test:
	bash scripts/test.sh

tools:
	bash scripts/install-tools.sh

run:
	go run ./cmd/otlp2parquet

build:
	go build -trimpath -o bin/otlp2parquet ./cmd/otlp2parquet

lambda: # AWS Lambda bundles: dist/lambda/otlp2parquet-lambda-{arm64,amd64}.zip (scripts/build-lambda.sh)
	bash scripts/build-lambda.sh

worker: # Cloudflare Worker bundle in dist/worker/: deploy from there (README.md; scripts/build-worker.sh)
	bash scripts/build-worker.sh dist/worker

worker-size: # the Worker's wasm size (raw, gzip -9) and its largest Go packages
	bash scripts/build-worker.sh dist/worker --named dist/worker-size/otlp2parquet-named.wasm
	go run ./internal/wasmsize/report dist/worker/otlp2parquet.wasm dist/worker-size/otlp2parquet-named.wasm

worker-bench: # CPU per request and cold start of the Worker's wasm under node (bench/worker.sh)
	bash bench/worker.sh

fuzz: # FUZZTIME=30s per target by default
	bash scripts/fuzz.sh

bench:
	go test -run='^$$' -bench=. -benchmem ./...

lint: tools
	go vet ./...
	.tools/bin/staticcheck ./...

load: # load benchmark of the standalone server (bench/load.sh; not part of make test)
	bash bench/load.sh

compare: # side by side with the OpenTelemetry Collector v0.161.0 (bench/compare.sh; not part of make test)
	bash bench/compare.sh

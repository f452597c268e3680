#!/usr/bin/env bash
# Builds the AWS Lambda bundles (`make lambda`): for each architecture, a
# static otlp2parquet named bootstrap (the provided.al2023 runtime runs
# that) zipped as dist/lambda/otlp2parquet-lambda-ARCH.zip.
#
# Usage: scripts/build-lambda.sh [arch...]   (default: arm64 amd64)
# VERSION=v1.2.3 sets the version the binary reports.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/dist/lambda"
archs=("$@")
((${#archs[@]})) || archs=(arm64 amd64)
ldflags="-s -w"
if [[ -n "${VERSION:-}" ]]; then
	ldflags+=" -X github.com/otlp2parquet/otlp2parquet/internal/version.Version=$VERSION"
fi

for arch in "${archs[@]}"; do
	case "$arch" in
	arm64 | amd64) ;;
	*) echo "build-lambda: unknown architecture $arch (want arm64 or amd64)" >&2; exit 2 ;;
	esac
	dir="$OUT/$arch"
	zip="$OUT/otlp2parquet-lambda-$arch.zip"
	rm -rf "$dir" "$zip"
	mkdir -p "$dir"
	# lambda.norpc leaves out the Go 1.x runtime's RPC mode, which
	# provided.al2023 does not use.
	CGO_ENABLED=0 GOOS=linux GOARCH="$arch" \
		go build -tags lambda.norpc -trimpath -ldflags "$ldflags" -o "$dir/bootstrap" ./cmd/otlp2parquet
	if command -v zip >/dev/null; then
		(cd "$dir" && zip -q -X "$zip" bootstrap)
	else
		(cd "$dir" && python3 -m zipfile -c "$zip" bootstrap)
	fi
	printf 'build-lambda: %s  bootstrap %s bytes, zip %s bytes\n' "${zip#"$ROOT"/}" \
		"$(stat -c %s "$dir/bootstrap")" "$(stat -c %s "$zip")"
done

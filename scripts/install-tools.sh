#!/usr/bin/env bash
# Installs the pinned tools that the tests need into .tools/ at the repo root.
#
# Idempotent: a tool already installed at its pinned version is left alone.
# Each tool is one install_<name> function plus one line in TOOLS below; to add
# a tool, write its function (check the pinned version, install if missing) and
# list it. Fails loudly (non-zero exit, message on stderr) if any install fails.
#
# Usage: scripts/install-tools.sh [tool...]   (default: every tool in TOOLS)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="$ROOT/.tools"
TOOLS_BIN="$TOOLS_DIR/bin"

# Pinned versions. Change a version here and the next run reinstalls it.
STATICCHECK_VERSION="v0.8.2"
DUCKDB_NODE_API_VERSION="1.5.6-r.1" # must match tools/duckdb/package.json
VERSITYGW_VERSION="v1.8.0"
TELEMETRYGEN_VERSION="v0.161.0"
WRANGLER_VERSION="4.86.0" # must match tools/wrangler/package.json
# The AWS Lambda Runtime Interface Emulator publishes no module versions; this
# pseudo-version is the commit pinned.
LAMBDA_RIE_VERSION="v0.0.0-20261030222936-bef5c4ba774d"
VEGETA_VERSION="v12.13.0" # load benchmark only (bench/load.sh); not in TOOLS

# Every tool, in install order.
TOOLS=(staticcheck duckdb versitygw telemetrygen lambda_rie wrangler)

log() { printf '[install-tools] %s\n' "$*"; }
die() { printf '[install-tools] ERROR: %s\n' "$*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH"; }

# stamp_ok NAME VALUE: true when .tools/stamps/NAME holds exactly VALUE.
stamp_ok() { [[ -f "$TOOLS_DIR/stamps/$1" && "$(cat "$TOOLS_DIR/stamps/$1")" == "$2" ]]; }
stamp_set() { mkdir -p "$TOOLS_DIR/stamps" && printf '%s' "$2" >"$TOOLS_DIR/stamps/$1"; }

# go_install NAME VERSION PACKAGE NOTE [CHECK_ARG...]: installs the Go command
# PACKAGE@VERSION as .tools/bin/NAME unless its stamp says that version is
# there, then proves it runs with `NAME CHECK_ARG...` (when given). NOTE, if
# not empty, says how long a cold build takes. Environment given on the call
# (CGO_ENABLED=0 go_install ...) applies to the build.
go_install() {
	local name="$1" version="$2" pkg="$3" note="$4"
	shift 4
	local bin="$TOOLS_BIN/$name"
	if [[ -x "$bin" ]] && stamp_ok "$name" "$version"; then
		log "$name $version already installed"
		return 0
	fi
	need go
	log "installing $name $version${note:+ ($note)}"
	# Build outside the module so its go.mod and GOFLAGS=-mod=... do not apply.
	(cd "$TOOLS_DIR" && GOBIN="$TOOLS_BIN" GOFLAGS="" go install "$pkg@$version") ||
		die "go install $pkg@$version failed"
	[[ -x "$bin" ]] || die "$name was not installed in $TOOLS_BIN"
	if (($#)); then
		"$bin" "$@" >/dev/null || die "installed $name does not run"
	fi
	stamp_set "$name" "$version"
}

# --- staticcheck -------------------------------------------------------------
install_staticcheck() {
	local bin="$TOOLS_BIN/staticcheck"
	# The stamp also records the Go version: staticcheck must be built by the
	# Go it analyses code for.
	need go
	local want
	want="$STATICCHECK_VERSION $(go env GOVERSION)" || die "go env GOVERSION failed"
	if [[ -x "$bin" ]] && stamp_ok staticcheck "$want"; then
		log "staticcheck $STATICCHECK_VERSION already installed"
		return 0
	fi
	log "installing staticcheck $STATICCHECK_VERSION with $(go env GOVERSION)"
	# Build outside the module so its go.mod and GOFLAGS=-mod=... do not apply.
	(cd "$TOOLS_DIR" && GOBIN="$TOOLS_BIN" GOFLAGS="" \
		go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION") ||
		die "go install staticcheck@$STATICCHECK_VERSION failed"
	"$bin" -version >/dev/null || die "installed staticcheck does not run"
	stamp_set staticcheck "$want"
}

# --- DuckDB for Node -----------------------------------------------------------
# package.json and package-lock.json live in tools/duckdb/ (committed); they are
# copied to .tools/duckdb/ and installed there with `npm ci`, so node_modules
# stays under the git-ignored .tools/. tools/duckdb/query.mjs finds it there.
install_duckdb() {
	local src="$ROOT/tools/duckdb" dst="$TOOLS_DIR/duckdb"
	local pkg="$dst/node_modules/@duckdb/node-api/package.json"
	grep -q "\"@duckdb/node-api\": \"$DUCKDB_NODE_API_VERSION\"" "$src/package.json" ||
		die "tools/duckdb/package.json does not pin @duckdb/node-api $DUCKDB_NODE_API_VERSION"
	local want
	want="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)"
	if [[ -f "$pkg" ]] && stamp_ok duckdb "$want"; then
		log "@duckdb/node-api $DUCKDB_NODE_API_VERSION already installed"
		return 0
	fi
	need node
	need npm
	log "installing @duckdb/node-api $DUCKDB_NODE_API_VERSION (npm ci)"
	mkdir -p "$dst"
	cp "$src/package.json" "$src/package-lock.json" "$dst/"
	npm ci --prefix "$dst" --no-audit --no-fund --loglevel=error ||
		die "npm ci for @duckdb/node-api $DUCKDB_NODE_API_VERSION failed"
	# Prove the native binding loads and runs a query.
	node "$src/query.mjs" "SELECT 42 AS answer" >/dev/null ||
		die "@duckdb/node-api installed but tools/duckdb/query.mjs cannot run a query"
	stamp_set duckdb "$want"
}

# --- versitygw ----------------------------------------------------------------
# A real S3 gateway (SigV4, If-None-Match, objects as plain files) that the S3
# backend's integration tests start through internal/s3test. ~2 minutes cold.
install_versitygw() {
	go_install versitygw "$VERSITYGW_VERSION" github.com/versity/versitygw/cmd/versitygw \
		"takes about 2 minutes cold" --version
}

install_telemetrygen() {
	go_install telemetrygen "$TELEMETRYGEN_VERSION" \
		github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen "takes about 90 seconds cold" --help
}

# --- AWS Lambda Runtime Interface Emulator -------------------------------------
# Runs the Lambda bootstrap locally behind Lambda's Runtime API and invokes it
# over HTTP, for the Lambda end-to-end tests (internal/e2e/lambda_test.go).
install_lambda_rie() {
	# No version flag to check it with: the build and the stamp suffice.
	CGO_ENABLED=0 go_install aws-lambda-rie "$LAMBDA_RIE_VERSION" \
		github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie ""
}

# --- wrangler -------------------------------------------------------------------
# Cloudflare's CLI with workerd, the Workers runtime: the Worker's end-to-end
# test serves the bundle with `wrangler dev --local` and reads local R2.
# Installed like DuckDB: tools/wrangler/package.json and package-lock.json
# (committed) are copied to .tools/wrangler/ and installed there with
# `npm ci`; .tools/bin/wrangler runs it.
install_wrangler() {
	local src="$ROOT/tools/wrangler" dst="$TOOLS_DIR/wrangler"
	local bin="$dst/node_modules/.bin/wrangler"
	grep -q "\"wrangler\": \"$WRANGLER_VERSION\"" "$src/package.json" ||
		die "tools/wrangler/package.json does not pin wrangler $WRANGLER_VERSION"
	local want
	want="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)"
	if [[ -x "$bin" && -x "$TOOLS_BIN/wrangler" ]] && stamp_ok wrangler "$want"; then
		log "wrangler $WRANGLER_VERSION already installed"
		return 0
	fi
	need node
	need npm
	log "installing wrangler $WRANGLER_VERSION (npm ci)"
	mkdir -p "$dst"
	cp "$src/package.json" "$src/package-lock.json" "$dst/"
	npm ci --prefix "$dst" --no-audit --no-fund --loglevel=error ||
		die "npm ci for wrangler $WRANGLER_VERSION failed"
	ln -sf "../wrangler/node_modules/.bin/wrangler" "$TOOLS_BIN/wrangler"
	local got
	got="$(WRANGLER_SEND_METRICS=false "$TOOLS_BIN/wrangler" --version 2>/dev/null | tail -n 1)" ||
		die "installed wrangler does not run"
	[[ "$got" == *"$WRANGLER_VERSION"* ]] || die "installed wrangler reports version '$got', want $WRANGLER_VERSION"
	stamp_set wrangler "$want"
}

# --- vegeta -------------------------------------------------------------------
# HTTP load generator for bench/load.sh (`make load`). The tests do not need it,
# so it is not in TOOLS: install it with `scripts/install-tools.sh vegeta`.
install_vegeta() {
	go_install vegeta "$VEGETA_VERSION" github.com/tsenart/vegeta/v12 "" -version
}

main() {
	local tools=("$@")
	((${#tools[@]})) || tools=("${TOOLS[@]}")
	mkdir -p "$TOOLS_BIN"
	local total_start=$SECONDS t start
	for t in "${tools[@]}"; do
		declare -F "install_$t" >/dev/null || die "unknown tool '$t' (known: ${TOOLS[*]})"
		start=$SECONDS
		"install_$t"
		log "$t: done in $((SECONDS - start))s"
	done
	log "all tools ready in $((SECONDS - total_start))s (in $TOOLS_DIR)"
}

main "$@"

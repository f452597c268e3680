#!/usr/bin/env bash
# The single command that runs every check and test of otlp2parquet (`make test`,
# and what CI runs through .ci/run):
#   1. scripts/install-tools.sh   pinned tools into .tools/
#   2. go vet ./...
#   3. staticcheck ./...
#   4. go test -race -count=1 ./...   unit, integration and end-to-end Go tests
#   4b. GOOS=js GOARCH=wasm go vet and go test (under node) of the Worker's
#       js/wasm-only packages (cmd/worker, internal/worker, internal/jsio, storage/r2)
#   5. scripts/fuzz.sh                every fuzz target for $FUZZTIME (30s)
#   6. scripts/e2e-*.sh               in name order
# A failing step does not stop the later ones (except a failed tool install);
# the script ends with a summary line and exits non-zero if any step failed.
#
# Environment: CI=true makes tests fail instead of skip when a tool is missing;
# FUZZTIME sets the time per fuzz target (0 or "skip" skips fuzzing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export LC_ALL=C
export CI="${CI:-}"
export FUZZTIME="${FUZZTIME:-30s}"
export PATH="$ROOT/.tools/bin:$PATH"

start_all=$SECONDS
passed=()
failed=()

section() { printf '\n===== %s =====\n' "$*"; }

# step NAME CMD...: runs CMD with its output streamed, records pass/fail.
step() {
	local name="$1" start=$SECONDS rc=0
	shift
	section "$name"
	"$@" || rc=$?
	if ((rc == 0)); then
		passed+=("$name")
		printf -- '----- %s: ok (%ss)\n' "$name" "$((SECONDS - start))"
	else
		failed+=("$name")
		printf -- '----- %s: FAILED with exit code %s (%ss)\n' "$name" "$rc" "$((SECONDS - start))"
	fi
}

echo "otlp2parquet tests: $(go version), node $(node --version 2>/dev/null || echo missing), CI=${CI:-unset}, FUZZTIME=$FUZZTIME"

section "install tools"
bash scripts/install-tools.sh || {
	echo "test.sh: FAILED: scripts/install-tools.sh (nothing else was run)" >&2
	echo "summary: 0 passed, 1 failed"
	exit 1
}

step "go vet" go vet ./...
step "staticcheck" staticcheck ./...

# The WASM size test appends its measurement here (go test hides a passing
# package's output).
WASMSIZE_REPORT="$(mktemp)"
export WASMSIZE_REPORT
trap 'rm -f "$WASMSIZE_REPORT"' EXIT
step "go test -race" go test -race -count=1 ./...
# The Worker's packages that only build for js/wasm, run under node with
# Go's own go_js_wasm_exec.
js_wasm_pkgs=(./cmd/worker ./internal/worker ./internal/jsio ./storage/r2)
step "go test js/wasm" env GOOS=js GOARCH=wasm bash -c 'go vet "$@" && go test -count=1 -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" "$@"' _ "${js_wasm_pkgs[@]}"
if [[ -s "$WASMSIZE_REPORT" ]]; then
	section "wasm size"
	cat "$WASMSIZE_REPORT"
fi

if [[ "$FUZZTIME" == "0" || "$FUZZTIME" == "skip" ]]; then
	section "fuzz: skipped (FUZZTIME=$FUZZTIME)"
else
	step "fuzz" bash scripts/fuzz.sh
fi

shopt -s nullglob
e2e=(scripts/e2e-*.sh)
shopt -u nullglob
if ((${#e2e[@]} == 0)); then
	section "e2e: no scripts/e2e-*.sh"
fi
for s in "${e2e[@]}"; do
	step "$(basename "$s")" bash "$s"
done

section "summary"
if [[ -s "$WASMSIZE_REPORT" ]]; then cat "$WASMSIZE_REPORT"; fi
for s in "${passed[@]}"; do echo "ok     $s"; done
for s in "${failed[@]}"; do echo "FAILED $s"; done
echo "test.sh finished in $((SECONDS - start_all))s"
echo "summary: ${#passed[@]} passed, ${#failed[@]} failed"
((${#failed[@]} == 0))

#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a bounded time each.
#
# Targets are discovered, not listed: packages whose *_test.go files declare
# `func FuzzXxx(`, confirmed with `go test -list '^Fuzz'`. Each target runs as
#   go test -run='^$' -fuzz='^Name$' -fuzztime=$FUZZTIME <pkg>
# FUZZTIME defaults to 30s. A failing input is saved by Go under the package's
# testdata/fuzz/ and replays in plain `go test` from then on.
#
# Usage: scripts/fuzz.sh [package pattern...]   (default ./...)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FUZZTIME="${FUZZTIME:-30s}"
patterns=("$@")
((${#patterns[@]})) || patterns=(./...)

# Packages with a fuzz function in a test file (cheap: no compilation).
pkgs=()
while read -r pkg dir; do
	[[ -n "$dir" ]] || continue
	if grep -lqE '^func Fuzz[A-Za-z0-9_]*\(' "$dir"/*_test.go 2>/dev/null; then
		pkgs+=("$pkg")
	fi
done < <(go list -e -f '{{.ImportPath}} {{.Dir}}' "${patterns[@]}")

if ((${#pkgs[@]} == 0)); then
	echo "fuzz: no fuzz targets found"
	exit 0
fi

# known_deadline_race reports whether a failed fuzz run's output is only
# the coordinator's bare "context deadline exceeded" at the end of fuzztime,
# with no failing input written.
known_deadline_race() {
	grep -qx '    context deadline exceeded' "$1" && ! grep -q 'Failing input written' "$1"
}

failed=()
count=0
for pkg in "${pkgs[@]}"; do
	# go test -list prints matching names, then an "ok <pkg>" line.
	if ! names="$(go test -list '^Fuzz' "$pkg")"; then
		echo "$names"
		echo "fuzz: listing fuzz targets of $pkg failed" >&2
		failed+=("$pkg (list)")
		continue
	fi
	for name in $(grep -E '^Fuzz[A-Za-z0-9_]*$' <<<"$names" || true); do
		count=$((count + 1))
		echo "--- fuzz $pkg $name (fuzztime $FUZZTIME)"
		out="$(mktemp)"
		if go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "$pkg" 2>&1 | tee "$out"; then
			:
		elif known_deadline_race "$out" && go test -count=1 -run="^${name}\$" "$pkg"; then
			# Go 1.26's fuzz coordinator can report its own -fuzztime
			# deadline as a failure (go.dev/issue/75804, fixed in Go 1.27):
			# no input was written, and the corpus replays clean.
			echo "fuzz: $name: the coordinator's deadline race (go.dev/issue/75804), no failing input; corpus replayed clean"
		else
			failed+=("$pkg $name")
		fi
		rm -f "$out"
	done
done

echo "fuzz: ran $count target(s) for $FUZZTIME each, ${#failed[@]} failed"
if ((${#failed[@]})); then
	printf 'fuzz: FAILED %s\n' "${failed[@]}" >&2
	exit 1
fi

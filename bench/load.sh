#!/usr/bin/env bash
# Load benchmark of the standalone server (`make load`). Not a test: make test
# never runs it, and its numbers depend on the machine and on what else runs.
#
# Builds ./cmd/otlp2parquet, starts it on a free 127.0.0.1 port with file
# storage in a temporary directory (OTLP/HTTP only, log level warn), writes two
# realistic protobuf bodies with bench/genbody, and drives the server with
# vegeta (pinned in scripts/install-tools.sh, installed on first use):
#   a) fixed rate: RATE req/s (1000) of the 100-record body for DURATION (30s);
#   b) steps: each rate of STEPS (250 500 1000 2000 3000 4000 6000 8000) for
#      STEP_DURATION (10s), stopping at the first
#      step with success < 100 % or p99 > 1 s; the highest sustained rate is the
#      highest step with 100 % success, p99 < 100 ms and at least 95 % of the
#      target rate actually served;
#   c) saturation: the 10,000-record body as fast as SAT_WORKERS (8) workers
#      can send it, for SAT_DURATION (15s).
# For each run it reports success, latency percentiles, the server's CPU
# seconds (utime+stime from /proc/PID/stat) and its peak RSS (VmHWM from
# /proc/PID/status; every run gets a fresh server), then prints a
# markdown summary ready for BENCHMARKS.md. The load generator runs on the same
# machine and takes CPU from the server; the summary says how busy it was.
#
# BATCH=true (the server's default) runs it with batching behind the write-ahead
# log, BATCH=false writing every request through.
#
# Usage: bench/load.sh     (or: make load; DURATION=10s bench/load.sh; BATCH=false make load)
# Needs: go, curl, jq. Everything it starts and writes goes when it exits.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export LC_ALL=C

RATE="${RATE:-1000}"
DURATION="${DURATION:-30s}"
STEPS="${STEPS:-250 500 1000 2000 3000 4000 6000 8000}"
STEP_DURATION="${STEP_DURATION:-10s}"
SAT_DURATION="${SAT_DURATION:-15s}"
SAT_WORKERS="${SAT_WORKERS:-8}"
BATCH="${BATCH:-true}"
SMALL_RECORDS=100 SMALL_SERVICES=1   # one SDK's batch: one service
LARGE_RECORDS=10000 LARGE_SERVICES=10 # a Collector's batch: several services

VEGETA="$ROOT/.tools/bin/vegeta"
VEGETA_VERSION="$(sed -n 's/^VEGETA_VERSION="\([^"]*\)".*/\1/p' scripts/install-tools.sh)"
WORK=""
SERVER_PID=""
PORT=""
ROWS=() # markdown table rows, one per run

log() { printf '[load] %s\n' "$*" >&2; }
die() {
	printf '[load] ERROR: %s\n' "$*" >&2
	exit 1
}

stop_server() {
	[[ -n "$SERVER_PID" ]] || return 0
	local pid="$SERVER_PID" i
	SERVER_PID=""
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 400; i++)); do # shutdown stores the batches: up to 30 s
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "server $pid still running 40s after SIGTERM; sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	stop_server
	if [[ -n "$WORK" && -d "$WORK" ]]; then
		if ((rc != 0)) && [[ -s "$WORK/server.log" ]]; then
			log "last lines of the server's log:"
			tail -n 20 "$WORK/server.log" >&2 || true
		fi
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- prerequisites ------------------------------------------------------------
command -v go >/dev/null || die "go is required"
command -v curl >/dev/null || die "curl is required (apt-get install -y curl)"
command -v jq >/dev/null || die "jq is required to read vegeta's reports (apt-get install -y jq)"
bash scripts/install-tools.sh vegeta >&2 || die "cannot install vegeta (scripts/install-tools.sh vegeta)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/otlp2parquet-load.XXXXXX")"
DATA="$WORK/data"
mkdir -p "$DATA"
: >"$WORK/server.log"

log "building ./cmd/otlp2parquet and bench/genbody"
go build -trimpath -o "$WORK/otlp2parquet" ./cmd/otlp2parquet
go build -trimpath -o "$WORK/genbody" ./bench/genbody
SMALL="$WORK/body-$SMALL_RECORDS.pb"
LARGE="$WORK/body-$LARGE_RECORDS.pb"
"$WORK/genbody" -records "$SMALL_RECORDS" -services "$SMALL_SERVICES" -out "$SMALL" >&2
"$WORK/genbody" -records "$LARGE_RECORDS" -services "$LARGE_SERVICES" -out "$LARGE" >&2
SMALL_BYTES=$(stat -c %s "$SMALL")
LARGE_BYTES=$(stat -c %s "$LARGE")

# --- server -------------------------------------------------------------------
# A free port: pick one nothing answers on, start the server on it, and try
# another if the server could not bind it after all.
start_server() {
	local attempt port i seen
	for ((attempt = 0; attempt < 10; attempt++)); do
		seen=$(wc -l <"$WORK/server.log")
		port=$((20000 + RANDOM % 40000))
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			continue # something listens there
		fi
		"$WORK/otlp2parquet" serve -http-addr="127.0.0.1:$port" -grpc-addr= \
			-storage=file -output-dir="$DATA" -log-level=warn -shutdown-timeout=30s -batch="$BATCH" \
			>>"$WORK/server.log" 2>&1 &
		SERVER_PID=$!
		for ((i = 0; i < 100; i++)); do
			if ! kill -0 "$SERVER_PID" 2>/dev/null; then
				wait "$SERVER_PID" 2>/dev/null || true
				SERVER_PID=""
				break
			fi
			if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then
				PORT=$port
				return 0
			fi
			sleep 0.1
		done
		[[ -z "$SERVER_PID" ]] || die "server did not answer /health on 127.0.0.1:$port within 10s"
		tail -n "+$((seen + 1))" "$WORK/server.log" | grep -q "address already in use" ||
			die "server exited at start-up: $(tail -n 5 "$WORK/server.log")"
	done
	die "no free port found in 10 attempts"
}

server_alive() {
	kill -0 "$SERVER_PID" 2>/dev/null || die "the server (pid $SERVER_PID) died"
}

# cpu_ticks: the server's user and system CPU time so far, in clock ticks.
cpu_ticks() {
	local stat f
	stat="$(<"/proc/$SERVER_PID/stat")"
	# Fields after "pid (comm) ": state is field 3, utime 14, stime 15.
	read -r -a f <<<"${stat##*) }"
	echo "${f[11]} ${f[12]}"
}

# sys_ticks: busy (user nice system irq softirq) and steal ticks of all CPUs.
sys_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $9; exit }' /proc/stat; }

# child_secs: sets CHILD_SECS to the user+system seconds of this shell's
# finished children (vegeta; the server has not finished). Not to be called
# in $(...): a subshell has no finished children of its own.
child_secs() {
	times >"$WORK/times"
	CHILD_SECS=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] } print s }' "$WORK/times")
}

# parquet_out: the number and total bytes of the finished Parquet files (the
# server may still be writing, so temporary files come and go meanwhile).
parquet_out() { find "$DATA" -name '*.parquet' -printf '%s\n' 2>/dev/null | awk '{ n++; b += $1 } END { print n + 0, b + 0 }'; }

hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status"; }

CLK_TCK=$(getconf CLK_TCK)
NPROC=$(nproc)

# --- formatting ------------------------------------------------------------------
# calc EXPR DECIMALS: EXPR (numbers and awk operators) rounded to DECIMALS.
calc() { awk "BEGIN { printf \"%.$2f\n\", ($1) }"; }
ms() { awk -v n="$1" 'BEGIN { v = n / 1e6; if (v < 10) printf "%.2f ms\n", v; else if (v < 1000) printf "%.1f ms\n", v; else printf "%.2f s\n", v / 1000 }'; }
pct() { awk -v s="$1" 'BEGIN { if (s >= 1) print "100 %"; else printf "%.2f %%\n", int(s * 10000) / 100 }'; }
num() { awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }; print s o }'; }

# --- one run --------------------------------------------------------------------
# attack NAME BODY RECORDS RATE DURATION [vegeta flags...]: runs vegeta against
# the server and sets R_* to its results and the CPU and memory it took.
attack() {
	local name="$1" body="$2" records="$3" rate="$4" dur="$5"
	shift 5
	local bin="$WORK/$name.bin" json="$WORK/$name.json" t0 t1 w0 w1 c0 c1 s0 s1 st0 st1 u0 u1 wall
	# A fresh server and an empty directory for every run: no backlog of the
	# previous run (a client that timed out does not stop its request), and
	# VmHWM is this run's peak.
	stop_server
	rm -rf "$DATA"
	mkdir -p "$DATA"
	sync
	start_server
	log "$name: server pid $SERVER_PID on 127.0.0.1:$PORT"
	child_secs
	c0=$CHILD_SECS
	read -r s0 st0 < <(sys_ticks)
	read -r u0 t0 < <(cpu_ticks)
	w0=$(date +%s%N)
	printf 'POST http://127.0.0.1:%s/v1/logs\n' "$PORT" |
		"$VEGETA" attack -body="$body" -header='Content-Type: application/x-protobuf' \
			-rate="$rate" -duration="$dur" -timeout=30s "$@" >"$bin"
	w1=$(date +%s%N)
	server_alive
	read -r u1 t1 < <(cpu_ticks)
	R_SYS_S=$(calc "($t1 - $t0) / $CLK_TCK" 1)
	t0=$((u0 + t0)) t1=$((u1 + t1))
	read -r s1 st1 < <(sys_ticks)
	child_secs
	c1=$CHILD_SECS
	wall=$(calc "($w1 - $w0) / 1e9" 3)
	R_HWM_MIB=$(calc "$(hwm_kib) / 1024" 0)
	R_CPU_S=$(calc "($t1 - $t0) / $CLK_TCK" 1)
	R_CORES=$(calc "($t1 - $t0) / $CLK_TCK / $wall" 2)
	R_CLIENT=$(calc "($c1 - $c0) / $wall" 2)
	# Everything else busy on the machine meanwhile (other jobs), and steal.
	R_OTHER=$(calc "(($s1 - $s0) / $CLK_TCK - ($t1 - $t0) / $CLK_TCK - ($c1 - $c0)) / $wall" 2)
	R_STEAL=$(calc "($st1 - $st0) / $CLK_TCK / $wall" 2)
	R_OTHER=$(calc "($R_OTHER < 0 ? 0 : $R_OTHER)" 2)
	"$VEGETA" report -type=json "$bin" >"$json"
	IFS=$'\t' read -r R_REQ R_RATE R_TPUT R_SUCC R_P50 R_P90 R_P99 R_MAX R_SECS R_CODES < <(
		jq -r '[.requests, .rate, .throughput, .success,
			.latencies["50th"], .latencies["90th"], .latencies["99th"], .latencies.max,
			((.duration + .wait) / 1e9),
			([.status_codes | to_entries[] | "\(.key):\(.value)"] | join(" "))] | @tsv' "$json"
	)
	R_OK=$(calc "$R_REQ * $R_SUCC" 0)
	R_RECS=$(calc "$R_TPUT * $records" 0)
	R_US_REC=$(calc "$R_OK > 0 ? ($t1 - $t0) / $CLK_TCK * 1e6 / ($R_OK * $records) : 0" 1)
	R_MBS=$(calc "$R_OK * $(stat -c %s "$body") / $R_SECS / 1e6" 1)
	read -r R_FILES R_OUT_MB < <(parquet_out)
	R_OUT_MB=$(calc "$R_OUT_MB / 1048576" 1)
	log "$name: sent $(calc "$R_RATE" 1) req/s, ok $(calc "$R_TPUT" 1) req/s ($(num "$R_RECS") records/s, $R_MBS MB/s in), success $(pct "$R_SUCC") [status $R_CODES]"
	log "$name: latency p50 $(ms "$R_P50"), p90 $(ms "$R_P90"), p99 $(ms "$R_P99"), max $(ms "$R_MAX")"
	log "$name: server CPU $R_CPU_S s (of which system $R_SYS_S s; $R_CORES cores, $R_US_REC µs per record), peak RSS $R_HWM_MIB MiB; vegeta $R_CLIENT cores; other processes $R_OTHER cores, steal $R_STEAL (of $NPROC); $R_FILES files, $R_OUT_MB MiB written"
	jq -r '.errors[:3][] | "[load]   vegeta error: " + .' "$json" >&2
}

# row LABEL TARGET RECORDS: appends the last run to the summary table.
row() {
	ROWS+=("$(printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s s, %s cores, %s µs/rec | %s MiB | %s / %s |' \
		"$1" "$2" "$3" "$(calc "$R_RATE" 0)" "$(calc "$R_TPUT" 0)" "$(num "$R_RECS")" "$R_MBS" "$(pct "$R_SUCC")" \
		"$(ms "$R_P50")" "$(ms "$R_P90")" "$(ms "$R_P99")" "$(ms "$R_MAX")" "$R_CPU_S" "$R_CORES" "$R_US_REC" "$R_HWM_MIB" \
		"$R_CLIENT" "$R_OTHER")")
}

# --- the runs -------------------------------------------------------------------
UPTIME_BEFORE="$(uptime | sed "s/^ *//")"
log "uptime before: $UPTIME_BEFORE"
log "each run gets a fresh server (127.0.0.1, free port) writing under $DATA"

log "a) fixed rate: $RATE req/s of the $SMALL_RECORDS-record body for $DURATION"
attack fixed "$SMALL" "$SMALL_RECORDS" "$RATE" "$DURATION"
row "fixed rate, $DURATION" "$RATE/s" "$SMALL_RECORDS"
FIXED_ROW=${ROWS[-1]}

log "b) steps of $STEP_DURATION: $STEPS req/s"
BEST=0
BEST_TPUT=0
STOP_REASON="no step fell below 100 % success or above 1 s p99"
for rate in $STEPS; do
	attack "step-$rate" "$SMALL" "$SMALL_RECORDS" "$rate" "$STEP_DURATION"
	row "step, $STEP_DURATION" "$rate/s" "$SMALL_RECORDS"
	if awk -v s="$R_SUCC" -v p="$R_P99" -v t="$R_TPUT" -v r="$rate" \
		'BEGIN { exit !(s >= 1 && p < 100e6 && t >= 0.95 * r) }'; then
		BEST=$rate
		BEST_TPUT=$R_TPUT
	fi
	if awk -v s="$R_SUCC" -v p="$R_P99" 'BEGIN { exit !(s < 1 || p > 1e9) }'; then
		STOP_REASON="stopped after $rate req/s: success $(pct "$R_SUCC"), p99 $(ms "$R_P99")"
		break
	fi
done
if ((BEST > 0)); then
	SUSTAINED="**$(num "$BEST") req/s = $(num "$((BEST * SMALL_RECORDS))") records/s** (measured $(calc "$BEST_TPUT" 0) ok req/s)"
else
	SUSTAINED="**none of the steps** (the lowest, ${STEPS%% *} req/s, already missed it)"
fi
log "highest sustained rate: $SUSTAINED; $STOP_REASON"

log "c) saturation: the $LARGE_RECORDS-record body, $SAT_WORKERS workers, $SAT_DURATION"
attack saturation "$LARGE" "$LARGE_RECORDS" 0 "$SAT_DURATION" -workers="$SAT_WORKERS" -max-workers="$SAT_WORKERS"
row "saturation, $SAT_WORKERS workers, $SAT_DURATION" "max" "$LARGE_RECORDS"
SAT_ROW=${ROWS[-1]}
SAT_RECS=$R_RECS SAT_MBS=$R_MBS SAT_P99=$R_P99

stop_server
UPTIME_AFTER="$(uptime | sed "s/^ *//")"
log "uptime after: $UPTIME_AFTER"
WARNINGS=$(grep -c . "$WORK/server.log" || true)
if ((WARNINGS > 0)); then
	log "the server logged $WARNINGS lines at level warn or above; the first ones:"
	head -n 5 "$WORK/server.log" | cut -c1-300 >&2
fi

# --- summary --------------------------------------------------------------------
commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- 2>/dev/null; then
	commit="$commit + uncommitted changes"
fi
cpu_model="$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
mem_gib="$(awk '/^MemTotal:/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
fs_type="$(df -T "$DATA" 2>/dev/null | awk 'NR == 2 {print $2}')"
header='| run | target | records/req | sent req/s | ok req/s | records/s | MB/s in | success | p50 | p90 | p99 | max | server CPU | peak RSS | vegeta / other cores |'
sep='|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'

cat <<EOF

## Load: standalone server, OTLP/HTTP protobuf → file storage (bench/load.sh)

- Machine: $(nproc) CPUs ($cpu_model), $mem_gib GiB RAM, $(uname -sr); storage: ${fs_type:-?} (temporary directory)
- $(go version | cut -d' ' -f3-), commit $commit, vegeta $VEGETA_VERSION on the same machine
- Bodies: $SMALL_RECORDS records / $SMALL_SERVICES service = $(num "$SMALL_BYTES") B; $(num "$LARGE_RECORDS") records / $LARGE_SERVICES services = $(num "$LARGE_BYTES") B (bench/genbody, uncompressed protobuf)
- Before: \`$UPTIME_BEFORE\`
- After: \`$UPTIME_AFTER\`

$header
$sep
$FIXED_ROW
EOF
for r in "${ROWS[@]}"; do
	[[ "$r" == "$FIXED_ROW" || "$r" == "$SAT_ROW" ]] || printf '%s\n' "$r"
done
cat <<EOF
$SAT_ROW

- Highest sustained rate (100 % success, p99 < 100 ms, ≥ 95 % of the target served): $SUSTAINED; steps: $STOP_REASON.
- Saturation with $(num "$LARGE_RECORDS")-record requests: **$(num "$SAT_RECS") records/s, $SAT_MBS MB/s**, p99 $(ms "$SAT_P99").
- MB/s: accepted request bytes (10^6 B) per second. Server CPU: utime+stime over the run, divided by wall time (cores of $NPROC) and by the records accepted. vegeta / other: the load generator's CPU, and what every other process on the machine used meanwhile (from /proc/stat), in cores. Each run starts a fresh server, so peak RSS (VmHWM) is that run's. Server log lines at level warn or above: $WARNINGS.
EOF

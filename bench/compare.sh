#!/usr/bin/env bash
# Side-by-side benchmark of otlp2parquet and the OpenTelemetry Collector
# v0.161.0 (`make compare`; issue 7). Not a test: make test never runs it, and
# its numbers depend on the machine and on what else runs.
#
# Builds ./cmd/otlp2parquet (default settings: batching behind the write-ahead
# log, file storage in a temporary directory) and the Collector of
# bench/collector (its own Go module: otlp receiver, batch processor, file
# exporter writing OTLP protobuf; binary in .tools/bin/otelcol-bench), and
# drives each with the same load, one after the other, a fresh process for
# every run, both listening on free 127.0.0.1 ports only:
#   a) saturation over OTLP/HTTP: the 10,000-record body, then the 100-record
#      body, as fast as SAT_WORKERS (8) vegeta workers can send, SAT_DURATION (15s);
#   b) fixed rates: each of RATES (1000 5000) requests/s of the 100-record body
#      for FIXED_DURATION (20s);
#   c) telemetrygen over OTLP/HTTP and over OTLP/gRPC: TG_WORKERS (4) workers of
#      TG_LOGS (25000) logs each, unthrottled, in batches of 100.
# Bodies come from bench/genbody (uncompressed protobuf); vegeta and
# telemetrygen are the versions pinned in scripts/install-tools.sh.
#
# For each run it measures: requests and records per second acknowledged,
# success, latency percentiles (vegeta), the records the server itself counts
# as accepted (its metrics), the server's CPU seconds (utime+stime) from ready
# to exit — the exit includes storing what is still batched, so work deferred
# past the answer is counted — per million records, and its peak RSS
# (VmHWM). It prints a side-by-side markdown summary ready for BENCHMARKS.md.
#
# Note what is compared: otlp2parquet answers once a request is in its
# write-ahead log (fdatasync'd), and writes Parquet; the Collector answers once
# the batch processor holds the request in memory, and its file exporter
# appends protobuf without fsync.
#
# Usage: bench/compare.sh   (or: make compare; FIXED_DURATION=30s RATES=1000 bench/compare.sh)
# ONLY="sat-10000 rate-1000" runs only the named runs (sat-10000 sat-100
# rate-RATE tg-http tg-grpc). Needs: go, curl, jq. Everything it starts and
# writes, except the Collector's binary, goes when it exits.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export LC_ALL=C

SAT_DURATION="${SAT_DURATION:-15s}"
SAT_WORKERS="${SAT_WORKERS:-8}"
RATES="${RATES:-1000 5000}"
FIXED_DURATION="${FIXED_DURATION:-20s}"
TG_WORKERS="${TG_WORKERS:-4}"
TG_LOGS="${TG_LOGS:-25000}"
ONLY="${ONLY:-}"
SMALL_RECORDS=100 SMALL_SERVICES=1    # one SDK's batch: one service
LARGE_RECORDS=10000 LARGE_SERVICES=10 # a Collector's batch: several services
COLLECTOR_VERSION="v0.161.0"          # must match bench/collector/go.mod

VEGETA="$ROOT/.tools/bin/vegeta"
TELEMETRYGEN="$ROOT/.tools/bin/telemetrygen"
COLLECTOR="$ROOT/.tools/bin/otelcol-bench"
VEGETA_VERSION="$(sed -n 's/^VEGETA_VERSION="\([^"]*\)".*/\1/p' scripts/install-tools.sh)"
TELEMETRYGEN_VERSION="$(sed -n 's/^TELEMETRYGEN_VERSION="\([^"]*\)".*/\1/p' scripts/install-tools.sh)"
TARGETS=(otlp2parquet collector)
WORK="" RESULTS=""
SERVER_PID=""
SERVER_LOG=""
HTTP_PORT="" GRPC_PORT="" METRICS_URL=""
declare -A R # results: R[run/target/field]
RUNS=()      # the runs done, in order

log() { printf '[compare] %s\n' "$*" >&2; }
die() {
	printf '[compare] ERROR: %s\n' "$*" >&2
	exit 1
}

# --- processes ------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)

# proc_cpu PID: user+system seconds of a live process, from /proc/PID/stat.
proc_cpu() {
	local stat f
	stat="$(<"/proc/$1/stat")" || return 1
	read -r -a f <<<"${stat##*) }" # after "pid (comm) ": utime is field 14, stime 15
	awk -v u="${f[11]}" -v s="${f[12]}" -v t="$CLK_TCK" 'BEGIN { printf "%.3f\n", (u + s) / t }'
}
# read_hwm PID: sets HWM to the process's VmHWM in KiB, without forking (see
# stop_server); fails once the process is gone.
read_hwm() {
	local k v rest
	HWM=""
	while read -r k v rest; do
		if [[ "$k" == VmHWM: ]]; then
			HWM=$v
			break
		fi
	done <"/proc/$1/status" || return 1
	[[ -n "$HWM" ]]
} 2>/dev/null

# pause: sleeps 0.1 s without forking (read on a FIFO nobody writes to).
pause() { read -r -t 0.1 -u "$PAUSE_FD" 2>/dev/null || true; }

# child_secs: sets CHILD_SECS to the user+system seconds of this shell's
# finished (reaped) children, without forking. Not to be called in $(...).
child_secs() {
	local u s ms=0 t m sec
	times >"$WORK/times"
	{
		read -r _ # this shell's own times
		read -r u s
	} <"$WORK/times"
	for t in "$u" "$s"; do # 1m2.345s
		m=${t%%m*} sec=${t#*m} sec=${sec%s}
		ms=$((ms + m * 60000 + 10#${sec%.*} * 1000 + 10#${sec#*.}))
	done
	printf -v CHILD_SECS '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

# stop_server: SIGTERM, wait for the exit (both store what they hold), and
# set S_CPU_EXIT (the process's CPU seconds over its whole life, from this
# shell's children times, which take it in when it is reaped) and S_HWM_KIB
# (its peak RSS, sampled until it is gone).
stop_server() {
	[[ -n "$SERVER_PID" ]] || return 0
	local pid="$SERVER_PID" i c0
	SERVER_PID=""
	S_HWM_KIB=0
	# Between the two child_secs nothing forks but the server's exit: the
	# loop below uses builtins only, so the difference is the server's CPU.
	child_secs
	c0=$CHILD_SECS
	if kill -0 "$pid" 2>/dev/null; then
		! read_hwm "$pid" || S_HWM_KIB=$HWM
		kill -TERM "$pid" 2>/dev/null || true
		# Up to 60 s to store what is batched; once VmHWM is gone from
		# /proc/PID/status the process has exited (a zombie until reaped).
		for ((i = 0; i < 600; i++)); do
			read_hwm "$pid" || break
			S_HWM_KIB=$HWM
			pause
		done
		if read_hwm "$pid"; then
			log "server $pid still running 60s after SIGTERM; sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || true
	child_secs
	S_CPU_EXIT=$(awk -v a="$c0" -v b="$CHILD_SECS" 'BEGIN { printf "%.3f\n", b - a }')
}

cleanup() {
	local rc=$?
	stop_server
	[[ -z "$RESULTS" || "$RESULTS" == "$WORK" ]] || rm -rf "$RESULTS" || true
	if [[ -n "$WORK" && -d "$WORK" ]]; then
		if ((rc != 0)) && [[ -n "$SERVER_LOG" && -s "$SERVER_LOG" ]]; then
			log "last lines of the server's log ($SERVER_LOG):"
			tail -n 20 "$SERVER_LOG" >&2 || true
		fi
		rm -rf "$WORK" || true
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- prerequisites and builds ---------------------------------------------------
command -v go >/dev/null || die "go is required"
command -v curl >/dev/null || die "curl is required (apt-get install -y curl)"
command -v jq >/dev/null || die "jq is required to read vegeta's reports (apt-get install -y jq)"
bash scripts/install-tools.sh vegeta telemetrygen >&2 ||
	die "cannot install vegeta and telemetrygen (scripts/install-tools.sh vegeta telemetrygen)"
grep -q "go.opentelemetry.io/collector/otelcol $COLLECTOR_VERSION" bench/collector/go.mod ||
	die "bench/collector/go.mod does not pin go.opentelemetry.io/collector/otelcol $COLLECTOR_VERSION"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/otlp2parquet-compare.XXXXXX")"
DATA="$WORK/data"
# vegeta's results go to memory where there is a tmpfs: written to the disk
# the servers sync, the generator's own writeback would add to their latency.
RESULTS="$WORK"
if [[ -d /dev/shm && -w /dev/shm ]]; then
	RESULTS="$(mktemp -d /dev/shm/otlp2parquet-compare.XXXXXX)" || RESULTS="$WORK"
fi
mkfifo "$WORK/pause"
exec {PAUSE_FD}<>"$WORK/pause"

log "building ./cmd/otlp2parquet and bench/genbody"
go build -trimpath -o "$WORK/otlp2parquet" ./cmd/otlp2parquet
go build -trimpath -o "$WORK/genbody" ./bench/genbody
log "building the Collector $COLLECTOR_VERSION (bench/collector, its own module) into $COLLECTOR (minutes when cold)"
mkdir -p "$(dirname "$COLLECTOR")"
(cd bench/collector && GOFLAGS=-mod=readonly go build -trimpath -o "$COLLECTOR" .) ||
	die "cannot build the Collector in bench/collector"
"$COLLECTOR" --version >&2 || die "the Collector's binary does not run"

SMALL="$WORK/body-$SMALL_RECORDS.pb"
LARGE="$WORK/body-$LARGE_RECORDS.pb"
"$WORK/genbody" -records "$SMALL_RECORDS" -services "$SMALL_SERVICES" -out "$SMALL" >&2
"$WORK/genbody" -records "$LARGE_RECORDS" -services "$LARGE_SERVICES" -out "$LARGE" >&2
SMALL_BYTES=$(stat -c %s "$SMALL")
LARGE_BYTES=$(stat -c %s "$LARGE")

# --- servers --------------------------------------------------------------------
# free_port: a port below the ephemeral range (where the load generators'
# own connections would collide with it) that nothing answers on and that is
# not in the arguments.
EPHEMERAL_LOW=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
((EPHEMERAL_LOW > 21024)) || EPHEMERAL_LOW=60000
free_port() {
	local port p taken
	while :; do
		port=$((20000 + RANDOM % (EPHEMERAL_LOW - 20000)))
		taken=""
		for p in "$@"; do [[ "$p" != "$port" ]] || taken=1; done
		[[ -z "$taken" ]] || continue
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
		echo "$port"
		return 0
	done
}

collector_config() { # collector_config FILE HTTP_PORT GRPC_PORT METRICS_PORT
	cat >"$1" <<EOF
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$3
      http:
        endpoint: 127.0.0.1:$2
processors:
  batch: {}
exporters:
  file:
    path: $DATA/logs.pb
    format: proto
service:
  telemetry:
    logs:
      level: warn
    metrics:
      level: normal
      readers: # the default reader (localhost:8888), on a free port
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: $4
                without_scope_info: true
                without_units: true
                without_type_suffix: true
  pipelines:
    logs:
      receivers: [otlp]
      processors: [batch]
      exporters: [file]
EOF
}

# ready: the server answers an empty OTLP/HTTP export and its gRPC port accepts.
ready() {
	curl -fsS -o /dev/null -X POST -H 'Content-Type: application/x-protobuf' --data-binary '' \
		"http://127.0.0.1:$HTTP_PORT/v1/logs" 2>/dev/null &&
		(exec 3<>"/dev/tcp/127.0.0.1/$GRPC_PORT") 2>/dev/null &&
		curl -fsS -o /dev/null "$METRICS_URL" 2>/dev/null
}

# settle_disk: waits (at most 30 s) until the disk under $DATA has been idle
# for a second. Deleting the previous run's output and syncing leaves the disk
# busy for seconds more (writeback, and the discards of a filesystem mounted
# with discard): a run started at once, whichever server it measures, pays
# for the one before (at 1,000 req/s, runs started right after deleting a
# 900 MB file had 46 and 53 requests over 10 ms in their seconds 1-3, runs
# started eight seconds later none, on this machine).
settle_disk() {
	local stat dev ticks prev quiet=0 i
	dev=$(stat -c '%Hd:%Ld' "$DATA" 2>/dev/null) || return 0
	stat="/sys/dev/block/$dev/stat"
	[[ -r "$stat" ]] || return 0 # not a block device (tmpfs, overlay): nothing to wait for
	prev=$(awk '{print $10}' "$stat")
	for ((i = 0; i < 60 && quiet < 2; i++)); do
		for _ in 1 2 3 4 5; do pause; done
		ticks=$(awk '{print $10}' "$stat")
		if ((ticks - prev <= 10)); then quiet=$((quiet + 1)); else quiet=0; fi
		prev=$ticks
	done
	((quiet >= 2)) || log "the disk under $DATA was still busy after 30 s; starting anyway"
}

# start_server TARGET: a fresh server (otlp2parquet or collector) on free
# 127.0.0.1 ports writing into an empty $DATA; sets SERVER_PID, HTTP_PORT,
# GRPC_PORT, METRICS_URL, S_CPU_READY.
start_server() {
	local target="$1" attempt i mport
	rm -rf "$DATA"
	mkdir -p "$DATA"
	sync
	settle_disk
	SERVER_LOG="$WORK/$target.log"
	for ((attempt = 0; attempt < 10; attempt++)); do
		HTTP_PORT=$(free_port)
		GRPC_PORT=$(free_port "$HTTP_PORT")
		local seen
		seen=$( (wc -l <"$SERVER_LOG") 2>/dev/null || echo 0)
		case "$target" in
		otlp2parquet)
			METRICS_URL="http://127.0.0.1:$HTTP_PORT/metrics"
			"$WORK/otlp2parquet" serve -http-addr="127.0.0.1:$HTTP_PORT" -grpc-addr="127.0.0.1:$GRPC_PORT" \
				-storage=file -output-dir="$DATA" -log-level=warn -shutdown-timeout=30s \
				>>"$SERVER_LOG" 2>&1 &
			;;
		collector)
			mport=$(free_port "$HTTP_PORT" "$GRPC_PORT")
			METRICS_URL="http://127.0.0.1:$mport/metrics"
			collector_config "$WORK/collector.yaml" "$HTTP_PORT" "$GRPC_PORT" "$mport"
			"$COLLECTOR" --config="file:$WORK/collector.yaml" >>"$SERVER_LOG" 2>&1 &
			;;
		*) die "unknown target $target" ;;
		esac
		SERVER_PID=$!
		for ((i = 0; i < 200; i++)); do
			if ! kill -0 "$SERVER_PID" 2>/dev/null; then
				wait "$SERVER_PID" 2>/dev/null || true
				SERVER_PID=""
				break
			fi
			if ready; then
				S_CPU_READY=$(proc_cpu "$SERVER_PID")
				return 0
			fi
			sleep 0.1
		done
		[[ -z "$SERVER_PID" ]] || die "$target did not answer on 127.0.0.1:$HTTP_PORT/$GRPC_PORT within 20s"
		tail -n "+$((seen + 1))" "$SERVER_LOG" | grep -q "address already in use" ||
			die "$target exited at start-up: $(tail -n 5 "$SERVER_LOG")"
	done
	die "no free ports found in 10 attempts"
}

# accepted: the records the running server counts as accepted (its metrics).
accepted() {
	local re
	case "$1" in
	otlp2parquet) re='^otlp2parquet_accepted_records_total' ;;
	collector) re='^otelcol_receiver_accepted_log_records(_total)?[{ ]' ;;
	esac
	curl -fsS "$METRICS_URL" 2>/dev/null | grep -E "$re" | awk '{ s += $NF } END { printf "%.0f\n", s }'
}

# output_bytes: what the server wrote under $DATA (files, bytes), after it stopped.
output_bytes() { find "$DATA" -path "$DATA/.wal" -prune -o -type f \( -name '*.parquet' -o -name 'logs.pb' \) -printf '%s\n' | awk '{ n++; b += $1 } END { print n + 0, b + 0 }'; }

# --- formatting ------------------------------------------------------------------
calc() { awk "BEGIN { printf \"%.$2f\n\", ($1) }"; }
ms() { awk -v n="$1" 'BEGIN { if (n == "") { print "–"; exit } v = n / 1e6; if (v < 10) printf "%.2f ms\n", v; else if (v < 1000) printf "%.1f ms\n", v; else printf "%.2f s\n", v / 1000 }'; }
pct() { awk -v s="$1" 'BEGIN { if (s >= 1) print "100 %"; else printf "%.2f %%\n", int(s * 10000) / 100 }'; }
num() { awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }; print s o }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×\n", a / b; else print "–" }'; }

# --- one run ----------------------------------------------------------------------
# finish RUN TARGET RECORDS_ACKED WALL: stops the server and records CPU, RSS, output.
finish() {
	local run="$1" target="$2" recs="$3" wall="$4" k="$1/$2" files bytes
	R[$k/cpu_load]=$(calc "$(proc_cpu "$SERVER_PID") - $S_CPU_READY" 3)
	R[$k/accepted]=$(accepted "$target")
	stop_server
	R[$k/cpu]=$(calc "$S_CPU_EXIT - $S_CPU_READY" 2)
	R[$k/cores]=$(calc "${R[$k/cpu_load]} / $wall" 2)
	R[$k/cpu_m]=$(calc "$recs > 0 ? ${R[$k/cpu]} * 1e6 / $recs : 0" 2)
	R[$k/rss]=$(calc "$S_HWM_KIB / 1024" 0)
	read -r files bytes < <(output_bytes)
	R[$k/out]="$files files, $(calc "$bytes / 1048576" 1) MiB"
	R[$k/client]=$L_CLIENT R[$k/other]=$L_OTHER R[$k/loadavg]=$L_LOADAVG
	log "$k: server CPU ${R[$k/cpu]} s ready→exit (${R[$k/cpu_load]} s during the load, ${R[$k/cores]} cores), $(calc "${R[$k/cpu_m]}" 2) s per million records, peak RSS ${R[$k/rss]} MiB; wrote ${R[$k/out]}; accepted (its metrics) $(num "${R[$k/accepted]}"); load generator $L_CLIENT cores, other processes $L_OTHER cores (load average $L_LOADAVG at the start)"
	if [[ "${R[$k/accepted]}" != "$recs" ]]; then
		log "$k: NOTE: the server counts $(num "${R[$k/accepted]}") records accepted, the client $(num "$recs")"
	fi
}

# attack RUN TARGET BODY RECORDS RATE DURATION [vegeta flags...]
attack() {
	local run="$1" target="$2" body="$3" records="$4" rate="$5" dur="$6"
	shift 6
	local k="$run/$target" bin="$RESULTS/$run-$target.bin" json="$WORK/$run-$target.json" w0 w1 wall
	start_server "$target"
	log "$k: $target pid $SERVER_PID on 127.0.0.1:$HTTP_PORT (gRPC $GRPC_PORT)"
	load_begin
	w0=$(date +%s%N)
	printf 'POST http://127.0.0.1:%s/v1/logs\n' "$HTTP_PORT" |
		"$VEGETA" attack -body="$body" -header='Content-Type: application/x-protobuf' \
			-rate="$rate" -duration="$dur" -timeout=30s "$@" >"$bin"
	w1=$(date +%s%N)
	kill -0 "$SERVER_PID" 2>/dev/null || die "$target (pid $SERVER_PID) died during $run"
	wall=$(calc "($w1 - $w0) / 1e9" 3)
	load_end "$wall"
	"$VEGETA" report -type=json "$bin" >"$json"
	rm -f "$bin" # held in memory when on a tmpfs
	local req rate_s tput succ p50 p90 p99 max codes
	IFS=$'\t' read -r req rate_s tput succ p50 p90 p99 max codes < <(
		jq -r '[.requests, .rate, .throughput, .success,
			.latencies["50th"], .latencies["90th"], .latencies["99th"], .latencies.max,
			([.status_codes | to_entries[] | "\(.key):\(.value)"] | join(" "))] | @tsv' "$json"
	)
	R[$k/sent]=$(calc "$rate_s" 0)
	R[$k/ok]=$(calc "$tput" 0)
	R[$k/recs_s]=$(calc "$tput * $records" 0)
	R[$k/succ]=$succ
	R[$k/p50]=$p50 R[$k/p90]=$p90 R[$k/p99]=$p99 R[$k/max]=$max
	log "$k: sent $(calc "$rate_s" 1) req/s, ok $(calc "$tput" 1) req/s = $(num "${R[$k/recs_s]}") records/s, success $(pct "$succ") [status $codes]; p50 $(ms "$p50"), p90 $(ms "$p90"), p99 $(ms "$p99"), max $(ms "$max")"
	jq -r '.errors[:3][] | "[compare]   vegeta error: " + .' "$json" >&2
	finish "$run" "$target" "$(calc "$req * $succ * $records" 0)" "$wall"
}

# telemetrygen RUN TARGET [http]
telemetrygen() {
	local run="$1" target="$2" proto="$3" k="$1/$2" w0 w1 wall args
	start_server "$target"
	log "$k: $target pid $SERVER_PID on 127.0.0.1:$HTTP_PORT (gRPC $GRPC_PORT)"
	args=(logs --otlp-insecure --logs "$TG_LOGS" --workers "$TG_WORKERS" --rate 0 --batch-size 100 --service "bench-$proto")
	if [[ "$proto" == http ]]; then
		args+=(--otlp-http --otlp-endpoint "127.0.0.1:$HTTP_PORT")
	else
		args+=(--otlp-endpoint "127.0.0.1:$GRPC_PORT")
	fi
	load_begin
	w0=$(date +%s%N)
	"$TELEMETRYGEN" "${args[@]}" >"$WORK/$run-$target.tg.log" 2>&1 ||
		die "telemetrygen against $target failed: $(tail -n 5 "$WORK/$run-$target.tg.log")"
	w1=$(date +%s%N)
	kill -0 "$SERVER_PID" 2>/dev/null || die "$target (pid $SERVER_PID) died during $run"
	wall=$(calc "($w1 - $w0) / 1e9" 3)
	load_end "$wall"
	local want=$((TG_WORKERS * TG_LOGS)) got
	got=$(accepted "$target")
	R[$k/recs_s]=$(calc "$got / $wall" 0)
	R[$k/succ]=$(calc "$got / $want" 4)
	log "$k: $(num "$got") of $(num "$want") records accepted in $wall s = $(num "${R[$k/recs_s]}") records/s"
	finish "$run" "$target" "$got" "$wall"
}

# load_begin / load_end WALL: around the load generator; load_end sets
# L_CLIENT (the generator's CPU, in cores: it is this shell's only child that
# finishes meanwhile) and L_OTHER (what every other process on the machine
# used meanwhile, in cores, from /proc/stat: other jobs disturb the figures).
sys_busy() { awk -v t="$CLK_TCK" '$1 == "cpu" { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8) / t; exit }' /proc/stat; }
load_begin() {
	L_SERVER0=$(proc_cpu "$SERVER_PID")
	L_SYS0=$(sys_busy)
	child_secs
	L_CHILD0=$CHILD_SECS
	L_LOADAVG=$(cut -d' ' -f1 /proc/loadavg)
}
load_end() {
	local wall="$1" server sys1
	child_secs
	server=$(proc_cpu "$SERVER_PID")
	sys1=$(sys_busy)
	L_CLIENT=$(calc "($CHILD_SECS - $L_CHILD0) / $wall" 2)
	L_OTHER=$(calc "($sys1 - $L_SYS0 - ($server - $L_SERVER0) - ($CHILD_SECS - $L_CHILD0)) / $wall" 2)
	L_OTHER=$(calc "($L_OTHER < 0 ? 0 : $L_OTHER)" 2)
}

want_run() { [[ -z "$ONLY" || " $ONLY " == *" $1 "* ]]; }

# --- the runs -------------------------------------------------------------------
UPTIME_BEFORE="$(uptime | sed "s/^ *//")"
log "uptime before: $UPTIME_BEFORE"

for spec in "sat-10000:$LARGE:$LARGE_RECORDS" "sat-100:$SMALL:$SMALL_RECORDS"; do
	IFS=: read -r run body records <<<"$spec"
	want_run "$run" || continue
	log "a) $run: saturation, $(num "$records")-record body, $SAT_WORKERS workers, $SAT_DURATION"
	for t in "${TARGETS[@]}"; do
		attack "$run" "$t" "$body" "$records" 0 "$SAT_DURATION" -workers="$SAT_WORKERS" -max-workers="$SAT_WORKERS"
	done
	RUNS+=("$run")
done
for rate in $RATES; do
	run="rate-$rate"
	want_run "$run" || continue
	log "b) $run: $rate req/s of the $SMALL_RECORDS-record body for $FIXED_DURATION"
	for t in "${TARGETS[@]}"; do
		attack "$run" "$t" "$SMALL" "$SMALL_RECORDS" "$rate" "$FIXED_DURATION"
	done
	RUNS+=("$run")
done
for proto in http grpc; do
	run="tg-$proto"
	want_run "$run" || continue
	log "c) $run: telemetrygen over $proto, $TG_WORKERS workers × $(num "$TG_LOGS") logs"
	for t in "${TARGETS[@]}"; do
		telemetrygen "$run" "$t" "$proto"
	done
	RUNS+=("$run")
done
UPTIME_AFTER="$(uptime | sed "s/^ *//")"
log "uptime after: $UPTIME_AFTER"
for t in "${TARGETS[@]}"; do
	if [[ -s "$WORK/$t.log" ]]; then
		log "$t logged $(grep -c . "$WORK/$t.log") lines at level warn or above; the first ones:"
		head -n 5 "$WORK/$t.log" | cut -c1-300 >&2
	fi
done

# --- summary --------------------------------------------------------------------
label() {
	case "$1" in
	sat-10000) echo "saturation, HTTP, $(num "$LARGE_RECORDS")-record body, $SAT_WORKERS workers, $SAT_DURATION" ;;
	sat-100) echo "saturation, HTTP, $SMALL_RECORDS-record body, $SAT_WORKERS workers, $SAT_DURATION" ;;
	rate-*) echo "$(num "${1#rate-}") req/s × $SMALL_RECORDS records, HTTP, $FIXED_DURATION" ;;
	tg-http) echo "telemetrygen, HTTP, $TG_WORKERS × $(num "$TG_LOGS") logs" ;;
	tg-grpc) echo "telemetrygen, gRPC, $TG_WORKERS × $(num "$TG_LOGS") logs" ;;
	esac
}
has() { [[ -n "${R[$1]+x}" ]]; }

commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- 2>/dev/null; then
	commit="$commit + uncommitted changes"
fi
cpu_model="$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
mem_gib="$(awk '/^MemTotal:/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
fs_type="$(df -T "$WORK" 2>/dev/null | awk 'NR == 2 {print $2}')"

cat <<EOF

## otlp2parquet vs OpenTelemetry Collector $COLLECTOR_VERSION (bench/compare.sh)

- Machine: $(nproc) CPUs ($cpu_model), $mem_gib GiB RAM, $(uname -sr); storage: ${fs_type:-?} (temporary directory)
- $(go version | cut -d' ' -f3-), commit $commit; vegeta $VEGETA_VERSION and telemetrygen $TELEMETRYGEN_VERSION on the same machine
- Bodies: $SMALL_RECORDS records / $SMALL_SERVICES service = $(num "$SMALL_BYTES") B; $(num "$LARGE_RECORDS") records / $LARGE_SERVICES services = $(num "$LARGE_BYTES") B (bench/genbody, uncompressed protobuf)
- Before: \`$UPTIME_BEFORE\`
- After: \`$UPTIME_AFTER\`

Side by side (ratio: otlp2parquet ÷ Collector):

| measure | run | otlp2parquet | Collector | ratio |
|---|---|---:|---:|---:|
EOF
for run in "${RUNS[@]}"; do
	a="$run/otlp2parquet" b="$run/collector"
	printf '| records/s | %s | %s | %s | %s |\n' "$(label "$run")" "$(num "${R[$a/recs_s]}")" "$(num "${R[$b/recs_s]}")" "$(ratio "${R[$a/recs_s]}" "${R[$b/recs_s]}")"
done
for run in "${RUNS[@]}"; do
	a="$run/otlp2parquet" b="$run/collector"
	printf '| CPU s per million records | %s | %s | %s | %s |\n' "$(label "$run")" "${R[$a/cpu_m]}" "${R[$b/cpu_m]}" "$(ratio "${R[$a/cpu_m]}" "${R[$b/cpu_m]}")"
done
for run in "${RUNS[@]}"; do
	[[ "$run" == rate-* ]] || continue
	a="$run/otlp2parquet" b="$run/collector"
	printf '| p50 / p99 | %s | %s / %s | %s / %s | |\n' "$(label "$run")" "$(ms "${R[$a/p50]}")" "$(ms "${R[$a/p99]}")" "$(ms "${R[$b/p50]}")" "$(ms "${R[$b/p99]}")"
done
for run in "${RUNS[@]}"; do
	a="$run/otlp2parquet" b="$run/collector"
	printf '| peak RSS | %s | %s MiB | %s MiB | %s |\n' "$(label "$run")" "${R[$a/rss]}" "${R[$b/rss]}" "$(ratio "${R[$a/rss]}" "${R[$b/rss]}")"
done

cat <<EOF

Every run:

| run | server | sent req/s | ok req/s | records/s | success | p50 | p90 | p99 | max | CPU ready→exit (during load) | CPU s / M records | peak RSS | output | generator / other cores |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|
EOF
for run in "${RUNS[@]}"; do
	for t in "${TARGETS[@]}"; do
		k="$run/$t"
		if has "$k/p50"; then
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s s (%s s, %s cores) | %s | %s MiB | %s | %s / %s |\n' \
				"$(label "$run")" "$t" "$(num "${R[$k/sent]}")" "$(num "${R[$k/ok]}")" "$(num "${R[$k/recs_s]}")" "$(pct "${R[$k/succ]}")" \
				"$(ms "${R[$k/p50]}")" "$(ms "${R[$k/p90]}")" "$(ms "${R[$k/p99]}")" "$(ms "${R[$k/max]}")" \
				"${R[$k/cpu]}" "${R[$k/cpu_load]}" "${R[$k/cores]}" "${R[$k/cpu_m]}" "${R[$k/rss]}" "${R[$k/out]}" "${R[$k/client]}" "${R[$k/other]}"
		else
			printf '| %s | %s | – | – | %s | %s | – | – | – | – | %s s (%s s, %s cores) | %s | %s MiB | %s | %s / %s |\n' \
				"$(label "$run")" "$t" "$(num "${R[$k/recs_s]}")" "$(pct "${R[$k/succ]}")" \
				"${R[$k/cpu]}" "${R[$k/cpu_load]}" "${R[$k/cores]}" "${R[$k/cpu_m]}" "${R[$k/rss]}" "${R[$k/out]}" "${R[$k/client]}" "${R[$k/other]}"
		fi
	done
done

echo
echo "Goals of issue 7 measured here:"
echo
if has sat-10000/otlp2parquet/recs_s || has sat-100/otlp2parquet/recs_s; then
	for run in sat-10000 sat-100; do
		has "$run/otlp2parquet/recs_s" || continue
		a=${R[$run/otlp2parquet/recs_s]} b=${R[$run/collector/recs_s]}
		met=$(awk -v a="$a" -v b="$b" 'BEGIN { print (a >= 2 * b ? "met" : "NOT met") }')
		echo "- Records/s at saturation over HTTP ≥ 2× the Collector's ($(label "$run")): $(num "$a") vs $(num "$b"), $(ratio "$a" "$b"): **$met**."
	done
fi
if has rate-1000/otlp2parquet/p99; then
	k="rate-1000/otlp2parquet"
	met=$(awk -v p="${R[$k/p99]}" -v s="${R[$k/succ]}" 'BEGIN { print (p < 10e6 && s >= 1 ? "met" : "NOT met") }')
	echo "- p99 < 10 ms at 1,000 req/s of 100 records: $(ms "${R[$k/p99]}") (success $(pct "${R[$k/succ]}")): **$met**."
	met=$(awk -v r="${R[$k/rss]}" 'BEGIN { print (r * 1048576 < 150e6 ? "met" : "NOT met") }')
	echo "- Peak RSS < 150 MB at 1,000 req/s: ${R[$k/rss]} MiB: **$met**."
fi
cat <<EOF

Records/s: requests acknowledged with success per second × records per request (vegeta), or for
telemetrygen the records the server's own metrics count as accepted divided by telemetrygen's wall
time. CPU: the server's utime+stime from ready to exit; the exit stores what is still batched (the
Collector's batch processor and file exporter, otlp2parquet's Parquet files), so work done after the
answer counts; "during load" is the part before SIGTERM. Generator / other: the CPU of vegeta or
telemetrygen, and of every other process on the machine, during the load, in cores. Peak RSS: VmHWM, sampled until exit. Each
run starts a fresh server. otlp2parquet answers after the request is in its fdatasync'd write-ahead
log and writes Parquet; the Collector answers once the batch processor holds the request in memory,
and its file exporter appends protobuf without fsync.
EOF

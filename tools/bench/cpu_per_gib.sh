#!/usr/bin/env bash
# CPU seconds per GiB moved, per process, for the REST benchmark cases on a throwaway stack.
#   tools/bench/cpu_per_gib.sh BIN_DIR OUT_DIR [case ...]
# Cases: big (one stream up and down, DM_BIG_BYTES, default 256 MiB), mid (1 MiB files x
# DM_MID_COUNT, 8 clients), small (4 KiB files x DM_SMALL_COUNT, 8 clients), many (50 uploads
# of DM_MANY_BYTES, default 32 MiB, at once over gRPC with dm-file-bench, then downloaded).
# Default: big mid small. After each case file-ingest's peak RSS so far (VmHWM) is printed;
# "many" also prints file-ingest's peak during its uploads and during its downloads. Then come
# file-ingest's counts of waits for segment memory and for a PostgreSQL connection so far.
# For each case it reads utime + stime of the gateway, file-ingest and every chunk-store from
# /proc/<pid>/stat before and after, and prints them with the bytes moved (up + down) and the
# load average. With DM_PERF=1 it also runs `perf record -g` on those processes during the case
# (OUT_DIR/<case>-<process>.data; read with `perf report -i ... --no-children`).
# (Instruction counts would be steadier still, but these VMs expose no hardware counters to
# perf; to compare builds here, alternate their runs so both see the same load.)
# CPU seconds, unlike wall time, stay comparable on a machine shared with other work.
set -euo pipefail
BIN="$1"
OUT="$2"
shift 2
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(big mid small)
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEVSTACK="$HERE/../devstack/devstack"
CLIENT="$BIN/dm-http-bench"
BIG="${DM_BIG_BYTES:-268435456}"
MID_COUNT="${DM_MID_COUNT:-200}"
SMALL_COUNT="${DM_SMALL_COUNT:-1000}"
TICKS="$(getconf CLK_TCK)"
mkdir -p "$OUT"
STACK="$(mktemp -d "${TMPDIR:-/tmp}/dm-cpu.XXXXXX")"
PERF_PIDS=()
cleanup() {
  for p in "${PERF_PIDS[@]}"; do kill -INT "$p" 2> /dev/null || true; done
  "$DEVSTACK" down --dir "$STACK" > /dev/null 2>&1 || true
  rm -rf "$STACK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that a timeout still stops the stack (through the EXIT trap)
"$DEVSTACK" up --dir "$STACK" --bin "$BIN" --fast > "$OUT/up.log" 2>&1 \
  || { cat "$OUT/up.log" >&2; exit 1; }

# name=pid for the processes on the byte path.
procs() {
  echo "gateway=$(cat "$STACK/pids/gateway.pid")"
  echo "file-ingest=$(cat "$STACK/pids/file-ingest.pid")"
  for f in "$STACK"/pids/chunk-store*.pid; do echo "$(basename "$f" .pid)=$(cat "$f")"; done
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

URL="$(grep '^DM_GATEWAY_URL=' "$STACK/env" | cut -d= -f2-)"
PASS="$(cat "$STACK/admin-password")"
printf '| case | bytes moved | process | CPU s | CPU s/GiB | load avg |\n|---|---|---|---|---|---|\n'
for c in "${CASES[@]}"; do
  case "$c" in
    big) args=(--scenario big --big-bytes "$BIG"); moved=$((BIG * 2)) ;;
    mid) args=(--scenario small --small-bytes 1048576 --small-count "$MID_COUNT"); moved=$((MID_COUNT * 1048576 * 2)) ;;
    small) args=(--scenario small --small-count "$SMALL_COUNT"); moved=$((SMALL_COUNT * 4096 * 2)) ;;
    many) args=(); moved=$((50 * ${DM_MANY_BYTES:-33554432} * 2)) ;;
    *) echo "unknown case $c" >&2; exit 2 ;;
  esac
  declare -A before=()
  while IFS== read -r name pid; do before[$name]="$(cpu_ticks "$pid")"; done < <(procs)
  PERF_PIDS=()
  if [ "${DM_PERF:-0}" = 1 ]; then
    for name in gateway file-ingest chunk-store-1; do
      pid="$(procs | grep "^$name=" | cut -d= -f2)"
      perf record -F 499 -g -p "$pid" -o "$OUT/$c-$name.data" > /dev/null 2>&1 &
      PERF_PIDS+=($!)
    done
  fi
  if [ ${#PERF_PIDS[@]} -gt 0 ]; then sleep 1; fi
  if [ "$c" = many ]; then
    "$BIN/dm-file-bench" --addr "$(grep '^DM_FILE_INGEST_GRPC_ADDR=' "$STACK/env" | cut -d= -f2-)" \
      --scenario mid --mid-count 50 --mid-inflight 50 --mid-bytes "${DM_MANY_BYTES:-33554432}" \
      --ingest-pid "$(cat "$STACK/pids/file-ingest.pid")" > "$OUT/$c.out" 2>&1
  else
    "$CLIENT" --url "$URL" --admin-password "$PASS" "${args[@]}" > "$OUT/$c.out" 2>&1
  fi
  for p in "${PERF_PIDS[@]}"; do kill -INT "$p" 2> /dev/null || true; wait "$p" 2> /dev/null || true; done
  PERF_PIDS=()
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  total=0
  while IFS== read -r name pid; do
    d=$(($(cpu_ticks "$pid") - before[$name]))
    total=$((total + d))
    awk -v c="$c" -v n="$name" -v d="$d" -v t="$TICKS" -v m="$moved" -v l="$load" \
      'BEGIN { printf "| %s | %d | %s | %.2f | %.2f | %s |\n", c, m, n, d / t, d / t / (m / 1073741824), l }'
  done < <(procs)
  awk -v c="$c" -v d="$total" -v t="$TICKS" -v m="$moved" -v l="$load" \
    'BEGIN { printf "| %s | %d | **all** | %.2f | %.2f | %s |\n", c, m, d / t, d / t / (m / 1073741824), l }'
  grep -E '^\|' "$OUT/$c.out" | sed "s/^/$c: /" >&2 || cat "$OUT/$c.out" >&2
  echo "$c: file-ingest peak RSS so far: $(awk '/^VmHWM/ { printf "%.0f MiB", $2 / 1024 }' \
    "/proc/$(cat "$STACK/pids/file-ingest.pid")/status")" >&2
  # Whether memory or database connections held anything back (totals since the stack started).
  curl -s "http://$(grep '^DM_FILE_INGEST_METRICS_ADDR=' "$STACK/env" | cut -d= -f2-)/metrics" \
    | grep -E '^datamesh_(pg_pool_wait|file_ingest_segment_budget_waits)' \
    | sed "s/^/$c: file-ingest /" >&2 || true
done

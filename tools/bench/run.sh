#!/usr/bin/env bash
# `make bench`: runs DataMesh's benchmarks and prints one table of figures.
#   tools/bench/run.sh [build-dir]
# Environment:
#   DM_BENCH_MIN_TIME     micro-benchmark minimum time per case, seconds (default 0.5)
#   DM_BENCH_SCALE        fraction of the end-to-end sizes and counts (default 1: one 1 GiB
#                         file, 1 MiB x 500, 4 KiB x 2,000, a 5 GiB upload for the gateway's
#                         memory; S3 against REST: 256 MiB, 1 MiB x 40, 4 KiB x 400);
#                         e.g. 0.25 for a quick run
#   DM_BENCH_SERVICES_BIN where the service binaries are (default <build-dir>/bin)
#   DM_FILE_BENCH_ARGS    extra dm-file-bench flags, applied last (e.g. "--mid-count 200")
#   DM_HTTP_BENCH_ARGS    extra dm-http-bench flags, applied last (e.g. "--scenario big")
#   DM_HTTP_SLOW_ARGS     extra flags of the slow-client run (e.g. "--slow-users 10")
#   DM_BENCH_SKIP_STACK=1 micro-benchmarks only
# Micro-benchmarks run pinned to one core (taskset) so figures are per core. Figures on a
# shared or busy machine vary: repeat, and compare runs made on a quiet machine.
set -euo pipefail
BUILD="${1:-build}"
MIN_TIME="${DM_BENCH_MIN_TIME:-0.5}"
PIN=""
if command -v taskset > /dev/null; then PIN="taskset -c 0"; fi

run_micro() { # binary filter
  $PIN "$1" --benchmark_min_time="$MIN_TIME" --benchmark_filter="$2" --benchmark_format=csv 2> /dev/null \
    | awk -F, 'NR > 1 && $1 != "" {
        name = $1; gsub(/"/, "", name);
        bps = $6 + 0;                      # bytes_per_second column
        if (bps > 0) printf "| %-48s | %7.2f GB/s |\n", name, bps / 1e9;
      }'
}

echo "DataMesh benchmarks — $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| benchmark (one core)                             |    figure    |"
echo "|--------------------------------------------------|--------------|"
run_micro "$BUILD/shared/erasure/erasure_bench" 'BM_Encode|BM_DecodeTwoLostData'
run_micro "$BUILD/shared/crypto/crypto_bench" 'BM_Sha256Hasher|BM_AesGcmSealInto'
# Governance: one tally of 100,000 votes (issue 12's target: at most 1 s), CPU time per tally
# (the wall time on a busy shared machine measures the machine).
$PIN "$BUILD/services/governance/governance_tally_bench" --benchmark_min_time="$MIN_TIME" \
  --benchmark_format=csv 2> /dev/null \
  | awk -F, 'NR > 1 && $1 != "" {
      printf "| %-48s | %7.1f ms   |\n", "governance tally of 100,000 votes (CPU)", $4 + 0 }'

# End to end on a local stack (all services, six chunk-stores): dm-file-bench, dm-auth-bench.
# The stack is always stopped and its folder removed, whatever happens.
STACK_DIR=""
DEVSTACK=""
stop_stack() {
  if [ -n "$STACK_DIR" ]; then
    "$DEVSTACK" down --dir "$STACK_DIR" > /dev/null 2>&1 || true
    rm -rf "$STACK_DIR"
  fi
}

run_stack_benches() {
  local services_bin="${DM_BENCH_SERVICES_BIN:-$BUILD/bin}"
  local client="$BUILD/bin/dm-file-bench"
  local here scale stack
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  scale="${DM_BENCH_SCALE:-1}"
  stack="$(mktemp -d "${TMPDIR:-/tmp}/dm-bench.XXXXXX")"
  STACK_DIR="$stack"
  DEVSTACK="$here/../devstack/devstack"
  trap stop_stack EXIT
  "$DEVSTACK" up --dir "$stack" --bin "$services_bin" --fast > "$stack/up.log" 2>&1 \
    || { cat "$stack/up.log" >&2; echo "devstack up failed" >&2; return 1; }
  local addr
  addr="$(grep '^DM_FILE_INGEST_GRPC_ADDR=' "$stack/env" | cut -d= -f2-)"
  [ -n "$addr" ] || { echo "no DM_FILE_INGEST_GRPC_ADDR in $stack/env" >&2; return 1; }
  # shellcheck disable=SC2086  # DM_FILE_BENCH_ARGS is a list of flags
  "$client" --addr "$addr" --scenario all \
    --big-bytes "$(awk -v s="$scale" 'BEGIN { m = int(1024 * s); if (m < 1) m = 1; printf "%.0f\n", m * 1048576 }')" \
    --mid-count "$(awk -v s="$scale" 'BEGIN { n = int(500 * s); print n < 1 ? 1 : n }')" \
    --small-count "$(awk -v s="$scale" 'BEGIN { n = int(2000 * s); print n < 1 ? 1 : n }')" \
    ${DM_FILE_BENCH_ARGS:-}
  # 50 uploads of 16 MiB at once, then their downloads: file-ingest's resident memory under
  # many transfers (target: peak at most 512 MiB). Not scaled.
  echo "| FileService, 50 x 16 MiB at once, same stack     |              |"
  "$client" --addr "$addr" --scenario mid --mid-count 50 --mid-inflight 50 --mid-bytes 16777216 \
    --ingest-pid "$(cat "$stack/pids/file-ingest.pid")"
  echo "| auth over gRPC, same stack                       |              |"
  "$BUILD/bin/dm-auth-bench" --addr "$(grep '^DM_AUTH_GRPC_ADDR=' "$stack/env" | cut -d= -f2-)" \
    --calls "$(awk -v s="$scale" 'BEGIN { n = int(20000 * s); print n < 100 ? 100 : n }')"
  echo "| REST through the gateway, same stack             |              |"
  local gateway=(--url "$(grep '^DM_GATEWAY_URL=' "$stack/env" | cut -d= -f2-)"
    --admin-password "$(cat "$stack/admin-password")" --gateway-pid "$(cat "$stack/pids/gateway.pid")")
  # shellcheck disable=SC2086  # DM_HTTP_BENCH_ARGS is a list of flags
  "$BUILD/bin/dm-http-bench" "${gateway[@]}" \
    --big-bytes "$(awk -v s="$scale" 'BEGIN { m = int(1024 * s); if (m < 1) m = 1; printf "%.0f\n", m * 1048576 }')" \
    --small-count "$(awk -v s="$scale" 'BEGIN { n = int(2000 * s); print n < 1 ? 1 : n }')" \
    --rss-bytes "$(awk -v s="$scale" 'BEGIN { m = int(5120 * s); if (m < 1) m = 1; printf "%.0f\n", m * 1048576 }')" \
    ${DM_HTTP_BENCH_ARGS:-}
  # S3 against REST through the same gateway: boto3 beside requests with a bearer token, 4 KiB
  # (4 at once), 1 MiB and 256 MiB objects, medians of 3 runs (docs/PERFORMANCE.md).
  echo "| S3 against REST, same stack                      |              |"
  /usr/bin/python3 "$here/s3_rest_bench.py" \
    --s3-url "$(grep '^DM_GATEWAY_S3_URL=' "$stack/env" | cut -d= -f2-)" \
    --rest-url "$(grep '^DM_GATEWAY_URL=' "$stack/env" | cut -d= -f2-)" \
    --admin-password "$(cat "$stack/admin-password")" \
    --small-count "$(awk -v s="$scale" 'BEGIN { n = int(400 * s); print n < 4 ? 4 : n }')" \
    --mid-count "$(awk -v s="$scale" 'BEGIN { n = int(40 * s); print n < 1 ? 1 : n }')" \
    --big-bytes "$(awk -v s="$scale" 'BEGIN { m = int(256 * s); if (m < 1) m = 1; printf "%.0f\n", m * 1048576 }')"
  # Last, since its stalled clients leave the gateway busy for a while: 1,000 uploads that stop
  # after 1 KiB (50 users x 20; the gateway admits 8 per user), /healthz and another user's
  # download timed while they are held, the gateway's memory and threads. Not scaled. The stack
  # keeps its default --min-transfer-window (30 s): the probes are done within seconds, then
  # the run waits for the gateway to cut the stalled uploads; --slow-seconds bounds it from the
  # first stalled upload on.
  echo "| REST edge under slow clients, same stack         |              |"
  # shellcheck disable=SC2086  # DM_HTTP_SLOW_ARGS is a list of flags
  "$BUILD/bin/dm-http-bench" "${gateway[@]}" \
    --scenario slow --slow-seconds 60 ${DM_HTTP_SLOW_ARGS:-}
  # A chunk-store down while a file is stored, then back: seconds until the file is healthy.
  echo "| Redundancy restored after a node returns, same stack |          |"
  DM_DEVSTACK="$DEVSTACK" "$BUILD/bin/dm-restore-bench" --stack-dir "$stack" --bin "$services_bin" \
    --bytes "$(awk -v s="$scale" 'BEGIN { m = int(1024 * s); if (m < 1) m = 1; printf "%.0f\n", m * 1048576 }')"
}

if [ "${DM_BENCH_SKIP_STACK:-0}" != 1 ]; then
  echo "| FileService over gRPC, local stack (6 chunk-stores) |              |"
  run_stack_benches
fi

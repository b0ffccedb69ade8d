#!/usr/bin/env bash
# `make bench`: runs DataMesh's benchmarks and prints one table of figures.
#   tools/bench/run.sh [build-dir]
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

#!/usr/bin/env bash
# Builds the fuzz targets with clang, libFuzzer, ASan and UBSan in a build folder of their own
# and runs each for FUZZ_SECONDS over a working copy of its seed corpus. `make fuzz` calls it.
#
#   fuzz/run.sh [TARGET...]      (no target: all of them; names as in fuzz/corpus/)
#
# Environment: FUZZ_SECONDS (60 per target), FUZZ_DIR (build-fuzz), JOBS (build parallelism).
# In FUZZ_DIR: corpus/<target>/ keeps what the fuzzer found interesting (the repository's seeds
# are copied in first and never written to), artifacts/<target>/ the inputs that crashed,
# logs/<target>.log each run's output. Exit status 1 when any target found something.
set -euo pipefail

cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_DIR=${FUZZ_DIR:-build-fuzz}
JOBS=${JOBS:-$(nproc)}

all_targets=()
for dir in fuzz/corpus/*/; do all_targets+=("$(basename "$dir")"); done
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=("${all_targets[@]}"); fi
for t in "${targets[@]}"; do
  if [ ! -f "fuzz/${t}_fuzz.cc" ]; then
    echo "fuzz: no target '$t' (targets: ${all_targets[*]})" >&2
    exit 2
  fi
done
if ! [[ "$FUZZ_SECONDS" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, not '$FUZZ_SECONDS'" >&2
  exit 2
fi

# The largest input worth trying per target: a little past the limits each parser enforces.
max_len() {
  case "$1" in
    multipart) echo 32768 ;;          # part headers are capped at 8 KiB
    json_body) echo 16384 ;;
    bearer_token) echo 4200 ;;        # secrets are capped at 4096
    segment) echo 16384 ;;
    exposition) echo 8192 ;;          # lines are capped at 64 KiB, labels at 64
    url | tag_query | manifest | live_feed | event | chunk) echo 4096 ;;
    *) echo 1024 ;;
  esac
}

if [ ! -f "$FUZZ_DIR/build.ninja" ]; then
  cmake -S . -B "$FUZZ_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DDATAMESH_FUZZ=ON \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
fi
build_targets=()
for t in "${targets[@]}"; do build_targets+=("${t}_fuzz"); done
cmake --build "$FUZZ_DIR" -j "$JOBS" --target "${build_targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$FUZZ_DIR/logs"
summary=()
failed=()
for t in "${targets[@]}"; do
  work="$FUZZ_DIR/corpus/$t"
  artifacts="$FUZZ_DIR/artifacts/$t"
  log="$FUZZ_DIR/logs/$t.log"
  mkdir -p "$work" "$artifacts"
  cp -n "fuzz/corpus/$t/"* "$work/"
  marker=$(mktemp)
  echo "fuzz: $t for ${FUZZ_SECONDS}s (log: $log)"
  status=0
  "$FUZZ_DIR/fuzz/${t}_fuzz" "$work" -max_total_time="$FUZZ_SECONDS" -max_len="$(max_len "$t")" \
    -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "$work" -type f | wc -l)
  found=$(find "$artifacts" -type f -newer "$marker" | sort)
  rm -f "$marker"
  if [ "$status" -ne 0 ] || [ -n "$found" ]; then
    failed+=("$t")
    verdict="FOUND (exit $status): ${found:-see $log}"
    grep -m1 -E "ERROR: |runtime error|invariant broken|Deadly signal|timeout|out-of-memory" \
      "$log" || true
  else
    verdict="nothing"
  fi
  summary+=("$(printf '%-16s %12s %9s %8s  %s' "$t" "${execs:-?}" "${rate:-?}" "$corpus" \
    "$verdict")")
done

printf '\n%-16s %12s %9s %8s  %s\n' target executions exec/s corpus findings
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: found something in: ${failed[*]} (reproduce: $FUZZ_DIR/fuzz/<target>_fuzz <artifact>)" >&2
  exit 1
fi

#!/usr/bin/env bash
# `make bench`'s monitoring storage figures: store_bench (3,000 series, two hours at 15 s, the
# service's default chunk size), then rollup_bench (100 series, 30 days at 15 s: rollup build
# rate, bytes per rollup point, 24 h and 30-day range queries) against a throwaway PostgreSQL
# started by devstack and stopped on exit. Usage: store_bench.sh BUILD_DIR
set -euo pipefail
build="${1:?usage: store_bench.sh BUILD_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
dir="$(mktemp -d "${TMPDIR:-/tmp}/dm-store-bench.XXXXXX")"
trap '"$here/../../../tools/devstack/devstack" down --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
"$here/../../../tools/devstack/devstack" deps --dir "$dir" --fast >"$dir/deps.log" 2>&1 \
  || { cat "$dir/deps.log" >&2; exit 1; }
pg_url="$(grep '^DM_PG_URL=' "$dir/env" | cut -d= -f2-)"
DM_PG_URL="$pg_url" "$build/services/monitoring/store/store_bench" 3000 480
DM_PG_URL="$pg_url" "$build/services/monitoring/store/rollup_bench" 100 30

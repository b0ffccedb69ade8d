#!/usr/bin/env bash
# Runs dm-thrash against a stack of its own, then stops the stack.
#
#   run.sh --build B --short                  `make test`'s thrash_short_test: 90 s, 3 clients
#   run.sh --build B --long [--seed N] [--duration D]            `make thrash`: 30 min default
#
# The stack lives in B/test-stacks/thrash-<pid> (owner.pid holds this script's pid, so the
# test reaper leaves it alone while the run goes on). It is removed after a passing run and
# kept after a failing one, for its logs. The short run's seed is the date (UTC, YYYYMMDD) so a
# failing day replays, unless DM_THRASH_SEED is set; the long run's is --seed, else
# DM_THRASH_SEED, else the clock's nanoseconds. Either way it is printed with its replay.
set -euo pipefail
unset CDPATH

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD=""
PROFILE=""
SEED="${DM_THRASH_SEED:-}"
DURATION=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD="$2"; shift 2 ;;
    --short) PROFILE=short; shift ;;
    --long) PROFILE=long; shift ;;
    --seed) SEED="${2:-$SEED}"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    *) echo "run.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -n "$BUILD" ] && [ -n "$PROFILE" ] || { sed -n '2,/^set -euo/{/^#/p}' "$0" >&2; exit 2; }
BUILD="$(cd "$BUILD" && pwd)"
[ -x "$BUILD/bin/dm-thrash" ] || { echo "run.sh: $BUILD/bin/dm-thrash not built" >&2; exit 2; }

if [ "$PROFILE" = short ]; then
  SEED="${SEED:-$(date -u +%Y%m%d)}"
  DURATION="${DURATION:-90s}"
  REPLAY="DM_THRASH_SEED=$SEED ctest --test-dir $BUILD -R thrash_short_test --output-on-failure"
else
  SEED="${SEED:-$(date +%s%N)}"
  DURATION="${DURATION:-30m}"
  REPLAY="make thrash SEED=$SEED DURATION=$DURATION"
fi

echo "thrash: seed=$SEED (replay: $REPLAY)"

DEVSTACK="$SRC/tools/devstack/devstack"
DIR="$BUILD/test-stacks/thrash-$$"
rm -rf "$DIR"
mkdir -p "$DIR"
echo $$ > "$DIR/owner.pid"
stop_stack() { "$DEVSTACK" down --dir "$DIR" || true; }
trap stop_stack EXIT
trap 'exit 130' INT TERM

# Repair and spread passes every 10 s rather than 5 min, so files are healthy again soon after
# the last fault (read by file-ingest only; kept for the instances dm-thrash restarts).
export DM_REPAIR_INTERVAL="${DM_REPAIR_INTERVAL:-10s}"
# quota reconciles usage with the manifests every 20 s rather than every hour, retiring within
# the final checks' --quota-deadline a reservation committed to a file whose manifest never
# followed (file-ingest killed between quota's commit and its own); read by quota only.
export DM_RECONCILE_INTERVAL="${DM_RECONCILE_INTERVAL:-20s}"
export DM_RECONCILE_MARGIN="${DM_RECONCILE_MARGIN:-30s}"
echo "thrash: starting a stack in $DIR"
"$DEVSTACK" up --fast --dir "$DIR" --bin "$BUILD/bin" > "$DIR/up.log" 2>&1 \
  || { cat "$DIR/up.log" >&2; exit 3; }

args=(--dir "$DIR" --bin "$BUILD/bin" --devstack "$DEVSTACK" --profile "$PROFILE"
      --duration "$DURATION" --clients 3
      --seed "$SEED")
rc=0
"$BUILD/bin/dm-thrash" "${args[@]}" || rc=$?
if [ "$rc" -eq 0 ]; then
  stop_stack
  rm -rf "$DIR"
else
  echo "thrash: failed (exit $rc); the stack's logs stay in $DIR/logs" >&2
  echo "thrash: replay: $REPLAY" >&2
fi
exit "$rc"

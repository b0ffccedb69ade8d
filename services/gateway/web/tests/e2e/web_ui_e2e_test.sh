#!/usr/bin/env bash
# The web UI end to end in Debian's Chromium against a real stack that this script starts (and
# always stops): tests/e2e/ui.e2e.mjs drives it. Screenshots go to BUILD_DIR/web-e2e/.
#
#   services/gateway/web/tests/e2e/web_ui_e2e_test.sh BUILD_DIR
#
# BUILD_DIR holds the service binaries (BUILD_DIR/bin) and the built UI (BUILD_DIR/web/dist),
# which devstack hands to the gateway as --static-dir. The stack lives in
# BUILD_DIR/test-stacks/web_ui_e2e-PID with an owner.pid, so the tests' reaper leaves it alone.
set -euo pipefail
unset CDPATH

fail() { echo "web_ui_e2e: FAIL: $*" >&2; exit 1; }
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD="$(realpath -e -- "$1")" || fail "no build folder $1"
WEB="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
SRC="$(cd "$WEB/../../.." && pwd -P)"
for b in auth quota file-ingest chunk-store dht monitoring governance gateway dm-health datamesh; do
  [ -x "$BUILD/bin/$b" ] || fail "$BUILD/bin/$b is missing: build first (make build)"
done
[ -f "$BUILD/web/dist/index.html" ] || fail "$BUILD/web/dist is missing: build the web_ui target"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing: run make deps"
[ -d "$WEB/node_modules/playwright-core" ] || fail "the web UI's npm packages are missing: run make deps"

STACK="$BUILD/test-stacks/web_ui_e2e-$$"
rm -rf "$STACK"
mkdir -p "$STACK"
echo $$ > "$STACK/owner.pid"
chmod 0755 "$STACK"

cleanup() {
  local rc=$?
  trap - EXIT
  if [ "$rc" -ne 0 ]; then
    for f in "$STACK"/logs/gateway.log "$STACK"/logs/file-ingest.log "$STACK"/logs/auth.log; do
      [ -s "$f" ] || continue
      echo "---- last lines of $f" >&2
      tail -n 20 "$f" >&2
    done
  fi
  "$SRC/tools/devstack/devstack" down --dir "$STACK" > /dev/null 2>&1 || true
  rm -rf "$STACK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Monitoring scrapes and evaluates its rules every 2 s (instead of 15 s and 1 min), so the
# chunk-store the run stops fires DataMeshChunkStoreDown (its `for` is 1 min) within the run.
export DM_SCRAPE_INTERVAL=2s DM_RULE_INTERVAL=2s
"$SRC/tools/devstack/devstack" up --fast --dir "$STACK" --bin "$BUILD/bin" > "$STACK/up.out" 2>&1 \
  || { cat "$STACK/up.out" >&2; fail "the stack did not start"; }
URL="$(sed -n 's/^DM_GATEWAY_URL=//p' "$STACK/env")"
[ -n "$URL" ] || fail "no DM_GATEWAY_URL in $STACK/env"
grep -q -- --static-dir "$STACK/args/gateway" || fail "devstack did not pass --static-dir to the gateway"

mkdir -p "$BUILD/web-e2e"
cd "$WEB"
DM_DEVSTACK="$SRC/tools/devstack/devstack" DM_STACK_DIR="$STACK" \
DM_URL="$URL" DM_CLI="$BUILD/bin/datamesh" DM_ADMIN_PASSWORD="$(cat "$STACK/admin-password")" DM_E2E_OUT="$BUILD/web-e2e" \
  node tests/e2e/ui.e2e.mjs

#!/usr/bin/env bash
# `make run` and `make stop` typed as the README gives them, in a copy of the checkout: the
# relative stack folder (.devstack), DM_ADMIN_PASSWORD, logging in as the admin over REST, a
# second `make run` that finds the stack up and starts nothing, and `make stop` leaving no
# process behind.
#
#   tests/e2e/make_run_test.sh BUILD_DIR
#
# BUILD_DIR holds the built binaries (BUILD_DIR/bin). The copy gets a stand-in build/ folder: a
# configured, empty CMake project whose bin/ is BUILD_DIR/bin, so the `make build` step of
# `make run` has nothing to do and never touches BUILD_DIR. The copy lives under
# BUILD_DIR/test-stacks/, where the tests' reaper finds a stack this script could not stop.
set -euo pipefail
unset CDPATH

fail() { echo "make_run_test: FAIL: $*" >&2; exit 1; }
note() { echo "make_run_test: $*"; }

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD="$(realpath -e -- "$1")" || fail "no build folder $1"
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
for b in auth quota file-ingest chunk-store dht monitoring governance gateway dm-health; do
  [ -x "$BUILD/bin/$b" ] || fail "$BUILD/bin/$b is missing: build first (make build)"
done

PASSWORD="make-run-test-$RANDOM$RANDOM"
mkdir -p "$BUILD/test-stacks"
# The space in the name is deliberate: a checkout may live in such a folder.
CHECKOUT="$(mktemp -d "$BUILD/test-stacks/make run.XXXXXX")"
# The tests' reaper leaves the stack alone while this script runs.
echo $$ > "$CHECKOUT/owner.pid"
STACK="$CHECKOUT/.devstack"
LOGS="$CHECKOUT.logs"

# What a user's shell has: no make variables of the make or ctest this may run under.
user_make() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD_DIR DM_ADMIN_PASSWORD="$PASSWORD" make "$@"; }

print_logs() {
  local f
  for f in "$LOGS"/*.out "$STACK"/logs/*.log "$STACK"/pg/postgres.log; do
    [ -s "$f" ] || continue
    echo "---- last lines of $f" >&2
    tail -n 25 "$f" >&2
  done
}
cleanup() {
  local rc=$?
  trap - EXIT
  if [ "$rc" -ne 0 ]; then print_logs; fi
  if [ -d "$STACK/pids" ]; then
    (cd "$CHECKOUT" && user_make stop) > /dev/null 2>&1 \
      || "$SRC/tools/devstack/devstack" down --dir "$STACK" > /dev/null 2>&1 || true
  fi
  rm -rf "$CHECKOUT" "$LOGS"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# As root, PostgreSQL runs as the user postgres, which must be able to enter the checkout (a
# clone's folder is 0755; mktemp's is 0700).
chmod 0755 "$CHECKOUT"
mkdir -p "$LOGS"

# The checkout: the files git tracks (and new ones not ignored), as a clone would have them.
copy_checkout() {
  if git -C "$SRC" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    (cd "$SRC" && git ls-files -z --cached --others --exclude-standard \
      | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
      | tar --null -T - -cf -) | tar -C "$CHECKOUT" -xf -
  else
    tar -C "$SRC" --exclude=./.git --exclude='./build*' --exclude=./.devstack -cf - . \
      | tar -C "$CHECKOUT" -xf -
  fi
  [ -f "$CHECKOUT/Makefile" ] || fail "copying the checkout to $CHECKOUT failed"
  mkdir -p "$CHECKOUT/build/stand-in"
  printf '%s\n' 'cmake_minimum_required(VERSION 3.16)' 'project(stand_in NONE)' \
    > "$CHECKOUT/build/stand-in/CMakeLists.txt"
  cmake -S "$CHECKOUT/build/stand-in" -B "$CHECKOUT/build" -G Ninja > "$LOGS/configure.out" 2>&1 \
    || fail "configuring the stand-in build folder failed"
  ln -s "$BUILD/bin" "$CHECKOUT/build/bin"
}

# pid:name of every process the stack's pid files name.
recorded_pids() {
  local f
  for f in "$STACK"/pids/*.pid; do
    [ -e "$f" ] && echo "$(cat "$f"):$(basename "$f" .pid)"
  done | sort
}
alive() { # pid; a zombie counts as gone
  local state
  state="$(ps -o stat= -p "$1" 2> /dev/null)" || return 1
  case "$state" in Z* | "") return 1 ;; esac
}
# Processes whose command line or working folder is in the checkout, read from /proc so that no
# process started for the check has the path on its own command line.
processes_in_checkout() {
  local p pid cmd cwd
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    if [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ]; then continue; fi
    cmd="$( { tr '\0' ' ' < "$p/cmdline"; } 2> /dev/null)" || continue
    cwd="$(readlink "$p/cwd" 2> /dev/null)" || cwd=""
    if [[ "$cmd" == *"$CHECKOUT"* || "$cwd" == "$CHECKOUT" || "$cwd" == "$CHECKOUT"/* ]]; then
      alive "$pid" && echo "$pid ${cmd:0:200}"
    fi
  done | sort -n
}

note "checkout copy: $CHECKOUT"
copy_checkout

note "make run (from the checkout, DM_ADMIN_PASSWORD set)"
(cd "$CHECKOUT" && user_make run) > "$LOGS/run-1.out" 2>&1 || fail "make run failed"
grep -q 'DataMesh is up' "$LOGS/run-1.out" || fail "make run did not say the stack is up"
grep -q 'ninja: no work to do' "$LOGS/run-1.out" || fail "make run's build step was not a no-op"
grep -q 'user "admin"' "$LOGS/run-1.out" || fail "the summary does not name the admin user"
grep -q 'DM_ADMIN_PASSWORD' "$LOGS/run-1.out" || fail "the summary does not say the password is DM_ADMIN_PASSWORD's"
if grep -qF "$PASSWORD" "$LOGS/run-1.out"; then fail "the summary echoes the chosen password"; fi
sed -n '/DataMesh is up/,$p' "$LOGS/run-1.out"

GATEWAY="$(grep '^DM_GATEWAY_URL=' "$STACK/env" | cut -d= -f2-)"
[ -n "$GATEWAY" ] || fail "no DM_GATEWAY_URL in $STACK/env"
grep -qF "$GATEWAY" "$LOGS/run-1.out" || fail "the summary does not print the gateway URL $GATEWAY"

note "GET $GATEWAY/readyz"
code="$(curl -s -o /dev/null -w '%{http_code}' "$GATEWAY/readyz")" || true
[ "$code" = 200 ] || fail "GET /readyz answered $code, not 200"

note "log in as admin with DM_ADMIN_PASSWORD"
login="$(curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" "$GATEWAY/api/v1/auth/login")" || true
[ "$(tail -n 1 <<< "$login")" = 200 ] || fail "login as admin answered: $login"
token="$(head -n 1 <<< "$login" | sed -nE 's/.*"token" *: *"([^"]+)".*/\1/p')"
[ -n "$token" ] || fail "the login answer has no token: $login"
grep -qE '"role" *: *"admin"' <<< "$login" || fail "the logged-in user is not an admin: $login"
code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
  "$GATEWAY/api/v1/admin/users")" || true
[ "$code" = 200 ] || fail "GET /api/v1/admin/users with the admin's token answered $code"

before="$(recorded_pids)"
[ -n "$before" ] || fail "no pid files under $STACK/pids"
processes_before="$(processes_in_checkout | cut -d' ' -f1)"

note "make run again (make -C from another folder): the stack is already up"
(cd / && user_make -C "$CHECKOUT" run) > "$LOGS/run-2.out" 2>&1 || fail "the second make run failed"
grep -q 'already running' "$LOGS/run-2.out" || fail "the second make run did not say the stack is already up"
after="$(recorded_pids)"
[ "$before" = "$after" ] || fail "the second make run changed the stack's processes:
before: $before
after:  $after"
processes_after="$(processes_in_checkout | cut -d' ' -f1)"
[ "$processes_before" = "$processes_after" ] || fail "the second make run started processes:
$(comm -13 <(echo "$processes_before") <(echo "$processes_after"))"

note "make stop"
(cd "$CHECKOUT" && user_make stop) > "$LOGS/stop.out" 2>&1 || fail "make stop failed"
left=""
while IFS=: read -r pid name; do
  if alive "$pid"; then left="$left $name($pid)"; fi
done <<< "$before"
[ -z "$left" ] || fail "make stop left these running:$left"
left="$(processes_in_checkout)"
[ -z "$left" ] || fail "make stop left processes in the checkout:
$left"

note "PASS"

#!/usr/bin/env bash
# Runs Ceph's s3-tests (https://github.com/ceph/s3-tests) against DataMesh's S3 listener from the
# outside, on a throwaway stack of its own, and prints the passed / failed / errors counts.
#   tools/s3-conformance/run.sh SUITE_DIR [pytest args...]
# SUITE_DIR is a checkout of the suite (not part of this repository). Extra arguments go to
# pytest after the default selection, e.g. `-k list` or `-x`.
# Environment:
#   DM_S3_CONFORMANCE_BUILD   the build folder with the service binaries (default: build)
#   DM_S3_CONFORMANCE_MARKERS the pytest `-m` selection (default: the features DataMesh serves)
#   DM_S3_CONFORMANCE_KEEP=1  leave the stack running afterwards (its folder is printed)
#   DM_S3_CONFORMANCE_OUT     where the report goes (default: a folder under /tmp, printed)
#   DM_S3_CONFORMANCE_PYTHON  the interpreter (default: /usr/bin/python3)
# Needs python3-pytest, python3-boto3, python3-munch, python3-gevent, python3-isodate,
# python3-tz, python3-httplib2, python3-lxml, python3-yaml (tools/deps.sh installs them).
set -euo pipefail

usage() { echo "usage: $0 SUITE_DIR [pytest args...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
SUITE="$(cd "$1" 2> /dev/null && pwd)" || { echo "no such folder: $1" >&2; exit 2; }
shift
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="${DM_S3_CONFORMANCE_BUILD:-$ROOT/build}"
DEVSTACK="$ROOT/tools/devstack/devstack"

# The suite moved its boto3 tests from s3tests_boto3/ to s3tests/ in 2024; either layout works.
TESTS=""
for candidate in s3tests_boto3/functional/test_s3.py s3tests/functional/test_s3.py; do
  if [ -f "$SUITE/$candidate" ]; then TESTS="$candidate"; break; fi
done
[ -n "$TESTS" ] || { echo "$SUITE holds no s3tests*/functional/test_s3.py" >&2; exit 2; }
for bin in auth quota file-ingest chunk-store dht monitoring governance gateway dm-health; do
  [ -x "$BUILD/bin/$bin" ] || { echo "missing $BUILD/bin/$bin: build the services first" >&2; exit 2; }
done
# Debian's interpreter, where the apt packages are (not a python3 of a version manager first on PATH).
PYTHON="${DM_S3_CONFORMANCE_PYTHON:-/usr/bin/python3}"
"$PYTHON" -c 'import pytest, boto3, munch, gevent, isodate, pytz, httplib2, lxml, yaml' 2> /dev/null \
  || { echo "the suite's Python modules are missing: run tools/deps.sh" >&2; exit 2; }

# Features DataMesh does not claim (docs/S3.md answers them NotImplemented), by the suite's own
# markers; `fails_on_aws` marks tests of RGW-only behaviour, which DataMesh does not copy.
DEFAULT_MARKERS="not fails_on_aws and not versioning and not delete_marker and not lifecycle"
DEFAULT_MARKERS+=" and not lifecycle_expiration and not lifecycle_transition and not cloud_transition"
DEFAULT_MARKERS+=" and not cloud_restore and not encryption and not sse_s3 and not bucket_encryption"
DEFAULT_MARKERS+=" and not bucket_policy and not user_policy and not group_policy and not role_policy"
DEFAULT_MARKERS+=" and not session_policy and not abac_test and not iam_account and not iam_user"
DEFAULT_MARKERS+=" and not iam_role and not iam_tenant and not iam_cross_account and not tagging"
DEFAULT_MARKERS+=" and not object_lock and not object_ownership and not s3website and not s3select"
DEFAULT_MARKERS+=" and not bucket_logging and not appendobject and not storage_class and not sns"
DEFAULT_MARKERS+=" and not auth_aws2 and not test_of_sts and not webidentity_test"
MARKERS="${DM_S3_CONFORMANCE_MARKERS:-$DEFAULT_MARKERS}"

STACK="$(mktemp -d /tmp/dm-s3-conformance.XXXXXX)"
OUT="${DM_S3_CONFORMANCE_OUT:-$STACK/report}"
mkdir -p "$OUT"
stop_stack() {
  if [ "${DM_S3_CONFORMANCE_KEEP:-0}" = 1 ]; then
    echo "stack left running in $STACK (stop: $DEVSTACK down --dir $STACK)"
    return
  fi
  "$DEVSTACK" down --dir "$STACK" > /dev/null 2>&1 || true
}
trap stop_stack EXIT

echo "starting a stack in $STACK ..."
"$DEVSTACK" up --dir "$STACK" --bin "$BUILD/bin" > "$OUT/devstack.log" 2>&1 \
  || { tail -20 "$OUT/devstack.log" >&2; exit 1; }
env_get() { sed -n "s/^$1=//p" "$STACK/env" | tail -1; }
REST="$(env_get DM_GATEWAY_URL)/api/v1"
S3_URL="$(env_get DM_GATEWAY_S3_URL)"
ADMIN_PASSWORD="$(cat "$STACK/admin-password")"

call() { # method path token [json body] -> the answer's body; fails on an HTTP error
  local method="$1" path="$2" token="$3" body="${4:-}"
  local args=(-sS --fail-with-body -X "$method" -H 'Content-Type: application/json')
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  [ -n "$body" ] && args+=(--data-binary "$body")
  curl "${args[@]}" "$REST$path"
}
login() { # username password -> token
  call POST /auth/login "" "$(jq -cn --arg u "$1" --arg p "$2" '{username:$u,password:$p}')" \
    | jq -r .token
}
ADMIN_TOKEN="$(login admin "$ADMIN_PASSWORD")"

# One DataMesh user per identity the suite signs as (main, alt, tenant: DataMesh has no tenants,
# so "tenant" is a third plain user). Each is moved to the tier without an API-call limit: the
# suite makes thousands of calls, far past the free tier's 100 an hour.
declare -A USER_ID KEY_ID SECRET
for who in main alt tenant; do
  name="s3t${who}"
  password="conformance-$who-$RANDOM$RANDOM"
  registered="$(call POST /auth/register "" "$(jq -cn --arg u "$name" --arg p "$password" \
    --arg e "$name@example.com" '{username:$u,password:$p,email:$e}')")"
  USER_ID[$who]="$(jq -r .user.id <<< "$registered")"
  call PUT "/admin/users/${USER_ID[$who]}" "$ADMIN_TOKEN" '{"tier":"enterprise"}' > /dev/null
  key="$(call POST /auth/s3-keys "$(login "$name" "$password")" '{"name":"s3-tests"}')"
  KEY_ID[$who]="$(jq -r .accessKeyId <<< "$key")"
  SECRET[$who]="$(jq -r .secretAccessKey <<< "$key")"
done

host_port="${S3_URL#http://}"
CONF="$OUT/s3tests.conf"
{
  printf '[DEFAULT]\nhost = %s\nport = %s\nis_secure = False\nssl_verify = False\n\n' \
    "${host_port%:*}" "${host_port##*:}"
  printf '[fixtures]\nbucket prefix = dmconf-{random}-\n\n'
  for who in main alt tenant; do
    # The suite compares Owner/ID with user_id and Owner/DisplayName with display_name:
    # DataMesh answers the user id and the username.
    printf '[s3 %s]\ndisplay_name = s3t%s\nuser_id = %s\nemail = s3t%s@example.com\n' \
      "$who" "$who" "${USER_ID[$who]}" "$who"
    printf 'access_key = %s\nsecret_key = %s\n' "${KEY_ID[$who]}" "${SECRET[$who]}"
    [ "$who" = tenant ] && printf 'tenant = none\n'
    printf '\n'
  done
  # The suite reads these sections at start even when no IAM test is selected; DataMesh has no
  # IAM, so they repeat the alt user's key.
  for section in iam "iam root" "iam alt root"; do
    printf '[%s]\naccess_key = %s\nsecret_key = %s\ndisplay_name = s3talt\n' \
      "$section" "${KEY_ID[alt]}" "${SECRET[alt]}"
    printf 'user_id = %s\nemail = s3talt@example.com\n\n' "${USER_ID[alt]}"
  done
} > "$CONF"

echo "running $TESTS against $S3_URL (report in $OUT) ..."
set +e
(
  cd "$SUITE"
  # The suite's clients take the region and settings from the environment; never the user's own.
  S3TEST_CONF="$CONF" AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null "$PYTHON" -m pytest -p no:cacheprovider -q -rfE \
    --junitxml="$OUT/junit.xml" -m "$MARKERS" "$TESTS" "$@"
) > "$OUT/pytest.log" 2>&1
rc=$?
set -e
"$PYTHON" "$HERE/summarize.py" "$OUT/junit.xml" | tee "$OUT/summary.txt"
echo "full log: $OUT/pytest.log"
# pytest exits 1 when tests failed (the figures above are the result); other codes are errors.
[ "$rc" -le 1 ] || { tail -30 "$OUT/pytest.log" >&2; exit "$rc"; }

#!/bin/bash
# helm test: one authenticated round trip through the gateway's REST API. Logs in as the
# administrator, reads the profile with the session token, logs out, and checks each answer.
# Plain bash over /dev/tcp: the DataMesh image carries no HTTP client. HTTP/1.0 keeps the
# answers unchunked. Needs GATEWAY_HOST, GATEWAY_PORT, ADMIN_PASSWORD.
set -euo pipefail
export LC_ALL=C  # ${#body} counts bytes

status=""
body=""

# request METHOD PATH BODY [TOKEN]: sets $status and $body.
request() {
  local method=$1 path=$2 payload=$3 token=${4:-} auth="" response
  if [ -n "$token" ]; then
    auth="Authorization: Bearer ${token}"$'\r\n'
  fi
  exec 3<>"/dev/tcp/${GATEWAY_HOST}/${GATEWAY_PORT}"
  printf '%s %s HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s' \
    "$method" "$path" "$GATEWAY_HOST" "${#payload}" "$auth" "$payload" >&3
  response=$(cat <&3)
  exec 3<&-
  status=$(printf '%s' "${response%%$'\r\n'*}" | cut -d' ' -f2)
  body=${response#*$'\r\n\r\n'}
}

fail() {
  echo "round trip: $1 (HTTP ${status}): ${body:0:300}" >&2
  exit 1
}

# The password as a JSON string: escape backslashes and quotes.
password=${ADMIN_PASSWORD//\\/\\\\}
password=${password//\"/\\\"}

request POST /api/v1/auth/login "{\"username\":\"admin\",\"password\":\"${password}\"}"
[ "$status" = 200 ] || fail "login as admin refused"
[[ $body =~ \"token\":\"([^\"]+)\" ]] || fail "login answered no token"
token=${BASH_REMATCH[1]}

request GET /api/v1/auth/profile "" "$token"
[ "$status" = 200 ] || fail "the session token was not accepted"
[[ $body == *'"username":"admin"'* ]] || fail "the profile is not the administrator's"

request POST /api/v1/auth/logout "" "$token"
[ "$status" = 204 ] || fail "logout failed"

request GET /api/v1/auth/profile "" "$token"
[ "$status" = 401 ] || fail "the token still works after logout"

echo "round trip: login, profile, logout: ok"

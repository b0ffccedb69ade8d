# Service functions of the devstack script. Sourced, not run.

# Services in start order. chunk-stores are added by services_up.
CORE_SERVICES=(dht auth quota file-ingest monitoring governance)

upper() { echo "$1" | tr 'a-z-' 'A-Z_'; }

# Starts one service in the background under a small supervisor shell that records the
# service's own pid (what `down` signals) and, when it ends, its exit status. The supervisor's
# own pid is kept in D/launchers/, so `down` returns only once it is gone too. The service runs
# in the stack folder, whatever folder devstack was called from.
launch_with_env() { # dir bin instance binary args...
  local dir="$1" instance="$3"
  mkdir -p "$dir/launchers"
  STACK="$dir" LOG="$dir/logs/$instance.log" PIDF="$dir/pids/$instance.pid" EXITF="$dir/exit/$instance" \
    setsid bash -c 'cd "$STACK" || exit 1
      "$@" >> "$LOG" 2>&1 < /dev/null & echo $! > "$PIDF"; wait $!; echo $? > "$EXITF"' \
    launcher "$2/$4" "${@:5}" > /dev/null 2>&1 < /dev/null &
  echo $! > "$dir/launchers/$instance"
}

# Waits (up to 5 s) for the supervisors of stopped services to record the exit status and end.
wait_launchers_gone() { # dir
  local dir="$1" f pid
  for f in "$dir"/launchers/*; do
    [ -e "$f" ] || continue
    pid="$(cat "$f")"
    for _ in $(seq 1 100); do proc_alive "$pid" || break; sleep 0.05; done
    proc_alive "$pid" || rm -f "$f"
  done
}

# Picks the ports of an instance and records them in the env file.
assign_ports() { # dir instance
  local dir="$1" key
  key=$(upper "$2")
  env_set "$dir" "DM_${key}_GRPC_ADDR" "127.0.0.1:$(free_port)"
  env_set "$dir" "DM_${key}_METRICS_ADDR" "127.0.0.1:$(free_port)"
}

start_service() { # dir bin instance binary [extra args...]
  local dir="$1" bin="$2" instance="$3" binary="$4" key
  shift 4
  key=$(upper "$instance")
  [ -x "$bin/$binary" ] || die "$bin/$binary not found: build first (make build)"
  rm -f "$dir/pids/$instance.pid" "$dir/exit/$instance"
  # Kept so `devstack start-instance` can bring the instance back exactly as it was.
  mkdir -p "$dir/args"
  printf '%s\n' "$binary" "$@" > "$dir/args/$instance"
  launch_with_env "$dir" "$bin" "$instance" "$binary" \
    --grpc-addr "$(env_get "$dir" "DM_${key}_GRPC_ADDR")" \
    --metrics-addr "$(env_get "$dir" "DM_${key}_METRICS_ADDR")" \
    --instance-id "$instance" "$@"
}

# Every service reads its dependencies and the addresses of the others from DM_* variables;
# a variable a service has no flag for is ignored by it.
export_dependency_env() { # dir
  local dir="$1"
  set -a
  DM_NATS_URL="$(env_get "$dir" DM_NATS_URL)"
  DM_PG_URL="$(env_get "$dir" DM_PG_URL)"
  DM_REDIS_URL="$(env_get "$dir" DM_REDIS_URL)"
  DM_ADMIN_PASSWORD="$(cat "$dir/admin-password")"
  DM_S3_SECRET_KEY="$(cat "$dir/s3-secret-key")"
  DM_HEARTBEAT_INTERVAL="${DM_HEARTBEAT_INTERVAL:-2s}"
  set +a
}
export_peer_env() { # dir
  local dir="$1" name key
  for name in "${CORE_SERVICES[@]}"; do
    key=$(upper "$name")
    export "DM_${key}_ADDR=$(env_get "$dir" "DM_${key}_GRPC_ADDR")"
  done
}

# DM_ADMIN_PASSWORD as the user set it; export_dependency_env replaces it with the stack's.
USER_ADMIN_PASSWORD="${DM_ADMIN_PASSWORD:-}"

# auth creates the user "admin" at its first start on a new database, with DM_ADMIN_PASSWORD if
# the user set it, otherwise with a generated password. D/admin-password (mode 0600) keeps that
# password for the tests and tools that log in; D/admin-password-source says where it came from.
# Later starts find the admin in the database: the variable no longer changes anything.
choose_admin_password() { # dir
  local dir="$1"
  if [ -s "$dir/admin-password" ]; then
    warn_admin_password_ignored "$dir"
    return 0
  fi
  if [ -n "$USER_ADMIN_PASSWORD" ]; then
    check_user_admin_password
    (umask 077; printf '%s\n' "$USER_ADMIN_PASSWORD" > "$dir/admin-password")
    echo DM_ADMIN_PASSWORD > "$dir/admin-password-source"
  else
    (umask 077; head -c 18 /dev/urandom | base64 | tr '+/' '-_' > "$dir/admin-password")
    echo generated > "$dir/admin-password-source"
  fi
}
# auth's rule (services/auth/account_validation.cc): 8 characters (UTF-8) to 1024 bytes. Checked
# before anything starts, rather than left to auth, which would fail to start.
check_user_admin_password() {
  local chars bytes
  [ -n "$USER_ADMIN_PASSWORD" ] || return 0
  chars=$(printf '%s' "$USER_ADMIN_PASSWORD" | LC_ALL=C tr -d '\200-\277' | wc -c)
  bytes=$(printf '%s' "$USER_ADMIN_PASSWORD" | wc -c)
  [ "$chars" -ge 8 ] && [ "$bytes" -le 1024 ] \
    || die "DM_ADMIN_PASSWORD must be 8 characters to 1024 bytes long"
}
warn_admin_password_ignored() { # dir
  local dir="$1"
  [ -n "$USER_ADMIN_PASSWORD" ] || return 0
  [ "$USER_ADMIN_PASSWORD" != "$(cat "$dir/admin-password" 2> /dev/null)" ] || return 0
  log "DM_ADMIN_PASSWORD is not used: the admin of the stack in $dir was created with another" \
    "password. The variable applies to a new stack: stop this one, remove $dir, start again."
}
# The server key auth seals S3 secrets under (services/auth/s3_secret_box.h): one per stack,
# kept in D/s3-secret-key (mode 0600) so the S3 keys of a stack survive its restarts.
choose_s3_secret_key() { # dir
  [ -s "$1/s3-secret-key" ] && return 0
  (umask 077; head -c 32 /dev/urandom | base64 > "$1/s3-secret-key")
}
# A new database (initdb) has no admin yet.
forget_admin_password() { rm -f "$1/admin-password" "$1/admin-password-source"; }

services_up() {
  local dir="$1" bin="$2" chunk_stores="$3" i name key
  mkdir -p "$dir/exit" "$dir/logs" "$dir/pids" "$dir/data"
  [ -d "$bin" ] || die "$bin not found: build first (make build)"
  [ -n "$(env_get "$dir" DM_NATS_URL)" ] || die "dependencies are not up in $dir"
  choose_admin_password "$dir"
  choose_s3_secret_key "$dir"
  export_dependency_env "$dir"

  local instances=("${CORE_SERVICES[@]}")
  for i in $(seq 1 "$chunk_stores"); do instances+=("chunk-store-$i"); done
  instances+=(gateway)
  # Every port first, so each service starts knowing where the others are (DM_<NAME>_ADDR).
  for name in "${instances[@]}"; do assign_ports "$dir" "$name"; done
  export_peer_env "$dir"
  local http_port s3_port
  http_port=$(free_port)
  env_set "$dir" DM_GATEWAY_URL "http://127.0.0.1:$http_port"
  # The S3 API (docs/S3.md) on a port of its own.
  s3_port=$(free_port)
  env_set "$dir" DM_GATEWAY_S3_URL "http://127.0.0.1:$s3_port"

  for name in "${CORE_SERVICES[@]}"; do
    start_service "$dir" "$bin" "$name" "$name"
  done
  for i in $(seq 1 "$chunk_stores"); do
    start_service "$dir" "$bin" "chunk-store-$i" chunk-store \
      --data-dir "$dir/data/chunk-store-$i" --zone "zone-$(( (i - 1) % 3 + 1 ))"
  done
  # The web UI, when built (make build puts it next to bin/), is served at "/" -- unless the
  # caller chose a folder itself (DM_STATIC_DIR, as some tests do).
  local web=()
  if [ -z "${DM_STATIC_DIR:-}" ] && [ -f "$bin/../web/dist/index.html" ]; then
    web=(--static-dir "$(cd -P "$bin/../web/dist" && pwd -P)")
  fi
  start_service "$dir" "$bin" gateway gateway --http-addr "127.0.0.1:$http_port" \
    --s3-addr "127.0.0.1:$s3_port" "${web[@]}"

  for name in "${instances[@]}"; do
    wait_serving "$dir" "$bin" "$name"
  done
  # Files can be placed only once the dht has heard every chunk-store's heartbeat.
  "$bin/dm-health" --addr "$(env_get "$dir" DM_DHT_GRPC_ADDR)" --wait 60s --up-nodes "$chunk_stores" \
    || die "the dht did not see $chunk_stores chunk-stores up"
  wait_for 30 curl -sf "http://127.0.0.1:$http_port/readyz" \
    || { tail -n 20 "$dir/logs/gateway.log" >&2; die "gateway /readyz did not answer 200"; }
  # dht places shards only on nodes of admitted operators (operator.sh).
  register_stack_operator "$dir" "$bin" "$chunk_stores"
}

# Fault injection for tests: SIGKILL one service instance (no drain, no clean-up), and start
# a stopped or killed instance again with its original ports, folders and arguments (plus any
# extra arguments given, which override earlier ones).
kill_instance() { # dir instance
  local dir="$1" instance="$2" pid
  [ -f "$dir/args/$instance" ] || die "unknown instance: $instance"
  pid_alive "$dir/pids/$instance.pid" || die "$instance is not running"
  pid="$(cat "$dir/pids/$instance.pid")"
  kill -KILL "$pid"
  for _ in $(seq 1 200); do proc_alive "$pid" || break; sleep 0.05; done
  rm -f "$dir/pids/$instance.pid"
}
start_instance() { # dir bin instance [extra args...]
  local dir="$1" bin="$2" instance="$3" saved=()
  shift 3
  [ -f "$dir/args/$instance" ] || die "unknown instance: $instance"
  pid_alive "$dir/pids/$instance.pid" && die "$instance is already running"
  mapfile -t saved < "$dir/args/$instance"
  # An instance started on another port (a moved node, in fault tests) is found there from now
  # on: by wait_serving below, the tests, and later restarts.
  local prev=""
  for arg in "$@"; do
    [ "$prev" = --grpc-addr ] && env_set "$dir" "DM_$(upper "$instance")_GRPC_ADDR" "$arg"
    prev="$arg"
  done
  export_dependency_env "$dir"
  export_peer_env "$dir"
  start_service "$dir" "$bin" "$instance" "${saved[@]}" "$@"
  wait_serving "$dir" "$bin" "$instance"
}

wait_serving() { # dir bin instance
  local dir="$1" bin="$2" name="$3" addr
  addr="$(env_get "$dir" "DM_$(upper "$name")_GRPC_ADDR")"
  if ! "$bin/dm-health" --addr "$addr" --wait 60s 2> /dev/null; then
    echo "---- last lines of $dir/logs/$name.log" >&2
    tail -n 20 "$dir/logs/$name.log" >&2 || true
    die "$name did not become ready (SERVING) at $addr"
  fi
}

print_summary() {
  local dir="$1" password
  # A password the user chose is not echoed (terminal scroll-back, CI logs); a generated one has
  # to be, or nobody could log in.
  if [ "$(cat "$dir/admin-password-source" 2> /dev/null)" = DM_ADMIN_PASSWORD ]; then
    password="password as set in DM_ADMIN_PASSWORD when the stack was created"
  else
    password="password \"$(cat "$dir/admin-password" 2> /dev/null)\""
  fi
  cat <<TXT

DataMesh is up.
  Gateway:   $(env_get "$dir" DM_GATEWAY_URL)   (try: curl $(env_get "$dir" DM_GATEWAY_URL)/readyz)
  Web UI:    $(if grep -q -- --static-dir "$dir/args/gateway" 2> /dev/null; then
                 echo "$(env_get "$dir" DM_GATEWAY_URL)/"
               else echo "not built (needs Node.js: make deps, make build)"; fi)
  S3 API:    $(env_get "$dir" DM_GATEWAY_S3_URL)   (S3 keys: datamesh s3-keys create; docs/S3.md)
  Admin:     user "admin", $password
  Logs:      $dir/logs/   (one JSON-lines file per service)
  Addresses: $dir/env
  Stop:      make stop
TXT
}

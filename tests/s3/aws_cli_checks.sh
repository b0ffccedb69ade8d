#!/usr/bin/env bash
# Debian's aws-cli (/usr/bin/aws, v2.9) against the S3 endpoint: aws s3 mb/cp/ls/sync/rm/rb and
# aws s3api put-object (metadata), head-object, get-object --range, list-objects-v2 with a
# delimiter, delete-objects and copy-object; a 20 MiB cp as a multipart upload. Every byte read back is compared with what was put.
# Its configuration and credentials live in $WORK only. Environment: DM_S3_ENDPOINT,
# DM_S3_KEY_ID, DM_S3_SECRET, WORK.
set -euo pipefail
# Nothing of the caller's AWS settings (a CA bundle, a profile, keys) reaches the client.
for v in $(compgen -e | grep '^AWS_'); do unset "$v"; done
W="$WORK/aws"
mkdir -p "$W/home" "$W/tree/a/b"
export HOME="$W/home" AWS_CONFIG_FILE="$W/config" AWS_SHARED_CREDENTIALS_FILE="$W/credentials"
# aws-cli's own multipart settings: above 8 MiB, in parts of 8 MiB (the last block crosses it).
cat > "$AWS_CONFIG_FILE" <<CFG
[default]
region = us-east-1
s3 =
    addressing_style = path
CFG
cat > "$AWS_SHARED_CREDENTIALS_FILE" <<CFG
[default]
aws_access_key_id = $DM_S3_KEY_ID
aws_secret_access_key = $DM_S3_SECRET
CFG
aws() { /usr/bin/aws --endpoint-url "$DM_S3_ENDPOINT" --no-cli-pager "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok $*"; }

aws --version
B=aws-e2e
aws s3 mb "s3://$B" | grep -q "make_bucket: $B" || fail "mb"
ok "aws s3 mb"

head -c 3145728 /dev/urandom > "$W/big.bin"
aws s3 cp "$W/big.bin" "s3://$B/dir/big.bin" > /dev/null
aws s3 cp "s3://$B/dir/big.bin" "$W/big.out" > /dev/null
cmp "$W/big.bin" "$W/big.out" || fail "cp round trip differs"
aws s3 ls "s3://$B/dir/" | grep -q " 3145728 big.bin" || fail "ls does not show big.bin"
ok "aws s3 cp and ls (3 MiB, identical)"

echo one > "$W/tree/one.txt"; echo two > "$W/tree/a/two.txt"; head -c 70000 /dev/urandom > "$W/tree/a/b/three.bin"
aws s3 sync "$W/tree" "s3://$B/tree" > /dev/null
aws s3 sync "s3://$B/tree" "$W/tree2" > /dev/null
diff -r "$W/tree" "$W/tree2" || fail "sync round trip differs"
# A second sync has nothing to send.
[ -z "$(aws s3 sync "$W/tree" "s3://$B/tree")" ] || fail "a second sync uploaded again"
ok "aws s3 sync both ways"

printf 'hello metadata' > "$W/meta.txt"
aws s3api put-object --bucket "$B" --key meta.txt --body "$W/meta.txt" --content-type text/plain \
  --metadata color=blue,size=big > /dev/null
[ "$(aws s3api head-object --bucket "$B" --key meta.txt --query 'ContentType' --output text)" = text/plain ] \
  || fail "content type"
[ "$(aws s3api head-object --bucket "$B" --key meta.txt --query 'Metadata.color' --output text)" = blue ] \
  || fail "metadata"
etag=$(aws s3api head-object --bucket "$B" --key meta.txt --query ETag --output text)
[ "$etag" = "\"$(md5sum < "$W/meta.txt" | cut -d' ' -f1)\"" ] || fail "ETag $etag is not the MD5"
ok "aws s3api put-object with metadata, head-object"

aws s3api get-object --bucket "$B" --key dir/big.bin --range bytes=1000-1999 "$W/range.out" > /dev/null
cmp "$W/range.out" <(tail -c +1001 "$W/big.bin" | head -c 1000) || fail "range differs"
ok "aws s3api get-object --range"

out=$(aws s3api list-objects-v2 --bucket "$B" --delimiter / --query 'CommonPrefixes[].Prefix' --output text)
[ "$out" = "$(printf 'dir/\ttree/')" ] || fail "common prefixes: $out"
keys=$(aws s3api list-objects-v2 --bucket "$B" --delimiter / --query 'Contents[].Key' --output text)
[ "$keys" = meta.txt ] || fail "top-level keys: $keys"
ok "aws s3api list-objects-v2 --delimiter"

aws s3api copy-object --bucket "$B" --key copy/big.bin --copy-source "$B/dir/big.bin" > /dev/null
aws s3 cp "s3://$B/copy/big.bin" "$W/copy.out" > /dev/null
cmp "$W/big.bin" "$W/copy.out" || fail "copy differs"
ok "aws s3api copy-object"

deleted=$(aws s3api delete-objects --bucket "$B" \
  --delete '{"Objects":[{"Key":"meta.txt"},{"Key":"copy/big.bin"},{"Key":"never-there"}]}' \
  --query 'length(Deleted)' --output text)
[ "$deleted" = 3 ] || fail "delete-objects deleted $deleted"
aws s3api head-object --bucket "$B" --key meta.txt > /dev/null 2>&1 && fail "meta.txt still there"
ok "aws s3api delete-objects"

if aws s3 rb "s3://$B" 2> "$W/rb.err"; then fail "rb of a non-empty bucket succeeded"; fi
grep -q BucketNotEmpty "$W/rb.err" || fail "rb: $(cat "$W/rb.err")"
aws s3 rm "s3://$B" --recursive > /dev/null
aws s3 rb "s3://$B" > /dev/null
aws s3 ls | grep -q " $B\$" && fail "bucket still listed"
ok "aws s3 rm --recursive and rb"

M=aws-mp-e2e
aws s3 mb "s3://$M" > /dev/null
head -c $((20 * 1048576 + 123)) /dev/urandom > "$W/mp.bin"
aws s3 cp "$W/mp.bin" "s3://$M/mp.bin" > /dev/null
aws s3 cp "s3://$M/mp.bin" "$W/mp.out" > /dev/null
cmp "$W/mp.bin" "$W/mp.out" || fail "multipart cp round trip differs"
etag=$(aws s3api head-object --bucket "$M" --key mp.bin --query ETag --output text)
[ "$etag" = "\"$("$(dirname "$0")/multipart_etag.py" "$W/mp.bin" 8388608)\"" ] \
  || fail "ETag $etag is not that of 3 parts of 8 MiB"
[ "$(aws s3api list-multipart-uploads --bucket "$M" --query 'length(Uploads || `[]`)')" = 0 ] \
  || fail "an upload is left in progress"
aws s3 rm "s3://$M" --recursive > /dev/null
aws s3 rb "s3://$M" > /dev/null
ok "aws s3 cp of 20 MiB as a multipart upload (3 parts) and back, identical"
echo "ALL AWS CLI CHECKS PASSED"

#!/usr/bin/python3
"""boto3 (Debian's python3-boto3) against the S3 endpoint's multipart upload: create, upload
parts (one replaced), list parts, list uploads, complete (ETag checked against S3's formula:
the MD5 of the parts' binary MD5s, "-", the part count), the object read back by S3 and by REST,
InvalidPart, InvalidPartOrder, EntityTooSmall, NoSuchUpload, abort giving the quota back (the
REST profile's storage usage before and after), and UploadPartCopy with ranges.

Environment: DM_S3_ENDPOINT, DM_S3_KEY_ID / DM_S3_SECRET (alice), DM_S3_OTHER_KEY_ID /
DM_S3_OTHER_SECRET (bob), DM_REST_URL and DM_REST_TOKEN (alice's session, for the REST side).
Each check prints "ok <name>"; the first failure raises and the script exits non-zero.
"""
import hashlib
import json
import os
import sys
import time
import urllib.parse
import urllib.request

import boto3
import botocore

# The clients (alice, bob) and the check helpers of the main boto3 script beside this one;
# importing it runs none of its checks (and leaves no bytecode in the source tree).
sys.dont_write_bytecode = True
from boto3_checks import alice, bob, check, error_of, ok  # noqa: E402

REST = os.environ["DM_REST_URL"]
REST_AUTH = {"Authorization": f"Bearer {os.environ['DM_REST_TOKEN']}"}
MIB = 1 << 20
BUCKET = "mp-boto-e2e"


def data(size, seed):
    """`size` bytes that differ from one seed to another (no two parts alike)."""
    block = hashlib.sha256(str(seed).encode()).digest() * 4096  # 128 KiB
    return (block * (size // len(block) + 1))[:size]


def md5_etag(b):
    return f'"{hashlib.md5(b).hexdigest()}"'


def multipart_etag(parts):
    joined = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"'


def rest(method, path):
    req = urllib.request.Request(f"{REST}/api/v1{path}", method=method, headers=REST_AUTH)
    with urllib.request.urlopen(req) as r:
        return r.read()


def storage_bytes():
    return int(json.loads(rest("GET", "/auth/profile"))["usage"]["storageBytes"])


def wait_for(what, cond, seconds=60):
    """Polls `cond` until it holds; usage follows events, so it settles a moment later."""
    deadline = time.monotonic() + seconds
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def upload(key, parts, **create_args):
    """Creates an upload of `key` and stores `parts` (numbered from 1); its id and part list."""
    uid = alice.create_multipart_upload(Bucket=BUCKET, Key=key, **create_args)["UploadId"]
    listed = []
    for n, body in enumerate(parts, start=1):
        etag = alice.upload_part(Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=n, Body=body)["ETag"]
        check(etag == md5_etag(body), f"part {n} ETag {etag} is its MD5")
        listed.append({"PartNumber": n, "ETag": etag})
    return uid, listed


def test_create_parts_list_and_complete():
    alice.create_bucket(Bucket=BUCKET)
    parts = [data(5 * MIB, 1), data(5 * MIB, 2), data(MIB + 17, 3)]
    uid, listed = upload("dir/big.bin", parts, ContentType="application/x-mp",
                         Metadata={"color": "green"})
    # Part 2 again, other bytes: the newer one is the part.
    parts[1] = data(5 * MIB, 22)
    etag = alice.upload_part(Bucket=BUCKET, Key="dir/big.bin", UploadId=uid, PartNumber=2,
                             Body=parts[1])["ETag"]
    check(etag == md5_etag(parts[1]), "the replaced part's ETag")
    listed[1]["ETag"] = etag
    got = alice.list_parts(Bucket=BUCKET, Key="dir/big.bin", UploadId=uid)
    check([(p["PartNumber"], p["Size"], p["ETag"]) for p in got["Parts"]] ==
          [(n + 1, len(b), md5_etag(b)) for n, b in enumerate(parts)], f"list_parts {got['Parts']}")
    page = alice.list_parts(Bucket=BUCKET, Key="dir/big.bin", UploadId=uid, MaxParts=2)
    check(page["IsTruncated"] and len(page["Parts"]) == 2 and page["NextPartNumberMarker"] == 2,
          f"list_parts page {page}")
    rest_page = alice.list_parts(Bucket=BUCKET, Key="dir/big.bin", UploadId=uid, PartNumberMarker=2)
    check([p["PartNumber"] for p in rest_page["Parts"]] == [3], "list_parts after the marker")
    uploads = alice.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
    check([(u["Key"], u["UploadId"]) for u in uploads] == [("dir/big.bin", uid)], f"uploads {uploads}")
    check(alice.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0, "no object before Complete")

    done = alice.complete_multipart_upload(Bucket=BUCKET, Key="dir/big.bin", UploadId=uid,
                                           MultipartUpload={"Parts": listed})
    check(done["ETag"] == multipart_etag(parts), f"multipart ETag {done['ETag']}")
    again = alice.complete_multipart_upload(Bucket=BUCKET, Key="dir/big.bin", UploadId=uid,
                                            MultipartUpload={"Parts": listed})
    check(again["ETag"] == done["ETag"], "a retried Complete answers the same object")
    obj = alice.get_object(Bucket=BUCKET, Key="dir/big.bin")
    check(obj["Body"].read() == b"".join(parts), "the object is the parts in order")
    check(obj["ETag"] == done["ETag"] and obj["ContentType"] == "application/x-mp" and
          obj["Metadata"] == {"color": "green"}, f"object headers {obj['ETag']} {obj['ContentType']}")
    check(obj["ContentLength"] == sum(len(p) for p in parts), "object size")
    check(alice.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == [],
          "a completed upload is no longer listed")
    ranged = alice.get_object(Bucket=BUCKET, Key="dir/big.bin", Range=f"bytes={5 * MIB - 10}-{5 * MIB + 9}")
    check(ranged["Body"].read() == parts[0][-10:] + parts[1][:10], "a range across a part boundary")
    ok("create, upload parts (one replaced), list parts and uploads, complete, read back")


def test_readable_by_rest():
    files = json.loads(rest("GET", f"/files?prefix={urllib.parse.quote(BUCKET + '/dir/')}"))["files"]
    check([f["name"] for f in files] == [f"{BUCKET}/dir/big.bin"], f"REST lists {files}")
    body = rest("GET", f"/files/{files[0]['id']}")
    s3_body = alice.get_object(Bucket=BUCKET, Key="dir/big.bin")["Body"].read()
    check(body == s3_body, "REST downloads the same bytes")
    ok("the completed object read by REST")


def test_invalid_part_order_and_too_small():
    key = "errors.bin"
    uid, listed = upload(key, [data(1024, 5), data(1024, 6)])
    wrong = dict(listed[0], ETag='"' + "0" * 32 + '"')
    check(error_of(alice.complete_multipart_upload, Bucket=BUCKET, Key=key, UploadId=uid,
                   MultipartUpload={"Parts": [wrong, listed[1]]}) == ("InvalidPart", 400),
          "a wrong ETag")
    check(error_of(alice.complete_multipart_upload, Bucket=BUCKET, Key=key, UploadId=uid,
                   MultipartUpload={"Parts": listed + [{"PartNumber": 9, "ETag": listed[0]["ETag"]}]})
          == ("InvalidPart", 400), "a part never uploaded")
    check(error_of(alice.complete_multipart_upload, Bucket=BUCKET, Key=key, UploadId=uid,
                   MultipartUpload={"Parts": [listed[1], listed[0]]}) == ("InvalidPartOrder", 400),
          "parts out of order")
    check(error_of(alice.complete_multipart_upload, Bucket=BUCKET, Key=key, UploadId=uid,
                   MultipartUpload={"Parts": listed}) == ("EntityTooSmall", 400),
          "a first part under 5 MiB")
    check(error_of(alice.head_object, Bucket=BUCKET, Key=key)[1] == 404, "no object after the refusals")
    alice.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=uid)
    ok("InvalidPart, InvalidPartOrder, EntityTooSmall")


def test_no_such_upload():
    bogus = {"Bucket": BUCKET, "Key": "none.bin", "UploadId": "no-such-upload-id"}
    check(error_of(alice.upload_part, PartNumber=1, Body=b"x", **bogus) == ("NoSuchUpload", 404),
          "upload_part")
    check(error_of(alice.list_parts, **bogus) == ("NoSuchUpload", 404), "list_parts")
    check(error_of(alice.abort_multipart_upload, **bogus) == ("NoSuchUpload", 404), "abort")
    check(error_of(alice.complete_multipart_upload, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": md5_etag(b"x")}]}, **bogus) == ("NoSuchUpload", 404), "complete")
    uid = alice.create_multipart_upload(Bucket=BUCKET, Key="mine.bin")["UploadId"]
    check(error_of(bob.list_parts, Bucket=BUCKET, Key="mine.bin", UploadId=uid)[0] in
          ("NoSuchUpload", "AccessDenied"), "another user's upload")
    check(error_of(alice.list_parts, Bucket=BUCKET, Key="other.bin", UploadId=uid) ==
          ("NoSuchUpload", 404), "the upload under another key")
    check(error_of(alice.upload_part, Bucket=BUCKET, Key="mine.bin", UploadId=uid, PartNumber=0,
                   Body=b"x") == ("InvalidArgument", 400), "part number 0")
    alice.abort_multipart_upload(Bucket=BUCKET, Key="mine.bin", UploadId=uid)
    ok("NoSuchUpload")


def stored_file_bytes():
    files = json.loads(rest("GET", "/files?limit=1000"))["files"]
    return sum(int(f["size"]) for f in files)


def test_abort_gives_the_quota_back():
    # Usage follows events: first it settles at the files' sizes (the completed object counted
    # once, at its size), then the part adds to it and the abort takes it away again.
    before = stored_file_bytes()
    wait_for(f"usage to settle at {before}", lambda: storage_bytes() == before)
    part = data(6 * MIB, 7)
    uid, _ = upload("aborted.bin", [part])
    wait_for("the part to be counted", lambda: storage_bytes() >= before + len(part))
    alice.abort_multipart_upload(Bucket=BUCKET, Key="aborted.bin", UploadId=uid)
    wait_for("the part to be given back", lambda: storage_bytes() == before)
    check(error_of(alice.list_parts, Bucket=BUCKET, Key="aborted.bin", UploadId=uid) ==
          ("NoSuchUpload", 404), "the aborted upload is gone")
    ok("abort gives the quota back")


def test_upload_part_copy_with_ranges():
    source = data(7 * MIB + 3, 8)
    alice.put_object(Bucket=BUCKET, Key="copy-source.bin", Body=source)
    key = "copied.bin"
    uid = alice.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    first = alice.upload_part_copy(Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=1,
                                   CopySource={"Bucket": BUCKET, "Key": "copy-source.bin"},
                                   CopySourceRange=f"bytes=0-{5 * MIB - 1}")["CopyPartResult"]
    check(first["ETag"] == md5_etag(source[:5 * MIB]), "the copied part's ETag")
    second = alice.upload_part_copy(Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=2,
                                    CopySource=f"{BUCKET}/copy-source.bin",
                                    CopySourceRange=f"bytes={5 * MIB}-{len(source) - 1}")["CopyPartResult"]
    check(error_of(alice.upload_part_copy, Bucket=BUCKET, Key=key, UploadId=uid, PartNumber=3,
                   CopySource=f"{BUCKET}/copy-source.bin",
                   CopySourceRange=f"bytes=0-{len(source)}")[0] == "InvalidRange",
          "a range past the source's end")
    parts = [{"PartNumber": 1, "ETag": first["ETag"]}, {"PartNumber": 2, "ETag": second["ETag"]}]
    done = alice.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=uid,
                                           MultipartUpload={"Parts": parts})
    check(done["ETag"] == multipart_etag([source[:5 * MIB], source[5 * MIB:]]), "copied ETag")
    check(alice.get_object(Bucket=BUCKET, Key=key)["Body"].read() == source, "copied bytes")
    ok("UploadPartCopy with ranges")


def test_cleanup():
    for o in alice.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        alice.delete_object(Bucket=BUCKET, Key=o["Key"])
    alice.delete_bucket(Bucket=BUCKET)
    ok("cleanup")


if __name__ == "__main__":
    print("boto3", boto3.__version__, "botocore", botocore.__version__, flush=True)
    for name, fn in list(globals().items()):
        if name.startswith("test_"):
            fn()
    print("ALL BOTO3 MULTIPART CHECKS PASSED")

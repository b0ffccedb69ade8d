#!/usr/bin/python3
"""boto3 (Debian's python3-boto3) against the S3 endpoint: what the command-line clients do not
reach. Presigned GET and PUT, conditional requests, copy with metadata REPLACE, ListObjects v1/v2
edge cases, the error codes, and files shared with the REST API both ways.

Environment: DM_S3_ENDPOINT, DM_S3_KEY_ID / DM_S3_SECRET (alice), DM_S3_OTHER_KEY_ID /
DM_S3_OTHER_SECRET (bob), DM_REST_URL and DM_REST_TOKEN (alice's session, for the REST side).
Each check prints "ok <name>"; the first failure raises and the script exits non-zero.
"""
import datetime
import hashlib
import json
import os
import sys
import urllib.parse
import urllib.request

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["DM_S3_ENDPOINT"]
# Nothing of the caller's AWS settings (a CA bundle, a profile, keys) reaches the client.
for name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[name]


def client(key_id, secret):
    return boto3.client(
        "s3", endpoint_url=ENDPOINT, aws_access_key_id=key_id, aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                      signature_version="s3v4"))


alice = client(os.environ["DM_S3_KEY_ID"], os.environ["DM_S3_SECRET"])
bob = client(os.environ["DM_S3_OTHER_KEY_ID"], os.environ["DM_S3_OTHER_SECRET"])


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def error_of(call, *args, **kwargs):
    """The S3 error code and HTTP status `call` answers (it must fail)."""
    try:
        call(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError(f"{call.__name__} succeeded but should have failed")


def http(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def ok(name):
    print("ok", name, flush=True)


BUCKET = "boto-e2e"
DATA = bytes((i * 7 + 3) % 251 for i in range(300_000))


def test_buckets_and_their_errors():
    alice.create_bucket(Bucket=BUCKET)
    check(error_of(alice.create_bucket, Bucket=BUCKET) == ("BucketAlreadyOwnedByYou", 409),
          "re-creating one's own bucket")
    check(error_of(bob.create_bucket, Bucket=BUCKET) == ("BucketAlreadyExists", 409),
          "creating another user's bucket name")
    check(error_of(alice.create_bucket, Bucket="Bad_Name") == ("InvalidBucketName", 400),
          "an invalid bucket name")
    check(error_of(alice.head_bucket, Bucket="no-such-bucket-e2e")[1] == 404, "head of a missing bucket")
    check(error_of(alice.list_objects_v2, Bucket="no-such-bucket-e2e") == ("NoSuchBucket", 404),
          "listing a missing bucket")
    check(error_of(bob.list_objects_v2, Bucket=BUCKET) == ("AccessDenied", 403),
          "listing another user's bucket")
    check(error_of(bob.put_object, Bucket=BUCKET, Key="x", Body=b"x") == ("AccessDenied", 403),
          "writing into another user's bucket")
    names = [b["Name"] for b in alice.list_buckets()["Buckets"]]
    check(BUCKET in names, f"list_buckets shows the bucket: {names}")
    check(BUCKET not in [b["Name"] for b in bob.list_buckets()["Buckets"]], "bob does not see it")
    loc = alice.get_bucket_location(Bucket=BUCKET)
    check(loc.get("LocationConstraint") in (None, "", "us-east-1"), f"location {loc}")
    ok("buckets and their errors")


def test_signature_and_unsupported():
    wrong = client(os.environ["DM_S3_KEY_ID"], "x" * 40)
    check(error_of(wrong.list_buckets) == ("SignatureDoesNotMatch", 403), "a wrong secret")
    unknown = client("DMUNKNOWNUNKNOWN0000", "x" * 40)
    check(error_of(unknown.list_buckets) == ("InvalidAccessKeyId", 403), "an unknown access key")
    check(error_of(alice.get_bucket_acl, Bucket=BUCKET) == ("NotImplemented", 501), "bucket ACLs")
    check(error_of(alice.put_bucket_versioning, Bucket=BUCKET,
                   VersioningConfiguration={"Status": "Enabled"}) == ("NotImplemented", 501),
          "enabling versioning")
    ok("signature failures and unsupported operations")


def test_put_get_metadata_and_etag():
    put = alice.put_object(Bucket=BUCKET, Key="dir/data.bin", Body=DATA, ContentType="application/x-e2e",
                           Metadata={"Color": "blue"}, CacheControl="max-age=60",
                           ContentDisposition="inline")
    md5 = hashlib.md5(DATA).hexdigest()
    check(put["ETag"] == f'"{md5}"', f"ETag is the MD5: {put['ETag']}")
    got = alice.get_object(Bucket=BUCKET, Key="dir/data.bin")
    check(got["Body"].read() == DATA, "the bytes read back")
    check(got["ContentType"] == "application/x-e2e", got["ContentType"])
    check(got["Metadata"] == {"color": "blue"}, f"metadata {got['Metadata']}")
    check(got["CacheControl"] == "max-age=60" and got["ContentDisposition"] == "inline",
          "cache-control and content-disposition kept")
    part = alice.get_object(Bucket=BUCKET, Key="dir/data.bin", Range="bytes=1000-1999")
    check(part["Body"].read() == DATA[1000:2000] and part["ContentRange"] ==
          f"bytes 1000-1999/{len(DATA)}", "a range")
    check(error_of(alice.get_object, Bucket=BUCKET, Key="dir/missing") == ("NoSuchKey", 404),
          "a missing key")
    check(error_of(alice.put_object, Bucket=BUCKET, Key="bad", Body=b"abc",
                   ContentMD5="AAAAAAAAAAAAAAAAAAAAAA==") == ("BadDigest", 400), "a wrong Content-MD5")
    check(error_of(alice.head_object, Bucket=BUCKET, Key="bad")[1] == 404,
          "nothing kept after BadDigest")
    # A second put replaces: one object, the newest bytes.
    alice.put_object(Bucket=BUCKET, Key="dir/data.bin", Body=DATA[::-1])
    check(alice.get_object(Bucket=BUCKET, Key="dir/data.bin")["Body"].read() == DATA[::-1],
          "the newest put wins")
    ok("put, get, metadata, ranges and ETags")


def test_conditional_requests():
    head = alice.head_object(Bucket=BUCKET, Key="dir/data.bin")
    etag, modified = head["ETag"], head["LastModified"]
    check(len(alice.get_object(Bucket=BUCKET, Key="dir/data.bin", IfMatch=etag)["Body"].read())
          == len(DATA), "If-Match with the ETag")
    check(error_of(alice.get_object, Bucket=BUCKET, Key="dir/data.bin", IfMatch='"0000"') ==
          ("PreconditionFailed", 412), "If-Match with another ETag")
    check(error_of(alice.get_object, Bucket=BUCKET, Key="dir/data.bin", IfNoneMatch=etag)[1] == 304,
          "If-None-Match with the ETag")
    check(error_of(alice.get_object, Bucket=BUCKET, Key="dir/data.bin",
                   IfModifiedSince=modified)[1] == 304, "If-Modified-Since the last change")
    earlier = modified - datetime.timedelta(days=1)
    check(error_of(alice.get_object, Bucket=BUCKET, Key="dir/data.bin",
                   IfUnmodifiedSince=earlier) == ("PreconditionFailed", 412),
          "If-Unmodified-Since before the last change")
    # If-Match true wins over a false If-Unmodified-Since, as S3 documents.
    alice.get_object(Bucket=BUCKET, Key="dir/data.bin", IfMatch=etag, IfUnmodifiedSince=earlier)
    ok("conditional requests")


def test_presigned_urls():
    url = alice.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "presigned.txt"},
                                       ExpiresIn=300)
    status, _, _ = http("PUT", url, data=b"presigned bytes")
    check(status == 200, f"presigned PUT answered {status}")
    url = alice.generate_presigned_url(
        "get_object", ExpiresIn=300,
        Params={"Bucket": BUCKET, "Key": "presigned.txt", "ResponseContentType": "text/x-override"})
    status, body, headers = http("GET", url)
    check(status == 200 and body == b"presigned bytes", f"presigned GET {status} {body!r}")
    check(headers.get("Content-Type") == "text/x-override", f"response-content-type {headers}")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    signature = query["X-Amz-Signature"][0]
    flipped = ("0" if signature[-1] != "0" else "1")
    status, body, _ = http("GET", url.replace(signature, signature[:-1] + flipped))
    check(status == 403 and b"SignatureDoesNotMatch" in body, f"a tampered presigned URL: {status}")
    ok("presigned GET and PUT")


def test_copy():
    copied = alice.copy_object(Bucket=BUCKET, Key="copy/replaced.bin",
                               CopySource={"Bucket": BUCKET, "Key": "dir/data.bin"},
                               MetadataDirective="REPLACE", Metadata={"shape": "round"},
                               ContentType="text/x-replaced")
    got = alice.get_object(Bucket=BUCKET, Key="copy/replaced.bin")
    check(got["Body"].read() == DATA[::-1], "copied bytes")
    check(got["Metadata"] == {"shape": "round"} and got["ContentType"] == "text/x-replaced",
          f"replaced metadata {got['Metadata']} {got['ContentType']}")
    check(copied["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(DATA[::-1]).hexdigest()}"',
          "the copy's ETag is its MD5")
    other = "boto-e2e-second"
    alice.create_bucket(Bucket=other)
    alice.copy_object(Bucket=other, Key="kept.bin", CopySource=f"{BUCKET}/dir/data.bin")
    check(alice.get_object(Bucket=other, Key="kept.bin")["Body"].read() == DATA[::-1],
          "a copy across buckets")
    check(error_of(alice.copy_object, Bucket=other, Key="x", CopySource=f"{BUCKET}/dir/data.bin",
                   CopySourceIfMatch='"0000"') == ("PreconditionFailed", 412),
          "a copy's failing condition")
    check(error_of(alice.delete_bucket, Bucket=other) == ("BucketNotEmpty", 409), "BucketNotEmpty")
    alice.delete_object(Bucket=other, Key="kept.bin")
    alice.delete_bucket(Bucket=other)
    ok("copy within and across buckets")


def test_listing_edge_cases():
    keys = [f"list/k{i:02d}" for i in range(7)] + ["list/sub/a", "list/sub/b", "list/z z+&<"]
    for k in keys:
        alice.put_object(Bucket=BUCKET, Key=k, Body=k.encode())
    seen, token = [], None
    while True:
        kw = {"ContinuationToken": token} if token else {}
        page = alice.list_objects_v2(Bucket=BUCKET, Prefix="list/", MaxKeys=3, **kw)
        check(page["KeyCount"] == len(page.get("Contents", [])), "KeyCount")
        seen += [o["Key"] for o in page.get("Contents", [])]
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    check(seen == sorted(keys), f"v2 pages in byte order: {seen}")
    page = alice.list_objects_v2(Bucket=BUCKET, Prefix="list/", Delimiter="/", StartAfter="list/k03")
    check([o["Key"] for o in page["Contents"]] == ["list/k04", "list/k05", "list/k06", "list/z z+&<"],
          f"start-after with a delimiter: {page.get('Contents')}")
    check([p["Prefix"] for p in page["CommonPrefixes"]] == ["list/sub/"], "common prefixes")
    check("Owner" not in page["Contents"][0], "no owner without fetch-owner")
    page = alice.list_objects_v2(Bucket=BUCKET, Prefix="list/z", FetchOwner=True, EncodingType="url")
    # botocore decodes keys itself only when it chose encoding-type=url; asked for, they arrive encoded.
    check(page["Contents"][0]["Key"] == "list/z%20z%2B%26%3C" and "ID" in page["Contents"][0]["Owner"],
          f"url encoding and fetch-owner: {page['Contents'][0]}")
    v1, marker = [], ""
    while True:
        page = alice.list_objects(Bucket=BUCKET, Prefix="list/", Delimiter="/", MaxKeys=4, Marker=marker)
        v1 += [o["Key"] for o in page.get("Contents", [])] + [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        if not page["IsTruncated"]:
            break
        marker = page["NextMarker"]
    check(sorted(v1) == sorted(keys[:7] + ["list/sub/", "list/z z+&<"]), f"v1 with markers: {v1}")
    check(alice.list_objects_v2(Bucket=BUCKET, MaxKeys=0)["KeyCount"] == 0, "max-keys 0")
    check(error_of(alice.list_objects_v2, Bucket=BUCKET, ContinuationToken="!!!") ==
          ("InvalidArgument", 400), "a bad continuation token")
    result = alice.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in keys] +
                                                         [{"Key": "list/never-there"}]})
    check(len(result["Deleted"]) == len(keys) + 1 and not result.get("Errors"), f"delete_objects {result}")
    check(alice.list_objects_v2(Bucket=BUCKET, Prefix="list/")["KeyCount"] == 0, "all deleted")
    ok("listing v1/v2 edge cases and multi-object delete")


def test_files_are_shared_with_rest():
    rest, token = os.environ["DM_REST_URL"], os.environ["DM_REST_TOKEN"]
    auth = {"Authorization": f"Bearer {token}"}
    status, body, _ = http("GET", f"{rest}/api/v1/files?prefix={BUCKET}/dir/", headers=auth)
    names = [f["name"] for f in json.loads(body).get("files", [])]
    check(status == 200 and names == [f"{BUCKET}/dir/data.bin"], f"REST lists the S3 put: {names}")
    payload = b"uploaded by REST"
    status, body, _ = http("POST", f"{rest}/api/v1/files?name={urllib.parse.quote(BUCKET + '/from-rest.txt')}",
                           data=payload, headers=dict(auth, **{"Content-Type": "text/plain"}))
    check(status == 201, f"REST upload {status} {body!r}")
    got = alice.get_object(Bucket=BUCKET, Key="from-rest.txt")
    check(got["Body"].read() == payload, "S3 reads the REST upload")
    check(got["ETag"] == f'"{hashlib.sha256(payload).hexdigest()}"', f"its ETag is the SHA-256: {got['ETag']}")
    alice.delete_object(Bucket=BUCKET, Key="from-rest.txt")
    status, body, _ = http("GET", f"{rest}/api/v1/files?prefix={BUCKET}/from-rest", headers=auth)
    check(json.loads(body).get("files", []) == [], "the S3 delete removed the REST file")
    ok("files shared with the REST API")


def test_list_object_versions_of_a_never_versioned_bucket():
    # Every object is its one latest version "null"; paging by key-marker; no delete markers.
    keys = ["ver/a", "ver/b", "ver/c", "ver/sub/x"]
    for k in keys:
        alice.put_object(Bucket=BUCKET, Key=k, Body=k.encode())
    seen, kw = [], {}
    while True:
        page = alice.list_object_versions(Bucket=BUCKET, Prefix="ver/", MaxKeys=3, **kw)
        check("DeleteMarkers" not in page, f"no delete markers: {page.get('DeleteMarkers')}")
        for v in page.get("Versions", []):
            check(v["VersionId"] == "null" and v["IsLatest"] and v["Size"] == len(v["Key"]),
                  f"a null latest version: {v}")
        seen += [v["Key"] for v in page.get("Versions", [])]
        if not page["IsTruncated"]:
            break
        check(page["NextVersionIdMarker"] == "null", f"next version marker: {page}")
        kw = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
    check(seen == keys, f"versions paged in key order: {seen}")
    page = alice.list_object_versions(Bucket=BUCKET, Prefix="ver/", Delimiter="/")
    check([v["Key"] for v in page["Versions"]] == keys[:3] and
          [p["Prefix"] for p in page["CommonPrefixes"]] == ["ver/sub/"], f"with a delimiter: {page}")
    check(error_of(alice.list_object_versions, Bucket=BUCKET, KeyMarker="ver/a",
                   VersionIdMarker="3sL4kqtJlcpXroDTDmJ") == ("InvalidArgument", 400),
          "a version id marker no object has")
    check(error_of(alice.list_object_versions, Bucket=BUCKET, VersionIdMarker="null") ==
          ("InvalidArgument", 400), "a version id marker without a key marker")
    check(error_of(bob.list_object_versions, Bucket=BUCKET) == ("AccessDenied", 403),
          "another user's bucket")
    result = alice.delete_objects(Bucket=BUCKET, Delete={
        "Objects": [{"Key": k, "VersionId": "null"} for k in keys], "Quiet": True})
    check(not result.get("Errors"), f"deleting the null versions: {result}")
    check("Versions" not in alice.list_object_versions(Bucket=BUCKET, Prefix="ver/"), "all gone")
    ok("ListObjectVersions of a never-versioned bucket")


def test_listing_answers_as_sdks_read_them():
    # Cases Ceph's s3-tests found: botocore asks v1 for encoding-type=url but does not decode
    # v1's Prefix (S3 leaves it as sent); an empty continuation token lists from the start.
    alice.put_object(Bucket=BUCKET, Key="sdk/a", Body=b"a")
    page = alice.list_objects(Bucket=BUCKET, Prefix="sdk/\n+ %")
    check(page["Prefix"] == "sdk/\n+ %" and "Contents" not in page, f"v1 prefix as sent: {page}")
    page = alice.list_objects_v2(Bucket=BUCKET, Prefix="sdk/", ContinuationToken="")
    check(page["ContinuationToken"] == "" and [o["Key"] for o in page["Contents"]] == ["sdk/a"],
          f"an empty continuation token: {page}")
    alice.delete_object(Bucket=BUCKET, Key="sdk/a")
    ok("listing answers as the SDKs read them")


def test_content_encoding_keeps_the_codings_as_sent():
    # aws-chunked (the request's framing) is dropped wherever it stands; the rest reads back as
    # an HTTP list, in order.
    for sent, kept in [("deflate, gzip", "deflate, gzip"), ("gzip, aws-chunked", "gzip"),
                       ("aws-chunked, gzip", "gzip"), ("aws-chunked", None)]:
        alice.put_object(Bucket=BUCKET, Key="enc", Body=b"x", ContentEncoding=sent)
        got = alice.head_object(Bucket=BUCKET, Key="enc").get("ContentEncoding")
        check(got == kept, f"Content-Encoding {sent!r} reads back {got!r}, not {kept!r}")
    alice.delete_object(Bucket=BUCKET, Key="enc")
    ok("Content-Encoding as sent, without aws-chunked")


def test_conditional_writes_answer_not_implemented():
    # If-Match / If-None-Match on a PUT: never ignored (that would overwrite what the client
    # guards), and the object stays as it was.
    alice.put_object(Bucket=BUCKET, Key="guarded", Body=b"first")
    for header, value in [("If-None-Match", "*"), ("If-Match", '"0123"')]:
        guarded = client(os.environ["DM_S3_KEY_ID"], os.environ["DM_S3_SECRET"])
        guarded.meta.events.register(
            "before-call.s3.PutObject",
            lambda params, h=header, v=value, **kw: params["headers"].update({h: v}))
        check(error_of(guarded.put_object, Bucket=BUCKET, Key="guarded", Body=b"second") ==
              ("NotImplemented", 501), f"a PUT with {header}")
    got = alice.get_object(Bucket=BUCKET, Key="guarded")["Body"].read()
    check(got == b"first", f"the object is unchanged: {got!r}")
    alice.delete_object(Bucket=BUCKET, Key="guarded")
    ok("conditional writes answer NotImplemented")


def test_cleanup():
    for o in alice.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        alice.delete_object(Bucket=BUCKET, Key=o["Key"])
    check(alice.delete_object(Bucket=BUCKET, Key="never-there")["ResponseMetadata"]["HTTPStatusCode"] == 204,
          "deleting a missing key is 204")
    alice.delete_bucket(Bucket=BUCKET)
    check(error_of(alice.head_bucket, Bucket=BUCKET)[1] == 404, "the bucket is gone")
    ok("cleanup")


if __name__ == "__main__":
    print("boto3", boto3.__version__, "botocore", botocore.__version__, flush=True)
    for name, fn in list(globals().items()):
        if name.startswith("test_"):
            fn()
    print("ALL BOTO3 CHECKS PASSED")

#!/usr/bin/python3
"""The S3 listener's answers at its edge, and ListBuckets paging, with raw requests (Debian's
boto3 1.26 knows neither max-buckets nor the answers made before an operation runs).

Edge: a method no S3 route takes (405 MethodNotAllowed), a declared body over --max-upload-bytes
(EntityTooLarge), a path with dot segments or a bad percent escape (InvalidURI), a header block
over the limit (RequestHeaderSectionTooLarge), a free-tier user's upload over its storage quota
(403 QuotaExceeded) and past its API calls an hour (503 SlowDown with Retry-After): each is S3's
<Error> document with the request id in it and in x-amz-request-id, and changes nothing; the REST
listener still answers the same mistakes with its JSON.

ListBuckets paging (AWS, 2024): max-buckets, continuation-token, prefix, signed with botocore's
SigV4Auth since the SDK does not send them.

Environment: as boto3_checks.py (DM_S3_ENDPOINT, DM_S3_KEY_ID, DM_S3_SECRET, DM_REST_URL).
Each check prints "ok <name>"; the first failure raises and the script exits non-zero.
"""
import http.client
import json
import os
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

import boto3
import botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ENDPOINT = os.environ["DM_S3_ENDPOINT"]
REST = os.environ["DM_REST_URL"]
for name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[name]
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
ALICE = Credentials(os.environ["DM_S3_KEY_ID"], os.environ["DM_S3_SECRET"])


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def ok(name):
    print("ok", name, flush=True)


def client(creds):
    return boto3.client(
        "s3", endpoint_url=ENDPOINT, aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key, region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                      signature_version="s3v4"))


def raw(base, method, target, headers=None, body=None):
    """Sends exactly `target` (no normalisation) and returns (status, headers, body)."""
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    try:
        conn.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        if body:
            conn.send(body)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def signed(creds, method, path, query="", headers=None):
    """A SigV4-signed request (unsigned payload) sent as is; (status, headers, body)."""
    url = f"{ENDPOINT}{path}" + (f"?{query}" if query else "")
    req = AWSRequest(method=method, url=url,
                     headers=dict(headers or {}, **{"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}))
    SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
    target = path + (f"?{query}" if query else "")
    return raw(ENDPOINT, method, target, dict(req.headers.items()))


def s3_error(status, headers, body):
    """(code, http status) of an S3 error answer, checking the document carries the request id."""
    check(headers.get("content-type") == "application/xml", f"an XML answer: {headers} {body!r}")
    doc = ET.fromstring(body)
    check(doc.tag == "Error", f"an <Error> document: {body!r}")
    rid = headers.get("x-amz-request-id", "")
    check(rid and doc.findtext("RequestId") == rid, f"the request id in the body and header: {body!r}")
    return doc.findtext("Code"), status


def rest_json(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{REST}/api/v1{path}", data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


BUCKET = "edge-e2e"


def test_the_listeners_own_answers_are_s3_errors():
    alice = client(ALICE)
    alice.create_bucket(Bucket=BUCKET)
    cases = [
        ("PATCH", f"/{BUCKET}/k", {}, ("MethodNotAllowed", 405)),
        ("OPTIONS", f"/{BUCKET}", {}, ("MethodNotAllowed", 405)),
        # Declared far over --max-upload-bytes (64 GiB): refused before a byte is read.
        ("PUT", f"/{BUCKET}/huge", {"Content-Length": str(1 << 40)}, ("EntityTooLarge", 400)),
        ("GET", f"/{BUCKET}/a/../k", {}, ("InvalidURI", 400)),
        ("GET", f"/{BUCKET}/%zz", {}, ("InvalidURI", 400)),
        ("GET", f"/{BUCKET}/k", {"X-Big": "a" * 20000}, ("RequestHeaderSectionTooLarge", 400)),
    ]
    for method, target, headers, want in cases:
        got = s3_error(*raw(ENDPOINT, method, target, headers))
        check(got == want, f"{method} {target}: {got}, expected {want}")
    status, headers, _ = raw(ENDPOINT, "PATCH", f"/{BUCKET}/k")
    check(headers.get("allow") == "DELETE, GET, HEAD, POST, PUT", f"Allow: {headers}")
    check(alice.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0, "nothing was stored")
    # The REST listener keeps its JSON for the same mistakes.
    for method, target, want in [("PATCH", "/api/v1/files", "METHOD_NOT_ALLOWED"),
                                 ("GET", "/api/v1/a/../files", "INVALID_ARGUMENT")]:
        status, headers, body = raw(REST, method, target)
        check(headers.get("content-type") == "application/json" and
              json.loads(body)["error"]["code"] == want, f"REST {method} {target}: {body!r}")
    ok("the listener's own answers are S3 errors; REST's are unchanged")


def new_free_user():
    """A user of the free tier (100 API calls an hour, 5 GB) with an S3 key."""
    name = "edge" + uuid.uuid4().hex[:8]
    status, _ = rest_json("POST", "/auth/register", {"username": name, "password": "correct-horse-1",
                                                     "email": f"{name}@example.com"})
    check(status == 201, f"register {status}")
    status, login = rest_json("POST", "/auth/login", {"username": name, "password": "correct-horse-1"})
    check(status == 200, f"login {status}")
    status, key = rest_json("POST", "/auth/s3-keys", {"name": "edge"}, login["token"])
    check(status == 201, f"s3 key {status}")
    return Credentials(key["accessKeyId"], key["secretAccessKey"])


def test_quota_and_the_call_limit():
    carol = new_free_user()
    bucket = "edge-quota-" + carol.access_key.lower()[-8:]
    status, _, body = signed(carol, "PUT", f"/{bucket}")
    check(status == 200, f"create bucket {status} {body!r}")
    # 6 GB declared against 5 GB of storage: the reservation fails before any byte is read.
    got = s3_error(*signed(carol, "PUT", f"/{bucket}/big", headers={"Content-Length": "6000000000"}))
    check(got == ("QuotaExceeded", 403), f"an upload over the quota: {got}")
    status, _, body = signed(carol, "GET", f"/{bucket}", "list-type=2")
    check(status == 200 and b"<KeyCount>0</KeyCount>" in body, f"nothing stored: {body!r}")
    # The free tier's 100 calls an hour run out; then every call is SlowDown, with Retry-After.
    for _ in range(150):
        status, headers, body = signed(carol, "GET", f"/{bucket}", "list-type=2")
        if status != 200:
            break
    check(s3_error(status, headers, body) == ("SlowDown", 503), f"past the call limit: {body!r}")
    check(int(headers.get("retry-after", "0")) > 0, f"Retry-After: {headers}")
    ok("QuotaExceeded and SlowDown")


def bucket_page(query):
    status, headers, body = signed(ALICE, "GET", "/", query)
    check(status == 200, f"ListBuckets {query}: {status} {body!r}")
    doc = ET.fromstring(body)
    names = [b.findtext(f"{NS}Name") for b in doc.iter(f"{NS}Bucket")]
    return names, doc.findtext(f"{NS}ContinuationToken"), doc.findtext(f"{NS}Prefix")


def test_list_buckets_pages():
    alice = client(ALICE)
    made = ["edge-pg-a", "edge-pg-b", "edge-pg-c", "edge-pg-d", "edge-pg-e"]
    for b in made:
        alice.create_bucket(Bucket=b)
    names, token, prefix = bucket_page("max-buckets=2&prefix=edge-pg-")
    check(names == made[:2] and token and prefix == "edge-pg-", f"page 1: {names} {token} {prefix}")
    seen, pages = list(names), 1
    while token:
        names, token, _ = bucket_page("max-buckets=2&prefix=edge-pg-&continuation-token=" +
                                      urllib.parse.quote(token, safe=""))
        seen += names
        pages += 1
        check(pages < 10, "the paging ends")
    check(seen == made and pages == 3, f"every bucket once, in order: {seen} in {pages} pages")
    names, token, prefix = bucket_page("prefix=edge-pg-")
    check(names == made and token is None and prefix == "edge-pg-", f"no max-buckets: {names}")
    everything = [b["Name"] for b in alice.list_buckets()["Buckets"]]
    check(set(made) <= set(everything) and everything == sorted(everything), f"boto3: {everything}")
    for query in ["max-buckets=0", "max-buckets=10001", "max-buckets=x", "continuation-token=%21%21"]:
        got = s3_error(*signed(ALICE, "GET", "/", query))
        check(got == ("InvalidArgument", 400), f"{query}: {got}")
    for b in made:
        alice.delete_bucket(Bucket=b)
    ok("ListBuckets pages by max-buckets, continuation-token and prefix")


def test_cleanup():
    client(ALICE).delete_bucket(Bucket=BUCKET)
    ok("cleanup")


if __name__ == "__main__":
    print("boto3", boto3.__version__, "botocore", botocore.__version__, flush=True)
    for name, fn in list(globals().items()):
        if name.startswith("test_"):
            fn()
    print("ALL S3 EDGE CHECKS PASSED")

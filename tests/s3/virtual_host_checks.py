#!/usr/bin/python3
"""boto3 in virtual-host style against a gateway started with --s3-domain: the bucket is in the
Host ({bucket}.{domain}:{port}), the path is the key. Create, put, get, list, a presigned GET and
PUT, delete; and path style still answers on the same endpoint.

No resolver knows the test domain, so inside this script every name under it resolves to the
endpoint's address (socket.getaddrinfo is wrapped); nothing else changes.

Environment: DM_S3_ENDPOINT (http://127.0.0.1:<port>), DM_S3_DOMAIN, DM_S3_KEY_ID, DM_S3_SECRET.
Each check prints "ok <name>"; the first failure raises and the script exits non-zero.
"""
import hashlib
import os
import socket
import urllib.parse
import urllib.request

import boto3
import botocore
from botocore.config import Config

ENDPOINT = os.environ["DM_S3_ENDPOINT"]
DOMAIN = os.environ["DM_S3_DOMAIN"]
for name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[name]
PORT = urllib.parse.urlsplit(ENDPOINT).port
HOST = urllib.parse.urlsplit(ENDPOINT).hostname

_getaddrinfo = socket.getaddrinfo
resolved = []


def _resolve_test_domain(host, *args, **kwargs):
    if isinstance(host, str) and (host == DOMAIN or host.endswith("." + DOMAIN)):
        resolved.append(host)
        host = HOST
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _resolve_test_domain


def client(style):
    return boto3.client(
        "s3", endpoint_url=f"http://{DOMAIN}:{PORT}", aws_access_key_id=os.environ["DM_S3_KEY_ID"],
        aws_secret_access_key=os.environ["DM_S3_SECRET"], region_name="us-east-1",
        config=Config(s3={"addressing_style": style}, retries={"max_attempts": 1},
                      signature_version="s3v4"))


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def ok(name):
    print("ok", name, flush=True)


BUCKET = "vhost-e2e"
DATA = bytes((i * 13 + 5) % 251 for i in range(200_000))
s3 = client("virtual")


def test_requests_name_the_bucket_in_the_host():
    seen = []
    s3.meta.events.register("before-send.s3", lambda request, **_: seen.append(request.url))
    s3.create_bucket(Bucket=BUCKET)
    put = s3.put_object(Bucket=BUCKET, Key="dir/data.bin", Body=DATA)
    check(put["ETag"] == f'"{hashlib.md5(DATA).hexdigest()}"', f"ETag {put['ETag']}")
    got = s3.get_object(Bucket=BUCKET, Key="dir/data.bin")["Body"].read()
    check(got == DATA, "the object reads back identical")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="dir/")
    check([o["Key"] for o in listed.get("Contents", [])] == ["dir/data.bin"], f"listing {listed}")
    check(all(u.startswith(f"http://{BUCKET}.{DOMAIN}:{PORT}/") for u in seen),
          f"every request went to the bucket's host: {seen}")
    check(f"{BUCKET}.{DOMAIN}" in resolved, "the bucket's host name was resolved")
    ok("create, put, get and list in virtual-host style")


def test_presigned_urls_in_virtual_host_style():
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "dir/data.bin"},
                                    ExpiresIn=300)
    check(urllib.parse.urlsplit(url).hostname == f"{BUCKET}.{DOMAIN}", f"presigned host: {url}")
    with urllib.request.urlopen(url) as r:
        check(r.read() == DATA, "the presigned GET reads the object")
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "signed.txt"},
                                        ExpiresIn=300)
    req = urllib.request.Request(put_url, data=b"presigned in a host", method="PUT")
    with urllib.request.urlopen(req) as r:
        check(r.status == 200, f"presigned PUT {r.status}")
    body = s3.get_object(Bucket=BUCKET, Key="signed.txt")["Body"].read()
    check(body == b"presigned in a host", f"the presigned PUT stored {body!r}")
    ok("presigned GET and PUT in virtual-host style")


def test_path_style_still_answers_and_cleanup():
    path = client("path")
    keys = sorted(o["Key"] for o in path.list_objects_v2(Bucket=BUCKET)["Contents"])
    check(keys == ["dir/data.bin", "signed.txt"], f"path style lists the same objects: {keys}")
    for key in keys:
        s3.delete_object(Bucket=BUCKET, Key=key)
    s3.delete_bucket(Bucket=BUCKET)
    check(BUCKET not in [b["Name"] for b in path.list_buckets()["Buckets"]], "the bucket is gone")
    ok("path style on the same endpoint; cleanup")


if __name__ == "__main__":
    print("boto3", boto3.__version__, "botocore", botocore.__version__, flush=True)
    for name, fn in list(globals().items()):
        if name.startswith("test_"):
            fn()
    print("ALL VIRTUAL HOST CHECKS PASSED")

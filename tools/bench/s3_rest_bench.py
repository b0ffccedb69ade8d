#!/usr/bin/python3
"""S3 against REST through the same gateway, from the same Python process: boto3 (S3 PUT and
GET) beside `requests` with a bearer token (REST POST /files and GET /files/{id}), for 4 KiB
objects (many, a few at once), 1 MiB objects and one 256 MiB object. Prints a Markdown table of
the median of --runs runs (S3 and REST alternate which goes first), and S3/REST (1.00 = as fast).
Every byte read back is compared with what was written.

  s3_rest_bench.py --s3-url URL --rest-url URL --admin-password PW [--runs 3]
      [--small-count 400] [--small-concurrency 4] [--mid-count 40] [--big-bytes 268435456]

A fresh user on the enterprise tier (no API-call limit, no storage limit), one S3 key, one
bucket; everything it stored is deleted at the end.
"""
import argparse
import concurrent.futures
import hashlib
import os
import statistics
import threading
import time
import uuid

import boto3
import requests
from botocore.config import Config

for name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[name]

CHUNK = 1 << 20


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--s3-url", required=True)
    p.add_argument("--rest-url", required=True)
    p.add_argument("--admin-password", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--small-count", type=int, default=400)
    p.add_argument("--small-concurrency", type=int, default=4)
    p.add_argument("--mid-count", type=int, default=40)
    p.add_argument("--big-bytes", type=int, default=256 << 20)
    return p.parse_args()


class Rest:
    """REST calls with one requests.Session per thread (a Session is not shared across threads)."""

    def __init__(self, url, token=None):
        self.url = url.rstrip("/") + "/api/v1"
        self.token = token
        self.local = threading.local()

    def session(self):
        if not hasattr(self.local, "s"):
            self.local.s = requests.Session()
            if self.token:
                self.local.s.headers["Authorization"] = f"Bearer {self.token}"
        return self.local.s

    def json(self, method, path, body, want):
        r = self.session().request(method, self.url + path, json=body, timeout=600)
        if r.status_code != want:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text}")
        return r.json() if r.content else {}

    def put(self, name, data):
        r = self.session().post(self.url + "/files", params={"name": name}, data=data,
                                headers={"Content-Type": "application/octet-stream"}, timeout=600)
        if r.status_code != 201:
            raise RuntimeError(f"REST upload {name}: {r.status_code} {r.text}")
        return r.json()["file"]["id"]

    def get(self, file_id, want):
        with self.session().get(f"{self.url}/files/{file_id}", stream=True, timeout=600) as r:
            r.raise_for_status()
            return same_bytes(r.iter_content(CHUNK), want)

    def delete(self, file_id):
        self.session().delete(f"{self.url}/files/{file_id}", timeout=600)


def same_bytes(chunks, want):
    """True if the streamed chunks are exactly `want` (hashes compared, nothing kept)."""
    h, n = hashlib.sha256(), 0
    for c in chunks:
        h.update(c)
        n += len(c)
    return n == len(want) and h.digest() == hashlib.sha256(want).digest()


def set_up(args):
    """A fresh enterprise-tier user with an S3 key and a bucket: (boto3 client, Rest, bucket)."""
    anon = Rest(args.rest_url)
    name = "s3bench" + uuid.uuid4().hex[:8]
    user = anon.json("POST", "/auth/register", {"username": name, "email": f"{name}@example.com",
                                                "password": "bench-password-1"}, 201)["user"]
    admin = Rest(args.rest_url, anon.json("POST", "/auth/login", {
        "username": "admin", "password": args.admin_password}, 200)["token"])
    admin.json("PUT", f"/admin/users/{user['id']}", {"tier": "enterprise"}, 200)
    rest = Rest(args.rest_url, anon.json("POST", "/auth/login", {
        "username": name, "password": "bench-password-1"}, 200)["token"])
    key = rest.json("POST", "/auth/s3-keys", {"name": "bench"}, 201)
    s3 = boto3.client(
        "s3", endpoint_url=args.s3_url, aws_access_key_id=key["accessKeyId"],
        aws_secret_access_key=key["secretAccessKey"], region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                      signature_version="s3v4", max_pool_connections=32))
    bucket = "bench-" + uuid.uuid4().hex[:8]
    s3.create_bucket(Bucket=bucket)
    return s3, rest, bucket


def timed(fn, items, concurrency):
    """Seconds to run fn over items with `concurrency` threads; every call must return truthy."""
    start = time.perf_counter()
    if concurrency == 1:
        results = [fn(i) for i in items]
    else:
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            results = list(pool.map(fn, items))
    elapsed = time.perf_counter() - start
    if not all(results):
        raise RuntimeError("a read differed from what was written")
    return elapsed


class Case:
    def __init__(self, label, size, count, concurrency):
        self.label, self.size, self.count, self.concurrency = label, size, count, concurrency
        self.data = [os.urandom(size) for _ in range(min(count, 8))]

    def body(self, i):
        return self.data[i % len(self.data)]


def run_s3(s3, bucket, case, run):
    keys = [f"{case.label}/{run}/{i}" for i in range(case.count)]

    def put(i):
        return s3.put_object(Bucket=bucket, Key=keys[i], Body=case.body(i))["ETag"]

    def get(i):
        body = s3.get_object(Bucket=bucket, Key=keys[i])["Body"]
        return same_bytes(body.iter_chunks(CHUNK), case.body(i))

    idx = range(case.count)
    put_s = timed(put, idx, case.concurrency)
    get_s = timed(get, idx, case.concurrency)
    for k in keys:
        s3.delete_object(Bucket=bucket, Key=k)
    return put_s, get_s


def run_rest(rest, bucket, case, run):
    ids = [None] * case.count

    def put(i):
        ids[i] = rest.put(f"{bucket}/rest-{case.label}/{run}/{i}", case.body(i))
        return ids[i]

    def get(i):
        return rest.get(ids[i], case.body(i))

    idx = range(case.count)
    put_s = timed(put, idx, case.concurrency)
    get_s = timed(get, idx, case.concurrency)
    for file_id in ids:
        rest.delete(file_id)
    return put_s, get_s


def rate(case, seconds):
    if case.size < CHUNK:
        return case.count / seconds, "obj/s"
    return case.count * case.size / CHUNK / seconds, "MiB/s"


def main():
    args = parse_args()
    s3, rest, bucket = set_up(args)
    cases = [
        Case("4k", 4096, args.small_count, args.small_concurrency),
        Case("1m", 1 << 20, args.mid_count, 1),
        Case("big", args.big_bytes, 1, 1),
    ]
    # times[label][side] = list of (put seconds, get seconds), one per run
    times = {c.label: {"S3": [], "REST": []} for c in cases}
    for run in range(args.runs):
        for case in cases:
            order = [("S3", lambda: run_s3(s3, bucket, case, run)),
                     ("REST", lambda: run_rest(rest, bucket, case, run))]
            if run % 2:
                order.reverse()
            for side, fn in order:
                times[case.label][side].append(fn())
    s3.delete_bucket(Bucket=bucket)

    print(f"| S3 (boto3) against REST (requests), median of {args.runs} | S3 | REST | S3/REST |")
    print("|---|---|---|---|")
    for case in cases:
        what = {"4k": f"4 KiB x {case.count}, {case.concurrency} at once",
                "1m": f"1 MiB x {case.count}",
                "big": f"{case.size >> 20} MiB x 1"}[case.label]
        for op, col in (("PUT", 0), ("GET", 1)):
            s3_rate, unit = rate(case, statistics.median(t[col] for t in times[case.label]["S3"]))
            rest_rate, _ = rate(case, statistics.median(t[col] for t in times[case.label]["REST"]))
            print(f"| {op} {what} | {s3_rate:.1f} {unit} | {rest_rate:.1f} {unit} | "
                  f"{s3_rate / rest_rate:.2f} |", flush=True)


if __name__ == "__main__":
    main()

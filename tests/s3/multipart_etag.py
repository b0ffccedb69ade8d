#!/usr/bin/python3
"""Prints S3's multipart ETag (without quotes) of FILE uploaded in parts of PART_BYTES: the MD5
of the parts' binary MD5s, "-", the part count. Usage: multipart_etag.py FILE PART_BYTES"""
import hashlib
import sys

with open(sys.argv[1], "rb") as f:
    digests = [hashlib.md5(p).digest() for p in iter(lambda: f.read(int(sys.argv[2])), b"")]
print(f"{hashlib.md5(b''.join(digests)).hexdigest()}-{len(digests)}")

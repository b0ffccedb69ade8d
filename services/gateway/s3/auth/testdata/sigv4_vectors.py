#!/usr/bin/env python3
"""Signs S3 requests with botocore (the SigV4 implementation behind the AWS CLI and boto3) and
prints them for botocore_vectors_test.cc to verify.

aws-chunked bodies: botocore signs the seed request (its canonical request with the streaming
payload marker); the chunk signature chain is computed here from the SigV4 specification with
hashlib/hmac, independently of the C++ decoder under test.

Output: one record per line, fields separated by spaces, every value hex-encoded (UTF-8):
  key <access key id> <secret>        once, first
  case <name>                         starts a request
  method|path|query|body <value>
  header <name> <value>               in order; names lowercase
  end
"""
import hashlib
import hmac
import sys
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ACCESS_KEY = "DMTESTKEY0000EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
STREAMING = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"


def hx(value):
    if isinstance(value, str):
        value = value.encode()
    return value.hex() if value else "-"


def emit(name, request, body=b"", wire_path=None):
    parts = urlsplit(request.url)
    print("case", hx(name))
    print("method", hx(request.method))
    print("path", hx(wire_path or parts.path))
    print("query", hx(parts.query))
    # What an HTTP client sends as Host: the URL's authority (botocore signs the same).
    print("header", hx("host"), hx(parts.netloc))
    for header, value in request.headers.items():
        print("header", hx(header.lower()), hx(value))
    print("body", hx(body))
    print("end")


def header_signed(name, method, url, body=b"", headers=None, service="s3", sign_body=True,
                  wire_path=None):
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    if not sign_body:
        request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    S3SigV4Auth(Credentials(ACCESS_KEY, SECRET), service, REGION).add_auth(request)
    emit(name, request, body, wire_path)


def presigned(name, method, url, expires):
    request = AWSRequest(method=method, url=url)
    S3SigV4QueryAuth(Credentials(ACCESS_KEY, SECRET), "s3", REGION, expires=expires).add_auth(
        request)
    emit(name, request)


class StreamingSeedAuth(S3SigV4Auth):
    """botocore's S3 signer with the streaming payload marker as the payload hash."""

    def payload(self, request):
        return STREAMING


def signing_key(date):
    key = ("AWS4" + SECRET).encode()
    for part in (date, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def chunked(name, url, data, chunk_size):
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(data)),
    }
    request = AWSRequest(method="PUT", url=url, headers=headers)
    StreamingSeedAuth(Credentials(ACCESS_KEY, SECRET), "s3", REGION).add_auth(request)
    authorization = request.headers["Authorization"]
    previous = authorization.rsplit("Signature=", 1)[1]
    amz_date = request.headers["X-Amz-Date"]
    scope = "/".join((amz_date[:8], REGION, "s3", "aws4_request"))
    key = signing_key(amz_date[:8])
    empty = hashlib.sha256(b"").hexdigest()
    body = b""
    pieces = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    for piece in pieces:
        to_sign = "\n".join(("AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, empty,
                             hashlib.sha256(piece).hexdigest()))
        previous = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        body += b"%x;chunk-signature=%s\r\n" % (len(piece), previous.encode()) + piece + b"\r\n"
    emit(name, request, body)


def main():
    print("key", hx(ACCESS_KEY), hx(SECRET))
    base = "http://127.0.0.1:9000"
    header_signed("get_object", "GET", base + "/photos/cat.jpg")
    header_signed("list_v2", "GET", base + "/photos?list-type=2&prefix=a%2Fb&delimiter=%2F"
                  "&max-keys=10&encoding-type=url")
    header_signed("put_with_body", "PUT", base + "/photos/dir/a%20b%2Bc.txt", b"hello, world\n",
                  {"Content-Type": "text/plain", "x-amz-meta-Colour": "  deep   blue  "})
    # Signed as the SDKs encode keys; sent as clients that leave sub-delimiters unescaped do.
    header_signed("put_odd_chars", "PUT", base + "/photos/it%27s%20%281%29%21%2A.txt", b"x",
                  wire_path="/photos/it's%20(1)!*.txt")
    header_signed("unicode_key", "GET", base + "/photos/%C3%A9t%C3%A9/%E2%82%AC.txt")
    header_signed("create_bucket", "PUT", "http://localhost:9000/new-bucket", b"")
    header_signed("bucket_subresource", "GET", base + "/photos?location")
    header_signed("virtual_host", "GET", "http://photos.s3.example.test:9000/a/b.txt")
    header_signed("unsigned_payload_https", "PUT", "https://127.0.0.1:9443/photos/u.bin",
                  b"not hashed by the client", sign_body=False)
    header_signed("wrong_service", "GET", base + "/photos/cat.jpg", service="iam")
    presigned("presigned_get", "GET", base + "/photos/cat%20pic.jpg", 3600)
    presigned("presigned_put", "PUT", base + "/photos/upload.bin", 600)
    presigned("presigned_query", "GET", base + "/photos/a.txt?response-content-type=text%2Fplain"
              "&versionId=null", 900)
    chunked("chunked_put", base + "/photos/big.bin", bytes(range(256)) * 300, 8192)
    chunked("chunked_exact", base + "/photos/exact.bin", b"a" * 4096, 1024)
    chunked("chunked_empty", base + "/photos/empty.bin", b"", 1024)


if __name__ == "__main__":
    sys.exit(main())

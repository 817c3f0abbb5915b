#!/usr/bin/python3
"""boto3 / botocore against a running Coffer (driven by test/interop/boto3.test.ts).

Prints one JSON line per event on stdout:
  {"plan": ["check", ...]}                      first: every check this run will report
  {"check": name, "ok": true, "ms": 12, "note"?: "..."}
  {"check": name, "ok": false, "ms": 12, "error": "...", "traceback": "..."}
Environment: COFFER_ENDPOINT, COFFER_ACCESS_KEY_ID, COFFER_SECRET_ACCESS_KEY, COFFER_REGION,
INTEROP_SCRATCH (a writable folder). Arguments: names of checks to run (default: all).
"""
import concurrent.futures
import difflib
import hashlib
import json
import os
import pprint
import socket
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError, WaiterError

ENDPOINT = os.environ["COFFER_ENDPOINT"]
KEY_ID = os.environ["COFFER_ACCESS_KEY_ID"]
SECRET = os.environ["COFFER_SECRET_ACCESS_KEY"]
REGION = os.environ.get("COFFER_REGION", "us-east-1")
SCRATCH = os.environ["INTEROP_SCRATCH"]
PORT = urllib.parse.urlsplit(ENDPOINT).port
MiB = 1024 * 1024

CHECKS = []
NOTES = threading.local()


def check(fn):
    CHECKS.append(fn)
    return fn


def note(text):
    NOTES.value = (getattr(NOTES, "value", None) or "") + text


# ---------------------------------------------------------------- helpers

class Mismatch(AssertionError):
    pass


def expect_equal(what, expected, actual):
    if expected == actual:
        return
    e = pprint.pformat(expected, width=100).splitlines()
    a = pprint.pformat(actual, width=100).splitlines()
    diff = "\n".join(difflib.unified_diff(e, a, "expected", "actual", lineterm="", n=2))
    raise Mismatch(f"{what}\n{diff}")


def expect_true(what, condition, detail=""):
    if not condition:
        raise Mismatch(f"{what} {detail}".strip())


def expect_client_error(what, code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        got = e.response.get("Error", {}).get("Code")
        expect_equal(f"{what}: error code", code, got)
        return e
    raise Mismatch(f"{what}: expected error {code}, but the call succeeded")


def session():
    return boto3.session.Session(aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, region_name=REGION)


def client(config=None, endpoint=ENDPOINT):
    base = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1, "mode": "standard"})
    return session().client("s3", endpoint_url=endpoint, config=base.merge(config) if config else base)


_bucket_counter = [0]
_bucket_lock = threading.Lock()


def bucket_name(label):
    with _bucket_lock:
        _bucket_counter[0] += 1
        n = _bucket_counter[0]
    return f"boto3-{label}-{os.getpid()}-{n}".lower().replace("_", "-")[:63]


def new_bucket(s3, label):
    name = bucket_name(label)
    s3.create_bucket(Bucket=name)
    return name


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def md5(data):
    return hashlib.md5(data).hexdigest()


def multipart_etag(data, part):
    digests = b"".join(hashlib.md5(data[i:i + part]).digest() for i in range(0, len(data), part))
    return f'"{hashlib.md5(digests).hexdigest()}-{(len(data) + part - 1) // part}"'


def http(method, url, data=None, headers=None):
    """A plain HTTP client (urllib), not botocore: what a browser or curl does with a presigned URL."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def record_requests(s3):
    """Every request botocore sends: (method, url, headers) — to prove addressing and signing."""
    seen = []

    def hook(request, **_):
        seen.append((request.method, request.url, dict(request.headers)))

    s3.meta.events.register("before-send.s3", hook)
    return seen


def auth_scheme(headers):
    value = headers.get("Authorization", "")
    if isinstance(value, bytes):
        value = value.decode()
    return value.split(" ")[0]


# ---------------------------------------------------------------- checks

@check
def client_objects():
    s3 = client()
    b = new_bucket(s3, "client")
    s3.head_bucket(Bucket=b)
    body = os.urandom(100_000)
    put = s3.put_object(Bucket=b, Key="dir/obj.bin", Body=body, Metadata={"title": "my title"}, ContentType="application/x-test")
    expect_equal("put_object ETag", f'"{md5(body)}"', put["ETag"])
    got = s3.get_object(Bucket=b, Key="dir/obj.bin")
    expect_equal("get_object body sha256", sha256(body), sha256(got["Body"].read()))
    expect_equal(
        "get_object headers",
        {"ContentType": "application/x-test", "Metadata": {"title": "my title"}, "ContentLength": len(body)},
        {"ContentType": got["ContentType"], "Metadata": got["Metadata"], "ContentLength": got["ContentLength"]},
    )
    ranged = s3.get_object(Bucket=b, Key="dir/obj.bin", Range="bytes=10-19")
    expect_equal("get_object Range bytes=10-19", (body[10:20], f"bytes 10-19/{len(body)}"), (ranged["Body"].read(), ranged["ContentRange"]))
    head = s3.head_object(Bucket=b, Key="dir/obj.bin")
    expect_equal("head_object ETag", put["ETag"], head["ETag"])
    s3.delete_object(Bucket=b, Key="dir/obj.bin")
    expect_client_error("get_object after delete", "NoSuchKey", s3.get_object, Bucket=b, Key="dir/obj.bin")
    expect_client_error("head_object after delete", "404", s3.head_object, Bucket=b, Key="dir/obj.bin")
    s3.delete_bucket(Bucket=b)
    expect_client_error("head_bucket after delete_bucket", "404", s3.head_bucket, Bucket=b)


@check
def client_listing_copy_delete_objects():
    s3 = client()
    b = new_bucket(s3, "listing")
    keys = ["a/1", "a/2", "b", "c/d/e", "f"]
    for k in keys:
        s3.put_object(Bucket=b, Key=k, Body=k.encode())
    v2 = s3.list_objects_v2(Bucket=b, Delimiter="/")
    expect_equal(
        "list_objects_v2 Delimiter=/",
        (["b", "f"], ["a/", "c/"]),
        ([o["Key"] for o in v2.get("Contents", [])], [p["Prefix"] for p in v2.get("CommonPrefixes", [])]),
    )
    v1 = s3.list_objects(Bucket=b, Marker="a/2")
    expect_equal("list_objects Marker=a/2", ["b", "c/d/e", "f"], [o["Key"] for o in v1.get("Contents", [])])
    copied = s3.copy_object(Bucket=b, Key="copy-of-b", CopySource={"Bucket": b, "Key": "b"})
    expect_equal("copy_object ETag", f'"{md5(b"b")}"', copied["CopyObjectResult"]["ETag"])
    expect_equal("get_object of the copy", b"b", s3.get_object(Bucket=b, Key="copy-of-b")["Body"].read())
    deleted = s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": k} for k in keys + ["copy-of-b"]]})
    expect_equal("delete_objects Deleted", sorted(keys + ["copy-of-b"]), sorted(d["Key"] for d in deleted.get("Deleted", [])))
    expect_equal("list_objects_v2 after delete_objects", 0, s3.list_objects_v2(Bucket=b)["KeyCount"])


@check
def client_checksums_tagging():
    s3 = client()
    b = new_bucket(s3, "checksums")
    body = b"checksummed body"
    import base64
    expected = base64.b64encode(hashlib.sha256(body).digest()).decode()
    put = s3.put_object(Bucket=b, Key="c", Body=body, ChecksumAlgorithm="SHA256")
    expect_equal("put_object ChecksumAlgorithm=SHA256: ChecksumSHA256", expected, put.get("ChecksumSHA256"))
    head = s3.head_object(Bucket=b, Key="c", ChecksumMode="ENABLED")
    expect_equal("head_object ChecksumMode=ENABLED: ChecksumSHA256", expected, head.get("ChecksumSHA256"))
    tags = [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v 2"}]
    s3.put_object_tagging(Bucket=b, Key="c", Tagging={"TagSet": tags})
    expect_equal("get_object_tagging", tags, s3.get_object_tagging(Bucket=b, Key="c")["TagSet"])


@check
def resource_api():
    s3 = session().resource("s3", endpoint_url=ENDPOINT, config=Config(s3={"addressing_style": "path"}))
    name = bucket_name("resource")
    bucket = s3.Bucket(name)
    bucket.create()
    bucket.wait_until_exists(WaiterConfig={"Delay": 1, "MaxAttempts": 3})
    for key in ["p/one", "p/two", "q/three"]:
        bucket.put_object(Key=key, Body=key.encode(), Metadata={"k": key.replace("/", "-")})
    obj = s3.Object(name, "p/two")
    obj.load()
    expect_equal("Object.load(): content_length, metadata", (5, {"k": "p-two"}), (obj.content_length, obj.metadata))
    expect_equal("Object.get()['Body']", b"p/two", obj.get()["Body"].read())
    expect_equal("bucket.objects.filter(Prefix='p/')", ["p/one", "p/two"], [o.key for o in bucket.objects.filter(Prefix="p/")])
    expect_equal("bucket.objects.all() sizes", {"p/one": 5, "p/two": 5, "q/three": 7}, {o.key: o.size for o in bucket.objects.all()})
    expect_true("s3.buckets.all() lists the bucket", name in [b.name for b in s3.buckets.all()])
    bucket.objects.all().delete()
    expect_equal("bucket.objects.all() after objects.all().delete()", [], [o.key for o in bucket.objects.all()])
    bucket.delete()


@check
def paginator_list_objects_v2():
    s3 = client()
    b = new_bucket(s3, "pages-v2")
    keys = sorted(f"k{i:02d}" for i in range(7)) + ["sub/a", "sub/b"]
    for k in keys:
        s3.put_object(Bucket=b, Key=k, Body=b"x")
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=b, PaginationConfig={"PageSize": 2}))
    expect_equal("ListObjectsV2 pages of 2: keys", sorted(keys), [o["Key"] for p in pages for o in p.get("Contents", [])])
    expect_equal("ListObjectsV2 pages of 2: page count", 5, len(pages))
    delimited = list(s3.get_paginator("list_objects_v2").paginate(Bucket=b, Delimiter="/", PaginationConfig={"PageSize": 3}))
    expect_equal(
        "ListObjectsV2 Delimiter=/ pages of 3",
        ([k for k in keys if "/" not in k], ["sub/"]),
        ([o["Key"] for p in delimited for o in p.get("Contents", [])], [c["Prefix"] for p in delimited for c in p.get("CommonPrefixes", [])]),
    )


@check
def paginator_list_object_versions():
    s3 = client()
    b = new_bucket(s3, "pages-versions")
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    expect_equal("get_bucket_versioning", "Enabled", s3.get_bucket_versioning(Bucket=b).get("Status"))
    written = []
    for key in ["a", "b", "c"]:
        for n in range(2):
            written.append((key, s3.put_object(Bucket=b, Key=key, Body=f"{key}{n}".encode())["VersionId"]))
    marker = s3.delete_object(Bucket=b, Key="b")
    expect_true("delete_object on a versioned bucket makes a delete marker", marker.get("DeleteMarker") is True)
    pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=b, PaginationConfig={"PageSize": 2}))
    versions = sorted((v["Key"], v["VersionId"]) for p in pages for v in p.get("Versions", []))
    markers = [(m["Key"], m["VersionId"]) for p in pages for m in p.get("DeleteMarkers", [])]
    expect_equal("ListObjectVersions pages of 2: versions", sorted(written), versions)
    expect_equal("ListObjectVersions pages of 2: delete markers", [("b", marker["VersionId"])], markers)
    expect_true("ListObjectVersions took several pages", len(pages) >= 4, f"(got {len(pages)})")
    oldest = s3.get_object(Bucket=b, Key="a", VersionId=written[0][1])["Body"].read()
    expect_equal("get_object VersionId=<first version of a>", b"a0", oldest)


@check
def paginator_list_parts():
    s3 = client()
    b = new_bucket(s3, "pages-parts")
    upload = s3.create_multipart_upload(Bucket=b, Key="mp")["UploadId"]
    etags = {}
    for n in range(1, 6):
        etags[n] = s3.upload_part(Bucket=b, Key="mp", UploadId=upload, PartNumber=n, Body=f"part {n}".encode())["ETag"]
    pages = list(s3.get_paginator("list_parts").paginate(Bucket=b, Key="mp", UploadId=upload, PaginationConfig={"PageSize": 2}))
    expect_equal("ListParts pages of 2", [(n, etags[n]) for n in range(1, 6)], [(p["PartNumber"], p["ETag"]) for page in pages for p in page.get("Parts", [])])
    expect_equal("ListParts page count", 3, len(pages))
    s3.abort_multipart_upload(Bucket=b, Key="mp", UploadId=upload)
    expect_client_error("list_parts after abort", "NoSuchUpload", s3.list_parts, Bucket=b, Key="mp", UploadId=upload)


@check
def paginator_list_multipart_uploads():
    s3 = client()
    b = new_bucket(s3, "pages-uploads")
    started = sorted((k, s3.create_multipart_upload(Bucket=b, Key=k)["UploadId"]) for k in ["u1", "u2", "u3"])
    pages = list(s3.get_paginator("list_multipart_uploads").paginate(Bucket=b, PaginationConfig={"PageSize": 1}))
    expect_equal("ListMultipartUploads pages of 1", started, [(u["Key"], u["UploadId"]) for p in pages for u in p.get("Uploads", [])])
    expect_true("ListMultipartUploads took a page per upload", len(pages) >= 3, f"(got {len(pages)})")
    for key, upload in started:
        s3.abort_multipart_upload(Bucket=b, Key=key, UploadId=upload)
    expect_equal("list_multipart_uploads after aborts", [], s3.list_multipart_uploads(Bucket=b).get("Uploads", []))


@check
def waiters():
    s3 = client()
    b = bucket_name("waiters")
    fast = {"Delay": 1, "MaxAttempts": 3}
    once = {"Delay": 1, "MaxAttempts": 1}
    try:
        s3.get_waiter("bucket_exists").wait(Bucket=b, WaiterConfig=once)
        raise Mismatch("bucket_exists waiter succeeded for a bucket that does not exist")
    except WaiterError:
        pass
    s3.create_bucket(Bucket=b)
    s3.get_waiter("bucket_exists").wait(Bucket=b, WaiterConfig=fast)
    try:
        s3.get_waiter("object_exists").wait(Bucket=b, Key="w", WaiterConfig=once)
        raise Mismatch("object_exists waiter succeeded for an object that does not exist")
    except WaiterError:
        pass
    s3.put_object(Bucket=b, Key="w", Body=b"w")
    s3.get_waiter("object_exists").wait(Bucket=b, Key="w", WaiterConfig=fast)
    try:
        s3.get_waiter("object_not_exists").wait(Bucket=b, Key="w", WaiterConfig=once)
        raise Mismatch("object_not_exists waiter succeeded for an object that exists")
    except WaiterError:
        pass
    s3.delete_object(Bucket=b, Key="w")
    s3.get_waiter("object_not_exists").wait(Bucket=b, Key="w", WaiterConfig=fast)
    s3.delete_bucket(Bucket=b)
    s3.get_waiter("bucket_not_exists").wait(Bucket=b, WaiterConfig=fast)


@check
def transfer_upload_download_file():
    s3 = client()
    b = new_bucket(s3, "transfer")
    data = os.urandom(12 * MiB + 12345)
    src = os.path.join(SCRATCH, "transfer-src.bin")
    dst = os.path.join(SCRATCH, "transfer-dst.bin")
    with open(src, "wb") as f:
        f.write(data)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=4)
    s3.upload_file(src, b, "big.bin", Config=config, ExtraArgs={"Metadata": {"via": "transfer-manager"}})
    head = s3.head_object(Bucket=b, Key="big.bin")
    expect_equal(
        "head_object after upload_file (multipart, 5 MiB parts)",
        {"ContentLength": len(data), "ETag": multipart_etag(data, 5 * MiB), "Metadata": {"via": "transfer-manager"}},
        {"ContentLength": head["ContentLength"], "ETag": head["ETag"], "Metadata": head["Metadata"]},
    )
    s3.download_file(b, "big.bin", dst, Config=config)
    with open(dst, "rb") as f:
        expect_equal("download_file (ranged GETs) sha256", sha256(data), sha256(f.read()))
    small = os.urandom(1000)
    import io
    s3.upload_fileobj(io.BytesIO(small), b, "small.bin")
    out = io.BytesIO()
    s3.download_fileobj(b, "small.bin", out)
    expect_equal("upload_fileobj / download_fileobj", small, out.getvalue())
    os.remove(src)
    os.remove(dst)


@check
def presigned_urls():
    # botocore 1.29 presigns S3 with SigV2 query auth by default; signature_version='s3v4' gives SigV4.
    for style, config, expiry in [("default (SigV2 query)", None, "Expires="), ("s3v4", Config(signature_version="s3v4"), "X-Amz-Expires=")]:
        s3 = client(config)
        b = new_bucket(s3, "presign")
        body = os.urandom(5000)
        s3.put_object(Bucket=b, Key="a key/with spaces+plus", Body=body)
        url = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "a key/with spaces+plus"}, ExpiresIn=300)
        expect_true(f"[{style}] presigned URL carries {expiry}", expiry in url, url)
        status, got = http("GET", url)
        expect_equal(f"[{style}] GET {url}", (200, sha256(body)), (status, sha256(got)))
        tampered = url.replace(expiry, expiry + "1", 1)
        status, _ = http("GET", tampered)
        expect_equal(f"[{style}] GET of the presigned URL with its expiry changed: {tampered}", 403, status)
        put_url = s3.generate_presigned_url("put_object", Params={"Bucket": b, "Key": "uploaded"}, ExpiresIn=300)
        uploaded = os.urandom(3000)
        # urllib would add Content-Type: application/x-www-form-urlencoded, which SigV2 signs.
        status, _ = http("PUT", put_url, data=uploaded, headers={"Content-Type": ""})
        expect_equal(f"[{style}] PUT {put_url}", 200, status)
        expect_equal(f"[{style}] get_object after a presigned PUT", uploaded, s3.get_object(Bucket=b, Key="uploaded")["Body"].read())


@check
def sigv2_signature_version_s3():
    s3 = client(Config(signature_version="s3"))
    sent = record_requests(s3)
    b = new_bucket(s3, "sigv2")
    body = b"signed with SigV2"
    s3.put_object(Bucket=b, Key="v2/obj", Body=body, Metadata={"title": "v2"}, ContentType="text/plain")
    got = s3.get_object(Bucket=b, Key="v2/obj")
    expect_equal("SigV2 get_object", (body, {"title": "v2"}), (got["Body"].read(), got["Metadata"]))
    expect_equal("SigV2 list_objects", ["v2/obj"], [o["Key"] for o in s3.list_objects(Bucket=b).get("Contents", [])])
    url = s3.generate_presigned_url("get_object", Params={"Bucket": b, "Key": "v2/obj"}, ExpiresIn=300)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    expect_equal("SigV2 presigned URL query parameters", ["AWSAccessKeyId", "Expires", "Signature"], sorted(query))
    status, fetched = http("GET", url)
    expect_equal(f"GET {url}", (200, body), (status, fetched))
    s3.delete_object(Bucket=b, Key="v2/obj")
    s3.delete_bucket(Bucket=b)
    schemes = sorted({auth_scheme(h) for _, _, h in sent})
    expect_equal("Authorization schemes botocore sent with signature_version='s3'", ["AWS"], schemes)


def _localhost_subdomains_resolve():
    try:
        return any(a[4][0] == "127.0.0.1" for a in socket.getaddrinfo("coffer-probe.localhost", PORT, socket.AF_INET))
    except OSError:
        return False


_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo_localhost_subdomains(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


@check
def virtual_hosted_addressing():
    if not _localhost_subdomains_resolve():
        # glibc here does not resolve *.localhost (no nss-myhostname / systemd-resolved). Keep botocore's
        # real virtual-hosted requests (URL, Host header, signature) and only route the TCP connection.
        socket.getaddrinfo = _getaddrinfo_localhost_subdomains
        note("*.localhost does not resolve on this machine: this process maps it to 127.0.0.1 in getaddrinfo; botocore still sends Host: <bucket>.localhost:<port>. ")
    endpoint = f"http://localhost:{PORT}"
    for signature in ["s3v4", "s3"]:
        s3 = client(Config(s3={"addressing_style": "virtual"}, signature_version=signature), endpoint=endpoint)
        sent = record_requests(s3)
        b = new_bucket(s3, f"vhost-{signature}")
        s3.put_object(Bucket=b, Key="dir/file.txt", Body=b"virtual")
        expect_equal(f"[{signature}] get_object via {b}.localhost", b"virtual", s3.get_object(Bucket=b, Key="dir/file.txt")["Body"].read())
        listed = s3.list_objects(Bucket=b) if signature == "s3" else s3.list_objects_v2(Bucket=b)
        expect_equal(f"[{signature}] list objects via {b}.localhost", ["dir/file.txt"], [o["Key"] for o in listed.get("Contents", [])])
        s3.delete_object(Bucket=b, Key="dir/file.txt")
        s3.delete_bucket(Bucket=b)
        hosts = sorted({urllib.parse.urlsplit(url).netloc for _, url, _ in sent})
        expect_equal(f"[{signature}] hosts botocore addressed", [f"{b}.localhost:{PORT}"], hosts)


# ---------------------------------------------------------------- runner

def main():
    wanted = sys.argv[1:]
    checks = [c for c in CHECKS if not wanted or c.__name__ in wanted]
    lock = threading.Lock()

    def emit(obj):
        with lock:
            sys.stdout.write(json.dumps(obj) + "\n")
            sys.stdout.flush()

    emit({"plan": [c.__name__ for c in checks], "boto3": boto3.__version__, "botocore": botocore.__version__})

    def run(fn):
        NOTES.value = None
        start = time.monotonic()
        result = {"check": fn.__name__}
        try:
            fn()
            result["ok"] = True
        except Exception as e:  # noqa: BLE001 — every failure is reported, none escapes
            result["ok"] = False
            result["error"] = f"{type(e).__name__}: {e}"
            result["traceback"] = "".join(traceback.format_exception(e)[-6:])
        result["ms"] = int((time.monotonic() - start) * 1000)
        if NOTES.value:
            result["note"] = NOTES.value.strip()
        emit(result)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(run, checks))


if __name__ == "__main__":
    main()

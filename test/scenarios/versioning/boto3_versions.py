"""Drives Coffer's version lifecycle through boto3's resource API; prints one JSON result.

Usage: python3 boto3_versions.py ENDPOINT ACCESS_KEY SECRET_KEY BUCKET
Exits non-zero with a message on the first deviation.
"""
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, access_key, secret_key, bucket_name = sys.argv[1:5]
s3 = boto3.resource(
    "s3",
    endpoint_url=endpoint,
    aws_access_key_id=access_key,
    aws_secret_access_key=secret_key,
    region_name="us-east-1",
    config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
)
client = s3.meta.client


def check(condition, message):
    if not condition:
        print(json.dumps({"ok": False, "error": message}))
        sys.exit(1)


def error_code(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["ResponseMetadata"]["HTTPHeaders"]
    return None, 200, {}


bucket = s3.create_bucket(Bucket=bucket_name)
versioning = s3.BucketVersioning(bucket_name)
check(versioning.status is None, "never-versioned bucket has a status: %r" % versioning.status)
versioning.enable()
versioning.reload()
check(versioning.status == "Enabled", "status after enable: %r" % versioning.status)

obj = bucket.Object("doc.txt")
ids = [obj.put(Body=("v%d" % i).encode())["VersionId"] for i in range(3)]
check(len(set(ids)) == 3, "version ids not unique: %r" % ids)

# Each ObjectVersion reads its own bytes.
for i, vid in enumerate(ids):
    body = s3.ObjectVersion(bucket_name, "doc.txt", vid).get()["Body"].read()
    check(body == ("v%d" % i).encode(), "version %d reads %r" % (i, body))

# A delete marker hides the object; its version cannot be read.
marker = obj.delete()
check(marker.get("DeleteMarker") is True, "delete did not report a marker: %r" % marker)
code, status, headers = error_code(lambda: obj.get())
check((code, status) == ("NoSuchKey", 404), "GET after delete: %r %r" % (code, status))
check(headers.get("x-amz-delete-marker") == "true", "no x-amz-delete-marker on the 404")
code, status, _ = error_code(lambda: s3.ObjectVersion(bucket_name, "doc.txt", marker["VersionId"]).get())
check((code, status) == ("MethodNotAllowed", 405), "GET of the marker: %r %r" % (code, status))
code, status, _ = error_code(lambda: s3.ObjectVersion(bucket_name, "doc.txt", "A" * 32).get())
check((code, status) == ("NoSuchVersion", 404), "GET of a missing version: %r %r" % (code, status))

listed = [(v.object_key, v.id, v.is_latest, v.size) for v in bucket.object_versions.all()]
check(len(listed) == 4, "object_versions lists %r" % listed)
check({v[1] for v in listed} == set(ids) | {marker["VersionId"]}, "object_versions ids %r" % listed)
latest = [v for v in listed if v[2]]
check(latest == [("doc.txt", marker["VersionId"], True, None)], "latest entry %r" % latest)

# Deleting the marker restores the newest version; deleting a version is permanent.
s3.ObjectVersion(bucket_name, "doc.txt", marker["VersionId"]).delete()
check(obj.get()["Body"].read() == b"v2", "marker delete did not restore v2")
s3.ObjectVersion(bucket_name, "doc.txt", ids[2]).delete()
check(obj.get()["Body"].read() == b"v1", "version delete did not fall back to v1")
check(obj.get()["VersionId"] == ids[1], "latest id after delete")

# Suspended: writes replace the null version, older versions stay.
versioning.suspend()
obj.put(Body=b"n1")
obj.put(Body=b"n2")
null_version = s3.ObjectVersion(bucket_name, "doc.txt", "null").get()
check(null_version["Body"].read() == b"n2", "null version content")
versions_now = [(v.id, v.is_latest) for v in bucket.object_versions.filter(Prefix="doc")]
check(versions_now == [("null", True), (ids[1], False), (ids[0], False)], "after suspend: %r" % versions_now)

# The paginator walks many versions across keys in pages of 7 with both markers.
versioning.enable()
for k in range(12):
    for v in range(3):
        bucket.put_object(Key="many/%02d" % k, Body=b"x")
paginator = client.get_paginator("list_object_versions")
pages = list(paginator.paginate(Bucket=bucket_name, Prefix="many/", PaginationConfig={"PageSize": 7}))
entries = [(v["Key"], v["VersionId"]) for p in pages for v in p.get("Versions", [])]
check(len(entries) == 36 and len(set(entries)) == 36, "paginator saw %d entries" % len(entries))
check(len(pages) == 6, "paginator pages: %d" % len(pages))
check([k for k, _ in entries] == sorted(k for k, _ in entries), "paginator order")
delimited = list(paginator.paginate(Bucket=bucket_name, Delimiter="/", PaginationConfig={"PageSize": 1}))
prefixes = [c["Prefix"] for p in delimited for c in p.get("CommonPrefixes", [])]
check(prefixes == ["many/"], "delimited prefixes %r" % prefixes)

# Tagging per version through the client.
client.put_object_tagging(Bucket=bucket_name, Key="doc.txt", VersionId=ids[0], Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
tags = client.get_object_tagging(Bucket=bucket_name, Key="doc.txt", VersionId=ids[0])
check(tags["TagSet"] == [{"Key": "k", "Value": "v"}] and tags["VersionId"] == ids[0], "tagging %r" % tags)

# Clean up everything through the resource API, as users do.
batch_delete = "DeleteObjects"
try:
    bucket.object_versions.delete()
except ClientError as e:
    # DeleteObjects lands from another branch; until then delete version by version.
    check(e.response["Error"]["Code"] == "NotImplemented", "object_versions.delete(): %r" % e.response["Error"])
    batch_delete = "one by one"
    for v in bucket.object_versions.all():
        v.delete()
check(list(bucket.object_versions.all()) == [], "versions left after object_versions.delete()")
bucket.delete()
print(json.dumps({"ok": True, "versions": len(listed), "pages": len(pages), "cleanup": batch_delete}))

"""The endpoint's floor: the bucket-configuration reads of a sweep, issued by a plain boto3 script.

One client, a thread pool, every (bucket, aspect) read submitted at once: no planning, no
evidence, no store — the least a tool can do to read what the S3 controls judge. `fleet.py` runs
it beside `hdsctl run` on the same endpoint and fleet and reports sweep time / floor time.

The reads are the ten a sweep makes per bucket (location, encryption, policy, public access
block, ACL, versioning, Object Lock, logging, lifecycle, replication); "not configured" answers
count as answers.

Usage (against a running endpoint): python bench/floor.py URL BUCKET [BUCKET...] [--threads 16]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

READS = (
    "get_bucket_location",
    "get_bucket_encryption",
    "get_bucket_policy",
    "get_public_access_block",
    "get_bucket_acl",
    "get_bucket_versioning",
    "get_object_lock_configuration",
    "get_bucket_logging",
    "get_bucket_lifecycle_configuration",
    "get_bucket_replication",
)


@dataclass(frozen=True)
class FloorResult:
    wall_s: float
    requests: int
    errors: int
    """Answers other than a configuration or its absence (should be 0)."""


def s3_client(url: str, key: str, secret: str, region: str, threads: int) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name=region).client(
        "s3",
        endpoint_url=url,
        config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard"}, max_pool_connections=threads + 2),
    )


def floor_reads(url: str, key: str, secret: str, region: str, buckets: list[str], threads: int = 16) -> FloorResult:
    """Issue every read of every bucket with `threads` threads; the wall time from the first
    request to the last answer (the client is created before the clock starts)."""
    from botocore.exceptions import ClientError

    client = s3_client(url, key, secret, region, threads)
    failures = 0

    def read(job: tuple[str, str]) -> None:
        nonlocal failures
        bucket, operation = job
        try:
            getattr(client, operation)(Bucket=bucket)
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500) >= 500:
                failures += 1

    jobs = [(b, op) for b in buckets for op in READS]
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(read, jobs))
    return FloorResult(time.perf_counter() - start, len(jobs), failures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("buckets", nargs="+")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--key", default="AKIAHDSBENCHOPERATOR")
    parser.add_argument("--secret", default="hds-bench-operator-not-a-secret")
    parser.add_argument("--region", default="eu-west-3")
    args = parser.parse_args()
    r = floor_reads(args.url, args.key, args.secret, args.region, args.buckets, args.threads)
    print(
        f"floor: {len(args.buckets)} buckets, {r.requests} requests, {args.threads} threads, {r.wall_s:.2f}s, "
        f"{r.requests / r.wall_s:.0f} requests/s, {r.errors} errors"
    )
    return 0 if r.errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Public API of the `hds_s3` plugin, for other plugins (hds_backup reads its backup buckets with it).

Everything another plugin may use from hds_s3 is named here; the rest of the package is private
and may change without notice. Importing this module loads no cloud SDK: boto3 is imported when a
client is first made or a call fails.

Target settings (hds.yaml):
- `S3Target`, `S3Credentials`, `Provider`: an S3-compatible endpoint and how to authenticate;
- `BUCKET_NAME`, `REGION`: the patterns bucket and region names must match;
- `check_endpoint_url(value)`: validate an endpoint URL the way S3 targets do.

Clients and calls:
- `TargetClients(target)`: thread-safe boto3 clients for one target, shared across a run;
- `fetch(call, parse)`: one API call → one `Aspect` (a value, absent, unsupported, denied or an
  error), never an exception for an API or transport failure; `classify(exc)` does the same for a
  failure caught by the caller.

Destruction (`hdsctl reversibility destroy-check`):
- `bucket_remains(s3, bucket, prefix=..., deadline=...)` → `BucketRemains`: whether the bucket
  exists, and its object versions and delete markers under a prefix, with Object Lock dates.

Snapshot (what checks read, collected once per run):
- `Aspect`, `AspectState`: one observed setting and how it was observed;
- `read_bucket(...)`: every configuration aspect of one bucket, one call each;
- `allowed_regions(target)`, `unsupported_apis(target)`, `unsupported_reason(target, api)`: the
  provider profile's regions and missing APIs (a missing API gives `not_applicable`).
"""

from __future__ import annotations

from hds_s3.client import TargetClients, classify, fetch
from hds_s3.collect_bucket import read_bucket
from hds_s3.providers import allowed_regions, unsupported_apis, unsupported_reason
from hds_s3.remains import BucketRemains, bucket_remains
from hds_s3.snapshot import Aspect, AspectState
from hds_s3.target import BUCKET_NAME, REGION, Provider, S3Credentials, S3Target, check_endpoint_url

__all__ = [
    "BUCKET_NAME",
    "REGION",
    "Aspect",
    "AspectState",
    "BucketRemains",
    "Provider",
    "S3Credentials",
    "S3Target",
    "TargetClients",
    "allowed_regions",
    "bucket_remains",
    "check_endpoint_url",
    "classify",
    "fetch",
    "read_bucket",
    "unsupported_apis",
    "unsupported_reason",
]

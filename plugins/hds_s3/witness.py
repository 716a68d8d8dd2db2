"""S3 Object Lock witness: each tenant's chain head after each run, one object per (run, tenant)
head (a second if the run is anchored again once sealed), written with Object Lock in COMPLIANCE
mode — the same feature S3-07 checks on backup buckets.

URL: ``s3://BUCKET/PREFIX?region=eu-west-3&endpoint_url=https://s3.example&retention_days=1095``
(every query parameter optional). Credentials come from the SDK's default chain (environment,
profile, instance or pod identity): give the runner an identity that may `s3:PutObject` and
`s3:PutObjectRetention` under the prefix, and the verifier one that may `s3:ListBucketVersions`
and `s3:GetObjectVersion`. The bucket must have been created with Object Lock enabled.

Why this is a witness the store's writer cannot rewrite: in COMPLIANCE mode no one — not the
writer, not the account's root user — can delete a locked object version or shorten its retention
before the retain-until date. The writer can add objects (even a new version of a key), never
remove one: `read` takes every version, keeps the oldest of each key, and reports later versions
and objects without a COMPLIANCE lock. Objects are small (under 2 KiB) and read with a size cap.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from controlplane.errors import InputError
from controlplane.evidence.witness import WITNESS_FORMAT, ChainHead, WitnessContents, WitnessError, WitnessScheme
from controlplane.store.chain import canonical_json

DEFAULT_RETENTION_DAYS = 1095
"""Three years: one HDS certification cycle, the span an auditor looks back over."""
MAX_OBJECT = 64 * 1024
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_KEY_PART = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def _option(url: str, reason: str) -> InputError:
    return InputError.single("--witness", "", f"{reason} (expected s3://BUCKET/PREFIX[?region=…&endpoint_url=…])")


class S3Witness:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not _BUCKET.match(parts.netloc or ""):
            raise _option(url, "not an s3://BUCKET URL with a valid bucket name")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(query) - {"region", "endpoint_url", "retention_days"}
        if unknown:
            raise _option(url, f"unknown witness parameter {sorted(unknown)[0]!r}")
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self.region = query.get("region") or "eu-west-3"
        self.endpoint_url = query.get("endpoint_url") or None
        try:
            self.retention_days = int(query.get("retention_days") or DEFAULT_RETENTION_DAYS)
        except ValueError:
            raise _option(url, "retention_days is not a number of days") from None
        if not 1 <= self.retention_days <= 36500:
            raise _option(url, "retention_days must be between 1 and 36500")
        self.url = f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
        self._client: Any = None

    def _s3(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=10, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"})
            self._client = boto3.session.Session().client(
                "s3", region_name=self.region, endpoint_url=self.endpoint_url, config=config
            )
        return self._client

    @staticmethod
    def _part(text: str) -> str:
        """A key segment: the id itself when it is a safe name (tenant ids always are), else hex."""
        return text if _KEY_PART.match(text) else text.encode().hex()[:200]

    def key(self, head: ChainHead, body: bytes) -> str:
        """`PREFIX/TENANT/RUN/DIGEST.json`: a head anchored again (after a later seal) gets its own
        object, so our writer never writes a second version of a key — one that exists is foreign."""
        parts = [self._part(head.tenant), self._part(head.run_id), hashlib.sha256(body).hexdigest()[:32]]
        return "/".join([*([self.prefix] if self.prefix else []), *parts]) + ".json"

    def append(self, heads: Sequence[ChainHead]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        until = datetime.now(UTC) + timedelta(days=self.retention_days)
        s3 = self._s3()
        for head in heads:
            body = canonical_json({"format": WITNESS_FORMAT, "head": head.as_dict()}).encode("utf-8")
            try:
                s3.put_object(
                    Bucket=self.bucket,
                    Key=self.key(head, body),
                    Body=body,
                    ContentType="application/json",
                    ChecksumAlgorithm="SHA256",
                    ObjectLockMode="COMPLIANCE",
                    ObjectLockRetainUntilDate=until,
                )
            except (BotoCoreError, ClientError) as exc:
                raise WitnessError(self.url, f"cannot anchor tenant {head.tenant}: {_reason(exc)}") from None

    def read(self, tenants: Collection[str] | None = None) -> WitnessContents:
        from botocore.exceptions import BotoCoreError, ClientError

        contents = WitnessContents(self.url)
        s3 = self._s3()
        versions: dict[str, list[dict[str, Any]]] = {}
        base = f"{self.prefix}/" if self.prefix else ""
        # One tenant asked: only its own objects are listed, so nothing of another tenant is read
        # or named (keys hold tenant ids).
        prefixes = [f"{base}{self._part(t)}/" for t in sorted(tenants)] if tenants is not None else [base]
        try:
            for prefix in prefixes:
                for page in s3.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=prefix):
                    for v in page.get("Versions", []):
                        versions.setdefault(v["Key"], []).append(v)
                    for marker in page.get("DeleteMarkers", []):
                        contents.notes.append(f"{marker['Key']} has a delete marker (its locked versions are read)")
            for key in sorted(versions):
                self._read_key(s3, key, versions[key], contents, tenants)
        except (BotoCoreError, ClientError) as exc:
            raise WitnessError(self.url, f"cannot read: {_reason(exc)}") from None
        contents.heads.sort(key=lambda h: (h.anchored_at, h.tenant))
        return contents

    def _read_key(
        self,
        s3: Any,
        key: str,
        found: list[dict[str, Any]],
        contents: WitnessContents,
        tenants: Collection[str] | None,
    ) -> None:
        # S3 lists a key's versions newest first; LastModified (whole seconds on some servers)
        # breaks ties no better, so the listing order, reversed, decides between equal times.
        found = sorted(reversed(found), key=lambda v: v["LastModified"])
        bodies = []
        for version in found:
            if version.get("Size", 0) > MAX_OBJECT:
                contents.problems.append(f"{key} (version {version['VersionId']}) is too large to be a chain head")
                continue
            answer = s3.get_object(Bucket=self.bucket, Key=key, VersionId=version["VersionId"])
            body = answer["Body"].read(MAX_OBJECT + 1)
            answer["Body"].close()
            if answer.get("ObjectLockMode") != "COMPLIANCE":
                contents.problems.append(f"{key} (version {version['VersionId']}) is not locked in COMPLIANCE mode")
            bodies.append(body)
        if not bodies:
            return
        if any(b != bodies[0] for b in bodies[1:]):
            contents.problems.append(f"{key} was overwritten ({len(bodies)} versions differ): the oldest is used")
        try:
            entry = json.loads(bodies[0])
            head = ChainHead.from_dict(entry["head"])
        except (ValueError, KeyError, TypeError) as exc:
            contents.problems.append(f"{key} is not a witness entry ({exc})")
            return
        if tenants is None or head.tenant in tenants:
            contents.heads.append(head)


def _reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}".strip().rstrip(":")
    return type(exc).__name__


def witness_schemes() -> list[WitnessScheme]:
    """What the plugin's `hds_witnesses` hook returns."""
    return [WitnessScheme("s3", S3Witness, "S3 bucket with Object Lock: one COMPLIANCE-locked object per chain head")]

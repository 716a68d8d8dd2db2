"""Reversibility for `s3` targets: export the objects of the tenant's data buckets as they are
(the client's own formats), compared with the live listing; and, at contract end, list what of the
tenant remains (see `destruction`).

Export: every bucket with role `data` or `critical` (declared or discovered). The live inventory is
the listing (key, size, ETag, checksum algorithm), streamed to `live-inventory.jsonl`; each object
is read with GetObject (checksum mode on) and written under `buckets/<bucket>/<key>` (see
`export_paths` for hostile keys), hashed (SHA-256, and MD5 to compare with a plain ETag) while it is
written. A sample draws `request.sample` objects uniformly (reservoir, seeded) from the listing.

Bounds: the listing calls are bounded like a collection (deadline, answer size); an object body is
read in chunks as they arrive, stopped at the request's deadline, at its listed size + 1 byte, and
at the export's byte bound. An object that cannot be read is `unreadable`, one gone since the
listing `missing`, one whose size or provider checksum differs `mismatch`: each is named.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import random
import re
import time
from collections.abc import Iterator
from typing import Any

from controlplane.bounded_read import DEFAULT_MAX_RESPONSE_MB, max_response_bytes
from controlplane.reversibility.model import ExportOutcome, ExportRequest, InventoryItem, ItemState
from controlplane.secrets import redact
from hds_s3.client import TargetClients, classify
from hds_s3.collect import _tenant_buckets
from hds_s3.export_paths import object_path
from hds_s3.limits import collection_budget
from hds_s3.target import S3Target

DATA_ROLES = frozenset({"data", "critical"})
CHUNK = 1024 * 1024
PLAIN_ETAG = re.compile(r"^[0-9a-f]{32}$")


def export_s3(target: S3Target, request: ExportRequest) -> ExportOutcome:
    started = time.monotonic()
    with collection_budget(max(1.0, request.time_left()), max_response_bytes(DEFAULT_MAX_RESPONSE_MB)):
        try:
            clients = TargetClients(target, min(60.0, max(1.0, request.time_left())))
        except RuntimeError as exc:
            return ExportOutcome(target.name, (), 0, 0, 0, 0.0, error=redact(str(exc)))
        s3 = clients("s3")
        listing, specs = _tenant_buckets(s3, target)
        if not listing.ok:
            return ExportOutcome(target.name, (), 0, 0, 0, 0.0, error=f"cannot list buckets: {listing.reason}")
        buckets = [s.name for s in specs if set(s.roles) & DATA_ROLES]
        return _Export(s3, request, started).run(target.name, buckets)


class _Export:
    def __init__(self, s3: Any, request: ExportRequest, started: float) -> None:
        self.s3 = s3
        self.request = request
        self.started = started
        self.items: list[InventoryItem] = []
        self.live_items = 0
        self.live_bytes = 0
        self.written = 0

    def run(self, target: str, buckets: list[str]) -> ExportOutcome:
        dest = self.request.dest
        (dest / "buckets").mkdir(exist_ok=True)
        sample: list[tuple[str, dict[str, Any]]] = []
        draw = random.Random(self.request.seed)
        with (dest / "live-inventory.jsonl").open("x", encoding="utf-8") as live:
            for bucket in buckets:
                try:
                    for obj in self._list(bucket):
                        live.write(json.dumps({"bucket": bucket, **obj}, ensure_ascii=False) + "\n")
                        self.live_items += 1
                        self.live_bytes += obj["Size"]
                        if self.request.sample is None:
                            self.items.append(self._download(bucket, obj))
                        elif len(sample) < self.request.sample:
                            sample.append((bucket, obj))
                        else:
                            slot = draw.randrange(self.live_items)
                            if slot < self.request.sample:
                                sample[slot] = (bucket, obj)
                except Exception as exc:  # an API failure: the bucket is named, the test fails
                    reason = classify(exc).reason if _is_api_error(exc) else f"{type(exc).__name__}: {exc}"
                    self.items.append(
                        InventoryItem("bucket", bucket, "", None, None, ItemState.unreadable, redact(reason)[:300])
                    )
        for bucket, obj in sample:
            self.items.append(self._download(bucket, obj))
        notes = ["objects: current versions, as stored (the client's own formats)"]
        if self.request.sample is not None:
            notes.append(f"sample of {min(self.request.sample, self.live_items)} of {self.live_items} objects")
        notes.append("ETag compared as MD5 only for single-part objects without SSE-KMS/SSE-C")
        return ExportOutcome(
            target,
            tuple(self.items),
            self.live_items,
            self.live_bytes,
            self.written,
            time.monotonic() - self.started,
            tuple(notes),
        )

    def _list(self, bucket: str) -> Iterator[dict[str, Any]]:
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                obj: dict[str, Any] = {"Key": str(item["Key"]), "Size": int(item.get("Size", 0))}
                if item.get("ETag"):
                    obj["ETag"] = str(item["ETag"]).strip('"')
                if item.get("ChecksumAlgorithm"):
                    obj["ChecksumAlgorithm"] = list(item["ChecksumAlgorithm"])
                yield obj

    def _item(self, bucket: str, obj: dict[str, Any], state: ItemState, detail: str, **kw: Any) -> InventoryItem:
        return InventoryItem(
            "object", f"{bucket}/{obj['Key']}", kw.pop("path", ""), kw.pop("size", None), kw.pop("sha256", None),
            state, detail, live_size=obj["Size"], **kw,
        )  # fmt: skip

    def _download(self, bucket: str, obj: dict[str, Any]) -> InventoryItem:
        if self.request.time_left() <= 0:
            return self._item(bucket, obj, ItemState.unreadable, "not read: the test's time budget was spent")
        if self.written + obj["Size"] > self.request.max_bytes:
            return self._item(bucket, obj, ItemState.unreadable, "not read: past the export's size bound")
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.s3.get_object(Bucket=bucket, Key=obj["Key"], ChecksumMode="ENABLED")
        except (ClientError, BotoCoreError) as exc:
            code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None
            if code in ("NoSuchKey", "404"):
                return self._item(bucket, obj, ItemState.missing, "listed live, gone when read (NoSuchKey)")
            return self._item(bucket, obj, ItemState.unreadable, redact(classify(exc).reason)[:300])
        path = object_path(self.request.dest / "buckets" / bucket, obj["Key"])
        rel = path.relative_to(self.request.dest).as_posix()
        sha, md5, size, cut = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0, ""
        body = answer["Body"]
        raw = getattr(body, "_raw_stream", None)
        read = getattr(raw, "read1", None) or body.read
        try:
            with path.open("xb") as out:
                while True:
                    if time.monotonic() > self.request.deadline:
                        cut = "cut off: the test's time budget was spent while reading it"
                        break
                    chunk = read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > obj["Size"]:
                        cut = f"longer than its listed size {obj['Size']}: reading stopped"
                        break
                    sha.update(chunk)
                    md5.update(chunk)
                    out.write(chunk)
        except Exception as exc:  # a transport failure mid-body: named, the test fails
            cut = redact(f"read failed: {type(exc).__name__}: {exc}")[:300]
        finally:
            with contextlib.suppress(Exception):
                body.close()
        self.written += min(size, obj["Size"])
        kw: dict[str, Any] = {"path": rel, "size": size, "sha256": sha.hexdigest()}
        if cut:
            state = ItemState.mismatch if "longer" in cut else ItemState.unreadable
            return self._item(bucket, obj, state, cut, **kw)
        problems, checksums = _compare(obj, answer, size, md5.hexdigest(), sha.digest())
        state = ItemState.mismatch if problems else ItemState.ok
        return self._item(bucket, obj, state, "; ".join(problems), checksums=checksums, **kw)


def _compare(
    obj: dict[str, Any], answer: dict[str, Any], size: int, md5: str, sha: bytes
) -> tuple[list[str], dict[str, str]]:
    problems: list[str] = []
    checksums: dict[str, str] = {}
    if size != obj["Size"]:
        problems.append(f"exported {size} bytes, listed {obj['Size']}")
    etag = str(answer.get("ETag") or obj.get("ETag") or "").strip('"')
    encrypted = answer.get("ServerSideEncryption") == "aws:kms" or answer.get("SSECustomerAlgorithm")
    if PLAIN_ETAG.fullmatch(etag) and not encrypted:
        checksums["etag-md5"] = etag
        if etag != md5:
            problems.append(f"content MD5 {md5} differs from the ETag {etag}")
    given = str(answer.get("ChecksumSHA256") or "")
    if given and "-" not in given:
        checksums["sha256"] = given
        if given != base64.b64encode(sha).decode():
            problems.append("content SHA-256 differs from the provider's ChecksumSHA256")
    return problems, checksums


def _is_api_error(exc: Exception) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(exc, (ClientError, BotoCoreError))

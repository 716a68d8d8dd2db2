"""`hdsctl reversibility destroy-check` on an `s3` target: nothing of the tenant may remain — none of
its buckets (declared, or found by its discover prefix), no object version, no delete marker, and
none of their replicas (the destinations declared in `replicas`, and those a surviving bucket's
replication configuration names). Object Lock versions are listed with their retain-until date:
they cannot be destroyed before it, and they remain until then.

Buckets with the role `log` only are not inspected: access logs are the host's records, kept for
their legal retention (CNIL: 6 to 12 months); the record says so."""

from __future__ import annotations

import time

from controlplane.bounded_read import DEFAULT_MAX_RESPONSE_MB, max_response_bytes
from controlplane.plugin_types import TenantView
from controlplane.reversibility.model import Inspection, Remain
from controlplane.secrets import redact
from hds_s3.client import TargetClients
from hds_s3.collect import _list_bucket_names
from hds_s3.limits import collection_budget
from hds_s3.remains import bucket_remains
from hds_s3.snapshot import destination_bucket
from hds_s3.target import S3Target


def inspect_s3(target: S3Target, tenant: TenantView, deadline: float) -> Inspection:
    left = max(1.0, deadline - time.monotonic())
    with collection_budget(left, max_response_bytes(DEFAULT_MAX_RESPONSE_MB)):
        try:
            s3 = TargetClients(target, min(60.0, left))("s3")
        except RuntimeError as exc:
            return Inspection(target.name, (), (), error=redact(str(exc)))
        return _inspect(target, s3, deadline)


def _inspect(target: S3Target, s3: object, deadline: float) -> Inspection:
    remains: list[Remain] = []
    checked: list[str] = []
    errors: list[str] = []
    names = [b.name for b in target.buckets if set(b.roles) != {"log"}]
    skipped = [b.name for b in target.buckets if set(b.roles) == {"log"}]
    replicas = {r: b.name for b in target.buckets for r in b.replicas}
    if target.discover is not None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            found = [n for n in _list_bucket_names(s3) if n.startswith(target.discover.prefix)]
            names += [n for n in found if n not in names and n not in skipped]
            checked.append(f"no bucket named {target.discover.prefix}* remains")
        except (ClientError, BotoCoreError) as exc:
            errors.append(redact(f"cannot list buckets for the discover prefix: {exc}")[:300])
    for name in names:
        got = bucket_remains(s3, name, deadline=deadline)
        _take(got, remains, checked, errors, f"bucket {name}")
        if got.exists:
            replicas.update({d: name for d in _live_destinations(s3, name)})
    for replica, source in sorted(replicas.items()):
        got = bucket_remains(s3, replica, version_kind="replica", bucket_kind="replica", deadline=deadline)
        _take(got, remains, checked, errors, f"replica {replica} of {source}")
    if skipped:
        checked.append(f"not inspected (log buckets, kept for their legal retention): {', '.join(skipped)}")
    return Inspection(target.name, tuple(remains), tuple(checked), error="; ".join(errors))


def _take(got: object, remains: list[Remain], checked: list[str], errors: list[str], what: str) -> None:
    from hds_s3.remains import BucketRemains

    assert isinstance(got, BucketRemains)
    remains.extend(got.remains)
    if got.uncounted:
        remains.append(Remain("object-version", got.bucket, f"{got.uncounted} more versions or markers, not listed"))
    if got.error:
        errors.append(got.error)
    elif got.exists is False:
        checked.append(f"{what}: absent")


def _live_destinations(s3: object, bucket: str) -> list[str]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        rules = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"].get("Rules", [])  # type: ignore[attr-defined]
    except (ClientError, BotoCoreError, KeyError):
        return []
    return [d for d in (destination_bucket(r) for r in rules) if d]

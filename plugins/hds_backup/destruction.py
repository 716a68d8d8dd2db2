"""`hdsctl reversibility destroy-check` on a `backup` target: no backup artefact of the tenant may
remain — no object version nor delete marker under any of its sets' prefixes in the backup bucket
(versions under Object Lock are listed with their retain-until date: they cannot be destroyed
before it) — and no scratch restore: no scratch database (`hds_restore_*`) owned by the scratch
role on a set's scratch server, no scratch directory (`hds-restore-*`) in a set's declared
`scratch_dir`. The bucket itself is the host's (it may hold other tenants' sets): it is not a remain.

Attribution: scratch resources are named per restore, not per tenant; on a scratch server or
directory shared by several tenants, what is found there is listed for each of them."""

from __future__ import annotations

import time
from pathlib import Path

from controlplane.plugin_types import TenantView
from controlplane.reversibility.model import Inspection, Remain
from controlplane.secrets import redact
from hds_backup.pg_tools import Conninfo, connect
from hds_backup.scratch import DB_PREFIX, DIR_PREFIX
from hds_backup.target import BackupTarget
from hds_s3.api import TargetClients, bucket_remains


def inspect_backup(target: BackupTarget, tenant: TenantView, deadline: float) -> Inspection:
    remains: list[Remain] = []
    checked: list[str] = []
    errors: list[str] = []
    storage = target.storage
    try:
        s3 = TargetClients(storage.s3_target(target.name), min(60.0, max(1.0, deadline - time.monotonic())))("s3")
    except RuntimeError as exc:
        return Inspection(target.name, (), (), error=redact(str(exc)))
    for spec in target.sets:
        got = bucket_remains(
            s3, storage.bucket, prefix=spec.prefix, version_kind="backup-artefact", bucket_kind=None, deadline=deadline
        )
        remains.extend(got.remains)
        if got.uncounted:
            remains.append(Remain("backup-artefact", f"{storage.bucket}/{spec.prefix}", f"{got.uncounted} more"))
        if got.error:
            errors.append(got.error)
        elif not got.remains:
            where = f"{storage.bucket}/{spec.prefix}" if got.exists else f"{storage.bucket} (bucket absent)"
            checked.append(f"set {spec.name}: no backup artefact in {where}")
    dsns = {s.restore.scratch_dsn.describe(): s.restore.scratch_dsn for s in target.sets if s.restore.scratch_dsn}
    for described, ref in sorted(dsns.items()):
        try:
            found = _scratch_databases(Conninfo.from_ref(ref), deadline)
        except Exception as exc:  # unreachable scratch server: cannot say nothing remains
            errors.append(redact(f"scratch server {described}: {type(exc).__name__}: {exc}".splitlines()[0])[:300])
            continue
        remains.extend(Remain("scratch-database", f"{described}: {name}", "a scratch restore") for name in found)
        if not found:
            checked.append(f"scratch server {described}: no scratch database")
    for folder in sorted({s.restore.scratch_dir for s in target.sets if s.restore.scratch_dir}):
        left = sorted(p.name for p in Path(folder).glob(DIR_PREFIX + "*") if p.is_dir() and not p.is_symlink())
        remains.extend(Remain("scratch-directory", f"{folder}/{name}", "a scratch restore") for name in left)
        if not left:
            checked.append(f"scratch directory {folder}: no scratch restore")
    return Inspection(target.name, tuple(remains), tuple(checked), error="; ".join(errors))


def _scratch_databases(conninfo: Conninfo, deadline: float) -> list[str]:
    timeout = max(2.0, min(30.0, deadline - time.monotonic()))
    with connect(conninfo, timeout_s=timeout, application_name="hds-controlplane destroy-check") as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND pg_get_userbyid(datdba) = current_user "
            "ORDER BY 1",
            (DB_PREFIX.replace("_", r"\_") + "%",),
        ).fetchall()
    return [str(r[0]) for r in rows]

"""The backup part of `hdsctl demo`: a real PostgreSQL server dumped to the local S3 server, and
targets whose restore tests pass for the compliant tenant and fail for the partial one. (The full
demo sweep, with the S3 demo's endpoint, runs in tests/audit and tests/cli.)"""

from __future__ import annotations

from contextlib import ExitStack

import yaml

from controlplane.demo import DEMO_TENANTS
from controlplane.demo_context import DemoContext
from controlplane.plugin_types import CollectContext, TenantView
from controlplane.results import Status
from hds_backup import checks, checks_restore
from hds_backup.collect import collect_backup
from hds_backup.demo import demo_setup
from hds_backup.demo.local_postgres import find_bindir
from hds_backup.target import BackupTarget
from tests.plugins.backup.helpers import check_ctx, statuses


def test_without_postgresql_binaries_the_demo_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("HDS_PG_BINDIR", str(tmp_path))
    with ExitStack() as stack:
        ctx = DemoContext(tmp_path, stack, [t for t, _, _ in DEMO_TENANTS])
        demo_setup(ctx)
    assert ctx.targets == {}
    assert ctx.notes == [
        "backup demo skipped: no PostgreSQL server binaries on this machine (apt-get install postgresql)"
    ]


def test_demo_backups_restore_for_the_compliant_tenant_only(tmp_path, monkeypatch):
    if find_bindir() is None:
        import pytest

        pytest.skip("PostgreSQL server binaries not found")
    with ExitStack() as stack:
        ctx = DemoContext(tmp_path, stack, [t for t, _, _ in DEMO_TENANTS])
        demo_setup(ctx)  # no S3 demo in this context: the plugin starts its own endpoint
        for key, value in ctx.env.items():
            monkeypatch.setenv(key, value)
        assert "&id" not in yaml.safe_dump(ctx.targets)
        assert set(ctx.targets) == {"clinique-sud", "hopital-nord"}
        results = {}
        for tenant, _, contract in DEMO_TENANTS[:2]:
            target = BackupTarget.model_validate(ctx.targets[tenant.id]["backup"][0])
            view = TenantView(tenant.id, tenant.name, (6,), contract)
            snap = collect_backup(target, CollectContext(view, target.name, 30))
            ctx_check = check_ctx(target, contract=contract)
            results[tenant.id] = {
                "restore": statuses(checks_restore.restore_integrity(snap, ctx_check)),
                "fresh": statuses(checks.freshness(snap, ctx_check)),
            }
    assert results["clinique-sud"] == {"restore": [Status.passed] * 2, "fresh": [Status.passed] * 2}
    assert results["hopital-nord"] == {"restore": [Status.failed], "fresh": [Status.failed]}

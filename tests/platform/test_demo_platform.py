"""`hdsctl demo` lets a plugin declare a shared pool (`DemoContext.add_shared_target`): the
written hds.yaml has the `platform:` section, and a sweep of it stores the pool's results for
the two tenants it serves only, collected once."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from controlplane.demo import demo_environment
from controlplane.demo_context import DemoContext
from controlplane.plugins import build_registry
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from tests.platform import demo_pool_plugin
from tests.platform.demo_pool_plugin import DEMO_POOL, DEMO_SERVED
from tests.platform.pool import collects
from tests.reliability import rel_plugin


def test_a_demo_plugin_adds_a_shared_pool_serving_two_tenants(tmp_path):
    rel_plugin.seen.clear()
    registry = build_registry(load_entrypoints=False, extra_plugins=[("rel", rel_plugin), ("pool", demo_pool_plugin)])
    with demo_environment(registry, tmp_path / "demo") as (_ctx, config):
        doc = yaml.safe_load(config.read_text())
        pool = {"rel": [{"name": f"srv-{i}"} for i in (1, 2, 3)]}
        assert doc["platform"] == [{"id": DEMO_POOL, "serves": list(DEMO_SERVED), "targets": pool}]
        store = EvidenceStore.open(str(tmp_path / "evidence.sqlite"))
        try:
            outcome = execute(prepare(config, control_ids=["REL-01"], registry=registry), store)
            results = list(store.results(outcome.run_id))
            per_tenant = Counter(r["tenant"] for r in results if r["target"].startswith(f"{DEMO_POOL}/"))
        finally:
            store.close()
    assert per_tenant == dict.fromkeys(DEMO_SERVED, 3)
    assert len(collects(DEMO_POOL)) == 3


def test_a_shared_group_must_serve_known_demo_tenants_the_same_way(tmp_path):
    registry = build_registry(load_entrypoints=False, extra_plugins=[("rel", rel_plugin)])
    with demo_environment(registry, tmp_path / "demo") as (ctx, _config):
        assert isinstance(ctx, DemoContext)
        with pytest.raises(ValueError, match="must serve demo tenants"):
            ctx.add_shared_target("p", ["nobody"], "rel", {"name": "x"})
        ctx.add_shared_target("p", ["clinique-sud"], "rel", {"name": "x"})
        with pytest.raises(ValueError, match="already serves"):
            ctx.add_shared_target("p", ["labo-est"], "rel", {"name": "y"})

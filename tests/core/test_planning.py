"""Planning: shards are disjoint and complete; filters; applicability."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from controlplane.errors import InputError
from controlplane.planning import Shard

tenant_ids = st.lists(st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True), unique=True, max_size=200)


@given(ids=tenant_ids, n=st.integers(min_value=1, max_value=32))
def test_shards_are_disjoint_and_cover_every_tenant_once(ids, n):
    owners = {tid: [i for i in range(n) if Shard(i, n).owns(tid)] for tid in ids}
    assert all(len(o) == 1 for o in owners.values())


def test_shards_spread_a_fleet():
    ids = [f"tenant-{i}" for i in range(1000)]
    sizes = [sum(Shard(i, 4).owns(t) for t in ids) for i in range(4)]
    assert sum(sizes) == 1000
    assert min(sizes) > 150  # a stable hash, not everything in one shard


@pytest.mark.parametrize("text", ["1", "a/b", "4/4", "-1/3", "0/0", "1/2/3"])
def test_bad_shard_spec_is_input_error(text):
    with pytest.raises(InputError, match="--shard"):
        Shard.parse(text)


def test_shard_parse():
    assert Shard.parse("2/5") == Shard(2, 5)


def test_a_tenants_parameter_override_stays_its_own(registry, tmp_path):
    """Tenants without overrides share their planned controls (memory at 10,000 tenants); the
    shared parameters are read-only and an override reaches only the tenant that wrote it."""
    import yaml

    from controlplane.catalog import load_catalog
    from controlplane.config import load_fleet
    from controlplane.planning import build_plan

    def tenant(tid: str, **extra: object) -> dict[str, object]:
        target = {"name": "web", "host": "127.0.0.1", "port": 443}
        contract = {"rpo_hours": 24, "rto_hours": 4}
        return {"id": tid, "name": tid, "activities": [4], "contract": contract, "targets": {"tls": [target]}, **extra}

    overrides = {"TLS-01": {"min_version": "TLSv1.3"}}
    fleet_doc = {"version": 1, "tenants": [tenant("a"), tenant("b", parameters=overrides), tenant("c")]}
    (tmp_path / "hds.yaml").write_text(yaml.safe_dump(fleet_doc))
    catalog = load_catalog(registry.catalog_files)
    fleet = load_fleet(tmp_path / "hds.yaml", registry.target_kinds, catalog)
    plan = build_plan(fleet.tenants, list(catalog.controls.values()), registry)
    tls01 = {u.tenant.id: next(p for p in u.controls if p.control.id == "TLS-01") for u in plan.units}
    assert tls01["b"].params["min_version"] == "TLSv1.3"
    assert tls01["a"].params["min_version"] == tls01["c"].params["min_version"] != "TLSv1.3"
    assert tls01["a"] is tls01["c"]
    with pytest.raises(TypeError):
        tls01["a"].params["min_version"] = "SSLv3"  # type: ignore[index]

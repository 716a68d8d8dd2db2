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

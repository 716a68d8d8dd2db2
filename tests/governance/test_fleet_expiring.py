"""The fleet report's "expiring soon" section reads the attestation register: nothing recorded,
nothing expiring yet, then, with the clock moved, the attestations about to lapse."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.cli.conftest import hdsctl
from tests.support.fleet import tenant, write_fleet
from tests.support.governance import attest_all


def _expiring(store, env=None):
    proc = hdsctl("report", "--fleet", "--store", str(store), "--format", "json", "-o", "-", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["expiring"]


def test_the_fleet_report_lists_attestations_about_to_lapse(tmp_path):
    cfg = write_fleet(tmp_path / "hds.yaml", [tenant("alpha", [5])])
    store = tmp_path / "ev.sqlite"
    assert hdsctl("run", "-c", str(cfg), "--store", str(store)).returncode == 1  # attested controls missing
    assert _expiring(store) is None  # no register yet: "none recorded"
    attest_all(cfg, store)
    assert hdsctl("run", "-c", str(cfg), "--store", str(store)).returncode in (0, 1)
    assert _expiring(store) == []  # every attestation valid for months
    later = (datetime.now(UTC) + timedelta(days=350)).date().isoformat()
    items = _expiring(store, env={"HDS_NOW": later})
    assert items and {i["kind"] for i in items} == {"attestation"} and {i["tenant"] for i in items} == {"alpha"}
    assert all(i["expires_on"] <= (datetime.now(UTC) + timedelta(days=381)).date().isoformat() for i in items)
    assert [i["expires_on"] for i in items] == sorted(i["expires_on"] for i in items)

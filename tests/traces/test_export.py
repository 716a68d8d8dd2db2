"""The export itself: the core's scope check, a failing source, a tampered seal, nothing written on bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from controlplane.config.loader import Fleet, Tenant
from controlplane.config.models import RuntimeSettings
from controlplane.errors import InputError
from controlplane.traces.export import BoundSource, export_traces
from controlplane.traces.record import ReadStats, TraceRecord, TraceWindow
from controlplane.traces.seal import NotVerified, verify_export
from controlplane.traces.staff import StaffDirectory

TENANT = Tenant("t-a", "A", (5,), {}, {}, {})
FLEET = Fleet("hds.yaml", RuntimeSettings(), (TENANT,), "", StaffDirectory())


def rec(resource: str) -> TraceRecord:
    return TraceRecord(datetime(2026, 1, 1, tzinfo=UTC), "u", resource, "GET", "200", "f:1")


class Leaky:
    """A plugin source whose filter lets another tenant's line through, then fails."""

    name = "leaky"
    scopes = ("s3://a/",)

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def read(self, window: TraceWindow, stats: ReadStats) -> Iterator[TraceRecord]:
        yield rec("s3://a/k")
        yield rec("s3://a-other/k")  # a bucket whose name merely starts like the tenant's
        yield rec("s3://b/k")
        if self.fail:
            raise RuntimeError("connection reset \x1b[31m")


def test_the_core_drops_records_outside_the_sources_scopes(tmp_path: Path):
    out = tmp_path / "x.json"
    outcome = export_traces(FLEET, TENANT, [BoundSource("s3", "s", Leaky())], out, "json", Ed25519PrivateKey.generate())
    assert [json.loads(line)["resource"] for line in out.read_text().splitlines()] == ["s3://a/k"]
    assert outcome.sources[0].stats.out_of_scope == 2 and outcome.complete


def test_a_failing_source_is_recorded_and_the_export_is_marked_incomplete(tmp_path: Path):
    out = tmp_path / "x.csv"
    outcome = export_traces(
        FLEET, TENANT, [BoundSource("s3", "s", Leaky(fail=True))], out, "csv", Ed25519PrivateKey.generate()
    )
    assert not outcome.complete and "\x1b" not in outcome.sources[0].error
    facts = verify_export(out).facts
    assert facts["complete"] is False and facts["records"] == 1


def test_a_changed_seal_payload_does_not_verify(tmp_path: Path):
    out = tmp_path / "x.csv"
    export_traces(FLEET, TENANT, [BoundSource("s3", "s", Leaky())], out, "csv", Ed25519PrivateKey.generate())
    seal = tmp_path / "x.csv.seal.json"
    doc = json.loads(seal.read_text())
    doc["payload"] = doc["payload"].replace('"records":1', '"records":9')
    seal.write_text(json.dumps(doc))
    with pytest.raises(NotVerified, match="bad signature"):
        verify_export(out)


def test_bad_format_or_missing_directory_writes_nothing(tmp_path: Path):
    key = Ed25519PrivateKey.generate()
    with pytest.raises(InputError, match="unknown format"):
        export_traces(FLEET, TENANT, [], tmp_path / "x.pdf", "pdf", key)
    with pytest.raises(InputError, match="does not exist"):
        export_traces(FLEET, TENANT, [], tmp_path / "no" / "x.csv", "csv", key)
    assert list(tmp_path.iterdir()) == []

"""Hostile input and failing plugins: keys that would escape the export, control characters on the
way to a terminal, an object gone since the listing, a size or checksum mismatch, an exporter that
raises or hangs, and secrets that must never reach the store."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from controlplane.config import Tenant
from controlplane.plugin_types import TenantView
from controlplane.reversibility import guard
from controlplane.reversibility.model import ExportOutcome, ExportRequest, ItemState, Reversibility
from controlplane.reversibility.return_test import ReturnRequest, export_all
from hds_s3.export_paths import HASHED_DIR, object_path, plain_relative
from hds_s3.reversibility import _compare, _Export
from tests.reversibility.conftest import Env, dump


@pytest.mark.parametrize(
    "key",
    ["../../etc/passwd", "/etc/passwd", "a//b", "a/./b", "x/../../y", "nul\x00byte", "esc\x1b[31m", "d/", "é" * 300],
)
def test_a_key_that_is_not_a_plain_relative_path_is_written_under_its_hash(tmp_path: Path, key: str) -> None:
    assert not plain_relative(key)
    path = object_path(tmp_path / "bucket", key)
    assert path.parent == tmp_path / "bucket" / HASHED_DIR
    assert path.resolve().is_relative_to(tmp_path.resolve())


def test_colliding_keys_never_overwrite_each_other(tmp_path: Path) -> None:
    first = object_path(tmp_path, "a")
    first.write_bytes(b"1")
    second = object_path(tmp_path, "a/b")  # "a" is a file: the second goes under its hash
    assert second.parent.name == HASHED_DIR
    third = object_path(tmp_path, "c/d")
    third.write_bytes(b"3")
    assert object_path(tmp_path, "c").parent.name == HASHED_DIR  # "c" is a directory


def test_an_object_gone_since_the_listing_is_missing_and_named(env: Env, tmp_path: Path) -> None:
    request = ExportRequest(TenantView("clinique", "C", (5,), {}), "t", tmp_path, None, time.monotonic() + 60, 10**9)
    (tmp_path / "buckets").mkdir()
    item = _Export(env.s3(), request, time.monotonic())._download(
        env.buckets["data"], {"Key": "supprime-entre-temps.pdf", "Size": 12}
    )
    assert item.state is ItemState.missing and item.location.endswith("/supprime-entre-temps.pdf")
    assert "NoSuchKey" in item.detail


def test_size_and_provider_checksums_are_compared() -> None:
    import hashlib

    body = b"contenu"
    md5, sha = hashlib.md5(body).hexdigest(), hashlib.sha256(body).digest()
    ok, checksums = _compare({"Key": "k", "Size": 7}, {"ETag": f'"{md5}"'}, 7, md5, sha)
    assert ok == [] and checksums == {"etag-md5": md5}
    problems, _ = _compare({"Key": "k", "Size": 9}, {"ETag": f'"{"0" * 32}"'}, 7, md5, sha)
    assert any("listed 9" in p for p in problems) and any("differs from the ETag" in p for p in problems)
    kms, _ = _compare(
        {"Key": "k", "Size": 7}, {"ETag": '"' + "0" * 32 + '"', "ServerSideEncryption": "aws:kms"}, 7, md5, sha
    )
    assert kms == []  # an SSE-KMS ETag is not an MD5 of the content
    bad_sha, _ = _compare({"Key": "k", "Size": 7}, {"ChecksumSHA256": "AAAA"}, 7, md5, sha)
    assert any("ChecksumSHA256" in p for p in bad_sha)


def test_control_characters_in_a_key_never_reach_the_terminal(env: Env) -> None:
    s3 = env.s3()
    s3.put_object(Bucket=env.buckets["data"], Key="piège\x1b[2J/../../x", Body=b"1")
    dest = env.root / "export"
    out = env.reversibility("test", "--tenant", "clinique", "--full", "--dest", str(dest))
    assert out.exit_code == 0, dump(out)
    assert "\x1b" not in out.output
    written = [p for p in dest.rglob("*") if p.is_file()]
    assert all(p.resolve().is_relative_to(dest.resolve()) for p in written)
    assert any(p.parent.name == HASHED_DIR for p in written)


def _tenant() -> Tenant:
    return Tenant("clinique", "C", (5, 6), {}, {}, {})


def _target(name: str) -> Any:
    class Target:
        pass

    t = Target()
    t.name = name  # type: ignore[attr-defined]
    return t


def test_an_exporter_that_raises_fails_the_test_and_is_named(tmp_path: Path) -> None:
    def broken(target: Any, request: ExportRequest) -> ExportOutcome:
        raise RuntimeError("boom in plugin")

    work = [(Reversibility("s3", export=broken), _target("stockage"))]
    outcome = export_all(_tenant(), work, ReturnRequest("clinique", tmp_path, None, 30, 10**9), 1)
    assert not outcome.passed
    assert outcome.failures == ("s3/stockage: export of s3/stockage failed: RuntimeError: boom in plugin",)


def test_an_exporter_that_hangs_is_abandoned_at_its_deadline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "GRACE_S", 0.5)
    release = []

    def hangs(target: Any, request: ExportRequest) -> ExportOutcome:
        while not release:
            time.sleep(0.05)
        raise AssertionError("not reached while the test waits")

    work = [(Reversibility("s3", export=hangs), _target("stockage"))]
    started = time.monotonic()
    outcome = export_all(_tenant(), work, ReturnRequest("clinique", tmp_path, None, 1, 10**9), 1)
    release.append(True)
    assert not outcome.passed and "did not finish within its time budget" in outcome.failures[0]
    assert time.monotonic() - started < 1 + 0.5 + 30  # ends within deadline + grace (+ a busy machine's margin)


def test_no_secret_reaches_the_store(env: Env, pg: Any) -> None:
    from tests.reversibility.conftest import env_var

    password_dsn = pg.dsn("dossiers", user="lecture_clinique") + " password=tres-secret-mdp"
    env.tenants[0]["targets"]["postgresql"] = [{"name": "base", "dsn": {"env": env_var(password_dsn)}}]
    env.write_fleet()
    assert env.reversibility("test", "--tenant", "clinique").exit_code in (0, 1)
    assert env.reversibility("destroy-check", "--tenant", "clinique").exit_code in (0, 1)
    stored = b"".join(p.read_bytes() for p in env.root.glob(env.store.name + "*"))  # with the WAL, if any
    for secret in (env.creds.secret_access_key, "tres-secret-mdp", password_dsn):
        assert secret.encode() not in stored
    recs = env.records("reversibility") + env.records("destruction")
    assert len(recs) == 2 and "tres-secret-mdp" not in json.dumps(recs)

"""Credentials are references; a resolved value never reaches the store or the output, even
when a plugin or a client library echoes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from controlplane.runner import execute, prepare
from controlplane.secrets import SecretRef, SecretResolutionError
from controlplane.store import EvidenceStore
from tests.support.fleet import tenant, write_fleet

SECRET = "s3cr3t-T0KEN-do-not-leak-8d1f"


def test_secret_refs_resolve_from_env_and_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HDS_TEST_TOKEN", SECRET)
    assert SecretRef(env="HDS_TEST_TOKEN").resolve().get_secret_value() == SECRET
    f = tmp_path / "token"
    f.write_text(SECRET + "\n")
    assert SecretRef(file=str(f)).resolve().get_secret_value() == SECRET
    assert SECRET not in repr(SecretRef(env="HDS_TEST_TOKEN").resolve())


def test_missing_secret_message_names_the_reference_only(monkeypatch):
    monkeypatch.delenv("HDS_ABSENT", raising=False)
    with pytest.raises(SecretResolutionError, match="environment variable HDS_ABSENT is not set"):
        SecretRef(env="HDS_ABSENT").resolve()


@pytest.mark.parametrize("bad", ["inline-value", {"env": "A", "file": "/x"}, {}, {"value": "x"}, {"env": "1BAD"}])
def test_secret_ref_shapes_are_enforced(bad):
    with pytest.raises(ValidationError):
        SecretRef.model_validate(bad)


def test_resolved_secret_is_scrubbed_from_messages_and_evidence(tmp_path: Path, fault_registry, monkeypatch):
    monkeypatch.setenv("HDS_TEST_TOKEN", SECRET)
    ref = {"env": "HDS_TEST_TOKEN"}
    cfg = write_fleet(
        tmp_path / "hds.yaml",
        [
            tenant(
                "t1",
                targets={
                    "faulty": [
                        {"name": "leaky", "collect": "leak", "token": dict(ref)},
                        {"name": "echo", "token": dict(ref)},
                    ]
                },
            ),
        ],
    )
    prepared = prepare(cfg, control_ids=["FLT-01"], registry=fault_registry)
    store_path = tmp_path / "ev.sqlite"
    store = EvidenceStore.open(str(store_path))
    outcome = execute(prepared, store)
    results = list(store.results(outcome.run_id))
    store.close()
    text = json.dumps(results)
    assert SECRET not in text
    leaky = next(r for r in results if r["target"] == "leaky")
    assert leaky["status"] == "error"
    assert leaky["message"] == "collection failed: RuntimeError: auth failed for token=[redacted]"
    echo = next(r for r in results if r["target"] == "echo")
    assert echo["evidence"]["observed"]["careless_echo"] == "[redacted]"
    for path in tmp_path.glob("ev.sqlite*"):  # the database and its WAL, byte for byte
        assert SECRET.encode() not in path.read_bytes()

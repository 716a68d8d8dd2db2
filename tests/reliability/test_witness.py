"""Issue 20, case 5: deleting a chain's tail (the whole last run: results, seals, run row) left no
trace in the store, and forged `runs.counts` were covered by nothing. Each tenant's chain head is
now anchored after every run in a witness outside the store, and `evidence verify --witness`
names the truncated tail, the deleted run and the forged counts — with the local append-only file
witness and with an S3 bucket under Object Lock in COMPLIANCE mode (moto over HTTP)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hds_s3.demo.local_endpoint import LocalS3Endpoint
from tests.reliability.evidence_runs import TENANTS, Runs, hdsctl
from tests.support.tamper import open_raw

ALPHA, BETA = TENANTS


def delete_last_run(store: Path, run_id: str) -> None:
    """What an attacker with write access to the store does to hide the last run entirely."""
    conn = open_raw(store)
    conn.execute("DELETE FROM results WHERE run_id = ?", (run_id,))
    conn.execute("DELETE FROM seals WHERE run_id = ?", (run_id,))
    conn.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
    conn.close()


def forge_counts(store: Path, run_id: str) -> None:
    conn = open_raw(store)
    conn.execute("UPDATE runs SET counts = ? WHERE run_id = ?", ('{"error":0,"fail":0,"pass":10}', run_id))
    conn.close()


@pytest.fixture(scope="module")
def s3() -> Iterator[LocalS3Endpoint]:
    with LocalS3Endpoint() as endpoint:
        yield endpoint


@pytest.fixture
def s3_witness(s3: LocalS3Endpoint, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket with Object Lock enabled; the witness reads credentials from the SDK chain."""
    account = s3.new_account()
    bucket = f"hds-witness-{secrets.token_hex(4)}"
    s3.client("s3", account).create_bucket(
        Bucket=bucket,
        CreateBucketConfiguration={"LocationConstraint": "eu-west-3"},
        ObjectLockEnabledForBucket=True,
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", account.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", account.secret_access_key)
    return f"s3://{bucket}/heads?region=eu-west-3&endpoint_url={s3.url}&retention_days=2"


@pytest.fixture(params=["file", "s3"])
def runs(request: pytest.FixtureRequest, tmp_path: Path) -> Runs:
    """Two sealed runs of the two-tenant fleet, each anchored in the witness."""
    url = f"file://{tmp_path / 'witness.jsonl'}" if request.param == "file" else request.getfixturevalue("s3_witness")
    r = Runs(tmp_path, url)
    r.run()
    r.run()
    return r


def test_untouched_store_matches_its_witness(runs: Runs) -> None:
    out = runs.verify("--witness", runs.witness, "--require-seals", "--format", "json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["verdict"] == "sealed"
    assert doc["witness"]["heads"] == 4 and doc["witness"]["problems"] == []
    assert {t["tenant"]: t["anchored_heads"] for t in doc["tenants"]} == {ALPHA: 2, BETA: 2}


def test_a_deleted_last_run_is_named_as_a_truncated_tail_and_a_deleted_run(runs: Runs) -> None:
    last = runs.run_ids[-1]
    delete_last_run(runs.store, last)

    blind = runs.verify()
    assert blind.exit_code == 0  # the documented limit: without a witness nothing in the store shows it
    assert "without --witness, a deleted chain tail" in blind.stdout

    out = runs.verify("--witness", runs.witness, "--format", "json")
    assert out.exit_code == 1, out.output
    doc = json.loads(out.stdout)
    assert doc["verdict"] == "tampered"
    for t in doc["tenants"]:
        kinds = {(p["kind"], p["run_id"]) for p in t["problems"]}
        assert ("truncated", last) in kinds and ("run_deleted", last) in kinds, t["problems"]
        truncated = next(p for p in t["problems"] if p["kind"] == "truncated")
        assert f"anchored runs beyond it: {last}" in truncated["message"]

    text = runs.verify("--witness", runs.witness)
    assert f"{ALPHA}: TAMPERED — truncated:" in text.stdout
    assert f"run {last}" in text.stdout and "was deleted" in text.stdout


def test_forged_counts_are_caught_by_the_seal_and_by_the_witness(runs: Runs) -> None:
    first = runs.run_ids[0]
    forge_counts(runs.store, first)
    listed = hdsctl("runs", "list", "--store", str(runs.store), "--format", "json")
    assert {r["run_id"]: r["counts"] for r in json.loads(listed.stdout)}[first]["pass"] == 10  # what an operator sees

    sealed_only = json.loads(runs.verify("--format", "json").stdout)
    assert {(p["kind"], p["run_id"]) for t in sealed_only["tenants"] for p in t["problems"]} == {
        ("counts_mismatch", first)
    }
    out = runs.verify("--witness", runs.witness, "--format", "json")
    assert out.exit_code == 1
    kinds = {(p["kind"], p["run_id"]) for t in json.loads(out.stdout)["tenants"] for p in t["problems"]}
    assert ("counts_forged", first) in kinds and ("counts_mismatch", first) in kinds


def test_a_deleted_seal_is_told_from_a_never_sealed_run_by_the_witness(runs: Runs) -> None:
    last = runs.run_ids[-1]
    conn = open_raw(runs.store)
    conn.execute("DELETE FROM seals WHERE run_id = ? AND tenant = ?", (last, ALPHA))
    conn.close()
    assert runs.verify().exit_code == 0  # unsealed, not tampering, as far as the store can tell
    out = runs.verify("--witness", runs.witness, "--format", "json")
    alpha = next(t for t in json.loads(out.stdout)["tenants"] if t["tenant"] == ALPHA)
    assert [(p["kind"], p["run_id"]) for p in alpha["problems"]] == [("seal_deleted", last)]


def test_a_rewritten_and_resealed_tail_does_not_match_the_witness(runs: Runs, tmp_path: Path) -> None:
    """The attacker also holds a key of their own and re-seals: the pinned key and the witness
    both see it; the witness names the chain position that changed."""
    from tests.support.tamper import rehash

    last = runs.run_ids[-1]
    conn = open_raw(runs.store)
    first_row = conn.execute("SELECT min(id) FROM results WHERE run_id = ? AND tenant = ?", (last, ALPHA)).fetchone()
    conn.execute("UPDATE results SET status = 'pass' WHERE id = ?", (first_row[0],))
    rehash(conn, ALPHA, first_row[0])
    conn.close()
    out = runs.verify("--witness", runs.witness, "--format", "json")
    alpha = next(t for t in json.loads(out.stdout)["tenants"] if t["tenant"] == ALPHA)
    assert ("witness_mismatch", last) in {(p["kind"], p["run_id"]) for p in alpha["problems"]}


def test_a_tenant_whose_evidence_was_wiped_is_still_verified_from_the_witness(runs: Runs) -> None:
    conn = open_raw(runs.store)
    for table in ("results", "seals"):
        conn.execute(f"DELETE FROM {table} WHERE tenant = ?", (BETA,))
    conn.close()
    out = runs.verify("--witness", runs.witness, "--format", "json")
    beta = next(t for t in json.loads(out.stdout)["tenants"] if t["tenant"] == BETA)
    assert beta["records"] == 0 and beta["problems"][0]["kind"] == "truncated"


def test_an_edited_witness_file_is_reported(tmp_path: Path) -> None:
    runs = Runs(tmp_path, f"file://{tmp_path / 'witness.jsonl'}")
    runs.run()
    runs.run()
    path = tmp_path / "witness.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:1] + lines[2:]))  # one head removed from the middle
    out = runs.verify("--witness", runs.witness, "--format", "json")
    assert out.exit_code == 1
    assert "does not follow the line before it" in json.loads(out.stdout)["witness"]["problems"][0]


def test_locked_witness_objects_cannot_be_deleted_by_the_writer(
    s3_witness: str, s3: LocalS3Endpoint, tmp_path: Path
) -> None:
    """COMPLIANCE mode, checked on the server: the runner's own identity cannot remove a head."""
    runs = Runs(tmp_path, s3_witness)
    runs.run()
    runs.run()
    import boto3
    from botocore.exceptions import ClientError

    bucket = runs.witness[len("s3://") :].split("/", 1)[0]
    client = boto3.client("s3", region_name="eu-west-3", endpoint_url=s3.url)
    versions = client.list_object_versions(Bucket=bucket)["Versions"]
    assert len(versions) == 4
    head = client.head_object(Bucket=bucket, Key=versions[0]["Key"], VersionId=versions[0]["VersionId"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(ClientError):
        client.delete_object(Bucket=bucket, Key=versions[0]["Key"], VersionId=versions[0]["VersionId"])


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://x/y", "unsupported witness URL (supported: file://, s3://)"),
        ("s3://Bad_Bucket/p", "not an s3://BUCKET URL"),
        ("s3://bucket/p?retention_days=0", "retention_days must be between 1 and 36500"),
        ("s3://bucket/p?acl=public", "unknown witness parameter 'acl'"),
        ("file:///no/such/dir/w.jsonl", "directory /no/such/dir does not exist"),
    ],
)
def test_a_bad_witness_url_is_refused_before_anything_runs(tmp_path: Path, url: str, reason: str) -> None:
    runs = Runs(tmp_path)
    out = hdsctl("run", "-c", str(runs.fleet), "--store", str(runs.store), "--witness", url)
    assert out.exit_code == 2 and reason in out.stderr and len(out.stderr.splitlines()) == 1, out.stderr
    assert not runs.store.exists()


def test_an_unreachable_witness_fails_the_run_with_exit_3_after_storing_it(tmp_path: Path) -> None:
    from tests.reliability.evidence_runs import closed_port

    url = f"s3://hds-witness/heads?endpoint_url=http://127.0.0.1:{closed_port()}"
    runs = Runs(tmp_path)
    out = hdsctl(
        "run", "-c", str(runs.fleet), "--store", str(runs.store), "--witness", url,
        env={"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x", "AWS_MAX_ATTEMPTS": "1"},
    )  # fmt: skip
    assert out.exit_code == 3, out.output
    assert "is stored but not anchored" in out.stderr and "Traceback" not in out.output


def test_a_tenants_verification_against_the_witness_shows_nothing_of_another_tenant(runs: Runs) -> None:
    delete_last_run(runs.store, runs.run_ids[-1])  # both tenants' tails are gone: each sees only its own
    for fmt in ("table", "json"):
        out = runs.verify("--witness", runs.witness, "--tenant", ALPHA, "--format", fmt)
        assert out.exit_code == 1 and ALPHA in out.stdout
        assert BETA not in out.output, out.output
    doc = json.loads(runs.verify("--witness", runs.witness, "--tenant", ALPHA, "--format", "json").stdout)
    assert doc["witness"]["heads"] == 2  # only alpha's heads were read


def test_a_run_sealed_after_it_ran_is_anchored_again_with_its_seal(runs: Runs) -> None:
    runs.run(sealed=False)
    last = runs.run_ids[-1]
    sealed = hdsctl("evidence", "seal", "--store", str(runs.store), "--run", last, "--key", str(runs.key))
    assert sealed.exit_code == 0, sealed.output
    anchored = hdsctl("evidence", "anchor", "--store", str(runs.store), "--run", last, "--witness", runs.witness)
    assert anchored.exit_code == 0 and f"anchored {ALPHA} after run {last}" in anchored.stdout, anchored.output
    assert runs.verify("--witness", runs.witness, "--require-seals").exit_code == 0
    conn = open_raw(runs.store)
    conn.execute("DELETE FROM seals WHERE run_id = ? AND tenant = ?", (last, BETA))
    conn.close()
    doc = json.loads(runs.verify("--witness", runs.witness, "--format", "json").stdout)
    beta = next(t for t in doc["tenants"] if t["tenant"] == BETA)
    assert [(p["kind"], p["run_id"]) for p in beta["problems"]] == [("seal_deleted", last)]


def test_a_witness_object_overwritten_by_the_writer_is_reported_and_the_original_used(
    s3_witness: str, s3: LocalS3Endpoint, tmp_path: Path
) -> None:
    import boto3

    runs = Runs(tmp_path, s3_witness)
    runs.run()
    bucket = s3_witness[len("s3://") :].split("/", 1)[0]
    client = boto3.client("s3", region_name="eu-west-3", endpoint_url=s3.url)
    key = next(v["Key"] for v in client.list_object_versions(Bucket=bucket)["Versions"] if f"/{ALPHA}/" in v["Key"])
    original = json.loads(client.get_object(Bucket=bucket, Key=key)["Body"].read())
    forged = original | {"head": original["head"] | {"chain_length": 1}}
    client.put_object(
        Bucket=bucket, Key=key, Body=json.dumps(forged).encode(), ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=datetime.now(UTC) + timedelta(days=1), ChecksumAlgorithm="SHA256",
    )  # fmt: skip
    doc = json.loads(runs.verify("--witness", s3_witness, "--format", "json").stdout)
    assert any("was overwritten" in p for p in doc["witness"]["problems"]), doc["witness"]
    alpha = next(t for t in doc["tenants"] if t["tenant"] == ALPHA)
    assert alpha["problems"] == []  # the original head (the oldest version) still matches the store

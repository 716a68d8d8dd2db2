"""`hdsctl reversibility test` on S3 targets against moto over HTTP: the export, its inventory, the
comparison with the live listing, the evidence record, and isolation between tenants."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.reversibility.conftest import Env, dump


def test_full_return_of_intact_data_passes_and_writes_the_inventory(env: Env) -> None:
    dest = env.root / "export"
    out = env.reversibility("test", "--tenant", "clinique", "--full", "--dest", str(dest), "--format", "json")
    assert out.exit_code == 0, dump(out)
    report = json.loads(out.output)
    assert report["passed"] and report["mode"] == "full"
    assert report["live_items"] == 3 and report["items"] == 3
    lines = [json.loads(x) for x in (dest / "inventory.jsonl").read_text().splitlines()]
    by_location = {x["location"]: x for x in lines}
    data = env.buckets["data"]
    assert set(by_location) == {
        f"{data}/dossiers/patient-1.json",
        f"{data}/imagerie/scan.dcm",
        f"{data}/compte-rendu.txt",
    }
    for item in lines:
        written = dest / item["path"]
        assert hashlib.sha256(written.read_bytes()).hexdigest() == item["sha256"]
        assert item["state"] == "ok" and item["size"] == item["live_size"]
    assert by_location[f"{data}/imagerie/scan.dcm"]["checksums"]["etag-md5"]
    assert by_location[f"{data}/compte-rendu.txt"]["checksums"]["sha256"]
    assert (dest / "s3" / "stockage" / "buckets" / data / "dossiers" / "patient-1.json").read_bytes() == b'{"id": 1}'
    assert report["throughput_bytes_per_s"] > 0 and report["extrapolated_full_return_s"] is not None
    assert report["inventory_sha256"] == hashlib.sha256((dest / "inventory.jsonl").read_bytes()).hexdigest()


def test_the_result_is_recorded_in_the_tenants_chain(env: Env) -> None:
    out = env.reversibility("test", "--tenant", "clinique", "--full")
    assert out.exit_code == 0, dump(out)
    [rec] = env.records("reversibility")
    assert rec["tenant"] == "clinique" and rec["control"] == "REV-01" and rec["status"] == "pass"
    assert rec["evidence"]["passed"] and rec["evidence"]["items"] == 3
    assert "PASSED" in out.output


def test_another_tenants_objects_are_never_exported_nor_counted(env: Env) -> None:
    dest = env.root / "export"
    out = env.reversibility("test", "--tenant", "clinique", "--full", "--dest", str(dest), "--format", "json")
    assert out.exit_code == 0, dump(out)
    assert json.loads(out.output)["live_items"] == 3
    everything = "".join(p.read_text(errors="replace") for p in dest.rglob("*") if p.is_file())
    assert env.buckets["labo"] not in everything and "resultat-" not in everything
    [rec] = env.records("reversibility")
    assert env.buckets["labo"] not in json.dumps(rec)


def test_an_object_that_cannot_be_read_fails_the_test_and_is_named(env: Env) -> None:
    s3 = env.s3()
    data = env.buckets["data"]
    s3.put_object(Bucket=data, Key="secret/illisible.bin", Body=b"x" * 100)
    # Listed, but reading it is denied (a bucket policy, enforced with IAM on): unreadable, named.
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{data}/secret/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=data, Policy=json.dumps(deny))
    with env.endpoint.enforce_iam():
        out = env.reversibility("test", "--tenant", "clinique", "--full")
    assert out.exit_code == 1, dump(out)
    assert "FAILED" in out.output and f"unreadable {data}/secret/illisible.bin" in out.output
    [rec] = env.records("reversibility")
    assert rec["status"] == "fail"
    assert any("secret/illisible.bin" in f for f in rec["evidence"]["failures"])


def test_a_sample_exports_n_objects_and_extrapolates(env: Env) -> None:
    out = env.reversibility("test", "--tenant", "clinique", "--sample", "2", "--format", "json")
    assert out.exit_code == 0, dump(out)
    report = json.loads(out.output)
    assert report["mode"] == "sample" and report["items"] == 2 and report["live_items"] == 3
    assert report["extrapolated_full_return_s"] is not None


def test_bad_input_exits_2_and_writes_nothing(env: Env, tmp_path: Path) -> None:
    out = env.reversibility("test", "--tenant", "inconnu")
    assert out.exit_code == 2 and "unknown tenant 'inconnu'" in out.output
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    out = env.reversibility("test", "--tenant", "clinique", "--dest", str(busy))
    assert out.exit_code == 2 and "not an empty directory" in out.output
    assert not env.store.exists()

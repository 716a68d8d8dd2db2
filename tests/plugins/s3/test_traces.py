"""`hdsctl traces` on S3 server access logs in moto over HTTP: two tenants share one log bucket
(and even the same log objects); each export holds exactly its own tenant's seeded lines, is
sealed and verifies offline, and a tampered byte fails verification."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from controlplane.cli.main import cli
from controlplane.evidence import generate_key
from hds_s3.access_log import format_line
from hds_s3.demo.local_endpoint import LocalS3Endpoint
from tests.plugins.s3.helpers import credentials_env, unique

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
ALICE = "arn:aws:iam::111111111111:user/alice"
BOB = "arn:aws:iam::111111111111:user/bob"


def _contract() -> dict[str, Any]:
    return {"rpo_hours": 24, "rto_hours": 4, "log_retention_days": 365}


@pytest.fixture
def shared_logs(endpoint: LocalS3Endpoint, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Tenant A (one data bucket), tenant B (a bucket whose name extends A's), one log bucket
    holding both tenants' lines in the same objects, under one prefix, plus hostile lines."""
    admin = endpoint.new_account()
    s3 = endpoint.client("s3", admin)
    a_bucket, logs = unique("trace-a"), unique("trace-logs")
    b_bucket = a_bucket + "-b"  # a prefix test: s3://trace-a-xxx/ must not match s3://trace-a-xxx-b/
    for name in (a_bucket, b_bucket, logs):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    a_lines = [
        format_line(a_bucket, T0 + timedelta(minutes=i), ALICE, "REST.GET.OBJECT", f"dossiers/p{i}.pdf")
        for i in range(5)
    ]
    a_lines.append(
        format_line(a_bucket, T0 + timedelta(hours=1), BOB, "REST.PUT.OBJECT", "x", "203.0.113.9", 403, "AccessDenied")
    )
    b_lines = [
        format_line(b_bucket, T0 + timedelta(minutes=i), BOB, "REST.GET.OBJECT", f"secret-b/{i}.pdf") for i in range(4)
    ]
    hostile = ["not a log line", "\x1b]0;pwned\x07" + "A" * 50, "B" * 40000]
    mixed = [a_lines[0], b_lines[0], a_lines[1], hostile[0], b_lines[1], a_lines[2], hostile[1], hostile[2]]
    s3.put_object(Bucket=logs, Key="s3/2026-11-02-09-00-00-AAAA", Body="\n".join(mixed).encode())
    s3.put_object(Bucket=logs, Key="s3/2026-11-02-10-00-00-BBBB", Body="\n".join(a_lines[3:] + b_lines[2:]).encode())
    with credentials_env(admin) as creds:

        def s3_target(bucket: str) -> dict[str, Any]:
            return {
                "name": "stockage",
                "endpoint_url": endpoint.url,
                "region": "eu-west-3",
                "addressing_style": "path",
                "credentials": creds,
                "max_attempts": 1,
                "buckets": [{"name": bucket}],
                "trace_logs": {"access_logs": [{"bucket": logs, "prefix": "s3/"}]},
            }

        fleet = {
            "version": 1,
            "staff_directory": {
                "staff": [{"principals": [ALICE], "name": "Alice Martin", "team": "exploitation", "country": "FR"}],
                "networks": [{"cidr": "203.0.113.0/24", "country": "US"}],
            },
            "tenants": [
                {
                    "id": "tenant-a",
                    "name": "Clinique A",
                    "activities": [5],
                    "contract": _contract(),
                    "client_principals": [BOB],
                    "targets": {"s3": [s3_target(a_bucket)]},
                },
                {
                    "id": "tenant-b",
                    "name": "Clinique B",
                    "activities": [5],
                    "contract": _contract(),
                    "targets": {"s3": [s3_target(b_bucket)]},
                },
            ],
        }
        config = tmp_path / "hds.yaml"
        config.write_text(yaml.safe_dump(json.loads(json.dumps(fleet)), sort_keys=False), encoding="utf-8")
        key, pub, _kid = generate_key(tmp_path / "host.key")
        yield {"config": config, "key": key, "pub": pub, "a": a_lines, "b": b_lines, "a_bucket": a_bucket}


def _export(setup: dict[str, Any], tenant: str, out: Path, *extra: str) -> Any:
    args = [
        "traces",
        "-c",
        str(setup["config"]),
        "--tenant",
        tenant,
        "-o",
        str(out),
        "--signing-key",
        str(setup["key"]),
    ]
    return CliRunner().invoke(cli, [*args, *extra])


def _csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_export_holds_exactly_the_tenants_lines_from_a_shared_log_bucket(shared_logs: dict[str, Any], tmp_path: Path):
    out = tmp_path / "a.csv"
    result = _export(shared_logs, "tenant-a", out)
    assert result.exit_code == 0, result.output
    rows = _csv_rows(out)
    assert len(rows) == len(shared_logs["a"]) == 6
    assert {r["resource"] for r in rows} == {f"s3://{shared_logs['a_bucket']}/dossiers/p{i}.pdf" for i in range(5)} | {
        f"s3://{shared_logs['a_bucket']}/x"
    }
    assert not any(
        "secret-b" in r["resource"] or r["resource"].startswith(f"s3://{shared_logs['a_bucket']}-b") for r in rows
    )
    seal = json.loads(json.loads((tmp_path / "a.csv.seal.json").read_text())["payload"])
    source = seal["sources"][0]
    assert (seal["records"], source["malformed"], source["oversized"], source["out_of_scope"]) == (6, 2, 1, 4)
    assert "secret-b" not in out.read_text() + (tmp_path / "a.csv.seal.json").read_text()


def test_other_tenants_export_holds_only_its_lines(shared_logs: dict[str, Any], tmp_path: Path):
    out = tmp_path / "b.json"
    result = _export(shared_logs, "tenant-b", out, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["resource"].rsplit("/", 1)[1] for r in rows) == [f"{i}.pdf" for i in range(4)]
    assert all(r["resource"].startswith(f"s3://{shared_logs['a_bucket']}-b/") for r in rows)


def test_staff_clients_and_countries_are_classified(shared_logs: dict[str, Any], tmp_path: Path):
    out = tmp_path / "a.json"
    assert _export(shared_logs, "tenant-a", out, "--format", "json").exit_code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    alice = [r for r in rows if r["actor"] == ALICE]
    assert len(alice) == 5 and all(
        (r["actor_kind"], r["staff"], r["team"], r["country"], r["outside_eea"])
        == ("staff", "Alice Martin", "exploitation", "FR", False)
        for r in alice
    )
    (bob,) = [r for r in rows if r["actor"] == BOB]
    assert (bob["actor_kind"], bob["country"], bob["result"], bob["outside_eea"]) == (
        "client",
        "US",
        "403 AccessDenied",
        False,
    )


def test_actor_kind_and_window_filters(shared_logs: dict[str, Any], tmp_path: Path):
    out = tmp_path / "staff.csv"
    result = _export(
        shared_logs,
        "tenant-a",
        out,
        "--actor-kind",
        "staff",
        "--since",
        "2026-11-02T08:01:00",
        "--until",
        "2026-11-02T08:04",
    )
    assert result.exit_code == 0, result.output
    assert [r["resource"].rsplit("/", 1)[1] for r in _csv_rows(out)] == ["p1.pdf", "p2.pdf", "p3.pdf"]


def test_export_verifies_offline_and_a_changed_byte_does_not(shared_logs: dict[str, Any], tmp_path: Path):
    out = tmp_path / "a.html"
    assert _export(shared_logs, "tenant-a", out, "--format", "html").exit_code == 0
    ok = CliRunner().invoke(cli, ["traces", "verify", str(out), "--public-key", str(shared_logs["pub"])])
    assert ok.exit_code == 0, ok.output
    assert "verified" in ok.output and "6 accesses of tenant tenant-a" in ok.output
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "\x1b" not in page
    out.write_text(page.replace("p1.pdf", "p9.pdf"), encoding="utf-8")
    bad = CliRunner().invoke(cli, ["traces", "verify", str(out), "--public-key", str(shared_logs["pub"])])
    assert bad.exit_code == 1 and "NOT VERIFIED" in bad.output


def test_seal_from_another_key_fails_against_the_pinned_key(shared_logs: dict[str, Any], tmp_path: Path):
    out = tmp_path / "a.csv"
    assert _export(shared_logs, "tenant-a", out).exit_code == 0
    _other, other_pub, _ = generate_key(tmp_path / "other.key")
    bad = CliRunner().invoke(cli, ["traces", "verify", str(out), "--public-key", str(other_pub)])
    assert bad.exit_code == 1 and "another key" in bad.output


def test_unknown_tenant_writes_nothing(shared_logs: dict[str, Any], tmp_path: Path):
    out = tmp_path / "nobody.csv"
    result = _export(shared_logs, "nobody", out)
    assert result.exit_code == 2 and "no tenant 'nobody'" in result.output
    assert list(tmp_path.glob("nobody*")) == []


def test_default_source_is_each_buckets_logging_target_and_cloudtrail_files_are_read(
    endpoint: LocalS3Endpoint, tmp_path: Path
):
    """No access_logs declared: the bucket's own logging configuration says where; CloudTrail
    data-event files (JSON.gz) of the same trail bucket are read too, other buckets' events left out."""
    import gzip

    from controlplane.traces.record import ReadStats, TraceWindow
    from hds_s3.demo.local_fleet import BucketPlan, provision_buckets
    from hds_s3.target import S3Target
    from hds_s3.traces import trace_sources

    admin = endpoint.new_account()
    p = unique("trdef")
    provision_buckets(
        endpoint,
        admin,
        [BucketPlan(f"{p}-logs", receives_logs=True, tls_only=False), BucketPlan(f"{p}-data", log_to=f"{p}-logs")],
    )
    s3 = endpoint.client("s3", admin)
    prefix = s3.get_bucket_logging(Bucket=f"{p}-data")["LoggingEnabled"]["TargetPrefix"]
    s3.put_object(
        Bucket=f"{p}-logs",
        Key=f"{prefix}2026-11-02-09-00-00-AAAA",
        Body=format_line(f"{p}-data", T0, ALICE, "REST.GET.OBJECT", "a.pdf").encode(),
    )
    trail = {
        "Records": [
            {
                "eventTime": "2026-11-02T08:00:00Z",
                "eventName": "GetObject",
                "userIdentity": {"type": "IAMUser", "arn": BOB},
                "sourceIPAddress": "192.0.2.1",
                "requestParameters": {"bucketName": f"{p}-data", "key": "b.pdf"},
            },
            {"eventTime": "2026-11-02T08:01:00Z", "requestParameters": {"bucketName": "someone-else"}},
            {"eventTime": "not a time", "requestParameters": {"bucketName": f"{p}-data"}},
        ]
    }
    s3.put_object(
        Bucket=f"{p}-logs",
        Key="AWSLogs/1/CloudTrail/eu-west-3/1_CloudTrail_eu-west-3_20261102T0805Z_x.json.gz",
        Body=gzip.compress(json.dumps(trail).encode()),
    )
    with credentials_env(admin) as creds:
        t = S3Target.model_validate(
            {
                "name": "stockage",
                "endpoint_url": endpoint.url,
                "region": "eu-west-3",
                "addressing_style": "path",
                "credentials": creds,
                "buckets": [{"name": f"{p}-data"}],
                "trace_logs": {"cloudtrail": [{"bucket": f"{p}-logs", "prefix": "AWSLogs/"}]},
            }
        )
        sources = trace_sources(None, t, 10)  # type: ignore[arg-type]
        access, trail_source = sources
        stats = [ReadStats(), ReadStats()]
        got = [list(s.read(TraceWindow(), st)) for s, st in zip(sources, stats, strict=True)]
    assert [(r.actor, r.resource) for r in got[0]] == [(ALICE, f"s3://{p}-data/a.pdf")]
    assert [(r.actor, r.action, r.resource, r.result) for r in got[1]] == [
        (BOB, "GetObject", f"s3://{p}-data/b.pdf", "success")
    ]
    assert (stats[1].out_of_scope, stats[1].malformed) == (1, 1)
    assert "bucket logging" in access.name and "cloudtrail" in trail_source.name

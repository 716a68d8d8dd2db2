"""TRC-01 to TRC-03 on an S3 target in moto over HTTP: a missing trace source, logs that stopped
flowing and traces that do not reach back to the contracted retention each fail."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from controlplane.results import Status
from hds_s3.checks_traces import trace_coverage, trace_fresh, trace_source
from hds_s3.demo.local_endpoint import LocalS3Endpoint
from hds_s3.demo.local_fleet import BucketPlan, provision_buckets
from tests.plugins.s3.helpers import check_ctx, collect, credentials_env, statuses, target, unique


def _setup(endpoint: LocalS3Endpoint, with_objects: bool = True):
    admin = endpoint.new_account()
    p = unique("trc")
    provision_buckets(
        endpoint,
        admin,
        [
            BucketPlan(f"{p}-logs", receives_logs=True, expire_days=400, tls_only=False),
            BucketPlan(f"{p}-logged", log_to=f"{p}-logs"),
            BucketPlan(f"{p}-silent"),
        ],
    )
    if with_objects:
        endpoint.client("s3", admin).put_object(Bucket=f"{p}-logs", Key=f"{p}-logged/2026-12-04-10-00-00-A", Body=b"x")
    return admin, p


def test_bucket_without_logging_or_trace_logs_has_no_trace_source(endpoint: LocalS3Endpoint):
    admin, p = _setup(endpoint)
    with credentials_env(admin) as creds:
        t = target(endpoint.url, creds, buckets=[{"name": f"{p}-logged"}, {"name": f"{p}-silent"}])
        findings = {f.resource: f for f in trace_source(collect(t), check_ctx(t))}
    assert findings[f"{p}-logged"].status is Status.passed
    assert findings[f"{p}-silent"].status is Status.failed and "no trace source" in findings[f"{p}-silent"].message


def test_fresh_logs_pass_and_logs_that_stopped_flowing_fail(endpoint: LocalS3Endpoint):
    admin, p = _setup(endpoint)
    with credentials_env(admin) as creds:
        t = target(endpoint.url, creds, buckets=[{"name": f"{p}-logged"}], trace_logs={})
        snap = collect(t)
    ctx = check_ctx(t, contract={"trace_max_age_hours": 24})
    assert statuses(trace_fresh(snap, ctx)) == [Status.passed]
    later = dataclasses.replace(snap, collected_at=snap.collected_at + timedelta(hours=30))
    (stopped,) = trace_fresh(later, ctx)
    assert stopped.status is Status.failed and "stopped flowing" in stopped.message
    assert stopped.evidence["sources"] == [f"s3://{p}-logs/{p}-logged/"]


def test_traces_younger_than_the_contracted_retention_fail_coverage(endpoint: LocalS3Endpoint):
    admin, p = _setup(endpoint)
    with credentials_env(admin) as creds:
        t = target(
            endpoint.url,
            creds,
            buckets=[{"name": f"{p}-logged"}],
            trace_logs={"access_logs": [{"bucket": f"{p}-logs", "prefix": f"{p}-logged/"}]},
        )
        snap = collect(t)
    (short,) = trace_coverage(snap, check_ctx(t, contract={"log_retention_days": 180}))
    assert short.status is Status.failed and "short of the contracted 180 days" in short.message


def test_no_log_object_at_all_fails_both(endpoint: LocalS3Endpoint):
    admin, p = _setup(endpoint, with_objects=False)
    with credentials_env(admin) as creds:
        where = {"access_logs": [{"bucket": f"{p}-logs", "prefix": "nothing-here/"}]}
        t = target(endpoint.url, creds, buckets=[{"name": f"{p}-logged"}], trace_logs=where)
        snap = collect(t)
    assert statuses(trace_fresh(snap, check_ctx(t))) == [Status.failed]
    assert statuses(trace_coverage(snap, check_ctx(t))) == [Status.failed]


def test_target_without_trace_logs_fails_flow_and_coverage_with_the_reason(endpoint: LocalS3Endpoint):
    admin, p = _setup(endpoint)
    with credentials_env(admin) as creds:
        t = target(endpoint.url, creds, buckets=[{"name": f"{p}-logged"}])
        snap = collect(t)
    for check in (trace_fresh, trace_coverage):
        (finding,) = check(snap, check_ctx(t))
        assert finding.status is Status.failed and "no trace_logs declared" in finding.message

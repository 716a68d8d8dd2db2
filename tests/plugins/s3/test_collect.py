"""Collection over real HTTP: what is requested (counted at the server), how each kind of answer
becomes an aspect outcome, provider profiles, credentials modes, and whole-target failures."""

from __future__ import annotations

import json
import socket

import pytest

from controlplane.errors import TransientError
from controlplane.results import Status
from controlplane.secrets import SecretResolutionError
from hds_s3 import checks_access, checks_account, checks_encryption, checks_location, checks_logging
from hds_s3.client import TargetClients
from hds_s3.demo.local_endpoint import LocalCredentials, LocalS3Endpoint
from hds_s3.demo.local_fleet import AccountPlan, BucketPlan, provision_account, provision_buckets
from hds_s3.snapshot import BUCKET_ASPECTS, AspectState
from tests.plugins.s3.helpers import (
    SUBRESOURCES,
    by_resource,
    check_ctx,
    collect,
    credentials_env,
    s3_reads,
    services_called,
    target,
    unique,
)

PLACEHOLDER_KEYS = LocalCredentials("000000000000", "AKIAHDSTESTPLACEHOLDER", "placeholder-secret-for-tests")
"""For endpoints that never check them; without keys the SDK would look for an instance role."""


def test_each_aspect_is_read_once_per_bucket(endpoint: LocalS3Endpoint) -> None:
    admin = endpoint.new_account()
    p = unique("once") + "-"
    provision_buckets(
        endpoint,
        admin,
        [
            BucketPlan(f"{p}logs", receives_logs=True, expire_days=400),
            BucketPlan(f"{p}replica", region="eu-central-1"),
            BucketPlan(f"{p}a", log_to=f"{p}logs", replicate_to=f"{p}replica"),
            BucketPlan(f"{p}b", log_to=f"{p}logs"),
        ],
    )
    auditor = endpoint.new_user(admin, "auditor")
    declared = [f"{p}a", f"{p}b", f"{p}logs", f"{p}missing"]
    with credentials_env(auditor) as creds:
        collect(target(endpoint.url, creds, buckets=[{"name": n} for n in declared]))
    reads = s3_reads(endpoint.requests, auditor.access_key_id)
    assert set(reads.values()) == {1}
    for name in (f"{p}a", f"{p}b", f"{p}logs"):
        assert {sub for bucket, sub in reads if bucket == name} == set(SUBRESOURCES)
    # Pointed-to buckets: only what the checks need from them; a missing bucket stops at its location.
    assert {sub for bucket, sub in reads if bucket == f"{p}replica"} == {"location"}
    assert {sub for bucket, sub in reads if bucket == f"{p}missing"} == {"location"}
    assert len(BUCKET_ASPECTS) == len(SUBRESOURCES)


def test_account_public_access_block_is_read_on_a_custom_endpoint(endpoint: LocalS3Endpoint) -> None:
    """botocore would send S3 Control calls to <account-id>.127.0.0.1: they must reach the endpoint."""
    admin = endpoint.new_account()
    bucket = unique("pab")
    provision_buckets(endpoint, admin, [BucketPlan(bucket)])
    provision_account(endpoint, admin, AccountPlan(trail="none"), "eu-west-3")
    with credentials_env(admin) as creds:
        t = target(endpoint.url, creds, buckets=[{"name": bucket}])
        assert TargetClients(t, 10).config.inject_host_prefix is False
        snap = collect(t)
    assert snap.account.public_access_block.value == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    paths = {r.path for r in endpoint.requests if r.access_key == admin.access_key_id and r.method == "GET"}
    assert "/v20180820/configuration/publicAccessBlock" in paths
    [finding] = checks_access.public_access_account(snap, check_ctx(t))
    assert (finding.status, finding.resource) == (Status.passed, f"account {admin.account_id}")


def test_provider_without_account_apis_is_not_applicable_and_costs_no_request(endpoint: LocalS3Endpoint) -> None:
    admin = endpoint.new_account()
    bucket = unique("scw")
    provision_buckets(endpoint, admin, [BucketPlan(bucket, region="fr-par", encryption="aws:kms", kms_key="cle-1")])
    with credentials_env(admin) as creds:
        declared = [{"name": bucket, "require_kms": True}]
        t = target(endpoint.url, creds, provider="scaleway", region="fr-par", buckets=declared)
        snap = collect(t)
    assert services_called(endpoint, admin.access_key_id) >= {"s3"}
    calls_after_setup = {
        r.service for r in endpoint.requests if r.access_key == admin.access_key_id and r.method == "GET"
    }
    assert calls_after_setup == {"s3"}
    ctx = check_ctx(t)
    for check in (
        checks_access.public_access_account,
        checks_account.cloudtrail,
        checks_account.console_mfa,
        checks_account.access_key_age,
        checks_encryption.kms_key_rotation,
    ):
        [finding] = check(snap, ctx)
        assert finding.status is Status.not_applicable, (check.__name__, finding)
        assert "provider profile 'scaleway' has no" in finding.message
    [location] = checks_location.data_location(snap, ctx)
    assert location.status is Status.passed and location.evidence["region"] == "fr-par"
    [encryption] = checks_encryption.default_encryption(snap, ctx)
    assert encryption.status is Status.passed and "key manager not verifiable" in encryption.message


def test_an_api_answering_not_implemented_is_not_applicable(endpoint: LocalS3Endpoint, scripted_server) -> None:
    server = scripted_server(501, json.dumps({"__type": "NotImplemented", "message": "no trails here"}).encode())
    admin = endpoint.new_account()
    bucket = unique("ni")
    provision_buckets(endpoint, admin, [BucketPlan(bucket)])
    with credentials_env(admin) as creds:
        t = target(endpoint.url, creds, service_endpoints={"cloudtrail": server.url}, buckets=[{"name": bucket}])
        snap = collect(t)
    assert snap.account.trails.state is AspectState.unsupported
    [finding] = checks_account.cloudtrail(snap, check_ctx(t))
    assert finding.status is Status.not_applicable
    assert "NotImplemented" in finding.message and "HTTP 501" in finding.message


def test_a_feature_declared_missing_is_not_applicable_without_a_request(endpoint: LocalS3Endpoint) -> None:
    admin = endpoint.new_account()
    bucket = unique("nolog")
    provision_buckets(endpoint, admin, [BucketPlan(bucket)])
    with credentials_env(admin) as creds:
        t = target(endpoint.url, creds, unsupported_apis=["logging"], buckets=[{"name": bucket}])
        snap = collect(t)
    assert (bucket, "logging") not in s3_reads(endpoint.requests, admin.access_key_id)
    [finding] = checks_logging.access_logging(snap, check_ctx(t))
    assert finding.status is Status.not_applicable
    assert "declares the endpoint has no logging API" in finding.message


def test_throttling_ends_in_an_error_after_bounded_retries(endpoint: LocalS3Endpoint, scripted_server) -> None:
    server = scripted_server(400, json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode())
    admin = endpoint.new_account()
    bucket = unique("thr")
    provision_buckets(endpoint, admin, [BucketPlan(bucket)])
    with credentials_env(admin) as creds:
        endpoints = {"cloudtrail": server.url}
        t = target(endpoint.url, creds, max_attempts=2, service_endpoints=endpoints, buckets=[{"name": bucket}])
        snap = collect(t)
    assert len(server.requests) == 2
    assert snap.account.trails.state is AspectState.error and snap.account.trails.transient
    [finding] = checks_account.cloudtrail(snap, check_ctx(t))
    assert finding.status is Status.error
    assert "ThrottlingException" in finding.message and "after 2 attempts" in finding.message


def test_an_endpoint_that_only_fails_transiently_makes_the_collection_retryable(scripted_server) -> None:
    slow_down = b"<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>"
    server = scripted_server(503, slow_down, "application/xml")
    with credentials_env(PLACEHOLDER_KEYS) as creds, pytest.raises(TransientError, match="SlowDown"):
        collect(target(server.url, creds, provider="minio", allowed_regions=["eu-west-3"], buckets=[{"name": "b-1"}]))


def test_an_unreachable_endpoint_makes_the_collection_retryable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with credentials_env(PLACEHOLDER_KEYS) as creds, pytest.raises(TransientError, match="endpoint unreachable"):
        collect(target(f"http://127.0.0.1:{port}", creds, provider="ceph", buckets=[{"name": "b-1"}]), timeout_s=4)


def test_discovery_adds_prefixed_buckets_and_keeps_declared_roles(endpoint: LocalS3Endpoint) -> None:
    admin = endpoint.new_account()
    p = unique("disc") + "-"
    other = unique("autre")
    provision_buckets(endpoint, admin, [BucketPlan(f"{p}a"), BucketPlan(f"{p}b"), BucketPlan(other)])
    with credentials_env(admin) as creds:
        t = target(
            endpoint.url,
            creds,
            buckets=[{"name": f"{p}a", "roles": ["critical"]}],
            discover={"prefix": p, "roles": ["backup"]},
        )
        snap = collect(t)
    assert {b.name: b.roles for b in snap.buckets} == {f"{p}a": ("critical",), f"{p}b": ("backup",)}


def test_denied_discovery_is_an_error_and_declared_buckets_are_still_judged(endpoint: LocalS3Endpoint) -> None:
    admin = endpoint.new_account()
    bucket = unique("listdeny")
    provision_buckets(endpoint, admin, [BucketPlan(bucket)])
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
        ],
    }
    auditor = endpoint.new_user(admin, "auditor", policy)
    with credentials_env(auditor) as creds:
        t = target(endpoint.url, creds, buckets=[{"name": bucket}], discover={"prefix": "x"})
        with endpoint.enforce_iam():
            snap = collect(t)
    assert snap.listing.state is AspectState.denied
    findings = checks_encryption.default_encryption(snap, check_ctx(t))
    assert [f.status for f in findings] == [Status.error, Status.passed]
    assert "cannot read the bucket list" in findings[0].message


def test_web_identity_credentials_reach_the_role_account(endpoint: LocalS3Endpoint, tmp_path) -> None:
    admin = endpoint.new_account()
    bucket = unique("oidc")
    provision_buckets(endpoint, admin, [BucketPlan(bucket)])
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl\n")
    credentials = {
        "role_arn": f"arn:aws:iam::{admin.account_id}:role/hds-auditor",
        "web_identity_token": {"file": str(token)},
    }
    snap = collect(target(endpoint.url, credentials, buckets=[{"name": bucket}]))
    assert snap.account.account_id.value == admin.account_id
    assert snap.buckets[0].location.value == "eu-west-3"


def test_profile_credentials_come_from_the_aws_config_files(endpoint: LocalS3Endpoint, tmp_path, monkeypatch) -> None:
    admin = endpoint.new_account()
    bucket = unique("prof")
    provision_buckets(endpoint, admin, [BucketPlan(bucket)])
    shared = tmp_path / "credentials"
    shared.write_text(
        f"[hds-audit]\naws_access_key_id = {admin.access_key_id}\naws_secret_access_key = {admin.secret_access_key}\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    snap = collect(target(endpoint.url, {"profile": "hds-audit"}, buckets=[{"name": bucket}]))
    assert snap.account.account_id.value == admin.account_id


def test_an_unknown_profile_is_named(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    with pytest.raises(RuntimeError, match="AWS profile 'absent' is not in the AWS config files"):
        collect(target("http://127.0.0.1:9", {"profile": "absent"}, buckets=[{"name": "b-1"}]))


def test_an_unset_secret_variable_is_named_and_nothing_is_requested(endpoint: LocalS3Endpoint) -> None:
    before = len(endpoint.requests)
    credentials = {"access_key_id": {"env": "HDS_TEST_S3_UNSET_KEY"}, "secret_access_key": {"env": "HDS_TEST_S3_X"}}
    with pytest.raises(SecretResolutionError, match="HDS_TEST_S3_UNSET_KEY"):
        collect(target(endpoint.url, credentials, buckets=[{"name": "b-1"}]))
    assert len(endpoint.requests) == before


def test_findings_name_buckets_and_never_the_keys(endpoint: LocalS3Endpoint) -> None:
    admin = endpoint.new_account()
    bucket = unique("secret")
    provision_buckets(endpoint, admin, [BucketPlan(bucket, encryption="none")])
    with credentials_env(admin) as creds:
        t = target(endpoint.url, creds, buckets=[{"name": bucket}])
        snap = collect(t)
    findings = by_resource(checks_encryption.default_encryption(snap, check_ctx(t)))
    assert findings[bucket].status is Status.failed
    assert admin.secret_access_key not in repr(snap)
    assert admin.access_key_id not in repr(snap)

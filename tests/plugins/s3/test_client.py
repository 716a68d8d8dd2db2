"""Client settings and how API failures become aspect outcomes (botocore's own exception types,
built as botocore builds them from a response)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from hds_s3.client import classify, client_config, keep_custom_host
from hds_s3.snapshot import AspectState
from hds_s3.target import S3Target


def error(code: str | None, status: int, message: str = "m", retries: int = 0) -> ClientError:
    response = {
        "Error": {"Code": code, "Message": message} if code else {},
        "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": retries},
    }
    return ClientError(response, "GetBucketEncryption")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "state", "transient"),
    [
        (error("ServerSideEncryptionConfigurationNotFoundError", 404), AspectState.missing, False),
        (error("AccessDenied", 403), AspectState.denied, False),
        (error(None, 403), AspectState.denied, False),
        (error("InvalidAccessKeyId", 403), AspectState.denied, False),
        (error("NotImplemented", 501), AspectState.unsupported, False),
        (error("Whatever", 501), AspectState.unsupported, False),
        (error("SlowDown", 503, retries=2), AspectState.error, True),
        (error("ThrottlingException", 400), AspectState.error, True),
        (error("InternalError", 500), AspectState.error, True),
        (error("InvalidRequest", 400), AspectState.error, False),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), AspectState.error, True),
        (NoCredentialsError(), AspectState.error, False),
    ],
)
def test_classification(exc: Exception, state: AspectState, transient: bool) -> None:
    outcome = classify(exc, frozenset({"ServerSideEncryptionConfigurationNotFoundError"}))
    assert (outcome.state, outcome.transient) == (state, transient)


def test_retries_are_counted_in_the_reason() -> None:
    assert classify(error("SlowDown", 503, "Reduce your request rate.", retries=2)).reason == (
        "SlowDown: Reduce your request rate. (HTTP 503), after 3 attempts"
    )


def test_bugs_are_not_swallowed() -> None:
    with pytest.raises(KeyError):
        classify(KeyError("x"))


def test_client_settings_follow_the_target_and_the_budget() -> None:
    t = S3Target.model_validate(
        {
            "name": "s",
            "region": "eu-west-3",
            "addressing_style": "path",
            "max_attempts": 4,
            "buckets": [{"name": "abc"}],
        }
    )
    config = client_config(t, 20)
    assert (config.connect_timeout, config.read_timeout) == (5.0, 10.0)
    assert config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert config.max_pool_connections >= 8 and config.inject_host_prefix is False
    assert config.s3 == {"addressing_style": "path"}


class _Request:
    def __init__(self, url: str) -> None:
        self.url = url


def test_s3_control_requests_keep_the_configured_host() -> None:
    handler = keep_custom_host("http://127.0.0.1:5000")
    request = _Request("http://123456789012.127.0.0.1:5000/v20180820/configuration/publicAccessBlock")
    handler(request)
    assert request.url == "http://127.0.0.1:5000/v20180820/configuration/publicAccessBlock"
    aws = _Request("https://123456789012.s3-control.eu-west-3.amazonaws.com/v20180820/configuration/publicAccessBlock")
    handler(aws)
    assert aws.url.startswith("https://123456789012.s3-control")


def test_botocores_endpoint_rule_cache_holds_a_sweeps_buckets() -> None:
    """Hundreds of buckets read at once: botocore's 100-entry cache would be evicted before each
    bucket's next request (endpoint rules evaluated again for most requests)."""
    import boto3
    from botocore.endpoint_provider import EndpointProvider

    from hds_s3.client import ENDPOINT_RULE_CACHE, widen_endpoint_rule_cache

    widen_endpoint_rule_cache()
    widen_endpoint_rule_cache()  # idempotent: not wrapped twice
    assert EndpointProvider._resolve_endpoint.cache_info().maxsize == ENDPOINT_RULE_CACHE
    s3 = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        region_name="eu-west-3",
        aws_access_key_id="AKIAEXAMPLE",
        aws_secret_access_key="not-a-secret",
    )
    before = EndpointProvider._resolve_endpoint.cache_info()
    urls = {
        s3.generate_presigned_url("get_bucket_versioning", {"Bucket": f"b-{i:03d}"}).split("?")[0] for i in range(150)
    }
    urls |= {
        s3.generate_presigned_url("get_bucket_versioning", {"Bucket": f"b-{i:03d}"}).split("?")[0] for i in range(150)
    }
    after = EndpointProvider._resolve_endpoint.cache_info()
    assert len(urls) == 150 and all(u.startswith("http://") for u in urls)
    assert after.hits - before.hits >= 150, "the second pass over 150 buckets is served from the cache"

"""boto3 for one target: one session, one client per service shared by the collector's threads,
timeouts and bounded retries set, and API failures turned into aspect outcomes.

boto3/botocore are imported inside functions: the core and `hdsctl controls list` must not pay
for them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from controlplane.secrets import remember
from hds_s3 import shared_clients
from hds_s3.snapshot import Aspect
from hds_s3.target import S3Target

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config

WORKERS = 8
"""Threads collecting one target's buckets."""


def pool_connections() -> int:
    """Connections kept per client: as many as the endpoint's window may grow to
    (`runtime.endpoint_max_in_flight`), since a client may serve many targets at once (see
    `shared_clients`) and every request in flight needs its own connection."""
    from controlplane.endpoint_limits import limits

    return limits().endpoint_max


TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "BandwidthLimitExceeded",
        "PriorRequestNotComplete",
        "ServiceUnavailable",
        "InternalError",
    }
)
DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AllAccessDisabled",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "AuthFailure",
        "AccountProblem",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidToken",
        "UnrecognizedClientException",
    }
)
UNSUPPORTED_CODES = frozenset({"NotImplemented", "NotImplementedException", "UnsupportedOperation", "NotSupported"})


def _timeouts(timeout_s: float) -> tuple[float, float]:
    """Connect and read timeouts that leave room for retries inside the collection budget."""
    return min(10.0, max(1.0, timeout_s / 4)), min(60.0, max(2.0, timeout_s / 2))


def client_config(target: S3Target, timeout_s: float) -> Config:
    from botocore.config import Config

    connect, read = _timeouts(timeout_s)
    return Config(
        region_name=target.region,
        connect_timeout=connect,
        read_timeout=read,
        retries={"mode": "standard", "total_max_attempts": target.max_attempts},
        max_pool_connections=pool_connections(),
        user_agent_extra="hds-controlplane",
        s3={"addressing_style": target.addressing_style},
        # S3 Control puts the account id in front of the host. Older botocore did it through the
        # host-prefix trait, which this turns off; current botocore does it in its endpoint
        # rules, which `keep_custom_host` undoes on custom endpoints.
        inject_host_prefix=False,
    )


def keep_custom_host(endpoint_url: str) -> Callable[..., None]:
    """`123456789012.s3.example` does not resolve on a custom endpoint: sign and send the
    request to the configured host. The account id still travels in `x-amz-account-id`."""
    netloc = urlsplit(endpoint_url).netloc

    def handler(request: Any, **_: Any) -> None:
        parts = urlsplit(request.url)
        if parts.netloc != netloc and parts.netloc.endswith("." + netloc):
            request.url = urlunsplit(parts._replace(netloc=netloc))

    return handler


_loader_lock = threading.Lock()
_loader: Any = None
ENDPOINT_RULE_CACHE = 4096
"""Parameter sets (bucket, operation family, region...) whose resolved endpoint botocore keeps."""


def widen_endpoint_rule_cache() -> None:
    """botocore caches resolved endpoints for 100 parameter sets, process-wide, and a bucket's
    requests have their own. A sweep reading hundreds of buckets at once evicts each entry before
    that bucket's next request, so botocore evaluates its S3 endpoint rules again for ~85 % of
    requests (profiled: a third of its CPU per request; plain boto3 reading one bucket at a time
    hits its cache). The same cached function with room for `ENDPOINT_RULE_CACHE` entries
    (a few MB at most); idempotent, and nothing happens if botocore's layout differs."""
    from botocore.endpoint_provider import EndpointProvider
    from botocore.utils import lru_cache_weakref

    current = EndpointProvider._resolve_endpoint
    original = getattr(current, "__wrapped__", None)
    if original is None or getattr(current, "hds_widened", False):
        return
    widened = lru_cache_weakref(maxsize=ENDPOINT_RULE_CACHE)(original)
    widened.hds_widened = True  # type: ignore[attr-defined]
    EndpointProvider._resolve_endpoint = widened  # type: ignore[method-assign]


def _new_session(**kwargs: Any) -> boto3.Session:
    """A boto3 session sharing one botocore data loader with every other: parsing the service
    models is most of the cost of a new session, and a run opens one per target. The loader only
    caches parsed files; a race loads a file twice, harmlessly."""
    global _loader
    import boto3
    import botocore.session

    with _loader_lock:
        if _loader is None:
            _loader = botocore.session.get_session().get_component("data_loader")
            widen_endpoint_rule_cache()
    core = botocore.session.Session()
    core.register_component("data_loader", _loader)
    return boto3.Session(botocore_session=core, **kwargs)


def build_session(target: S3Target, config: Config) -> boto3.Session:
    """One session per target per collection, from the configured credential references."""
    from botocore.exceptions import ProfileNotFound

    creds = target.credentials
    if creds is None:
        return _new_session(region_name=target.region)
    if creds.mode == "profile":
        try:
            session = _new_session(profile_name=creds.profile, region_name=target.region)
            if creds.profile in session.available_profiles:
                return session
        except ProfileNotFound:
            pass
        raise RuntimeError(f"AWS profile {creds.profile!r} is not in the AWS config files")
    if creds.mode == "keys":
        assert creds.access_key_id is not None and creds.secret_access_key is not None
        return _new_session(
            aws_access_key_id=creds.access_key_id.resolve().get_secret_value(),
            aws_secret_access_key=creds.secret_access_key.resolve().get_secret_value(),
            aws_session_token=creds.session_token.resolve().get_secret_value() if creds.session_token else None,
            region_name=target.region,
        )
    return _web_identity_session(target, config)


def _web_identity_session(target: S3Target, config: Config) -> boto3.Session:
    """AssumeRoleWithWebIdentity (an unsigned call) for short-lived keys; the shortest duration
    STS allows is ample for one collection."""
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    creds = target.credentials
    assert creds is not None and creds.web_identity_token is not None and creds.role_arn is not None
    token = creds.web_identity_token.resolve().get_secret_value()
    from hds_s3.limits import bound_client

    sts = bound_client(
        _new_session(region_name=target.region).client(
            "sts",
            endpoint_url=target.endpoint_for("sts"),
            verify=target.ca_bundle or True,
            config=config.merge(Config(signature_version=UNSIGNED)),
        )
    )
    try:
        answer = sts.assume_role_with_web_identity(
            RoleArn=creds.role_arn,
            RoleSessionName=creds.role_session_name,
            WebIdentityToken=token,
            DurationSeconds=900,
        )
    except (ClientError, BotoCoreError) as exc:
        raise RuntimeError(f"cannot assume {creds.role_arn} with the web identity token: {exc}") from None
    temporary = answer["Credentials"]
    remember(temporary["SecretAccessKey"])
    remember(temporary["SessionToken"])
    return _new_session(
        aws_access_key_id=temporary["AccessKeyId"],
        aws_secret_access_key=temporary["SecretAccessKey"],
        aws_session_token=temporary["SessionToken"],
        region_name=target.region,
    )


class TargetClients:
    """The clients for one target. boto3 clients are thread-safe, sessions are not: clients are
    created under a lock, once, then shared — with the other targets of the run that have the
    same identity, endpoint and settings (`shared_clients`), except for web identities."""

    def __init__(self, target: S3Target, timeout_s: float) -> None:
        self.target = target
        self.config = client_config(target, timeout_s)
        self._settings = (
            target.region,
            target.addressing_style,
            target.max_attempts,
            _timeouts(timeout_s),
            pool_connections(),
        )
        shared = shared_clients.identity(target)
        self._identity, self._credentials = shared if shared is not None else (None, {})
        if target.credentials is None or target.credentials.mode == "keys":
            self._session = shared_clients.shared_session(_new_session)
        else:
            self._session = build_session(target, self.config)
        if self._credentials.get("aws_access_key_id") is None and self._session.get_credentials() is None:
            raise RuntimeError(
                f"no credentials for target {target.name!r}: set its credentials, or provide the SDK's default "
                "chain (environment, instance role, web identity)"
            )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str, region: str | None = None) -> Any:
        """The client for `service` (in `region`, for regional services such as KMS; default:
        the target's region)."""
        key = (service, region or self.target.region)
        endpoint = self.target.endpoint_url if service == "s3" else self.target.endpoint_for(service)
        if self._identity is not None:
            shared_key = (*key, endpoint, self.target.ca_bundle, self._settings, self._identity)
            return shared_clients.client(shared_key, lambda: self._new_client(service, key[1], endpoint))
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = self._new_client(service, key[1], endpoint)
            return client

    def _new_client(self, service: str, region: str, endpoint: str | None) -> Any:
        from hds_s3.limits import bound_client

        client = self._session.client(
            service,
            region_name=region,
            endpoint_url=endpoint,
            verify=self.target.ca_bundle or True,
            config=self.config,
            **self._credentials,
        )
        if service == "s3control" and endpoint is not None:
            client.meta.events.register("before-sign.s3-control", keep_custom_host(endpoint))
        return bound_client(client)


def _reason(code: str, message: str, status: int | None) -> str:
    text = f"{code}: {message}" if message and message != code else code
    if status:
        text += f" (HTTP {status})"
    return text[:300]


def classify(exc: Exception, missing_codes: frozenset[str] = frozenset()) -> Aspect:
    """Turn an API failure into an outcome. Re-raises what is not an API or transport failure:
    that is a bug, and the collector's caller reports it as one."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        status = meta.get("HTTPStatusCode")
        code = str(error.get("Code") or status or "Unknown")
        reason = _reason(code, str(error.get("Message") or ""), status)
        if code in missing_codes:
            return Aspect.missing(code)
        if status == 501 or code in UNSUPPORTED_CODES:
            return Aspect.unsupported(f"the endpoint answered {reason}")
        if code in DENIED_CODES or status == 403:
            return Aspect.denied(reason)
        if code in TRANSIENT_CODES or status == 429 or (status or 0) >= 500:
            attempts = int(meta.get("RetryAttempts", 0)) + 1
            return Aspect.error(f"{reason}, after {attempts} attempt{'s' if attempts > 1 else ''}", transient=True)
        return Aspect.error(reason)
    from hds_s3.limits import AnswerTooLarge, AnswerTooSlow, BudgetSpent, EndpointBusy

    if isinstance(exc, AnswerTooLarge):
        return Aspect.error(str(exc))
    if isinstance(exc, (AnswerTooSlow, BudgetSpent, EndpointBusy)):
        return Aspect.error(str(exc), transient=True)
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)):
        return Aspect.error(f"endpoint unreachable: {exc}", transient=True)
    if isinstance(exc, NoCredentialsError):
        return Aspect.error("no credentials: configure the target's credentials or the SDK's default chain")
    if isinstance(exc, BotoCoreError):
        return Aspect.error(f"{type(exc).__name__}: {exc}")
    raise exc


def plain(value: Any) -> Any:
    """API data as JSON-compatible evidence: datetimes as ISO strings, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def fetch(call: Callable[[], Any], parse: Callable[[Any], Any], missing_codes: frozenset[str] = frozenset()) -> Aspect:
    """One API call → one outcome. `parse` gets the response and returns the value to keep (or an
    Aspect, when the answer itself is unusable, e.g. a policy that is not JSON)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = call()
    except (ClientError, BotoCoreError) as exc:
        return classify(exc, missing_codes)
    parsed = parse(response)
    return parsed if isinstance(parsed, Aspect) else Aspect.of(plain(parsed))

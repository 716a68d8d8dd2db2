"""Read a live cluster through the official `kubernetes` client (imported lazily).

One paged, cluster-wide list call per kind (`list_*_for_all_namespaces`, `limit`/`continue`),
each bounded by what is left of the collection budget. Responses are read raw
(`_preload_content=False`) and parsed into the typed snapshot page by page, the same path the
dump source takes, instead of through the client's slow model deserialisation.

Every answer is read in chunks, at most `runtime.max_response_mb` (decompressed) and whole before
the collection's deadline (`BoundedPoolManager`): the client's read timeout is per socket read,
so a dripping or endless body would otherwise hold the collection, and its memory, for ever.

Outcomes per kind: 403 or 404 → the kind is recorded unavailable (checks needing it report
`error`, others still judge); 401 → the whole collection fails; 429, 5xx, 410 (expired
continue token) and connection failures → `TransientError`, retried by the scheduler after two
quick retries of the GET (urllib3's for connection failures, `BoundedPoolManager`'s for 429 and
5xx); an answer over the size limit → the whole collection fails (not retried: it would be the
same); an answer cut at the deadline → `TransientError`.

Requests in flight per API server (host:port) follow `controlplane.endpoint_limits`, as the S3
plugin's do: a 429 (API Priority and Fairness), a 503 or a connection reset halves the server's
window, and a Retry-After holds every request to that server until the time it names — or, past
the collection's deadline, fails the listing at once with a reason naming the throttling.

Credentials stay in the client: every credential value of the kubeconfig (tokens, passwords,
client keys) is registered for redaction before any request, and messages are built from the
HTTP status and the API's `Status` message only.
"""

from __future__ import annotations

import contextlib
import json
import os
import ssl
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from controlplane import endpoint_limits
from controlplane.bounded_read import DEFAULT_MAX_RESPONSE_MB, ResponseTooLarge, ResponseTooSlow, max_response_bytes
from controlplane.errors import TransientError
from controlplane.secrets import SecretRef, SecretResolutionError, remember
from hds_kubernetes.api_requests import RETRY_BACKOFF_S, STATUS_RETRIES, THROTTLE_STATUSES, BoundedPoolManager
from hds_kubernetes.kinds import KINDS, ResourceKind
from hds_kubernetes.parse import ObjectError
from hds_kubernetes.snapshot import ClusterIdentity, ClusterSnapshot, SnapshotBuilder
from hds_kubernetes.target import KubernetesTarget

if TYPE_CHECKING:
    from kubernetes.client import ApiClient, Configuration

PAGE_SIZE = 500
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
CONNECT_TIMEOUT_S = 10.0
SECRET_KEYS = frozenset(
    {"token", "password", "client-key-data", "id-token", "refresh-token", "access-token", "client-secret"}
)


class ClusterAccessError(Exception):
    """The cluster cannot be read with these settings (not worth retrying): bad kubeconfig,
    refused credentials, TLS verification failure. The message never holds a credential."""


# -- where the cluster is and who reads it -------------------------------------------------------


def _kubeconfig_text(target: KubernetesTarget) -> tuple[str, str, Path | None]:
    """(kubeconfig YAML, safe description of its origin, file path when it is a file)."""
    ref = target.kubeconfig
    if isinstance(ref, str):
        path = Path(ref).expanduser()
        try:
            return path.read_text(encoding="utf-8"), f"kubeconfig {path}", path
        except OSError as exc:
            raise ClusterAccessError(f"cannot read kubeconfig {path}: {exc.strerror}") from None
    assert isinstance(ref, SecretRef)
    try:
        text = ref.resolve().get_secret_value()
    except SecretResolutionError as exc:
        raise ClusterAccessError(f"kubeconfig {ref.describe()}: {exc}") from None
    return text, f"kubeconfig {ref.describe()}", Path(ref.file) if ref.file else None


def _remember_credentials(node: Any) -> None:
    """Register every credential value of a kubeconfig for redaction, wherever it sits."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in SECRET_KEYS and isinstance(value, str):
                remember(value)
            elif key == "tokenFile" and isinstance(value, str):
                with contextlib.suppress(OSError):  # the client reports an unreadable file itself
                    remember(Path(value).read_text(encoding="utf-8").strip())
            else:
                _remember_credentials(value)
    elif isinstance(node, list):
        for item in node:
            _remember_credentials(item)


def _parse_kubeconfig(text: str, origin: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ClusterAccessError(f"{origin} is not valid YAML") from None
    if not isinstance(data, dict):
        raise ClusterAccessError(f"{origin} is not a kubeconfig (expected a mapping)")
    _remember_credentials(data.get("users"))
    return data


def _named(data: Mapping[str, Any], section: str, name: str, origin: str) -> Mapping[str, Any]:
    for entry in data.get(section) or []:
        if isinstance(entry, Mapping) and entry.get("name") == name:
            inner = entry.get(section[:-1])
            if isinstance(inner, Mapping):
                return inner
    raise ClusterAccessError(f"{origin}: no {section[:-1]} named {name!r}")


def kubeconfig_identity(target: KubernetesTarget) -> ClusterIdentity:
    """Server URL and credentials' origin, read from the kubeconfig without contacting anyone."""
    text, origin, _ = _kubeconfig_text(target)
    data = _parse_kubeconfig(text, origin)
    context = target.context or data.get("current-context")
    if not context:
        raise ClusterAccessError(f"{origin} has no current-context: set 'context' on the target")
    cluster_name = _named(data, "contexts", str(context), origin).get("cluster")
    server = _named(data, "clusters", str(cluster_name), origin).get("server")
    if not server:
        raise ClusterAccessError(f"{origin}: cluster {cluster_name!r} has no server")
    return ClusterIdentity("kubeconfig", str(server).rstrip("/"), f"{origin}, context {context}")


def in_cluster_identity(environ: Mapping[str, str] = os.environ, sa_dir: Path = SERVICE_ACCOUNT_DIR) -> ClusterIdentity:
    host, port = environ.get("KUBERNETES_SERVICE_HOST"), environ.get("KUBERNETES_SERVICE_PORT")
    if not host or not port or not (sa_dir / "token").is_file():
        raise ClusterAccessError(
            "source in_cluster: not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST/PORT unset or no "
            f"service account token in {sa_dir}); set kubeconfig or dump_dir on the target"
        )
    server = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
    return ClusterIdentity("in_cluster", server, f"service account of this pod ({sa_dir})")


def _configuration() -> Configuration:
    from kubernetes.client import Configuration
    from urllib3.util.retry import Retry

    cfg = Configuration()
    # As many connections as the API server's window may grow to.
    cfg.connection_pool_maxsize = endpoint_limits.limits().endpoint_max
    # Two quick retries of idempotent GETs on connection errors here; 429 and 5xx answers are
    # retried by `BoundedPoolManager` (urllib3 would read their whole body first), which honours
    # Retry-After through the endpoint's window, up to the collection's deadline; the scheduler
    # retries the whole collection after that.
    cfg.retries = Retry(
        total=STATUS_RETRIES,
        backoff_factor=RETRY_BACKOFF_S,
        status_forcelist=(),
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        respect_retry_after_header=False,
    )
    return cfg


def open_kubeconfig_client(target: KubernetesTarget) -> ApiClient:
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    text, origin, path = _kubeconfig_text(target)
    data = _parse_kubeconfig(text, origin)
    cfg = _configuration()
    try:
        if path is not None:
            # From the file itself, so relative certificate paths resolve next to it;
            # persist_config=False: never write refreshed tokens back into the operator's file.
            client = config.new_client_from_config(
                config_file=str(path), context=target.context, persist_config=False, client_configuration=cfg
            )
        else:
            client = config.new_client_from_config_dict(
                data, context=target.context, persist_config=False, client_configuration=cfg
            )
    except (ConfigException, OSError, ValueError) as exc:
        raise ClusterAccessError(f"{origin}: {exc}") from None
    _remember_header(cfg)
    return client


def open_in_cluster_client(environ: Mapping[str, str] = os.environ, sa_dir: Path = SERVICE_ACCOUNT_DIR) -> ApiClient:
    from kubernetes.client import ApiClient
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.incluster_config import InClusterConfigLoader

    in_cluster_identity(environ, sa_dir)
    cfg = _configuration()
    try:
        remember((sa_dir / "token").read_text(encoding="utf-8").strip())
        InClusterConfigLoader(str(sa_dir / "token"), str(sa_dir / "ca.crt"), environ=environ).load_and_set(cfg)
    except (ConfigException, OSError) as exc:
        raise ClusterAccessError(f"source in_cluster: {exc}") from None
    _remember_header(cfg)
    return ApiClient(configuration=cfg)


def _remember_header(cfg: Configuration) -> None:
    for value in cfg.api_key.values():
        if isinstance(value, str):
            remember(value)
            remember(value.split(" ", 1)[-1])


# -- listing -----------------------------------------------------------------------------------


def _status_message(exc: Any) -> str:
    """The API's own explanation (a `Status` object's message), short, or the HTTP reason."""
    try:
        body = json.loads(exc.body or "{}")
        message = str(body.get("message") or "")
    except (TypeError, ValueError, AttributeError):
        message = ""
    return (message or str(exc.reason or "")).strip()[:300]


def _list_kind(client: ApiClient, kind: ResourceKind, builder: SnapshotBuilder, deadline: float) -> None:
    import kubernetes.client
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError, SSLError

    method = getattr(getattr(kubernetes.client, kind.api_class)(client), kind.list_method)
    token: str | None = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TransientError(f"listing {kind.label} did not finish within the collection timeout")
        try:
            response = method(
                limit=PAGE_SIZE,
                _continue=token,
                _preload_content=False,
                _request_timeout=(min(CONNECT_TIMEOUT_S, remaining), remaining),
            )
            body = json.loads(response.data)
        except ApiException as exc:
            _on_api_error(exc, kind, builder)
            return
        except ResponseTooLarge as exc:
            raise ClusterAccessError(f"listing {kind.label}: {exc}") from None
        except endpoint_limits.SlotUnavailable as exc:
            raise TransientError(f"listing {kind.label}: {exc}") from None
        except ResponseTooSlow:
            raise TransientError(
                f"listing {kind.label}: the API server's answer was not complete within the collection timeout"
            ) from None
        except (HTTPError, OSError) as exc:
            cause = getattr(exc, "reason", None) or exc
            if isinstance(cause, ssl.SSLError | SSLError):
                raise ClusterAccessError(f"TLS with {builder.identity.location} failed: {cause}") from None
            raise TransientError(f"listing {kind.label}: {type(cause).__name__}: {cause}") from None
        except ValueError:
            raise TransientError(f"listing {kind.label}: the API server sent a body that is not JSON") from None
        for item in body.get("items") or []:
            builder.add(kind, item)
        token = (body.get("metadata") or {}).get("continue") or None
        if not token:
            builder.mark_listed(kind)
            return


def _on_api_error(exc: Any, kind: ResourceKind, builder: SnapshotBuilder) -> None:
    status, message = int(exc.status or 0), _status_message(exc)
    if status == 403:
        builder.mark_unavailable(kind, f"403 Forbidden: {message}")
    elif status == 404:
        builder.mark_unavailable(kind, f"not served by this API server (404 for {kind.list_path})")
    elif status == 401:
        raise ClusterAccessError(
            f"the API server refused the credentials of {builder.identity.describe()} (401 Unauthorized)"
        )
    elif status == 410:
        raise TransientError(f"listing {kind.label}: the continue token expired (410 Gone); the list restarts")
    elif status in THROTTLE_STATUSES:
        raise TransientError(f"listing {kind.label}: {status} {message} (the API server is throttling)")
    elif status >= 500:
        raise TransientError(f"listing {kind.label}: {status} {message}")
    elif status == 0:
        raise ClusterAccessError(
            f"cannot reach {builder.identity.location}: {message.splitlines()[-1] if message else 'TLS error'}"
        )
    else:
        raise ClusterAccessError(f"listing {kind.label}: {status} {message}")


def list_cluster(
    client: ApiClient,
    identity: ClusterIdentity,
    timeout_s: float,
    max_bytes: int = max_response_bytes(DEFAULT_MAX_RESPONSE_MB),
) -> ClusterSnapshot:
    """List every kind the checks read, each answer at most `max_bytes`; the client is closed
    afterwards."""
    builder = SnapshotBuilder(identity)
    deadline = time.monotonic() + timeout_s
    rest = client.rest_client
    rest.pool_manager = BoundedPoolManager(rest.pool_manager, max_bytes, deadline)
    try:
        for kind in KINDS:
            _list_kind(client, kind, builder, deadline)
    except ObjectError as exc:
        raise ClusterAccessError(f"the API server sent an object the plugin cannot read: {exc}") from None
    finally:
        client.close()
    return builder.build(lambda k: f"{k.label} was not listed")

"""A local HTTP(S) server answering like a kube-apiserver's list endpoints, for the demo, the
tests and the benchmarks (no real API server can be installed on the build machines).

It serves the cluster-wide (and per-namespace) list paths of the kinds in `kinds.KINDS` with the
real response shapes: typed `…List` objects whose items carry no kind, `metadata.continue`
paging honouring `limit`, `Status` objects for every error (401 without the right bearer token,
403 for kinds made forbidden, 404 for unknown paths, injected 410/429/5xx). Every request is
logged, so a test can count list calls. Bound to 127.0.0.1 on an ephemeral port.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from hds_kubernetes.kinds import KINDS, ResourceKind, kind_of

READER = "system:serviceaccount:hds-system:hds-reader"
"""The identity 403 messages name, as the real API server names the caller."""
STATUS_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    410: "Expired",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
}


@dataclass(frozen=True)
class LoggedRequest:
    path: str
    query: Mapping[str, str]
    status: int
    answered: float = field(default_factory=time.monotonic)
    """time.monotonic() when the answer was ready (just before it was sent)."""


def status_object(code: int, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A `Status` object, the body of every API error."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": STATUS_REASONS.get(code, "Unknown"),
        "code": code,
    }
    if details is not None:
        body["details"] = dict(details)
    return body


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost that is its own CA (what the client must trust)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "local kube-apiserver")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "apiserver.crt", directory / "apiserver.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return cert_path, key_path


class LocalApiServer:
    """Serve `objects` (API-shaped dicts with apiVersion/kind) to bearer `token` holders."""

    def __init__(
        self, objects: Iterable[Mapping[str, Any]] = (), token: str | None = None, *, tls_dir: Path | None = None
    ) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self._lock = threading.Lock()
        self._objects: dict[str, list[dict[str, Any]]] = {}
        self._forbidden: set[str] = set()
        self._faults: dict[str, list[int]] = {}
        self._expire_continue = False
        self.retry_after: str | None = None
        """Sent as `Retry-After` with every injected 429 and 503 (seconds or an HTTP date)."""
        self.throttle_all: int | None = None
        """When set (429 or 503): every authenticated request gets that answer, as an API server
        under API Priority and Fairness rejects everything for a while."""
        self._resource_version = 1000
        self.requests: list[LoggedRequest] = []
        self.set_objects(objects)
        self._http = _QuietServer(("127.0.0.1", 0), _Handler)
        self._http.api = self  # type: ignore[attr-defined]
        self.ca_path: Path | None = None
        if tls_dir is not None:
            cert, key = _self_signed(tls_dir)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            self._http.socket = ctx.wrap_socket(self._http.socket, server_side=True, do_handshake_on_connect=False)
            self.ca_path = cert
        self.port = self._http.server_address[1]
        self._thread = threading.Thread(
            target=self._http.serve_forever, args=(0.05,), daemon=True, name=f"apiserver-{self.port}"
        )

    @property
    def url(self) -> str:
        return f"{'https' if self.ca_path else 'http'}://127.0.0.1:{self.port}"

    # -- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> LocalApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LocalApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._http.shutdown()
            self._thread.join(timeout=5)
        self._http.server_close()

    # -- content and faults -------------------------------------------------------------------
    def set_objects(self, objects: Iterable[Mapping[str, Any]]) -> None:
        by_resource: dict[str, list[dict[str, Any]]] = {k.resource: [] for k in KINDS}
        for obj in objects:
            kind = kind_of(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
            if kind is None:
                raise ValueError(f"the local API server does not serve {obj.get('apiVersion')}/{obj.get('kind')}")
            by_resource[kind.resource].append(dict(obj))
        for items in by_resource.values():
            items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        with self._lock:
            self._objects = by_resource
            self._resource_version += 1

    def forbid(self, resource: str) -> None:
        """Answer 403 to every list of `resource` (a ClusterRole missing that rule)."""
        with self._lock:
            self._forbidden.add(resource)

    def fail_next(self, resource: str, status: int, times: int = 1) -> None:
        """Answer `status` (429, 500, 503...) to the next `times` lists of `resource`."""
        with self._lock:
            self._faults.setdefault(resource, []).extend([status] * times)

    def expire_continue_tokens(self, expired: bool = True) -> None:
        """Answer 410 Expired to any request carrying a continue token."""
        with self._lock:
            self._expire_continue = expired

    def list_calls(self, resource: str | None = None) -> list[LoggedRequest]:
        """Logged list requests, for one resource or all."""
        paths = {k.list_path: k.resource for k in KINDS}
        with self._lock:
            return [r for r in self.requests if r.path in paths and (resource is None or paths[r.path] == resource)]

    # -- kubeconfig -----------------------------------------------------------------------------
    def write_kubeconfig(self, path: Path, context: str = "hds-local", token: str | None = None) -> Path:
        """A kubeconfig for this server (file mode 0600); `token` overrides the right one."""
        cluster: dict[str, Any] = {"server": self.url}
        if self.ca_path is not None:
            cluster["certificate-authority-data"] = base64.b64encode(self.ca_path.read_bytes()).decode()
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "local", "cluster": cluster}],
            "users": [{"name": "hds-reader", "user": {"token": token if token is not None else self.token}}],
            "contexts": [{"name": context, "context": {"cluster": "local", "user": "hds-reader"}}],
            "current-context": context,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        path.chmod(0o600)
        return path

    # -- request handling (called from handler threads) ----------------------------------------
    def handle(self, path: str, query: Mapping[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        scheme, _, presented = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(presented.strip(), self.token):
            return 401, status_object(401, "Unauthorized")
        if self.throttle_all is not None:
            code = self.throttle_all
            return code, status_object(code, "Too many requests, please try again later.")
        if path == "/version":
            return 200, {"major": "1", "minor": "33", "gitVersion": "v1.33.1", "platform": "linux/amd64"}
        kind, namespace = self._route(path)
        if kind is None:
            return 404, status_object(404, "the server could not find the requested resource", {})
        with self._lock:
            faults = self._faults.get(kind.resource)
            if faults:
                code = faults.pop(0)
                return code, status_object(code, f"injected failure {code} for {kind.label}")
            if kind.resource in self._forbidden:
                where = "at the cluster scope" if namespace is None else f"in the namespace {namespace!r}"
                message = (
                    f'{kind.label} is forbidden: User "{READER}" cannot list resource "{kind.resource}" '
                    f'in API group "{kind.group}" {where}'
                )
                return 403, status_object(403, message, {"group": kind.group, "kind": kind.resource})
            if query.get("continue") and self._expire_continue:
                return 410, status_object(
                    410,
                    "The provided continue parameter is too old to display a consistent list result. You can start "
                    "a new list without the continue parameter.",
                )
            items = [
                o
                for o in self._objects[kind.resource]
                if namespace is None or o["metadata"].get("namespace") == namespace
            ]
            version = str(self._resource_version)
        return self._page(kind, items, query, version)

    @staticmethod
    def _route(path: str) -> tuple[ResourceKind | None, str | None]:
        for kind in KINDS:
            if path == kind.list_path:
                return kind, None
            prefix, _, resource = kind.list_path.rpartition("/")
            if kind.namespaced and path.startswith(f"{prefix}/namespaces/") and path.endswith(f"/{resource}"):
                ns = path[len(prefix) + len("/namespaces/") : -len(resource) - 1]
                if ns and "/" not in ns:
                    return kind, ns
        return None, None

    @staticmethod
    def _page(
        kind: ResourceKind, items: list[dict[str, Any]], query: Mapping[str, str], version: str
    ) -> tuple[int, dict[str, Any]]:
        start = 0
        if query.get("continue"):
            try:
                start = int(json.loads(base64.urlsafe_b64decode(query["continue"]))["start"])
            except (ValueError, KeyError, TypeError):
                return 400, status_object(400, "continue key is not valid")
        limit = int(query.get("limit") or 0)
        end = start + limit if limit > 0 else len(items)
        meta: dict[str, Any] = {"resourceVersion": version}
        if end < len(items):
            token = json.dumps({"rv": version, "start": end}).encode()
            meta["continue"] = base64.urlsafe_b64encode(token).decode()
            meta["remainingItemCount"] = len(items) - end
        page = [{k: v for k, v in o.items() if k not in ("apiVersion", "kind")} for o in items[start:end]]
        return 200, {"kind": f"{kind.kind}List", "apiVersion": kind.api_version, "metadata": meta, "items": page}

    def log(self, path: str, query: Mapping[str, str], status: int) -> None:
        with self._lock:
            self.requests.append(LoggedRequest(path, dict(query), status))


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients refusing the certificate or hanging up are the tests' business, not noise."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one segment, without Nagle's delay: keep-alive requests
    # otherwise wait on delayed ACKs (~40 ms each).
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        api: LocalApiServer = self.server.api  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        status, body = api.handle(url.path, query, self.headers.get("Authorization"))
        api.log(url.path, query, status)
        data = json.dumps(body).encode()
        self.send_response(status)
        if status in (429, 503) and api.retry_after is not None:
            self.send_header("Retry-After", api.retry_after)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is in `LocalApiServer.requests`."""

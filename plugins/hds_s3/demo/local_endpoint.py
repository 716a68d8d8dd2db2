"""A local AWS-compatible endpoint on 127.0.0.1 (moto's ThreadedMotoServer), shared by
`hdsctl demo`, the tests and the benchmarks: one implementation, so all three exercise the
plugin over real HTTP the same way.

moto is optional (extras `demo` and `test`) and imported only when an endpoint starts. Beyond
start/stop, the endpoint gives what cannot be seen from the SDK side:
- `requests`: every request as the server received it (method, path, query, service, access
  key id), to prove what a collection costs;
- `new_account()`: an admin user's static keys in a fresh account. moto files each request under
  the account its access key belongs to, so tenants and tests get their own buckets, trails and
  users without resetting the server;
- `enforce_iam()`: IAM authorisation on, so an identity policy's Deny answers AccessDenied
  (moto does not apply bucket policies to bucket-configuration reads);
- `reset()`: forget everything (POST /moto-api/reset).

moto keeps its state per process: two endpoints started in one process serve the same buckets
and accounts, which is why tests use fresh accounts and unique bucket names rather than resets.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

BOOTSTRAP_KEY = "AKIAHDSLOCALBOOTSTRAP"
"""Any key works while IAM is not enforced; this one only creates the per-account admins."""
BOOTSTRAP_SECRET = "hds-local-bootstrap-not-a-secret"
ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/")


@dataclass(frozen=True, slots=True)
class LocalCredentials:
    account_id: str
    access_key_id: str
    secret_access_key: str


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    service: str
    region: str
    access_key: str


class _RequestLog:
    """WSGI middleware recording each API request before moto handles it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[RecordedRequest] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/moto-api"):
            found = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
            key, region, service = found.groups() if found else ("", "", "")
            entry = RecordedRequest(
                environ.get("REQUEST_METHOD", ""), path, environ.get("QUERY_STRING", ""), service, region, key
            )
            with self.lock:
                self.requests.append(entry)
        return self.app(environ, start_response)


class LocalS3Endpoint:
    """moto's standalone server in a thread on 127.0.0.1 and a free port."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._server: Any = None
        self._log: _RequestLog | None = None
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._clients_lock = threading.Lock()
        self.url = ""

    def __enter__(self) -> LocalS3Endpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LocalS3Endpoint:
        from moto.server import ThreadedMotoServer

        werkzeug_log = logging.getLogger("werkzeug")
        if werkzeug_log.level == logging.NOTSET:
            werkzeug_log.setLevel(logging.WARNING)  # one access-log line per request otherwise
        self._server = ThreadedMotoServer(ip_address=self.host, port=0, verbose=False)
        self._server.start()
        # ThreadedMotoServer keeps its werkzeug server in `_server` (moto 5); its `app` is the
        # WSGI application every request goes through, the one place to see them all.
        wsgi_server = getattr(self._server, "_server", None)
        if wsgi_server is None or not hasattr(wsgi_server, "app"):
            self._server.stop()
            raise RuntimeError("this moto version does not expose its WSGI server: cannot record requests")
        self._log = _RequestLog(wsgi_server.app)
        wsgi_server.app = self._log
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    # -- what the server saw ----------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        assert self._log is not None, "start() first"
        with self._log.lock:
            return list(self._log.requests)

    def clear_requests(self) -> None:
        assert self._log is not None, "start() first"
        with self._log.lock:
            self._log.requests.clear()

    # -- server state -------------------------------------------------------------------------
    def _post(self, path: str, body: bytes = b"") -> None:
        request = urllib.request.Request(
            self.url + path, data=body, method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()

    def reset(self) -> None:
        self._post("/moto-api/reset")

    @contextmanager
    def enforce_iam(self) -> Iterator[None]:
        """IAM authorisation on for the duration. moto keeps this switch process-wide: every
        moto server in this process enforces it until the block ends."""
        self._post("/moto-api/reset-auth", b"0")
        try:
            yield
        finally:
            self._post("/moto-api/reset-auth", b"inf")

    # -- accounts -------------------------------------------------------------------------------
    def client(self, service: str, credentials: LocalCredentials | None = None, region: str = "eu-west-3") -> Any:
        """A client for this endpoint (cached: creating boto3 clients is the slow part)."""
        key, secret = (
            (credentials.access_key_id, credentials.secret_access_key)
            if credentials
            else (BOOTSTRAP_KEY, BOOTSTRAP_SECRET)
        )
        with self._clients_lock:
            client = self._clients.get((service, key, region))
            if client is None:
                client = self._new_client(service, key, secret, region)
                self._clients[(service, key, region)] = client
            return client

    def _new_client(self, service: str, key: str, secret: str, region: str) -> Any:
        import boto3
        from botocore.config import Config

        from hds_s3.client import keep_custom_host

        client = boto3.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name=region).client(
            service,
            endpoint_url=self.url,
            config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}),
        )
        if service == "s3control":
            client.meta.events.register("before-sign.s3-control", keep_custom_host(self.url))
        return client

    def new_account(self, account_id: str | None = None) -> LocalCredentials:
        """An admin user with static keys in a fresh (or the given) 12-digit account."""
        account = account_id or str(secrets.randbelow(9 * 10**11) + 10**11)
        assumed = self.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/hds-local-admin", RoleSessionName="hds-local"
        )["Credentials"]
        import boto3

        iam = boto3.Session(
            aws_access_key_id=assumed["AccessKeyId"],
            aws_secret_access_key=assumed["SecretAccessKey"],
            aws_session_token=assumed["SessionToken"],
            region_name="us-east-1",
        ).client("iam", endpoint_url=self.url)
        iam.create_user(UserName="hds-local-admin")
        iam.put_user_policy(UserName="hds-local-admin", PolicyName="admin", PolicyDocument=json.dumps(ADMIN_POLICY))
        key = iam.create_access_key(UserName="hds-local-admin")["AccessKey"]
        return LocalCredentials(account, key["AccessKeyId"], key["SecretAccessKey"])

    def new_user(self, admin: LocalCredentials, name: str, policy: dict[str, Any] | None = None) -> LocalCredentials:
        """Another user of `admin`'s account with static keys and an inline policy (default: admin)."""
        iam = self.client("iam", admin)
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(policy or ADMIN_POLICY))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return LocalCredentials(admin.account_id, key["AccessKeyId"], key["SecretAccessKey"])

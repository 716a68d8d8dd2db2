"""Fixtures for the S3 plugin: the local endpoint (moto's ThreadedMotoServer over real HTTP on
127.0.0.1), a scripted HTTP server for answers moto never gives (501, 503), and a fleet of
buckets laid out to pass and to fail each control, collected once for the session."""

from __future__ import annotations

import http.server
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from hds_s3.demo.local_endpoint import LocalCredentials, LocalS3Endpoint
from hds_s3.demo.local_fleet import AccountPlan, BucketPlan, create_kms_key, provision_account, provision_buckets
from hds_s3.snapshot import S3Snapshot
from hds_s3.target import S3Target
from tests.plugins.s3.helpers import collect, credentials_env, target


@pytest.fixture(scope="session")
def endpoint() -> Iterator[LocalS3Endpoint]:
    with LocalS3Endpoint() as ep:
        yield ep


@dataclass
class ScriptedServer:
    """Answers every request with the same status and body, and counts them."""

    status: int
    body: bytes
    content_type: str
    url: str = ""
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def scripted_server() -> Iterator[Callable[[int, bytes, str], ScriptedServer]]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(status: int, body: bytes, content_type: str = "application/x-amz-json-1.1") -> ScriptedServer:
        script = ScriptedServer(status, body, content_type)

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                script.requests.append(f"{self.command} {self.path}")
                self.send_response(script.status)
                self.send_header("Content-Type", script.content_type)
                self.send_header("Content-Length", str(len(script.body)))
                self.end_headers()
                self.wfile.write(script.body)

            do_GET = do_POST = do_PUT = do_HEAD = _answer

            def log_message(self, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        script.url = f"http://127.0.0.1:{server.server_address[1]}"
        return script

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class Fleet:
    """Buckets laid out so each control has cases that pass and cases that fail."""

    prefix: str
    admin: LocalCredentials
    auditor: LocalCredentials
    target: S3Target
    snapshot: S3Snapshot
    kms_key: str
    unrotated_key: str

    def name(self, short: str) -> str:
        return f"{self.prefix}{short}"


def fleet_plans(p: str, key: str, unrotated: str) -> list[BucketPlan]:
    return [
        # Passing everything.
        BucketPlan(
            f"{p}logs", receives_logs=True, object_lock=("COMPLIANCE", 30), expire_days=400, noncurrent_expire_days=30
        ),
        BucketPlan(f"{p}replica", region="eu-central-1"),
        BucketPlan(f"{p}good", encryption="aws:kms", kms_key=key, log_to=f"{p}logs", replicate_to=f"{p}replica"),
        BucketPlan(f"{p}backup", object_lock=("COMPLIANCE", 35), log_to=f"{p}logs"),
        # Failing one or several controls each.
        BucketPlan(
            f"{p}plain",
            encryption="none",
            tls_only=False,
            block_public_access=False,
            public_read_acl=True,
            versioning=False,
        ),
        BucketPlan(f"{p}aes-needs-kms", log_to=f"{p}logs"),
        BucketPlan(f"{p}aws-managed", encryption="aws:kms", log_to=f"{p}logs"),
        BucketPlan(f"{p}unrotated", encryption="aws:kms", kms_key=unrotated, log_to=f"{p}logs"),
        BucketPlan(f"{p}self-logging", receives_logs=True, log_to=f"{p}self-logging"),
        BucketPlan(f"{p}short-logs", receives_logs=True, expire_days=30),
        BucketPlan(f"{p}short-logged", log_to=f"{p}short-logs"),
        BucketPlan(f"{p}backup-unlocked", log_to=f"{p}logs"),
        BucketPlan(f"{p}replica-us", region="us-east-1"),
        BucketPlan(f"{p}critical-us", log_to=f"{p}logs", replicate_to=f"{p}replica-us"),
        BucketPlan(f"{p}critical-alone", log_to=f"{p}logs"),
        BucketPlan(f"{p}in-us", region="us-east-1"),
        BucketPlan(f"{p}public-policy", public_policy=True, tls_only=False, log_to=f"{p}logs"),
        BucketPlan(f"{p}denied", log_to=f"{p}logs"),
    ]


def fleet_buckets(p: str) -> list[dict[str, object]]:
    """The tenant's declared buckets; `replica`, `replica-us` and `short-logs` are only pointed to."""
    return [
        {"name": f"{p}good", "roles": ["data", "critical"], "require_kms": True},
        {"name": f"{p}logs", "roles": ["log"]},
        {"name": f"{p}backup", "roles": ["backup"]},
        {"name": f"{p}plain"},
        {"name": f"{p}aes-needs-kms", "require_kms": True},
        {"name": f"{p}aws-managed", "require_kms": True},
        {"name": f"{p}unrotated", "require_kms": True},
        {"name": f"{p}self-logging"},
        {"name": f"{p}short-logged"},
        {"name": f"{p}backup-unlocked", "roles": ["backup"]},
        {"name": f"{p}critical-us", "roles": ["critical"]},
        {"name": f"{p}critical-alone", "roles": ["critical"]},
        {"name": f"{p}in-us"},
        {"name": f"{p}public-policy"},
        {"name": f"{p}denied"},
        {"name": f"{p}never-created"},
    ]


def auditor_policy(denied_bucket: str) -> dict[str, object]:
    """Read everything but the encryption of one bucket. moto authorises bucket sub-resources it
    does not map (encryption, publicAccessBlock, replication, object-lock) as s3:ListBucket, so the
    Deny names both the real AWS action and that one."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": ["s3:GetEncryptionConfiguration", "s3:ListBucket"],
                "Resource": f"arn:aws:s3:::{denied_bucket}",
            },
        ],
    }


@pytest.fixture(scope="session")
def fleet(endpoint: LocalS3Endpoint) -> Fleet:
    prefix = f"f{secrets.token_hex(3)}-"
    admin = endpoint.new_account()
    key = create_kms_key(endpoint, admin, "eu-west-3")
    unrotated = create_kms_key(endpoint, admin, "eu-west-3", rotation=False)
    provision_buckets(endpoint, admin, fleet_plans(prefix, key, unrotated))
    provision_account(
        endpoint,
        admin,
        AccountPlan(trail_bucket=f"{prefix}logs", console_users=(("alice", True), ("bob", False)), key_users=("ci",)),
        "eu-west-3",
    )
    auditor = endpoint.new_user(admin, "auditor", auditor_policy(f"{prefix}denied"))
    with credentials_env(auditor) as creds:
        t = target(endpoint.url, creds, buckets=fleet_buckets(prefix))
        with endpoint.enforce_iam():
            snap = collect(t)
    return Fleet(prefix, admin, auditor, t, snap, key, unrotated)

"""boto3 clients shared by the targets of a run that use the same identity and endpoint.

Why: a host audits hundreds of tenants' buckets, often on one object store with one operator
key. Creating a session and its clients for each target costs more CPU than the target's
requests (tens of milliseconds each, mostly botocore building handlers and endpoint rules), and
every new client opens new connections. Targets with the *same* credentials, endpoint, region and
settings get the same client (boto3 clients are thread-safe) and its warm connection pool.

What is shared is keyed by everything that shapes a client: service, region, endpoint, CA
bundle, timeouts, retries, addressing style, and the identity — a digest of the static keys
(never the keys themselves), the profile name, or the SDK's default chain. Web-identity targets
get short-lived keys per collection and are never shared. Clients with different identities never
meet: sharing changes how many clients there are, not who signs a request. The cache is bounded
(least recently used dropped) so a fleet with one key per tenant does not keep a client per tenant.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from hds_s3.target import S3Target

if TYPE_CHECKING:
    import boto3

MAX_CLIENTS = 64

_lock = threading.Lock()
_create_lock = threading.Lock()
_clients: OrderedDict[Hashable, Any] = OrderedDict()
_session: Any = None


def identity(target: S3Target) -> tuple[Hashable, dict[str, str | None]] | None:
    """(what identifies the credentials, the keyword arguments giving them to a client), or None
    when clients must not be shared (web identity: fresh keys each collection)."""
    creds = target.credentials
    if creds is None:
        return ("default-chain",), {}
    if creds.mode == "profile":
        return ("profile", creds.profile), {}
    if creds.mode != "keys":
        return None
    assert creds.access_key_id is not None and creds.secret_access_key is not None
    key = creds.access_key_id.resolve().get_secret_value()
    secret = creds.secret_access_key.resolve().get_secret_value()
    token = creds.session_token.resolve().get_secret_value() if creds.session_token else None
    digest = hashlib.sha256("\0".join((key, secret, token or "")).encode()).hexdigest()
    kwargs = {"aws_access_key_id": key, "aws_secret_access_key": secret, "aws_session_token": token}
    return ("keys", digest), kwargs


def shared_session(new_session: Callable[[], boto3.Session]) -> boto3.Session:
    """One credential-less session for the process: static keys are given per client."""
    global _session
    with _create_lock:
        if _session is None:
            _session = new_session()
        return _session


def client(key: Hashable, create: Callable[[], Any]) -> Any:
    """The shared client for `key`, created once (under a lock: a botocore session is not
    thread-safe, and creating clients is CPU work that threads would only interleave)."""
    with _lock:
        found = _clients.get(key)
        if found is not None:
            _clients.move_to_end(key)
            return found
    with _create_lock:
        with _lock:
            found = _clients.get(key)
        if found is None:
            found = create()
            with _lock:
                _clients[key] = found
                while len(_clients) > MAX_CLIENTS:
                    _clients.popitem(last=False)
        return found


def clear() -> None:
    """Forget every shared client (tests; a process that changes its SDK configuration)."""
    global _session
    with _create_lock, _lock:
        _clients.clear()
        _session = None

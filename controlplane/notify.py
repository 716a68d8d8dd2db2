"""Webhook alert of new failures after a run (`hdsctl run --notify URL`).

Why it can never fail the run: it is sent after the evidence is stored, in a daemon thread with
an overall deadline, and every failure (HTTP error, refused connection, a receiver that hangs)
becomes a warning, never an exception or another exit code. Webhook URLs carry their secret in
the user-info, the query string or the path itself (Slack's and Mattermost's
`/services/T…/B…/<secret>`, `/hooks/<secret>`), so a URL is only ever shown as
scheme://host:port. The receiver's reply is hostile input like any answer: at most
`MAX_REPLY_BYTES` of it are read, within the timeout, and nothing of it is shown.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urlsplit, urlunsplit

from controlplane import __version__
from controlplane.bounded_read import ResponseTooLarge, ResponseTooSlow, read_bounded
from controlplane.drift import DriftReport
from controlplane.errors import InputError

MAX_TEXT_ITEMS = 10
MAX_REPLY_BYTES = 64 * 1024


def public_url(url: str) -> str:
    """Scheme, host and port only: safe in a warning or a log (the path may be the secret)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<invalid URL>"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, "", "", ""))


def check_url(url: str, option: str = "--notify") -> None:
    """Refuse a URL we could not post to before anything runs (bad input: exit code 2)."""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        raise InputError.single(option, "", "not a valid URL (bad port or brackets)") from None
    if parts.scheme not in ("http", "https"):
        raise InputError.single(option, "", "the webhook URL must start with http:// or https://")
    if not parts.hostname:
        raise InputError.single(option, "", "the webhook URL has no host")


def build_payload(
    report: DriftReport,
    run: Mapping[str, Any],
    controls: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The JSON document posted, or None when no tenant has a new failure (nothing to say).

    `run` holds run_id, status, started_at, finished_at and shard; `controls` maps a control id
    to its catalog record, for severity and titles. ``text`` is a one-paragraph summary that
    chat webhooks (Slack, Mattermost) display as is.
    """
    tenants = [t for t in report.tenants if t.new_failures]
    if not tenants:
        return None
    controls = controls or {}
    out_tenants = []
    lines = []
    for t in tenants:
        items = []
        for item in t.new_failures:
            entry = item.as_dict()
            control = controls.get(item.control)
            if control is not None:
                entry["severity"] = str(control.severity)
                entry["title"] = {"fr": control.title.fr, "en": control.title.en}
            items.append(entry)
            if len(lines) < MAX_TEXT_ITEMS:
                where = f"{item.target}/{item.resource}" if item.resource else item.target or "-"
                lines.append(f"{t.tenant}: {item.control} on {where} is {item.status}")
        out_tenants.append(
            {
                "tenant": t.tenant,
                "previous_run": t.previous_run,
                "new_failures": items,
                "fixed": len(t.fixed),
                "still_failing": len(t.still_failing),
            }
        )
    total = report.total("new_failures")
    more = f" (and {total - len(lines)} more)" if total > len(lines) else ""
    text = f"HDS control plane: {total} new failure{'s' if total > 1 else ''} in run {report.run_id}: "
    return {
        "source": "hdsctl",
        "schema": 1,
        "run": dict(run),
        "new_failures": total,
        "fixed": report.total("fixed"),
        "still_failing": report.total("still_failing"),
        "tenants": out_tenants,
        "text": text + "; ".join(lines) + more,
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would silently become a GET elsewhere: report the 3xx instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _describe(exc: BaseException, timeout_s: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout_s:g}s"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"
    return type(exc).__name__


def _post(url: str, body: bytes, timeout_s: float) -> str | None:
    parts = urlsplit(url)
    headers = {"Content-Type": "application/json", "User-Agent": f"hdsctl/{__version__}"}
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode("ascii")
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{host}:{parts.port}" if parts.port else host
    request = urllib.request.Request(
        urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")),
        data=body,
        headers=headers,
        method="POST",
    )
    deadline = time.monotonic() + timeout_s
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=timeout_s) as response:
            status = response.status
            # Read (a bounded part of) the reply so the receiver sees a polite client; its content
            # is not used, and a reply too long or too slow changes nothing once the status is in.
            with contextlib.suppress(ResponseTooLarge, ResponseTooSlow, OSError):
                read_bounded(response.read1, MAX_REPLY_BYTES, deadline)
    except HTTPError as exc:
        return f"HTTP {exc.code}"
    except URLError as exc:
        return _describe(exc.reason, timeout_s) if isinstance(exc.reason, BaseException) else "URLError"
    except (OSError, ValueError) as exc:
        return _describe(exc, timeout_s)
    return None if 200 <= status < 300 else f"HTTP {status}"


def post_json(url: str, payload: Mapping[str, Any], timeout_s: float) -> str | None:
    """POST `payload`; None on a 2xx answer, else a warning that names only the public URL."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    outcome: list[str | None] = []
    thread = threading.Thread(
        target=lambda: outcome.append(_post(url, body, timeout_s)), daemon=True, name="hds-notify"
    )
    thread.start()
    thread.join(timeout_s)
    problem = outcome[0] if outcome else f"no answer within {timeout_s:g}s"
    if problem is None:
        return None
    return f"notification to {public_url(url)} failed: {problem}"


__all__ = ["build_payload", "check_url", "post_json", "public_url"]

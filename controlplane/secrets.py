"""Credential references: config names where a secret lives, never the secret itself.

Resolution happens at collection time, in the worker that needs it, for that tenant's target
only; the value is wrapped in pydantic's SecretStr so an accidental print shows '**********'.
"""

from __future__ import annotations

import base64
import os
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"


class SecretResolutionError(Exception):
    """The referenced secret is absent. The message names the reference, never a value."""


class SecretRef(BaseModel):
    """Where a secret lives: an environment variable or a file (e.g. a mounted Secret)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    env: str | None = Field(default=None, pattern=ENV_NAME)
    file: str | None = Field(default=None, min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _refuse_inline(cls, data: object) -> object:
        if isinstance(data, str):
            raise ValueError("inline secret values are not allowed: write {env: VAR_NAME} or {file: /path}")
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of 'env' or 'file'")
        return self

    def describe(self) -> str:
        """A safe description for messages and evidence."""
        return f"env:{self.env}" if self.env is not None else f"file:{self.file}"

    def resolve(self) -> SecretStr:
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise SecretResolutionError(f"environment variable {self.env} is not set")
            remember(value)
            return SecretStr(value)
        path = Path(self.file or "")
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SecretResolutionError(f"cannot read secret file {path}: {exc.strerror}") from None
        remember(value)
        return SecretStr(value)


# Defence in depth: every value resolved through a SecretRef is remembered (in this process
# only) and scrubbed from messages and evidence before they reach the store, a report or a log,
# even if a client library echoes it in an exception — or an endpoint echoes it back encoded
# (an `Authorization: Bearer …` header returned base64-encoded in an error, a token URL-encoded
# in a redirect or a query string): those encoded forms are remembered with the value.
_resolved: set[str] = set()
_ordered: tuple[str, ...] = ()
_lock = threading.Lock()
MASK = "[redacted]"
MIN_ENCODED = 8
"""Shorter base64 fragments are not remembered: they could match unrelated base64 text."""
_URLSAFE = str.maketrans("+/", "-_")


def _base64_fragments(raw: bytes) -> set[str]:
    """What the base64 encoding of any text containing `raw` always contains, at each of the
    three alignments `raw` can have in it: the characters that depend on `raw`'s bits alone."""
    out: set[str] = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode("ascii")
        start = -(-8 * shift // 6)  # first character after the prefix's bits
        end = 8 * (shift + len(raw)) // 6  # last character made of `raw`'s bits only
        fragment = encoded[start:end]
        out.update((fragment, fragment.translate(_URLSAFE)))
    return out


def _percent_forms(value: str) -> set[str]:
    out: set[str] = set()
    for quoted in (quote(value, safe=""), quote(value), quote_plus(value)):
        out.update((quoted, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quoted)))
    return out


def encoded_forms(value: str) -> set[str]:
    """The value as an endpoint may echo it: base64 (standard and URL-safe, at any alignment
    inside a longer encoded text) and URL-encoded (either case of escapes)."""
    forms = {f for f in _base64_fragments(value.encode()) if len(f) >= MIN_ENCODED}
    forms |= _percent_forms(value)
    forms.discard(value)
    return forms


def remember(value: str) -> None:
    if len(value) >= 4:
        forms = encoded_forms(value)
        global _ordered
        with _lock:
            size = len(_resolved)
            _resolved.add(value)
            _resolved.update(forms)
            if len(_resolved) != size:  # longest first: a form is masked whole, never in part
                _ordered = tuple(sorted(_resolved, key=len, reverse=True))


def redact(text: str) -> str:
    if not _resolved or not text:
        return text
    for value in _ordered:
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact_data(data: Any) -> Any:
    if not _resolved:
        return data
    if isinstance(data, str):
        return redact(data)
    if isinstance(data, dict):
        return {redact(str(k)): redact_data(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [redact_data(v) for v in data]
    return data

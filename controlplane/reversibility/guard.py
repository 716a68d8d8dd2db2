"""Run one plugin function for one target in a daemon thread, waited for until its deadline plus a
grace: a plugin that raises or hangs becomes an error for that target, never a pass, and never
keeps the command from ending (the thread is abandoned, like a hung collection's)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from controlplane.secrets import redact

T = TypeVar("T")
GRACE_S = 30.0


def guarded(func: Callable[..., T], args: tuple[Any, ...], deadline: float, what: str) -> T | str:
    """`func(*args)`, or a one-line reason (a str) when it raised or was still running at
    `deadline + GRACE_S`."""
    box: dict[str, Any] = {}

    def call() -> None:
        try:
            box["value"] = func(*args)
        except BaseException as exc:  # reported as the target's error
            box["error"] = exc

    thread = threading.Thread(target=call, name=f"hds-reversibility-{what}", daemon=True)
    thread.start()
    thread.join(max(0.0, deadline - time.monotonic()) + GRACE_S)
    if thread.is_alive():
        return f"{what} did not finish within its time budget (+{GRACE_S:g} s): abandoned"
    if "error" in box:
        exc = box["error"]
        return redact(f"{what} failed: {type(exc).__name__}: {exc}".splitlines()[0])[:500]
    return box["value"]  # type: ignore[no-any-return]

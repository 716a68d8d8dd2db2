"""Process-wide cache of cluster snapshots: a cluster shared by N tenants is listed once.

The core collects per (tenant, target); tenants of one cluster name the same cluster in their
targets. The first collection of a cluster identity lists it; collections of the same identity
that start meanwhile wait for that listing instead of starting their own, and later ones
reuse the result.

Lifetime: an entry is reused for `max_age_s` (default 300 s) after its listing finished, then
listed again; it lives in this process only. `hdsctl run` is one process per sweep, so in
practice each cluster is listed once per run; a long-lived process embedding the scheduler
gets a fresh listing at most every `max_age_s`, and may call `clear()` between sweeps.
Failures are not cached: the next collection (the scheduler's retry, or the next tenant)
lists again. Every finding's evidence carries `observed_at`, the listing's time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from controlplane.errors import TransientError
from hds_kubernetes.snapshot import ClusterIdentity, ClusterSnapshot

DEFAULT_MAX_AGE_S = 300.0


@dataclass
class _Entry:
    future: Future[ClusterSnapshot]
    finished_at: float | None = None


class SnapshotCache:
    def __init__(self, max_age_s: float = DEFAULT_MAX_AGE_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[ClusterIdentity, _Entry] = {}
        self.listings: dict[ClusterIdentity, int] = {}
        """How many times each cluster was listed (what the tests and benchmarks count)."""

    def get(
        self, identity: ClusterIdentity, list_cluster: Callable[[], ClusterSnapshot], wait_s: float
    ) -> ClusterSnapshot:
        """The cluster's snapshot: cached, being listed by another thread (wait up to
        `wait_s`), or listed now by the calling thread."""
        with self._lock:
            entry = self._entries.get(identity)
            now = self._clock()
            fresh = entry is not None and (entry.finished_at is None or now - entry.finished_at < self.max_age_s)
            if entry is None or not fresh:
                entry = _Entry(Future())
                self._entries[identity] = entry
                self.listings[identity] = self.listings.get(identity, 0) + 1
                owner = True
            else:
                owner = False
        if owner:
            return self._list(identity, entry, list_cluster)
        try:
            return entry.future.result(timeout=wait_s)
        except FutureTimeout:
            raise TransientError(
                f"{identity.describe()} is still being listed for another tenant after {wait_s:g}s"
            ) from None

    def _list(
        self, identity: ClusterIdentity, entry: _Entry, list_cluster: Callable[[], ClusterSnapshot]
    ) -> ClusterSnapshot:
        try:
            snapshot = list_cluster()
        except BaseException as exc:
            with self._lock:
                if self._entries.get(identity) is entry:
                    del self._entries[identity]
            entry.future.set_exception(exc)
            raise
        with self._lock:
            entry.finished_at = self._clock()
        entry.future.set_result(snapshot)
        return snapshot

    def clear(self) -> None:
        """Forget every snapshot (listings in progress finish for their waiters)."""
        with self._lock:
            self._entries.clear()
            self.listings.clear()

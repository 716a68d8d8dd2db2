"""The memory guard's attribution, sample by sample (RSS fed in; real threads for CPU time)."""

from __future__ import annotations

import threading

from controlplane.memory_guard import MemoryGuard

MB = 1024 * 1024


class Step:
    """A step running in a real thread: it burns `spin` loops of CPU, then waits to be released."""

    def __init__(self, spin: int) -> None:
        self.spun = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(spin,), daemon=True)
        self.thread.start()

    def _run(self, spin: int) -> None:
        total = 0
        for i in range(spin):
            total += i * i
        self.spun.set()
        self.release.wait(30)


def test_a_step_hung_beside_the_allocating_one_is_not_blamed_while_memory_is_released():
    hog, hung = Step(spin=3_000_000), Step(spin=0)
    running = [("w1", hog, hog.thread.ident), ("w2", hung, hung.thread.ident)]
    rss = [100 * MB]
    blamed: list[object] = []
    guard = MemoryGuard(300, running=lambda: list(running), blame=lambda _w, step, _r: blamed.append(step))
    guard._rss = lambda: rss[0]
    try:
        guard.sample()  # both seen at 100 MB
        assert hog.spun.wait(30) and hung.spun.wait(30)
        rss[0] = 420 * MB
        guard.sample()
        assert blamed == [hog]  # the one that used CPU while RSS grew
        running.remove(("w1", hog, hog.thread.ident))  # the scheduler abandoned it...
        guard.sample()  # ...but its memory is not released yet: nobody else is to blame
        guard.sample()
        assert blamed == [hog]
        rss[0] = 420 * MB + guard.min_growth  # memory keeps growing under the step still running
        guard.sample()
        assert blamed == [hog, hung]
    finally:
        hog.release.set()
        hung.release.set()

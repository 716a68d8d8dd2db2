"""The exit code of a run once governance is taken into account: a failure covered by a
current waiver is counted apart and does not fail the run (unless `strict`); an error always
does. Also what an operator must hear about: waivers applied or expired, attestations about to
expire. Kept apart from the run's printing so either can change without the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import click

from controlplane.governance.attested import CHECK
from controlplane.results import RunStatus


@dataclass
class Tally:
    failing: int = 0
    errors: int = 0
    waived: int = 0
    waivers: set[str] = field(default_factory=set)
    expired_waivers: set[str] = field(default_factory=set)
    expiring: list[tuple[str, str, int]] = field(default_factory=list)

    def add(self, r: dict[str, Any]) -> None:
        ev = r["evidence"] if isinstance(r["evidence"], dict) else {}
        if r["status"] == "error":
            self.errors += 1
        elif r["status"] == "fail":
            if isinstance(ev.get("waiver"), dict):
                self.waived += 1
                self.waivers.add(str(ev["waiver"].get("id")))
            else:
                self.failing += 1
            if isinstance(ev.get("waiver_expired"), dict):
                self.expired_waivers.add(str(ev["waiver_expired"].get("id")))
        if r["check"] == CHECK and ev.get("outcome") == "expiring":
            self.expiring.append((r["tenant"], r["control"], int(ev.get("days_left") or 0)))


def tally(store: Any, run_id: str) -> Tally:
    t = Tally()
    for r in store.results(run_id):
        t.add(r)
    return t


def governance_verdict(store: Any, run_id: str, code: int, fmt: str, strict: bool = False) -> int:
    """Print the governance lines of a finished run and return its exit code: `code` (what
    the run printer decided) unless every failure is waived, then 0 (`strict`: always `code`)."""
    run = store.get_run(run_id)
    if run is None or run.status != RunStatus.completed:
        return code
    t = tally(store, run_id)
    err = fmt != "table"  # JSON on stdout stays JSON: the lines go to stderr
    if t.waived:
        ids = ", ".join(sorted(t.waivers))
        note = " (--strict: they fail the run)" if strict else ""
        click.echo(f"Waived: {t.waived} failure{'s' if t.waived > 1 else ''} covered by {ids}{note}", err=err)
    if t.expired_waivers:
        ids = ", ".join(sorted(t.expired_waivers))
        click.echo(f"hdsctl: warning: expired waivers no longer applied: {ids}", err=True)
    if t.expiring:
        soon = ", ".join(f"{tenant} {control} ({days} days)" for tenant, control, days in sorted(t.expiring)[:10])
        more = f" and {len(t.expiring) - 10} more" if len(t.expiring) > 10 else ""
        click.echo(f"hdsctl: warning: attestations expiring within 30 days: {soon}{more}", err=True)
    if strict or code == 0:
        return code
    return 0 if t.failing == 0 and t.errors == 0 else 1

"""`hdsctl run` and `hdsctl runs list|show`."""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from controlplane.cli.output import FORMAT_OPTION, emit_json, stdout_is_terminal, table
from controlplane.errors import InputError

STORE_OPTION = click.option(
    "--store",
    envvar="HDS_STORE",
    default="hds-evidence.sqlite",
    show_default=True,
    help="Evidence store: a SQLite file path, or an SQLAlchemy URL (env HDS_STORE).",
)
CONFIG_OPTION = click.option(
    "-c",
    "--config",
    "config_path",
    envvar="HDS_CONFIG",
    default="hds.yaml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fleet file (env HDS_CONFIG).",
)

SIGNING_KEY_OPTION = click.option(
    "--signing-key",
    envvar="HDS_SIGNING_KEY",
    default=None,
    help="Seal the run when it ends with this Ed25519 key: a PEM file, or env:VAR (env HDS_SIGNING_KEY).",
)
"""For `hdsctl run`: load the key with `load_signing_key(value, "--signing-key")` before the run,
then call `seal_run(store, outcome.run_id, key)` once `execute` has returned."""

STATUS_ORDER = ("pass", "fail", "error", "not_applicable")


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[Any], None] | None]:
    if not enabled or total == 0:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("checks"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True
    ) as progress:
        task = progress.add_task("run", total=total)
        yield lambda _result: progress.advance(task)


def _summary_rows(summary: dict[str, dict[int, dict[str, int]]], tenants: list[str]) -> list[list[str]]:
    rows = []
    for tenant in tenants:
        per = summary.get(tenant, {})
        cells = []
        for act in range(1, 7):
            c = per.get(act)
            cells.append(f"{c['pass']}/{c['fail']}/{c['error']}" if c else "-")
        rows.append([tenant, *cells])
    return rows


def _counting(results: Iterator[dict[str, Any]], counts: dict[str, int]) -> Iterator[dict[str, Any]]:
    for r in results:
        counts[r["status"]] += 1
        yield r


def print_run(
    store: Any,
    run_id: str,
    fmt: str,
    tenant: str | None = None,
    location: str = "",
    extra: dict[str, Any] | None = None,
) -> int:
    """Print a stored run (summary table or JSON document); return the exit code it implies.
    `extra` adds top-level keys to the JSON document (the drift of a fresh run)."""
    from controlplane.runner import summarize

    run = store.get_run(run_id)
    if run is None:
        raise InputError.single("RUN_ID", "", f"no run {run_id!r} in the store")
    tenants = [t for t in run.tenants if tenant is None or t == tenant]
    if tenant is not None and tenant not in run.tenants:
        raise InputError.single("--tenant", "", f"tenant {tenant!r} is not in run {run_id}")
    counts = dict.fromkeys(STATUS_ORDER, 0)
    if fmt == "json":
        out = sys.stdout
        out.write(
            json.dumps(
                {
                    "run_id": run.run_id,
                    "status": run.status,
                    "started_at": run.started_at,
                    "finished_at": run.finished_at,
                    "store": location,
                    **(extra or {}),
                }
            )[:-1]
        )
        out.write(', "results": [')
        for n, r in enumerate(store.results(run_id, tenant)):
            counts[r["status"]] += 1
            out.write(("," if n else "") + "\n  " + json.dumps(r, ensure_ascii=False))
        out.write("\n], " + f'"counts": {json.dumps(counts)}}}\n')
        out.flush()
    else:
        summary = summarize(_counting(store.results(run_id, tenant), counts))
        table(
            f"Run {run.run_id} ({run.status}) — pass/fail/error per HDS activity",
            ["Tenant", *(f"HDS {n}" for n in range(1, 7))],
            _summary_rows(summary, tenants),
        )
        click.echo(" · ".join(f"{k}: {v}" for k, v in counts.items()))
        if location:
            click.echo(f"Evidence stored in {location} (run {run.run_id})")
    if run.status != "completed":
        return 1
    return 0 if counts["fail"] == 0 and counts["error"] == 0 else 1


def _print_drift(report: Any) -> None:
    totals = {c: report.total(c) for c in ("new_failures", "fixed", "still_failing", "unverified")}
    first = [t.tenant for t in report.tenants if t.previous_run is None]
    click.echo(
        f"Since each tenant's previous run: {totals['new_failures']} new failures, {totals['fixed']} fixed, "
        f"{totals['still_failing']} still failing, {totals['unverified']} unverified"
        + (f" (first run for {len(first)} tenant{'s' if len(first) > 1 else ''})" if first else "")
    )
    rows = (
        [t.tenant, i.control, i.target, i.resource, i.status, i.message] for t in report.tenants for i in t.new_failures
    )
    _failure_table("New failures", rows, f"`hdsctl runs show {report.run_id} --format json` lists every result")


def _notify(store: Any, report: Any, prepared: Any, url: str, timeout_s: float, fmt: str) -> None:
    """Post new failures; a failing webhook is a warning on stderr, never another exit code."""
    from controlplane.notify import build_payload, post_json, public_url

    run = store.get_run(report.run_id)
    summary = {k: getattr(run, k) for k in ("run_id", "status", "started_at", "finished_at")}
    summary["shard"] = run.filters.get("shard")
    payload = build_payload(report, summary, prepared.catalog.controls)
    if payload is None:
        return
    problem = post_json(url, payload, timeout_s)
    if problem is not None:
        click.echo(f"hdsctl: warning: {problem}", err=True)
    elif fmt == "table":
        click.echo(f"New failures sent to {public_url(url)}")


class Terminated(KeyboardInterrupt):
    """SIGTERM (Kubernetes stopping the pod, a Job deadline): unwind like Ctrl-C, so the run is
    marked interrupted and its lease released rather than left for the heartbeat to expire."""


def _on_sigterm(_signum: int, _frame: Any) -> None:
    raise Terminated


def _announce_wait(exc: Any) -> None:
    click.echo(f"hdsctl: waiting: {exc.reason}", err=True)


def execute_and_report(
    prepared: Any,
    store_location: str,
    fmt: str,
    notify_url: str | None = None,
    notify_timeout: float = 10.0,
    signing_key: Any = None,
    *,
    resume: tuple[Path, str] | None = None,
    wait_s: float | None = None,
) -> int:
    """Run (exclusively: see `store.lease`), seal, compare, print, notify. With `resume`
    (config path, run id) the interrupted run is planned again from the store and finished."""
    from controlplane.drift import compare_with_previous
    from controlplane.runner import execute, new_run_id, prepare_resume
    from controlplane.store import EvidenceStore, describe_location

    store = EvidenceStore.open(store_location, create=resume is None)
    try:
        point = None
        if resume is not None:
            prepared, point = prepare_resume(resume[0], store, resume[1])
        run_id = point.run_id if point is not None else new_run_id()
        try:
            with _progress(prepared.plan.result_count, fmt == "table" and stdout_is_terminal()) as tick:
                outcome = execute(
                    prepared,
                    store,
                    on_result=tick,
                    run_id=run_id,
                    exclusive=True,
                    resume=point,
                    wait_s=wait_s,
                    on_wait=_announce_wait,
                )
        except KeyboardInterrupt as exc:
            if store.get_run(run_id) is not None:
                click.echo(
                    f"hdsctl: run {run_id} interrupted; the results so far are stored. Finish it with "
                    f"`hdsctl run --resume {run_id}` (same --config and --store)",
                    err=True,
                )
            raise SystemExit(143 if isinstance(exc, Terminated) else 130) from None
        if signing_key is not None:
            from controlplane.evidence import seal_run

            seal_run(store, outcome.run_id, signing_key)
        drift = compare_with_previous(store, outcome.run_id)
        location = describe_location(store_location)
        extra = {"drift": drift.as_dict()} if fmt == "json" else None  # a table prints drift its own way
        code = print_run(store, outcome.run_id, fmt, location=location, extra=extra)
        if fmt == "table":
            _print_drift(drift)
        if notify_url:
            _notify(store, drift, prepared, notify_url, notify_timeout, fmt)
        return code
    finally:
        store.close()


@click.command()
@CONFIG_OPTION
@STORE_OPTION
@click.option("--tenant", "tenants", multiple=True, help="Only this tenant (repeatable).")
@click.option("--control", "controls", multiple=True, help="Only this control ID (repeatable).")
@click.option("--activity", "activities", type=int, multiple=True, help="Only controls of this HDS activity.")
@click.option("--shard", help="I/N: run only the tenants of shard I (0-based) of N, e.g. $JOB_COMPLETION_INDEX/4.")
@click.option(
    "--notify",
    "notify_url",
    envvar="HDS_NOTIFY_URL",
    metavar="URL",
    help="POST a JSON summary of new failures (vs each tenant's previous run) to this webhook (env HDS_NOTIFY_URL). "
    "A failing webhook only warns.",
)
@click.option(
    "--notify-timeout",
    type=click.FloatRange(0.1, 300),
    default=10.0,
    show_default=True,
    envvar="HDS_NOTIFY_TIMEOUT",
    help="Seconds to wait for the webhook (env HDS_NOTIFY_TIMEOUT).",
)
@click.option(
    "--resume",
    "resume_id",
    metavar="RUN_ID",
    help="Finish an interrupted run: plan it again with its own filters (same fleet file and catalog, checked) "
    "and append only the checks it has not stored.",
)
@click.option(
    "--wait",
    is_flag=True,
    help="If another run is in progress for some of these tenants on this store, wait for it instead of exiting 2.",
)
@click.option(
    "--wait-timeout",
    type=click.FloatRange(0, None),
    default=None,
    metavar="SECONDS",
    help="With --wait: give up (exit 2) after this long. Default: no limit.",
)
@SIGNING_KEY_OPTION
@FORMAT_OPTION
def run(
    config_path: Path,
    store: str,
    tenants: tuple[str, ...],
    controls: tuple[str, ...],
    activities: tuple[int, ...],
    shard: str | None,
    notify_url: str | None,
    notify_timeout: float,
    resume_id: str | None,
    wait: bool,
    wait_timeout: float | None,
    signing_key: str | None,
    fmt: str,
) -> None:
    """Run every applicable control against every tenant's targets and store the evidence.

    Then compare each tenant with its previous run (new failures, fixed, still failing) and,
    with --notify, post the new failures to a webhook.

    With --signing-key (or HDS_SIGNING_KEY) the finished run is sealed, one Ed25519 seal per
    tenant, so `hdsctl evidence verify` can prove it unaltered.

    Only one run at a time sweeps a tenant on a store: another run covering one of the same
    tenants exits 2 naming the run in progress (or waits, with --wait). A run cut short
    (killed, Ctrl-C, SIGTERM) shows as interrupted; finish it with --resume RUN_ID.

    Exit code 0 when everything passes, 1 when something fails or errors, 2 on bad input;
    130/143 when interrupted by Ctrl-C/SIGTERM.
    """
    from controlplane.planning import Shard
    from controlplane.runner import prepare

    key = None
    if signing_key:
        from controlplane.evidence import load_signing_key

        key = load_signing_key(signing_key, "--signing-key")  # before anything runs: a bad key writes nothing

    if notify_url:
        from controlplane.notify import check_url

        check_url(notify_url)
    wait_s = (math.inf if wait_timeout is None else wait_timeout) if wait or wait_timeout is not None else None
    if resume_id is not None and (tenants or controls or activities or shard):
        raise InputError.single(
            "--resume", "", "a resumed run keeps its own filters: drop --tenant, --control, --activity and --shard"
        )
    prepared = None
    if resume_id is None:
        prepared = prepare(config_path, tenants, controls, activities, Shard.parse(shard) if shard else None)
    previous = None
    with contextlib.suppress(ValueError):  # not the main thread (embedded): SIGTERM keeps its default
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        resume = (config_path, resume_id) if resume_id is not None else None
        code = execute_and_report(prepared, store, fmt, notify_url, notify_timeout, key, resume=resume, wait_s=wait_s)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    raise SystemExit(code)


@click.group()
def runs() -> None:
    """Past runs kept in the evidence store."""


def _open_existing(store: str) -> Any:
    from controlplane.store import EvidenceStore

    return EvidenceStore.open(store, create=False)


@runs.command("list")
@STORE_OPTION
@click.option("--tenant", help="Only runs that covered this tenant.")
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True)
@FORMAT_OPTION
def list_runs(store: str, tenant: str | None, limit: int, fmt: str) -> None:
    """List recent runs, newest first. With --tenant, each run as that tenant saw it: its own
    counts, no other tenant's id and no fleet-wide figure."""
    s = _open_existing(store)
    try:
        items = s.list_runs(limit, tenant)
        if tenant is not None:
            items = [_as_seen_by(r, tenant, s.status_counts(r.run_id, tenant)) for r in items]
    finally:
        s.close()
    if fmt == "json":
        emit_json([{k: v for k, v in r.as_dict().items() if tenant is None or k != "planned"} for r in items])
        return
    table(
        None,
        ["Run", "Started", "Status", "Tenants", "Pass", "Fail", "Error", "N/A"],
        [
            [r.run_id, r.started_at, r.status, len(r.tenants), *((r.counts or {}).get(k, "-") for k in STATUS_ORDER)]
            for r in items
        ],
    )


def _as_seen_by(run: Any, tenant: str, counts: dict[str, int]) -> Any:
    from dataclasses import replace

    shown = [t for t in run.filters.get("tenants") or [] if t == tenant]
    return replace(
        run,
        tenants=[tenant],
        filters={**run.filters, "tenants": shown},
        counts={k: counts.get(k, 0) for k in STATUS_ORDER} if run.counts is not None else None,
    )


@runs.command("show")
@click.argument("run_id")
@STORE_OPTION
@click.option("--tenant", help="Only this tenant's results.")
@FORMAT_OPTION
def show_run(run_id: str, store: str, tenant: str | None, fmt: str) -> None:
    """Show one run: summary per tenant and HDS activity, or every result with --format json."""
    s = _open_existing(store)
    try:
        code = print_run(s, run_id, fmt, tenant)
    finally:
        s.close()
    if fmt == "table":
        _print_findings(s, run_id, tenant)
    raise SystemExit(code)


def _print_findings(store: Any, run_id: str, tenant: str | None) -> None:
    rows = (
        [r["tenant"], r["control"], r["target"], r["resource"], r["status"], r["message"]]
        for r in store.results(run_id, tenant)
        if r["status"] in ("fail", "error")
    )
    _failure_table("Failures and errors", rows, "`--format json` lists them all")


MAX_TABLE_ROWS = 100
"""A first run of 10,000 tenants has tens of thousands of failures: a table is for reading, the
JSON output (and the store) for everything; rendering them all cost 67 MB and seconds."""


def _failure_table(title: str, rows: Iterator[list[str]], hint: str) -> None:
    shown = list(itertools.islice(rows, MAX_TABLE_ROWS))
    if shown:
        table(title, ["Tenant", "Control", "Target", "Resource", "Status", "Message"], shown)
    more = sum(1 for _ in rows)
    if more:
        click.echo(f"… and {more} more ({hint})")

"""`hdsctl run`: plan, run (exclusively, resumable), seal, compare with the previous runs, print, notify."""

from __future__ import annotations

import contextlib
import math
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from controlplane.cli.fix_first import SEVERITY_OPTION, print_fix_first
from controlplane.cli.options import CONFIG_OPTION, LANG_OPTION, SIGNING_KEY_OPTION, STORE_OPTION, WITNESS_OPTION
from controlplane.cli.output import FORMAT_OPTION, echo, stdout_is_terminal
from controlplane.cli.run_output import CatalogView, print_drift, print_run
from controlplane.errors import InputError


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


def _notify(store: Any, report: Any, prepared: Any, url: str, timeout_s: float) -> str | None:
    """Post new failures; a failing webhook is a warning on stderr, never another exit code.
    Returns the line saying where they were sent, printed after the run's summary."""
    from controlplane.notify import build_payload, post_json, public_url

    run = store.get_run(report.run_id)
    summary = {k: getattr(run, k) for k in ("run_id", "status", "started_at", "finished_at")}
    summary["shard"] = run.filters.get("shard")
    payload = build_payload(report, summary, prepared.catalog.controls)
    if payload is None:
        return None
    problem = post_json(url, payload, timeout_s)
    if problem is not None:
        echo(f"hdsctl: warning: {problem}", err=True)
        return None
    return f"New failures sent to {public_url(url)}"


class Terminated(KeyboardInterrupt):
    """SIGTERM (Kubernetes stopping the pod, a Job deadline): unwind like Ctrl-C, so the run is
    marked interrupted and its lease released rather than left for the heartbeat to expire."""


def _on_sigterm(_signum: int, _frame: Any) -> None:
    raise Terminated


def _announce_wait(exc: Any) -> None:
    echo(f"hdsctl: waiting: {exc.reason}", err=True)


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
    witness: Any = None,
    lang: str = "en",
    floor: str | None = None,
    strict: bool = False,
) -> int:
    """Run (exclusively: see `store.lease`), seal, compare, print, notify. With `resume`
    (config path, run id) the interrupted run is planned again from the store and finished."""
    from controlplane.drift import compare_with_previous
    from controlplane.runner import execute, new_run_id, prepare_resume
    from controlplane.store import EvidenceStore, describe_location

    # quick_check first: never write into a damaged file
    with EvidenceStore.open(store_location, create=resume is None, integrity="quick") as store:
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
        sealed, anchored = _seal_and_anchor(store, outcome.run_id, signing_key, witness)
        drift = compare_with_previous(store, outcome.run_id)
        location = describe_location(store_location)
        extra = {"drift": drift.as_dict()} if fmt == "json" else None  # a table prints drift its own way
        if extra is not None:
            extra |= {"sealed_with_key_id": sealed, "witness": witness.url if witness is not None else None}
        view = CatalogView.of(prepared.catalog, lang)
        # The webhook first: nothing printed (a hostile string, a closed terminal) may keep the
        # new failures from being posted.
        sent = _notify(store, drift, prepared, notify_url, notify_timeout) if notify_url else None
        code, fix_first = print_run(store, outcome.run_id, fmt, location=location, extra=extra, view=view, floor=floor)
        from controlplane.governance.verdict import governance_verdict

        code = governance_verdict(store, outcome.run_id, code, fmt, strict)
        if fmt == "table":
            print_drift(drift, view, floor)
            if sent:
                echo(sent)
            if sealed is not None:
                click.echo(f"Sealed run {outcome.run_id} with key id {sealed}")
            if witness is not None and not isinstance(anchored, Exception):
                click.echo(f"Chain heads of {anchored} tenants anchored in {witness.url}")
            print_fix_first(fix_first, view.titles)
        if isinstance(anchored, Exception):
            reason = anchored.one_line()  # type: ignore[attr-defined]
            click.echo(f"hdsctl: error: {reason}: run {outcome.run_id} is stored but not anchored", err=True)
            return 3
        return code


def _seal_and_anchor(store: Any, run_id: str, key: Any, witness: Any) -> tuple[str | None, int | Exception]:
    """Seal the run (with a key), then anchor each tenant's chain head in the witness (with one).
    Returns the key id sealed with, and how many heads were anchored or why anchoring failed
    (the run is stored either way: the caller prints it, then the failure, exit code 3)."""
    sealed = None
    if key is not None:
        from controlplane.evidence import seal_run

        sealed = seal_run(store, run_id, key).key_id
        from controlplane.governance.records import seal_pending

        seal_pending(store, key)  # the waiver records this run made, if any
    if witness is None:
        return sealed, 0
    from controlplane.evidence.witness import WitnessError, anchor_run

    try:
        return sealed, len(anchor_run(store, run_id, witness))
    except WitnessError as exc:
        return sealed, exc


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
@click.option("--strict", is_flag=True, help="Waived failures fail the run too (exit 1), as without waivers.")
@SIGNING_KEY_OPTION
@WITNESS_OPTION
@SEVERITY_OPTION
@LANG_OPTION
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
    witness_url: str | None,
    min_severity: str | None,
    lang: str,
    fmt: str,
    strict: bool = False,
) -> None:
    """Run every applicable control against every tenant's targets and store the evidence.

    Then compare each tenant with its previous run (new failures, fixed, still failing) and,
    with --notify, post the new failures to a webhook.

    With --signing-key (or HDS_SIGNING_KEY) the finished run is sealed, one Ed25519 seal per
    tenant, so `hdsctl evidence verify` can prove it unaltered; the key id is printed. With
    --witness (or HDS_WITNESS) each tenant's chain head is then anchored outside the store.

    Only one run at a time sweeps a tenant on a store: another run covering one of the same
    tenants exits 2 naming the run in progress (or waits, with --wait). A run cut short
    (killed, Ctrl-C, SIGTERM) shows as interrupted; finish it with --resume RUN_ID.

    Failures covered by a current waiver (waivers.yaml beside the fleet file) keep their
    status but are counted apart and do not fail the run, unless --strict.

    Exit code 0 when everything passes or is waived, 1 when something fails or errors, 2 on bad
    input, 3 when the store (disk full, read-only, corrupted) or the witness fails;
    130/143 when interrupted by Ctrl-C/SIGTERM.
    """
    from controlplane.planning import Shard
    from controlplane.runner import prepare

    key = None
    if signing_key:
        from controlplane.evidence import load_signing_key

        key = load_signing_key(signing_key, "--signing-key")  # before anything runs: a bad key writes nothing
    witness = None
    if witness_url:
        from controlplane.evidence.witness_registry import open_witness

        witness = open_witness(witness_url)  # a bad URL writes nothing either

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
        code = execute_and_report(
            prepared,
            store,
            fmt,
            notify_url,
            notify_timeout,
            key,
            resume=resume,
            wait_s=wait_s,
            witness=witness,
            lang=lang,
            floor=min_severity,
            strict=strict,
        )
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    raise SystemExit(code)

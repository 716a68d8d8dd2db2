"""The plugin contract. Each hook's docstring is its documentation.

Built-in plugins (TLS, S3, Kubernetes, ...) implement exactly these hooks and are registered
through the same entry-point group, ``hds.plugins``, that an outside package uses::

    [project.entry-points."hds.plugins"]
    myplugin = "my_package.hds_plugin"   # a module (or instance) with @hookimpl functions

There is no private back door: if a built-in needs a hook, it is here for everyone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click
    from pydantic import BaseModel

    from controlplane.demo_context import DemoContext
    from controlplane.evidence.witness import WitnessScheme
    from controlplane.plugin_types import CheckSpec, TargetKind, TenantView
    from controlplane.reversibility.model import Reversibility
    from controlplane.traces.record import TraceSource

PROJECT = "hds"
ENTRY_POINT_GROUP = "hds.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def hds_target_kinds() -> list[TargetKind]:
    """Return the target kinds this plugin collects.

    Called once when the registry is built. Each :class:`TargetKind` names the key under
    ``tenants[].targets`` in hds.yaml (e.g. ``tls``), gives the pydantic model validating one
    entry (it must have a ``name`` field; credentials are ``SecretRef`` fields, never inline
    values) and the collector ``collect(target, ctx) -> snapshot``.

    The collector runs once per tenant target per run, in a worker thread, with
    ``ctx.timeout_s`` as its per-attempt budget. It raises
    :class:`controlplane.errors.TransientError` for failures worth retrying (throttling,
    5xx, reset connection): the scheduler retries with backoff. Any other exception, or
    overrunning the timeout, turns every control on that target into an ``error`` result.
    A kind name must be unique across plugins.

    Optional ``endpoint(target) -> "host:port" | None``: where the collection sends its requests.
    Targets of one endpoint then share the scheduler's workers fairly with other endpoints', and
    an endpoint that throttles cannot hold more of them than its request window
    (``controlplane.dispatch``, ``controlplane.endpoint_limits``). It is called once per target
    when the run starts: keep it cheap (no I/O).
    """


@hookspec
def hds_checks() -> list[CheckSpec]:
    """Return the checks this plugin provides.

    A :class:`CheckSpec` binds an id (``<plugin>.<name>``, referenced by catalog controls'
    ``check`` field) to a target kind and a function ``func(snapshot, ctx) -> findings``.
    The function reads only the snapshot (no I/O), and returns one or more
    :class:`controlplane.results.Finding`. A ``pass`` finding must carry the observed
    evidence. A check that raises, hangs past the check timeout, returns nothing, or returns
    anything but findings becomes an ``error`` result naming the reason; it never stops the run.
    Check ids must be unique across plugins.

    The convention of every built-in plugin: declare each check once, at its function, with
    ``@check(id, target_kind, description)`` in modules named ``checks*.py``, and return
    ``declared_checks(__name__)`` here (:mod:`controlplane.check_declarations`): the declarations
    are read without importing the check modules, each imported on its first call.
    """


@hookspec
def hds_catalog_files() -> list[Path]:
    """Return extra catalog files (YAML, same format as ``controls/*.yaml``) with the controls
    this plugin implements. Built-in controls ship in the core catalog; an outside plugin adds
    its own here. Control IDs must not collide with existing ones.
    """


@hookspec
def hds_demo_setup(ctx: DemoContext) -> None:
    """Extend ``hdsctl demo``: start local endpoints for the demo tenants and add targets.

    ``ctx.tenants`` lists the demo tenants with their profile (``compliant``, ``partial``,
    ``noncompliant``); call ``ctx.add_target(tenant_id, kind, entry)`` with an hds.yaml target
    entry, or ``ctx.add_shared_target(group_id, tenant_ids, kind, entry)`` for infrastructure
    several tenants share (a server pool: checked once, stored for each tenant it serves),
    and register every server or temporary resource on ``ctx.stack`` (an ExitStack) so
    the demo stops it. Keep everything on 127.0.0.1 and inside ``ctx.workdir``. If the
    plugin cannot run here (a missing server binary), call ``ctx.note(text)`` to say so plainly.
    """


@hookspec
def hds_witnesses() -> list[WitnessScheme]:
    """Return the witnesses this plugin provides: where each tenant's chain head is anchored
    after every run, outside the evidence store (see :mod:`controlplane.evidence.witness`).

    Each :class:`WitnessScheme` binds a URL scheme (``s3``, ``file``...) to a factory
    ``open(url) -> Witness``; the factory validates the URL and raises ``InputError`` on a bad
    one, without network I/O. The witness's ``append(heads)`` must write durably and never
    rewrite earlier entries (raise ``WitnessError`` when it cannot); ``read(tenants)`` returns
    every head kept, oldest first, plus what is wrong with the witness itself. The first plugin
    registering a scheme wins; the core provides ``file``. Keep cloud SDK imports inside the
    factory, so listing schemes stays cheap.
    """


@hookspec
def hds_commands() -> list[click.Command]:
    """Return the ``hdsctl`` subcommands this plugin adds: click commands or groups, each under
    its own name (``hds_backup`` adds the ``backup`` group, hence ``hdsctl backup manifest``).

    Called only when ``hdsctl`` meets a command name the core does not know, or lists every
    command (``hdsctl --help``): a core command starts without loading any plugin. Keep the
    command's heavy imports (cloud SDKs, database drivers) inside its function, so listing the
    commands stays cheap. A name may not be a core command's or another plugin's (the CLI refuses
    the installation). Raise :class:`controlplane.errors.InputError` for bad input: the CLI prints
    it on one line and exits 2, like the core's commands. Example::

        @hookimpl
        def hds_commands():
            from my_plugin.cli import mygroup  # a click.Group
            return [mygroup]
    """


@hookspec
def hds_trace_sources(tenant: TenantView, target_kind: str, target: BaseModel, timeout_s: float) -> list[TraceSource]:
    """Return where accesses to the tenant's data on this target are logged (`hdsctl traces`).

    Called for each of the tenant's targets, with its kind and validated entry; return ``[]`` for
    a kind this plugin does not collect, or when the target declares no trace source. Each
    :class:`controlplane.traces.record.TraceSource` declares its ``scopes`` (resource prefixes
    that are the tenant's, e.g. ``s3://bucket/``) and ``read(window, stats)`` yields
    :class:`~controlplane.traces.record.TraceRecord` one at a time (an iterator: a year of logs
    never in memory), keeping only the tenant's accesses from a shared log and counting every
    skipped line in ``stats``. The core drops (and counts) any record outside the scopes, classifies
    actors with the fleet's staff directory and writes and seals the export. Building a source must
    not do network I/O; reading may, within ``timeout_s`` per request. Every byte of a log is
    hostile: bound line lengths and pass text fields through ``controlplane.traces.record.clean``.
    """


@hookspec
def hds_reversibility() -> list[Reversibility]:
    """Return how this plugin exports and inspects its target kinds for reversibility (HDS v2
    EXI 27): ``hdsctl reversibility test`` and ``hdsctl reversibility destroy-check``.

    Each :class:`Reversibility` names a target kind this plugin provides and two optional
    functions (use ``deferred(...)`` so nothing heavy loads until a command runs):

    - ``export(target, request) -> ExportOutcome``: write the target's data as the departing
      client would receive it, in open formats, into ``request.dest`` (an empty directory), with
      an inventory item per object/table (size, SHA-256) compared with the live inventory. Stop
      by ``request.deadline`` and within ``request.max_bytes``; export at most ``request.sample``
      items when it is set. Never read another tenant's data; never put a secret in an item.
    - ``inspect(target, tenant, deadline) -> Inspection``: list what of the tenant still
      remains on that target (buckets, object versions, delete markers, replicas, backup
      artefacts, scratch restores), read-only.

    A function that raises is reported as an error for that target (the test fails, the check
    cannot say "destroyed"), never a pass.
    """

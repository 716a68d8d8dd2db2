"""Entry point of `hdsctl`. Input errors become one line on stderr and exit code 2; store faults
(disk full, read-only, corrupted store) one line and exit code 3."""

from __future__ import annotations

from typing import Any

import click

from controlplane import __version__
from controlplane.errors import InputError, PluginContractError, _printable


class HdsGroup(click.Group):
    """The core's commands, then those plugins add through the `hds_commands` hook. Plugins are
    loaded only for a name the core does not know (or for the full list, `hdsctl --help`): a core
    command such as `hdsctl controls list` starts without importing any plugin."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_plugin_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        return found if found is not None else _plugin_commands(ctx).get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"hdsctl: error: {exc.one_line()}", err=True)
            ctx.exit(2)
        except PluginContractError as exc:
            click.echo(f"hdsctl: error: broken plugin installation: {_printable(str(exc))}", err=True)
            ctx.exit(2)
        except Exception as exc:
            # Store faults (disk full, read-only, corrupted file): one line and their own exit code
            # (3), never a traceback that reads as "controls failed" (see controlplane.store.faults).
            from controlplane.store.faults import StoreFault, classify

            fault = exc if isinstance(exc, StoreFault) else classify(exc)
            if fault is None:
                raise
            click.echo(f"hdsctl: error: {fault.one_line()}", err=True)
            ctx.exit(getattr(fault, "exit_code", 2))


@click.group(cls=HdsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hdsctl")
def cli() -> None:
    """HDS compliance control plane: check every tenant of a health-data host against the
    control catalog (six HDS activities, ISO/IEC 27001:2022 Annex A) and keep the evidence."""


def _register() -> None:
    from controlplane.cli import audit_cmd, catalog_cmds, config_cmds, demo_cmd, plugins_cmds, run_cmds, runs_cmds

    cli.add_command(catalog_cmds.controls)
    cli.add_command(config_cmds.config)
    cli.add_command(plugins_cmds.plugins)
    cli.add_command(run_cmds.run)
    cli.add_command(runs_cmds.runs)
    cli.add_command(demo_cmd.demo)
    cli.add_command(audit_cmd.audit)

    from controlplane.cli import evidence_cmds, report_cmds

    cli.add_command(evidence_cmds.evidence)
    cli.add_command(report_cmds.report)

    from controlplane.cli import attest_cmds, soa_cmds, waiver_cmds

    cli.add_command(attest_cmds.attest)
    cli.add_command(attest_cmds.attestations)
    cli.add_command(waiver_cmds.waive)
    cli.add_command(waiver_cmds.waivers)
    cli.add_command(soa_cmds.soa)

    from controlplane.cli import traces_cmds

    cli.add_command(traces_cmds.traces)
    from controlplane.cli import reversibility_cmds

    cli.add_command(reversibility_cmds.reversibility)


_register()


def _plugin_commands(ctx: click.Context) -> dict[str, click.Command]:
    from controlplane.cli.plugin_commands import plugin_commands

    try:
        return plugin_commands(frozenset(cli.commands))
    except PluginContractError as exc:
        click.echo(f"hdsctl: error: broken plugin installation: {_printable(str(exc))}", err=True)
        ctx.exit(2)
        raise  # not reached: ctx.exit raises


def main() -> None:
    cli(prog_name="hdsctl")

"""Write an outside plugin to disk exactly as `pip install` would leave it: a package plus a
`.dist-info` declaring the `hds.plugins` entry point. Put the folder on PYTHONPATH and the
core discovers it through importlib.metadata, with no change to the core."""

from __future__ import annotations

from pathlib import Path

PLUGIN_SOURCE = """
from pathlib import Path
from pydantic import BaseModel, ConfigDict
from controlplane.hookspecs import hookimpl
from controlplane.plugin_types import CheckSpec, TargetKind
from controlplane.results import Finding, Status

class ClockTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    offset_ms: float

def collect(target, ctx):
    return {"offset_ms": target.offset_ms}

def offset_ok(snapshot, ctx):
    limit = ctx.params["max_offset_ms"]
    ok = abs(snapshot["offset_ms"]) <= limit
    return [Finding(Status.passed if ok else Status.failed, f"offset {snapshot['offset_ms']} ms (limit {limit})",
                    "clock", {"offset_ms": snapshot["offset_ms"], "max_offset_ms": limit})]

@hookimpl
def hds_target_kinds():
    return [TargetKind("clock", ClockTarget, collect, "clock offset")]

@hookimpl
def hds_checks():
    return [CheckSpec("clock.offset", "clock", offset_ok)]

@hookimpl
def hds_catalog_files():
    return [Path(__file__).with_name("controls.yaml")]
"""

CONTROLS = """controls:
  - id: CLK-01
    kind: automated
    check: clock.offset
    severity: medium
    hds_activities: [{activities}]
    iso27001: [{iso}]
    parameters: {{max_offset_ms: 100}}
    title: {{fr: "Les horloges sont synchronisées", en: "Clocks are synchronised"}}
    objective: {{fr: "Des traces horodatées fiables.", en: "Reliable timestamps in logs."}}
    remediation: {{fr: "Configurer NTP.", en: "Configure NTP."}}
"""


def write_outside_plugin(root: Path, activities: str = "5", iso: str = "A.8.17") -> Path:
    pkg = root / "hds_clock_plugin"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(PLUGIN_SOURCE)
    (pkg / "controls.yaml").write_text(CONTROLS.format(activities=activities, iso=iso))
    dist = root / "hds_clock_plugin-1.2.3.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: hds-clock-plugin\nVersion: 1.2.3\n")
    (dist / "entry_points.txt").write_text("[hds.plugins]\nclock = hds_clock_plugin\n")
    return root

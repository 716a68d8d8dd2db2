"""Load and cross-check the catalog: data files validated by pydantic, references resolved.

The catalog ships inside the package (`controlplane.catalog_data`, the repository's
`controls/` folder); plugins may add control files through the `hds_catalog_files` hook.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from controlplane.catalog.models import (
    ActivitiesFile,
    Control,
    ControlKind,
    ControlsFile,
    HdsActivity,
    HdsRequirement,
    HdsV2File,
    IsoControl,
    IsoFile,
)
from controlplane.errors import InputError, Problem
from controlplane.validation import problems_from
from controlplane.yamlfile import parse_yaml

ACTIVITIES_FILE = "activities.yaml"
ISO_FILE = "iso27001.yaml"
HDS_V2_FILE = "hds_v2.yaml"
FRAMEWORK_FILES = (ACTIVITIES_FILE, ISO_FILE, HDS_V2_FILE)


@dataclass(frozen=True)
class Catalog:
    """The loaded catalog. Controls are kept in file order, which is also report order."""

    activities: Mapping[int, HdsActivity]
    iso_controls: Mapping[str, IsoControl]
    controls: Mapping[str, Control]
    digest: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)
    hds_requirements: Mapping[str, HdsRequirement] = field(default_factory=dict)
    """HDS referential v2 requirements (EXI-01 to EXI-31), by id."""

    def control(self, control_id: str) -> Control:
        return self.controls[control_id]

    def automated(self) -> list[Control]:
        return [c for c in self.controls.values() if c.kind is ControlKind.automated]

    def attested(self) -> list[Control]:
        return [c for c in self.controls.values() if c.kind is ControlKind.attested]

    def controls_for_requirement(self, exi: str) -> list[Control]:
        return [c for c in self.controls.values() if exi in c.hds_v2]


def builtin_catalog_dir() -> Path:
    return Path(str(resources.files("controlplane.catalog_data")))


def _parse(path: Path, display: str) -> tuple[object, bytes]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.single(display, "", f"cannot read file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError.single(display, "", "file is not valid UTF-8") from None
    return parse_yaml(text, display, trusted=True), raw


def load_catalog(extra_files: Iterable[Path] = (), base_dir: Path | None = None) -> Catalog:
    """Load activities, ISO controls and every control file; fail on the first bad file with
    all of its problems, and on any unknown reference with the file and field named."""
    base = base_dir or builtin_catalog_dir()
    digest = hashlib.sha256()

    def read(path: Path, model: type) -> object:
        display = path.name if base_dir is None and path.parent == base else str(path)
        data, raw = _parse(path, display)
        digest.update(path.name.encode() + b"\0" + raw)
        try:
            return model.model_validate(data), display
        except ValidationError as exc:
            raise InputError(problems_from(exc, display)) from None

    activities_file, _ = read(base / ACTIVITIES_FILE, ActivitiesFile)  # type: ignore[misc]
    iso_file, _ = read(base / ISO_FILE, IsoFile)  # type: ignore[misc]
    hds_file, _ = read(base / HDS_V2_FILE, HdsV2File)  # type: ignore[misc]
    requirements = {r.id: r for r in hds_file.requirements}
    if sorted(requirements) != [f"EXI-{n:02d}" for n in range(1, 32)]:
        raise InputError.single(HDS_V2_FILE, "requirements", "must list EXI-01 to EXI-31 once each")
    activities = {a.number: a for a in activities_file.activities}
    if sorted(activities) != [1, 2, 3, 4, 5, 6]:
        raise InputError.single(ACTIVITIES_FILE, "activities", "must list activities 1 to 6 once each")
    iso = {c.id: c for c in iso_file.controls}
    if len(iso) != len(iso_file.controls):
        raise InputError.single(ISO_FILE, "controls", "an ISO control ID appears twice")

    control_files = sorted(p for p in base.glob("*.yaml") if p.name not in FRAMEWORK_FILES)
    controls: dict[str, Control] = {}
    sources: dict[str, str] = {}
    for path in [*control_files, *extra_files]:
        parsed, display = read(path, ControlsFile)  # type: ignore[misc]
        problems: list[Problem] = []
        for i, control in enumerate(parsed.controls):
            where = f"controls[{i}]"
            if control.id in controls:
                problems.append(
                    Problem(
                        display, f"{where}.id", f"duplicate control ID {control.id!r} (also in {sources[control.id]})"
                    )
                )
            for j, act in enumerate(control.hds_activities):
                if act not in activities:
                    problems.append(Problem(display, f"{where}.hds_activities[{j}]", f"unknown HDS activity {act}"))
            for j, ref in enumerate(control.iso27001):
                if ref not in iso:
                    problems.append(
                        Problem(display, f"{where}.iso27001[{j}]", f"unknown ISO 27001:2022 control {ref!r}")
                    )
            for j, ref in enumerate(control.hds_v2):
                if ref not in requirements:
                    problems.append(Problem(display, f"{where}.hds_v2[{j}]", f"unknown HDS v2 requirement {ref!r}"))
            controls[control.id] = control
            sources.setdefault(control.id, display)
        if problems:
            raise InputError(problems)
    return Catalog(activities, iso, controls, digest.hexdigest(), sources, requirements)

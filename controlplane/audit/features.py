"""The packaged feature files: locate, parse tags, render the tenant rows of the outlines.

Outlines end with an `Exemples:` table whose only row is the `@locataires` marker; at audit
time it is replaced by one row per audited tenant, so the same features run over any fleet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

TENANT_MARKER = "| @locataires |"
SCENARIO_RE = re.compile(r"^\s*(Scénario|Plan du scénario|Exemple)\s*:\s*(?P<name>.+?)\s*$")
TAG_RE = re.compile(r"@(\S+)")
GOVERNANCE_TAGS = frozenset({"attestations", "derogations"})
"""Scenarios over the governance records of a run (attestation expiry, waivers), not one control."""


@dataclass(frozen=True)
class ScenarioTags:
    feature: str
    name: str
    line: int
    tags: tuple[str, ...]

    @property
    def controls(self) -> list[str]:
        return [t for t in self.tags if not t.startswith(("HDS-", "ISO-")) and t not in GOVERNANCE_TAGS]

    @property
    def activities(self) -> list[int]:
        return [int(t[4:]) for t in self.tags if t.startswith("HDS-") and t[4:].isdigit()]

    @property
    def iso(self) -> list[str]:
        return [t[4:] for t in self.tags if t.startswith("ISO-")]


def features_dir() -> Path:
    return Path(str(resources.files("controlplane.features")))


def feature_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or features_dir()).glob("*.feature"))


def scenario_tags(path: Path) -> list[ScenarioTags]:
    """Tags written directly above each scenario (feature-level tags are not used here)."""
    out: list[ScenarioTags] = []
    pending: list[str] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("@"):
            pending.extend(TAG_RE.findall(stripped))
            continue
        match = SCENARIO_RE.match(line)
        if match:
            out.append(ScenarioTags(path.name, match.group("name"), n, tuple(pending)))
        if stripped and not stripped.startswith("#"):
            pending = []
    return out


def render(dest: Path, tenants: list[str], directory: Path | None = None) -> list[Path]:
    """Copy the features into `dest` with the outline rows filled with the audited tenants."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for src in feature_files(directory):
        lines = []
        for line in src.read_text(encoding="utf-8").splitlines():
            if line.strip() == TENANT_MARKER:
                indent = line[: len(line) - len(line.lstrip())]
                lines.extend(f"{indent}| {t} |" for t in tenants)
            else:
                lines.append(line)
        out = dest / src.name
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(out)
    return written


def known_tags(directory: Path | None = None) -> set[str]:
    """Every tag written above a scenario of the packaged features (without the `@`)."""
    return {t for path in feature_files(directory) for s in scenario_tags(path) for t in s.tags}


def validate_tags(raw: str, directory: Path | None = None) -> list[str]:
    """`--tags` as a list, refused (InputError) when a tag is carried by no scenario: a typo
    must not sweep the fleet, store a run and then select nothing."""
    from controlplane.errors import InputError

    tags = [t.strip() for t in raw.split(",") if t.strip()]
    known = known_tags(directory)
    for tag in tags:
        if tag.lstrip("@") not in known:
            raise InputError.single(
                "--tags",
                "",
                f"unknown tag {tag!r}: no scenario carries it (tags are control IDs such as @TLS-01, "
                "HDS activities @HDS-1 to @HDS-6, ISO/IEC 27001 controls such as @ISO-A.8.24)",
            )
    return tags

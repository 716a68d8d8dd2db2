"""Typed catalog records: HDS activities, ISO 27001 controls and our compliance controls."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CONTROL_ID = r"^[A-Z][A-Z0-9]{1,9}-[0-9]{2,3}$"
ISO_2022_ID = r"^A\.[5-8]\.[0-9]{1,2}$"
ISO_2013_ID = r"^A\.[0-9]{1,2}\.[0-9]{1,2}(\.[0-9]{1,2})?$"
CHECK_ID = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$"
EXI_ID = r"^EXI-[0-9]{2}$"

HdsActivityNumber = Annotated[int, Field(ge=1, le=6)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(_Record):
    """French first: auditors read French; English for tooling and foreign staff."""

    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


class HdsActivity(_Record):
    number: HdsActivityNumber
    certificate: Literal["physical", "managed"]
    title: LocalizedText


class IsoControl(_Record):
    id: Annotated[str, Field(pattern=ISO_2022_ID)]
    theme: Literal["organizational", "people", "physical", "technological"]
    title: str = Field(min_length=1)
    """English short name."""
    title_fr: str = Field(min_length=1)
    """French short name: French auditor documents never mix in English titles."""
    iso27001_2013: tuple[Annotated[str, Field(pattern=ISO_2013_ID)], ...] | None = None

    def title_for(self, lang: str) -> str:
        return self.title if lang == "en" else self.title_fr


class HdsRequirement(_Record):
    """One requirement (EXI) of the HDS certification referential v2. Summaries are our own
    short wording, never the referential's text; `verified` says whether the numbering and
    subject were checked against the official publication (see controls/hds_v2.yaml)."""

    id: Annotated[str, Field(pattern=EXI_ID)]
    chapter: int = Field(ge=4, le=8)
    title: LocalizedText
    summary: LocalizedText
    hds_activities: tuple[HdsActivityNumber, ...] = Field(min_length=1)
    verified: bool = False


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class ControlKind(StrEnum):
    automated = "automated"
    attested = "attested"
    recorded = "recorded"
    """Judged at each run from records a command of ours wrote to the store (`record` names which),
    e.g. REV-01 from `hdsctl reversibility test`."""


RecordKind = Literal["reversibility"]


class Control(_Record):
    """One compliance control. Automated controls name the plugin check that implements them;
    attested ones say which evidence a person must supply and for how long it stays valid."""

    id: Annotated[str, Field(pattern=CONTROL_ID)]
    kind: ControlKind
    severity: Severity
    title: LocalizedText
    objective: LocalizedText
    remediation: LocalizedText
    # Plain ints/strings here: the loader resolves them against the catalog and names the
    # unknown reference, a clearer message than a range or pattern error.
    hds_activities: tuple[int, ...] = Field(min_length=1)
    iso27001: tuple[str, ...] = ()
    hds_v2: tuple[str, ...] = ()
    """The HDS v2 requirements (EXI-nn) this control's result is evidence for."""
    plugin: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    """The plugin that runs the check, when it is not the check id's prefix (PG-xx: `backup`)."""
    check: Annotated[str, Field(pattern=CHECK_ID)] | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    evidence_required: LocalizedText | None = None
    validity_days: int | None = Field(default=None, ge=1, le=1100)
    record: RecordKind | None = None
    """For recorded controls: the kind of stored record that decides them."""

    @model_validator(mode="after")
    def _kind_fields(self) -> Control:
        if (self.kind is ControlKind.recorded) != (self.record is not None):
            raise ValueError("a recorded control, and only it, names the stored record deciding it ('record')")
        if self.kind is ControlKind.recorded:
            if self.check is not None or self.validity_days is not None:
                raise ValueError("a recorded control has no plugin check and no validity_days")
        elif self.kind is ControlKind.automated:
            if self.check is None:
                raise ValueError("an automated control must name its plugin check ('check')")
            if self.evidence_required is not None or self.validity_days is not None:
                raise ValueError("evidence_required/validity_days are for attested controls")
        else:
            if self.check is not None:
                raise ValueError("an attested control has no plugin check")
            if self.evidence_required is None or self.validity_days is None:
                raise ValueError("an attested control needs evidence_required and validity_days")
        if not self.iso27001 and not self.hds_v2:
            raise ValueError(
                "a control maps to at least one ISO 27001 control ('iso27001') or HDS requirement ('hds_v2')"
            )
        if len(set(self.hds_activities)) != len(self.hds_activities):
            raise ValueError("hds_activities lists an activity twice")
        return self


class ActivitiesFile(_Record):
    activities: tuple[HdsActivity, ...]


class IsoFile(_Record):
    controls: tuple[IsoControl, ...]


class HdsV2File(_Record):
    source: str = Field(min_length=1)
    requirements: tuple[HdsRequirement, ...]


class ControlsFile(_Record):
    controls: tuple[Control, ...]

"""The fleet file (hds.yaml): tenants, their contracted HDS activities, contract figures and
targets. Target entries are typed by the plugins that collect them (see `loader`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from controlplane.bounded_read import DEFAULT_MAX_RESPONSE_MB
from controlplane.endpoint_limits import DEFAULT_ENDPOINT_MAX, DEFAULT_GLOBAL_MAX, DEFAULT_INITIAL
from controlplane.traces.staff import StaffDirectory

TENANT_ID = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
"""A DNS label: safe as a file name, a Kubernetes label value and a URL path segment."""

TARGET_NAME = r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contract(_Strict):
    """Figures from the hosting contract (HDS v2 EXI 18/21): what the checks compare against."""

    rpo_hours: float = Field(gt=0, le=24 * 366, description="Recovery point objective, hours")
    rto_hours: float = Field(gt=0, le=24 * 366, description="Recovery time objective, hours")
    log_retention_days: int = Field(
        default=365, ge=1, le=3660, description="Minimum retention of access logs (CNIL: 6-12 months)"
    )
    log_retention_max_days: int | None = Field(
        default=None, ge=1, le=3660, description="Maximum retention of access logs, if contracted"
    )
    trace_max_age_hours: float = Field(
        default=24, gt=0, le=24 * 366, description="Newest access trace at most this old: logs are flowing (EXI 15)"
    )
    trace_max_gap_hours: float = Field(
        default=48, gt=0, le=24 * 3660, description="Longest stretch without any access trace within the retention"
    )
    reversibility_clause: bool = Field(
        default=False,
        description="The contract has a reversibility clause (HDS v2 EXI 27): REV-01 then needs a passing "
        "`hdsctl reversibility test` younger than reversibility_test_max_age_months",
    )
    reversibility_test_max_age_months: int = Field(
        default=12, ge=1, le=120, description="Oldest a passing reversibility test may be (months)"
    )

    @model_validator(mode="after")
    def _max_after_min(self) -> Contract:
        if self.log_retention_max_days is not None and self.log_retention_max_days < self.log_retention_days:
            raise ValueError("log_retention_max_days is shorter than log_retention_days")
        return self


class RuntimeSettings(_Strict):
    """How hard the scheduler works and how long it waits. Defaults suit a few hundred tenants."""

    workers: int = Field(default=16, ge=1, le=256)
    collect_timeout_s: float = Field(default=30.0, gt=0, le=3600)
    check_timeout_s: float = Field(default=10.0, gt=0, le=3600)
    retries: int = Field(default=2, ge=0, le=10)
    retry_backoff_s: float = Field(default=0.5, ge=0, le=60)
    max_rss_mb: int | None = Field(
        default=2048,
        ge=64,
        le=1024 * 1024,
        description="Memory guard: past this resident memory (MB), the check or collection under which it grew "
        "most is abandoned as an error 'memory limit exceeded'. Default 2048; null turns it off (Linux only)",
    )
    max_response_mb: float = Field(
        default=DEFAULT_MAX_RESPONSE_MB,
        gt=0,
        le=64 * 1024,
        description="Largest answer a plugin reads from an endpoint (an S3 or Kubernetes API response), and "
        "largest Kubernetes dump file; past it the read stops and the target's checks report an error",
    )
    endpoint_initial_in_flight: int = Field(
        default=DEFAULT_INITIAL,
        ge=1,
        le=4096,
        description="Requests in flight to one endpoint (host:port) at first; the window then grows on answers "
        "and halves on throttling (503 SlowDown, 429, connection reset), see controlplane.endpoint_limits",
    )
    endpoint_max_in_flight: int = Field(
        default=DEFAULT_ENDPOINT_MAX,
        ge=1,
        le=4096,
        description="Most requests in flight to one endpoint (host:port); also its connection pool size",
    )
    global_max_in_flight: int = Field(
        default=DEFAULT_GLOBAL_MAX, ge=1, le=16384, description="Most requests in flight to all endpoints together"
    )

    @model_validator(mode="after")
    def _ordered_limits(self) -> RuntimeSettings:
        if not self.endpoint_initial_in_flight <= self.endpoint_max_in_flight <= self.global_max_in_flight:
            raise ValueError("need endpoint_initial_in_flight <= endpoint_max_in_flight <= global_max_in_flight")
        return self


class TenantBase(_Strict):
    id: Annotated[str, Field(pattern=TENANT_ID)]
    name: str = Field(min_length=1, max_length=200)
    activities: tuple[Annotated[int, Field(ge=1, le=6)], ...] = Field(
        description="HDS activities (1-6) the host performs for this tenant"
    )
    contract: Contract
    parameters: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-control parameter overrides, by control ID"
    )
    sites: tuple[Annotated[str, Field(pattern=TARGET_NAME)], ...] = Field(
        default=(), description="Data centres housing this tenant's hardware: what `hdsctl attest --site` covers"
    )
    client_principals: tuple[Annotated[str, Field(min_length=1, max_length=512)], ...] = Field(
        default=(), description="The tenant's own principals in access logs (exact, or a pattern with *): 'client'"
    )

    @field_validator("name")
    @classmethod
    def _printable_name(cls, value: str) -> str:
        # YAML escapes ("\e", "\r", "\u202e") get control characters past the file checks; a
        # name is printed in terminals, reports and webhook messages.
        if not value.isprintable():
            raise ValueError("control characters (escapes, newlines, bidi overrides) are not allowed in a name")
        return value

    @field_validator("activities")
    @classmethod
    def _unique(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        # Checked here, not with min_length: pydantic would add a second, confusing error when
        # an item is out of range.
        if not value:
            raise ValueError("list at least one HDS activity (1-6)")
        if len(set(value)) != len(value):
            raise ValueError("an activity is listed twice")
        return tuple(sorted(value))


def _list_or_selector(schema: dict[str, Any]) -> None:
    """JSON Schema of a selector: also the plain list of tenant ids the validator accepts."""
    selector = {k: schema.pop(k) for k in list(schema) if k not in ("title", "description")}
    listed = {"type": "array", "items": {"type": "string", "pattern": TENANT_ID}}
    schema["anyOf"] = [listed, selector]


class ServeSelector(_Strict):
    """Which tenants a shared group serves: listed tenants, the tenants housed in listed sites,
    or every tenant of the file. Written as a plain list, it is the list of tenant ids."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_list_or_selector)

    tenants: tuple[Annotated[str, Field(pattern=TENANT_ID)], ...] = ()
    sites: tuple[Annotated[str, Field(pattern=TARGET_NAME)], ...] = ()
    all: bool = Field(default=False, description="Every tenant of the fleet file, present and future")

    @model_validator(mode="before")
    @classmethod
    def _list_is_tenants(cls, data: object) -> object:
        return {"tenants": data} if isinstance(data, list | tuple) else data

    @model_validator(mode="after")
    def _not_empty(self) -> ServeSelector:
        if self.all and (self.tenants or self.sites):
            raise ValueError("'all: true' already serves every tenant: drop 'tenants' and 'sites'")
        if not (self.all or self.tenants or self.sites):
            raise ValueError("serves no tenant: list tenant ids, or give {sites: [...]} or {all: true}")
        return self


class SharedGroupBase(_Strict):
    """A group of shared targets (a server pool, a shared cluster's control plane, a shared S3
    account): collected once per run, its results stored in each served tenant's own chain."""

    id: Annotated[str, Field(pattern=TENANT_ID)]
    serves: ServeSelector
    parameters: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per-control parameter overrides for these targets, by control ID; a served tenant's own "
        "override of the same parameter wins for that tenant",
    )


class FleetBase(_Strict):
    version: Literal[1] = 1
    store: str | None = Field(
        default=None,
        min_length=1,
        max_length=4096,
        description="Evidence store used by every hdsctl command when neither --store nor HDS_STORE is given: "
        "a SQLite path (relative to this file) or an SQLAlchemy URL without a password (put credentials in "
        "HDS_STORE, from a Secret)",
    )
    runtime: RuntimeSettings = Field(default_factory=RuntimeSettings)
    staff_directory: StaffDirectory = Field(
        default_factory=StaffDirectory,
        description="The host's staff and service principals (and network countries), so that access traces "
        "name staff accesses (EXI 15) and flag those from outside the EEA (EXI 29)",
    )

    @field_validator("store")
    @classmethod
    def _no_password(cls, value: str | None) -> str | None:
        from controlplane.config.store_setting import check_store_setting

        return check_store_setting(value)

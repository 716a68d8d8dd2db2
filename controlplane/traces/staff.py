"""Who an access was: the host-staff directory of the fleet file, and the classifier that turns a
principal as a log names it into staff, client, service or unknown.

    staff_directory:
      staff:
        - principals: ["arn:aws:iam::123456789012:user/alice", "alice"]
          name: Alice Martin
          team: exploitation
          country: FR            # where this person works from, when known
      services: ["system:serviceaccount:kube-system:*", "arn:aws:iam::123456789012:role/backup"]
      networks:                  # source address -> country, when known
        - {cidr: 10.20.0.0/16, country: FR}

A principal matches exactly, or as a shell pattern when it holds `*` or `?`. Nothing is guessed:
a principal nobody declares is `unknown`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from fnmatch import fnmatchcase
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from controlplane.traces.eea import outside_eea
from controlplane.traces.record import ActorKind, TraceRecord

COUNTRY = r"^[A-Z]{2}$"
PRINCIPAL = Annotated[str, Field(min_length=1, max_length=512)]
_CACHE_MAX = 65536


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StaffMember(_Strict):
    principals: tuple[PRINCIPAL, ...] = Field(min_length=1, description="Principals as the logs name them")
    name: str = Field(min_length=1, max_length=200)
    team: str = Field(default="", max_length=200)
    country: str | None = Field(default=None, pattern=COUNTRY, description="ISO 3166 alpha-2, when known")


class NetworkCountry(_Strict):
    cidr: str = Field(description="An IPv4 or IPv6 network, e.g. 10.20.0.0/16")
    country: str = Field(pattern=COUNTRY)

    @field_validator("cidr")
    @classmethod
    def _network(cls, value: str) -> str:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValueError(f"{value!r} is not an IP network") from None
        return value


class StaffDirectory(_Strict):
    """The host's staff and services, so staff accesses are recognised in every tenant's traces."""

    staff: tuple[StaffMember, ...] = ()
    services: tuple[PRINCIPAL, ...] = ()
    networks: tuple[NetworkCountry, ...] = ()


def _is_pattern(principal: str) -> bool:
    return "*" in principal or "?" in principal


class Classifier:
    """Classifies records for one tenant. Lookups are cached (bounded): a year of logs repeats the
    same few principals and addresses millions of times."""

    def __init__(self, directory: StaffDirectory, client_principals: tuple[str, ...] = ()) -> None:
        self._exact: dict[str, tuple[ActorKind, StaffMember | None]] = {}
        self._patterns: list[tuple[str, ActorKind, StaffMember | None]] = []
        # Order of precedence: staff, then the tenant's own principals, then services.
        declared: list[tuple[str, ActorKind, StaffMember | None]] = [
            *((p, ActorKind.staff, m) for m in directory.staff for p in m.principals),
            *((p, ActorKind.client, None) for p in client_principals),
            *((p, ActorKind.service, None) for p in directory.services),
        ]
        for principal, kind, member in declared:
            if _is_pattern(principal):
                self._patterns.append((principal, kind, member))
            else:
                self._exact.setdefault(principal, (kind, member))
        self._networks = [(ipaddress.ip_network(n.cidr, strict=False), n.country) for n in directory.networks]
        self._networks.sort(key=lambda item: item[0].prefixlen, reverse=True)  # most specific first
        self._actors: dict[str, tuple[ActorKind, StaffMember | None]] = {}
        self._countries: dict[str, str] = {}

    def _actor(self, actor: str) -> tuple[ActorKind, StaffMember | None]:
        found = self._actors.get(actor)
        if found is None:
            found = self._exact.get(actor)
            if found is None:
                found = next(((k, m) for p, k, m in self._patterns if fnmatchcase(actor, p)), (ActorKind.unknown, None))
            if len(self._actors) >= _CACHE_MAX:
                self._actors.clear()
            self._actors[actor] = found
        return found

    def _country(self, address: str) -> str:
        if not self._networks or not address:
            return ""
        found = self._countries.get(address)
        if found is None:
            found = ""
            try:
                ip = ipaddress.ip_address(address)
            except ValueError:
                ip = None
            if ip is not None:
                found = next((c for net, c in self._networks if ip.version == net.version and ip in net), "")
            if len(self._countries) >= _CACHE_MAX:
                self._countries.clear()
            self._countries[address] = found
        return found

    def classify(self, record: TraceRecord) -> TraceRecord:
        kind, member = self._actor(record.actor)
        if kind is ActorKind.unknown and record.actor_kind is ActorKind.service:
            kind = ActorKind.service  # the source knows its own system principals
        country = record.country or self._country(record.source_address)
        if member is not None:
            country = country or (member.country or "")
            return replace(
                record,
                actor_kind=kind,
                staff=member.name,
                team=member.team,
                country=country,
                outside_eea=outside_eea(country),
            )
        if kind is record.actor_kind and country == record.country:
            return record
        return replace(record, actor_kind=kind, country=country)

"""Read a server pool's BMCs once per run: systems (Secure Boot, storage), chassis (power
supplies, location), managers (firmware, network protocols), accounts, event subscriptions and
firmware inventory, over the read-only client (`client.py`).

Each BMC is read apart (a few at a time): one that hangs, resets or answers garbage makes only
its own results ERROR, within the collection's deadline. Before any credential is sent, a TLS
handshake verifies the BMC's certificate with the target's CA bundle; a BMC that fails it gets
no password, and its certificate is kept as evidence (RF-08).
"""

from __future__ import annotations

import contextlib
import ssl
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from controlplane.daemon_pool import DaemonPool
from controlplane.errors import TransientError
from controlplane.governance.clock import now
from controlplane.plugin_types import CollectContext
from hds_redfish.client import Forbidden, HttpStatus, RedfishClient, RedfishError
from hds_redfish.snapshot import BmcSnapshot, RedfishSnapshot
from hds_redfish.target import RedfishTarget
from hds_redfish.tls_probe import probe_tls

MAX_MEMBERS = 256
"""Members followed per collection: a real BMC has a few; a hostile one cannot make us walk millions."""
PARALLEL_BMCS = 16


def collect_redfish(target: RedfishTarget, ctx: CollectContext) -> RedfishSnapshot:
    username, password = target.username.resolve(), target.password.resolve()
    deadline = time.monotonic() + ctx.timeout_s
    collected_at = now()

    def one(url: str) -> BmcSnapshot:
        return collect_bmc(url, target.ca_bundle, username, password, ctx, deadline)

    with DaemonPool(min(PARALLEL_BMCS, len(target.endpoints)), "hds-redfish") as pool:
        bmcs = tuple(pool.map(one, target.endpoints))
    return RedfishSnapshot(target=target.name, collected_at=collected_at, bmcs=bmcs)


def collect_bmc(
    url: str,
    ca_bundle: str | None,
    username: SecretStr,
    password: SecretStr,
    ctx: CollectContext,
    deadline: float,
) -> BmcSnapshot:
    endpoint = urlsplit(url).netloc
    tls: dict[str, Any] = {"scheme": urlsplit(url).scheme}
    try:
        if tls["scheme"] == "https":
            tls = probe_tls(url, ca_bundle, min(10.0, ctx.timeout_s, max(0.05, deadline - time.monotonic())))
            if not tls["verified"]:
                reason = f"TLS verification failed ({tls.get('error')}): credentials not sent"
                return BmcSnapshot(endpoint, error=reason, tls=tls)
        with RedfishClient(
            url, username, password, ca_bundle, min(30.0, ctx.timeout_s), deadline, ctx.max_response_bytes
        ) as client:
            walker = _Walker(client)
            try:
                parts = walker.walk()
            except (TimeoutError, RedfishError, TransientError, OSError, ssl.SSLError) as exc:
                return BmcSnapshot(endpoint, error=str(exc), tls=tls, requests=client.requests)
            return BmcSnapshot(endpoint, tls=tls, requests=client.requests, part_errors=walker.errors, **parts)
    except (RedfishError, OSError) as exc:
        return BmcSnapshot(endpoint, error=str(exc), tls=tls)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        # JSON of an unexpected shape (a list where an object belongs...): this BMC only
        return BmcSnapshot(endpoint, error=f"{endpoint}: malformed Redfish answer ({type(exc).__name__})", tls=tls)


def _link(doc: dict[str, Any] | None, key: str) -> str | None:
    value = (doc or {}).get(key)
    if isinstance(value, dict) and isinstance(value.get("@odata.id"), str):
        return value["@odata.id"].rstrip("/")
    return None


def _ids(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    return [
        i["@odata.id"].rstrip("/")
        for i in items[:MAX_MEMBERS]
        if isinstance(i, dict) and isinstance(i.get("@odata.id"), str)
    ]


def _status(doc: dict[str, Any]) -> dict[str, Any]:
    status = doc.get("Status")
    if not isinstance(status, dict):
        return {}
    return {k: v for k in ("State", "Health") if (v := _text(status, k)) is not None}


def _int(doc: dict[str, Any], key: str) -> int | None:
    value = doc.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(doc: dict[str, Any], key: str) -> str | None:
    """A BMC's string, made harmless for messages, reports and terminals: printable, 200 at most."""
    value = doc.get(key)
    if not isinstance(value, str):
        return None
    value = value[:200]
    return value if value.isprintable() else "".join(c if c.isprintable() else "?" for c in value)


class _Walker:
    """Follows the links a check needs, from the service root; 404 means 'not exposed'."""

    def __init__(self, client: RedfishClient) -> None:
        self.c = client
        self.errors: dict[str, str] = {}

    @contextlib.contextmanager
    def part(self, name: str) -> Iterator[None]:
        """A resource answered with an error status: that part is unreadable (its checks ERROR),
        the rest of the BMC is still read."""
        try:
            yield
        except (HttpStatus, Forbidden) as exc:
            self.errors.setdefault(name, str(exc))

    def members(self, path: str | None) -> list[dict[str, Any]] | None:
        if path is None:
            return None
        coll = self.c.get(path)
        if coll is None:
            return None
        out = []
        for member in _ids(coll.get("Members")):
            doc = self.c.get(member)
            if doc is not None:
                doc.setdefault("@odata.id", member)
                out.append(doc)
        return out

    def walk(self) -> dict[str, Any]:
        root = self.c.get("/redfish/v1")
        if root is None:
            raise RedfishError(f"{self.c.endpoint}: /redfish/v1: not a Redfish service (HTTP 404)")
        return {
            "systems": tuple(self.system(s) for s in self.members(_link(root, "Systems")) or []),
            "chassis": tuple(self.chassis(c) for c in self.members(_link(root, "Chassis")) or []),
            "managers": tuple(self.manager(m) for m in self.members(_link(root, "Managers")) or []),
            "accounts": self.accounts(_link(root, "AccountService")),
            "events": self.events(_link(root, "EventService")),
            "firmware_inventory": self.firmware(_link(root, "UpdateService")),
        }

    def system(self, doc: dict[str, Any]) -> dict[str, Any]:
        secure_boot = storage = None
        with self.part("secure_boot"):
            if (path := _link(doc, "SecureBoot")) is not None and (sb := self.c.get(path)) is not None:
                secure_boot = {
                    "SecureBootEnable": sb.get("SecureBootEnable"),
                    "SecureBootCurrentBoot": _text(sb, "SecureBootCurrentBoot"),
                    "SecureBootMode": _text(sb, "SecureBootMode"),
                }
        with self.part("storage"):
            if (members := self.members(_link(doc, "Storage"))) is not None:
                storage = [self.storage(s) for s in members]
        return {
            "path": doc["@odata.id"],
            "model": _text(doc, "Model"),
            "manufacturer": _text(doc, "Manufacturer"),
            "serial": _text(doc, "SerialNumber"),
            "bios_version": _text(doc, "BiosVersion"),
            "status": _status(doc),
            "secure_boot": secure_boot,
            "storage": storage,
        }

    def storage(self, doc: dict[str, Any]) -> dict[str, Any]:
        drives = []
        for path in _ids(doc.get("Drives")):
            drive = self.c.get(path)
            if drive is None:
                continue
            drives.append(
                {
                    "path": path,
                    "status": _status(drive),
                    "failure_predicted": drive.get("FailurePredicted"),
                    "encryption_ability": _text(drive, "EncryptionAbility"),
                    "encryption_status": _text(drive, "EncryptionStatus"),
                    "media_type": _text(drive, "MediaType"),
                }
            )
        volumes = None
        if (members := self.members(_link(doc, "Volumes"))) is not None:
            volumes = [
                {
                    "path": v["@odata.id"],
                    "raid_type": _text(v, "RAIDType"),
                    "volume_type": _text(v, "VolumeType"),
                    "status": _status(v),
                    "drives": _ids((v.get("Links") or {}).get("Drives")),
                }
                for v in members
            ]
        return {"path": doc["@odata.id"], "status": _status(doc), "drives": drives, "volumes": volumes}

    def chassis(self, doc: dict[str, Any]) -> dict[str, Any]:
        power = None
        with self.part("power"):
            power = self.power(doc)
        location = doc.get("Location") if isinstance(doc.get("Location"), dict) else None
        postal = (location or {}).get("PostalAddress")
        postal = postal if isinstance(postal, dict) else {}
        return {
            "path": doc["@odata.id"],
            "type": _text(doc, "ChassisType"),
            "status": _status(doc),
            "power": power,
            "location": {"country": _text(postal, "Country"), "city": _text(postal, "City")} if location else None,
        }

    def power(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        """Power (deprecated but what most BMCs serve) or PowerSubsystem (Redfish 2020.4+)."""
        if (path := _link(doc, "Power")) is not None and (pw := self.c.get(path)) is not None:
            supplies = pw.get("PowerSupplies") if isinstance(pw.get("PowerSupplies"), list) else []
            redundancy = pw.get("Redundancy") if isinstance(pw.get("Redundancy"), list) else []
            return {
                "supplies": [
                    {"name": _text(p, "Name") or _text(p, "MemberId"), "status": _status(p)}
                    for p in supplies[:MAX_MEMBERS]
                    if isinstance(p, dict)
                ],
                "redundancy": [
                    {"mode": _text(r, "Mode"), "min_needed": _int(r, "MinNumNeeded"), "status": _status(r)}
                    for r in redundancy[:16]
                    if isinstance(r, dict)
                ],
            }
        if (path := _link(doc, "PowerSubsystem")) is not None and (ps := self.c.get(path)) is not None:
            supplies = self.members(_link(ps, "PowerSupplies")) or []
            redundancy = ps.get("PowerSupplyRedundancy") if isinstance(ps.get("PowerSupplyRedundancy"), list) else []
            return {
                "supplies": [{"name": _text(p, "Name") or _text(p, "Id"), "status": _status(p)} for p in supplies],
                "redundancy": [
                    {
                        "mode": _text(r, "RedundancyType"),
                        "min_needed": _int(r, "MinNeededInGroup"),
                        "status": _status(r),
                    }
                    for r in redundancy[:16]
                    if isinstance(r, dict)
                ],
            }
        return None

    def manager(self, doc: dict[str, Any]) -> dict[str, Any]:
        protocols = None
        with self.part("protocols"):
            if (path := _link(doc, "NetworkProtocol")) is not None and (np := self.c.get(path)) is not None:
                protocols = {}
                for name in ("HTTP", "HTTPS", "IPMI", "SSH", "Telnet", "SNMP"):
                    entry = np.get(name)
                    if isinstance(entry, dict) and isinstance(entry.get("ProtocolEnabled"), bool):
                        protocols[name] = {"enabled": entry["ProtocolEnabled"], "port": _int(entry, "Port")}
        return {
            "path": doc["@odata.id"],
            "type": _text(doc, "ManagerType"),
            "model": _text(doc, "Model"),
            "firmware_version": _text(doc, "FirmwareVersion"),
            "protocols": protocols,
        }

    def accounts(self, path: str | None) -> dict[str, Any] | None:
        with self.part("accounts"):
            service = self.c.get(path) if path else None
            if service is None:
                return None
            policy = {
                k: service.get(k)
                for k in ("MinPasswordLength", "AccountLockoutThreshold", "AccountLockoutDuration", "ServiceEnabled")
                if isinstance(service.get(k), (int, bool))
            }
            try:
                members = self.members(_link(service, "Accounts"))
            except Forbidden:  # some BMCs show other accounts only to ConfigureUsers
                members = None
            accounts = None
            if members is not None:
                accounts = [
                    {
                        "path": a["@odata.id"],
                        "user": _text(a, "UserName") or "",
                        "role": _text(a, "RoleId"),
                        "enabled": a.get("Enabled") is True,
                        "locked": a.get("Locked") is True,
                    }
                    for a in members
                ]
            return {"policy": policy, "accounts": accounts}
        return None

    def events(self, path: str | None) -> dict[str, Any] | None:
        with self.part("events"):
            service = self.c.get(path) if path else None
            if service is None:
                return None
            subscriptions = self.members(_link(service, "Subscriptions")) or []
            return {
                "service_enabled": service.get("ServiceEnabled"),
                "subscriptions": [
                    {
                        "path": s["@odata.id"],
                        "destination": _text(s, "Destination"),
                        "protocol": _text(s, "Protocol"),
                        "type": _text(s, "SubscriptionType"),
                        "state": _status(s).get("State"),
                    }
                    for s in subscriptions
                ],
            }
        return None

    def firmware(self, path: str | None) -> tuple[dict[str, Any], ...] | None:
        with self.part("firmware"):
            return self._firmware(path)
        return None

    def _firmware(self, path: str | None) -> tuple[dict[str, Any], ...] | None:
        service = self.c.get(path) if path else None
        if service is None:
            return None
        items = self.members(_link(service, "FirmwareInventory"))
        if items is None:
            return None
        return tuple(
            {
                "path": i["@odata.id"],
                "id": _text(i, "Id"),
                "name": _text(i, "Name"),
                "version": _text(i, "Version"),
                "release_date": _text(i, "ReleaseDate"),
                "related": _ids(i.get("RelatedItem")),
            }
            for i in items
        )

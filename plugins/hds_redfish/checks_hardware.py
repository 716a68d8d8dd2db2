"""Checks of the hardware itself, read from the BMCs: power supplies, storage, self-encrypting
drives, Secure Boot, firmware currency and the chassis' declared location."""

from __future__ import annotations

from datetime import datetime

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_redfish.findings import healthy, per_bmc, verdict, version_key
from hds_redfish.snapshot import BmcSnapshot, RedfishSnapshot
from hds_redfish.target import RedfishTarget

NON_REDUNDANT_RAID = frozenset({"RAID0", "None"})
NON_REDUNDANT_VOLUME = frozenset({"NonRedundant", "RawDevice"})
ENCRYPTED = frozenset({"Unlocked", "Locked"})
EEA_ALPHA2 = "AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO"
EEA_ALPHA3 = "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC IRL ITA LVA LTU LUX MLT NLD POL PRT ROU SVK SVN ESP SWE"
EEA_ALPHA3 += " ISL LIE NOR"
EEA = frozenset(f"{EEA_ALPHA2} {EEA_ALPHA3}".split())
"""EU 27 plus Iceland, Liechtenstein and Norway, as ISO 3166-1 alpha-2 or alpha-3 codes."""


@check("redfish.power_redundancy", "redfish", "power supplies present, healthy, N+1")
def power_redundancy(snap: RedfishSnapshot, ctx: CheckContext) -> list[Finding]:
    def judge(bmc: BmcSnapshot) -> list[Finding]:
        out = []
        for chassis in bmc.chassis:
            power = chassis["power"]
            if power is None:
                continue
            supplies = power["supplies"]
            present = [p for p in supplies if p["status"].get("State") != "Absent"]
            good = [p for p in present if healthy(p["status"])]
            needed = max([r["min_needed"] for r in power["redundancy"] if r["min_needed"]] or [1])
            problems = [f"power supply {p['name']} is {_state(p['status'])}" for p in present if p not in good]
            if len(good) < needed + 1:
                problems.append(f"{len(good)} healthy power supply(ies) where N+1 needs {needed + 1}")
            problems += [
                f"power redundancy {r['mode'] or ''} is {_state(r['status'])}".replace("  ", " ")
                for r in power["redundancy"]
                if not healthy(r["status"])
            ]
            evidence = {"supplies": supplies, "redundancy": power["redundancy"], "needed": needed}
            ok = f"{len(good)} healthy power supplies, {needed} needed (N+1)"
            out.append(verdict(problems, ok, bmc.resource(chassis["path"]), evidence))
        return out

    return per_bmc(snap, judge, "exposes no power supplies (Chassis Power or PowerSubsystem)", ("power",))


def _state(status: dict) -> str:
    return "/".join(str(v) for v in (status.get("State"), status.get("Health")) if v) or "of unknown state"


@check("redfish.storage_health", "redfish", "drives healthy, volumes on redundant RAID")
def storage_health(snap: RedfishSnapshot, ctx: CheckContext) -> list[Finding]:
    def judge(bmc: BmcSnapshot) -> list[Finding]:
        out = []
        for system in bmc.systems:
            for storage in system["storage"] or []:
                problems = []
                for d in storage["drives"]:
                    if not healthy(d["status"]):
                        problems.append(f"drive {d['path'].rsplit('/', 1)[-1]} is {_state(d['status'])}")
                    if d["failure_predicted"] is True:
                        problems.append(f"drive {d['path'].rsplit('/', 1)[-1]} predicts a failure")
                volumes = storage["volumes"]
                for v in volumes or []:
                    name = v["path"].rsplit("/", 1)[-1]
                    if v["raid_type"] in NON_REDUNDANT_RAID or v["volume_type"] in NON_REDUNDANT_VOLUME:
                        problems.append(f"volume {name} is not redundant ({v['raid_type'] or v['volume_type']})")
                    if not healthy(v["status"]):
                        problems.append(f"volume {name} is {_state(v['status'])}")
                    if v["raid_type"] is None and v["volume_type"] is None:
                        problems.append(f"volume {name} states no RAID level")
                evidence = {"drives": storage["drives"], "volumes": volumes}
                resource = bmc.resource(storage["path"])
                if not volumes and not problems:
                    why = "exposes no volumes: RAID redundancy cannot be judged"
                    out.append(Finding(Status.not_applicable, f"the BMC {why}", resource, evidence))
                    continue
                ok = f"{len(storage['drives'])} drive(s) healthy, {len(volumes or [])} redundant volume(s)"
                out.append(verdict(problems, ok, resource, evidence))
        return out

    return per_bmc(snap, judge, "exposes no storage (Systems Storage)", ("storage",))


@check("redfish.drive_encryption", "redfish", "self-encrypting drives with encryption on")
def drive_encryption(snap: RedfishSnapshot, ctx: CheckContext) -> list[Finding]:
    def judge(bmc: BmcSnapshot) -> list[Finding]:
        out = []
        for system in bmc.systems:
            for storage in system["storage"] or []:
                in_volumes = {d for v in storage["volumes"] or [] for d in v["drives"]}
                data = [d for d in storage["drives"] if not in_volumes or d["path"] in in_volumes]
                known = [d for d in data if d["encryption_status"] or d["encryption_ability"]]
                if not known:
                    continue
                problems = []
                for d in data:
                    name = d["path"].rsplit("/", 1)[-1]
                    if d["encryption_ability"] != "SelfEncryptingDrive":
                        problems.append(f"drive {name} is not self-encrypting ({d['encryption_ability']})")
                    elif d["encryption_status"] not in ENCRYPTED:
                        problems.append(f"drive {name} has encryption {d['encryption_status'] or 'not reported'}")
                evidence = {
                    "data_drives": [
                        {k: d[k] for k in ("path", "encryption_ability", "encryption_status")} for d in data
                    ]
                }
                ok = f"{len(data)} data-bearing drive(s) self-encrypting with encryption enabled"
                out.append(verdict(problems, ok, bmc.resource(storage["path"]), evidence))
        return out

    return per_bmc(snap, judge, "reports no drive encryption (Drive EncryptionAbility/EncryptionStatus)", ("storage",))


@check("redfish.secure_boot", "redfish", "UEFI Secure Boot enabled")
def secure_boot(snap: RedfishSnapshot, ctx: CheckContext) -> list[Finding]:
    def judge(bmc: BmcSnapshot) -> list[Finding]:
        out = []
        for system in bmc.systems:
            sb = system["secure_boot"]
            if sb is None:
                continue
            problems = []
            if sb["SecureBootEnable"] is not True:
                problems.append("Secure Boot is disabled (SecureBootEnable false)")
            elif sb["SecureBootCurrentBoot"] != "Enabled":
                problems.append(f"Secure Boot was not in force at the last boot ({sb['SecureBootCurrentBoot']})")
            out.append(verdict(problems, "Secure Boot enabled and in force", bmc.resource(system["path"]), sb))
        return out

    return per_bmc(snap, judge, "exposes no Secure Boot resource (Systems SecureBoot)", ("secure_boot",))


def _parse_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


_BMC_WORDS = ("bmc", "idrac", "ilo", "xcc", "imm", "manager", "openbmc")


def _inventory(bmc: BmcSnapshot, kind: str) -> dict | None:
    for item in bmc.firmware_inventory or ():
        words = f"{item['id'] or ''} {item['name'] or ''}".lower()
        if kind == "bios" and ("bios" in words or "uefi" in words):
            return item
        if kind == "bmc" and (any(w in words for w in _BMC_WORDS) or any("/Managers/" in r for r in item["related"])):
            return item
    return None


@check("redfish.firmware_currency", "redfish", "BIOS and BMC firmware recent enough")
def firmware_currency(snap: RedfishSnapshot, ctx: CheckContext) -> list[Finding]:
    target = ctx.target
    assert isinstance(target, RedfishTarget)
    max_age = target.firmware.max_age_days or int(ctx.params.get("max_age_days", 730))

    def judge(bmc: BmcSnapshot) -> list[Finding]:
        out = []
        bmc_version = next((m["firmware_version"] for m in bmc.managers if m["firmware_version"]), None)
        for system in bmc.systems:
            versions = {"bios": system["bios_version"], "bmc": bmc_version}
            inventory = {k: _inventory(bmc, k) for k in ("bios", "bmc")}
            for k, item in inventory.items():
                versions[k] = versions[k] or (item or {}).get("version")
            minimum = target.firmware.min_versions.get(system["model"] or "")
            problems, judged = [], []
            if minimum is not None:
                for k in ("bios", "bmc"):
                    wanted = getattr(minimum, k)
                    if wanted is None:
                        continue
                    judged.append(f"{k} version")
                    if versions[k] is None:
                        problems.append(f"{k.upper()} version not reported")
                    elif version_key(versions[k]) < version_key(wanted):
                        problems.append(f"{k.upper()} {versions[k]} is older than the minimum {wanted}")
            released = {k: _parse_date((item or {}).get("release_date")) for k, item in inventory.items()}
            for k, when in released.items():
                if when is None:
                    continue
                judged.append(f"{k} age")
                age = (snap.collected_at - when).days
                if age > max_age:
                    problems.append(f"{k.upper()} firmware released {when.date()} is {age} days old (max {max_age})")
            evidence = {
                "model": system["model"],
                "versions": versions,
                "release_dates": {k: v.date().isoformat() if v else None for k, v in released.items()},
                "max_age_days": max_age,
                "min_versions": minimum.model_dump() if minimum else None,
            }
            resource = bmc.resource(system["path"])
            if not judged:
                why = (
                    "the BMC reports no firmware release date (UpdateService FirmwareInventory) and the target "
                    f"declares no minimum version for model {system['model']!r}"
                )
                out.append(Finding(Status.not_applicable, why, resource, evidence))
                continue
            ok = f"firmware within policy ({', '.join(judged)}): BIOS {versions['bios']}, BMC {versions['bmc']}"
            out.append(verdict(problems, ok, resource, evidence))
        return out

    return per_bmc(snap, judge, "exposes no computer system (Systems)", ("firmware",))


@check("redfish.chassis_location", "redfish", "declared chassis location inside the EEA")
def chassis_location(snap: RedfishSnapshot, ctx: CheckContext) -> list[Finding]:
    def judge(bmc: BmcSnapshot) -> list[Finding]:
        out = []
        for chassis in bmc.chassis:
            where = chassis["location"]
            if not where or not where.get("country"):
                continue
            country = where["country"].strip().upper()
            problems = [] if country in EEA else [f"the chassis is declared in {country!r}, outside the EEA"]
            ok = f"the chassis is declared in {country} (EEA)"
            out.append(verdict(problems, ok, bmc.resource(chassis["path"]), {"location": where}))
        return out

    return per_bmc(snap, judge, "declares no chassis location (Chassis Location PostalAddress Country)")

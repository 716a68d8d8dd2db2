"""Checks of the BMC itself, a privileged way into every server: its network exposure, its
accounts and password policy, its TLS certificate, and where its events go."""

from __future__ import annotations

from controlplane.check_declarations import check
from controlplane.plugin_types import CheckContext
from controlplane.results import Finding, Status
from hds_redfish.findings import per_bmc, verdict
from hds_redfish.snapshot import BmcSnapshot, RedfishSnapshot
from hds_redfish.target import RedfishTarget

CLEAR_PROTOCOLS = ("IPMI", "HTTP", "Telnet")


@check("redfish.bmc_protocols", "redfish", "IPMI over LAN, HTTP and Telnet off on the BMC")
def bmc_protocols(snap: RedfishSnapshot, ctx: CheckContext) -> list[Finding]:
    def judge(bmc: BmcSnapshot) -> list[Finding]:
        out = []
        for manager in bmc.managers:
            protocols = manager["protocols"]
            if protocols is None:
                continue
            on = [name for name in CLEAR_PROTOCOLS if protocols.get(name, {}).get("enabled") is True]
            problems = [f"{name} is enabled on the BMC" for name in on]
            ok = "IPMI over LAN, HTTP and Telnet are disabled"
            out.append(verdict(problems, ok, bmc.resource(manager["path"]), {"protocols": protocols}))
        return out

    return per_bmc(snap, judge, "exposes no network protocol settings (Managers NetworkProtocol)", ("protocols",))


@check("redfish.bmc_accounts", "redfish", "no default or undeclared BMC account, password policy and lockout")
def bmc_accounts(snap: RedfishSnapshot, ctx: CheckContext) -> list[Finding]:
    target = ctx.target
    assert isinstance(target, RedfishTarget)
    defaults = {str(n).lower() for n in ctx.params.get("default_account_names", ())}
    min_length = int(ctx.params.get("min_password_length", 12))
    max_threshold = int(ctx.params.get("max_lockout_threshold", 10))

    def judge(bmc: BmcSnapshot) -> list[Finding]:
        service = bmc.accounts
        if service is None:
            return []
        policy, accounts = service["policy"], service["accounts"]
        problems = []
        length = policy.get("MinPasswordLength")
        if length is None or length < min_length:
            problems.append(f"minimum password length {length} (at least {min_length} required)")
        threshold = policy.get("AccountLockoutThreshold")
        if not threshold:
            problems.append("no account lockout after failed logins (AccountLockoutThreshold 0 or absent)")
        elif threshold > max_threshold:
            problems.append(f"lockout only after {threshold} failed logins (at most {max_threshold})")
        if accounts is None:
            problems.append("the account list is not exposed (AccountService Accounts)")
        enabled = [a for a in accounts or [] if a["enabled"] and a["user"]]
        for account in enabled:
            if account["user"].lower() in defaults:
                problems.append(f"default account {account['user']!r} is enabled")
            elif target.expected_accounts is not None and account["user"] not in target.expected_accounts:
                problems.append(f"account {account['user']!r} is enabled but not declared (expected_accounts)")
        evidence = {
            "policy": policy,
            "enabled_accounts": [{"user": a["user"], "role": a["role"]} for a in enabled],
            "expected_accounts": list(target.expected_accounts) if target.expected_accounts is not None else None,
        }
        ok = f"{len(enabled)} declared account(s) enabled; password length >= {length}, lockout after {threshold}"
        return [verdict(problems, ok, bmc.resource("/redfish/v1/AccountService"), evidence)]

    return per_bmc(snap, judge, "exposes no AccountService", ("accounts",))


@check("redfish.bmc_certificate", "redfish", "BMC TLS certificate trusted and not self-signed")
def bmc_certificate(snap: RedfishSnapshot, ctx: CheckContext) -> list[Finding]:
    out = []
    for bmc in snap.bmcs:
        tls = bmc.tls
        if tls.get("scheme") == "http":
            why = "the BMC is reached over plain HTTP: no certificate protects its credentials"
            out.append(Finding(Status.failed, why, bmc.endpoint, {"tls": tls}))
            continue
        if "verified" not in tls:
            out.append(Finding(Status.error, bmc.error or "the TLS handshake did not complete", bmc.endpoint))
            continue
        problems = []
        if not tls["verified"]:
            problems.append(f"the certificate is not trusted: {tls.get('error')}")
        if tls.get("self_signed"):
            problems.append("the certificate is self-signed")
        anchor = "the target's CA bundle" if tls.get("ca_bundle") else "the system trust store"
        ok = f"certificate issued by {tls.get('issuer')}, verified with {anchor}, valid until {tls.get('not_after')}"
        out.append(verdict(problems, ok, bmc.endpoint, {"tls": tls}))
    return out


@check("redfish.event_forwarding", "redfish", "BMC events forwarded off the machine")
def event_forwarding(snap: RedfishSnapshot, ctx: CheckContext) -> list[Finding]:
    def judge(bmc: BmcSnapshot) -> list[Finding]:
        events = bmc.events
        if events is None:
            return []
        live = [s for s in events["subscriptions"] if s["destination"] and s["state"] in (None, "Enabled")]
        problems = []
        if events["service_enabled"] is False:
            problems.append("the event service is disabled")
        if not live:
            problems.append("no active subscription forwards the BMC's events (EventService Subscriptions)")
        evidence = {"service_enabled": events["service_enabled"], "subscriptions": events["subscriptions"]}
        ok = f"events forwarded to {', '.join(s['destination'] for s in live)}"
        return [verdict(problems, ok, bmc.resource("/redfish/v1/EventService"), evidence)]

    return per_bmc(snap, judge, "exposes no EventService", ("events",))

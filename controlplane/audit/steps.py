"""The step library, loaded as a pytest plugin (`-p controlplane.audit.steps`).

Steps never re-implement a check: they read the results the scheduler stored for the audit's
run (the `hdsctl run` code path) and assert on them. What each step observed is recorded on
the test item so the evidence document can show it beside the step.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

CONTEXT_ENV = "HDS_AUDIT_CONTEXT"


@dataclass(frozen=True)
class AuditContext:
    store: str
    run_id: str
    tenants: tuple[str, ...]


@pytest.fixture(scope="session")
def audit_context() -> AuditContext:
    path = os.environ.get(CONTEXT_ENV)
    if not path:
        raise pytest.UsageError(f"{CONTEXT_ENV} is not set: run the features through `hdsctl audit`")
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return AuditContext(data["store"], data["run_id"], tuple(data["tenants"]))


@pytest.fixture(scope="session")
def audit_results(audit_context: AuditContext) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Every result of the audit run, by (tenant, control), read once."""
    from controlplane.store import EvidenceStore

    store = EvidenceStore.open(audit_context.store, create=False)
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    try:
        for tenant in audit_context.tenants:
            for r in store.results(audit_context.run_id, tenant):
                by_key[(r["tenant"], r["control"])].append(r)
    finally:
        store.close()
    return dict(by_key)


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Any) -> bool:
    """Keep Gherkin tags (`@TLS-01`, `@HDS-4`, `@ISO-A.8.24`) as data, not pytest markers:
    they are not valid marker names, and `--tags` selection is done on this list."""
    tags = getattr(function, "__hds_tags__", set())
    tags.add(tag)
    function.__hds_tags__ = tags
    return True


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--hds-tags", default="", help="Comma-separated tags; run scenarios carrying any of them.")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = {t.strip().lstrip("@") for t in config.getoption("--hds-tags").split(",") if t.strip()}
    if not wanted:
        return
    keep, drop = [], []
    for item in items:
        tags = getattr(getattr(item, "function", None), "__hds_tags__", set())
        (keep if tags & wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _record(request: pytest.FixtureRequest, key: str, value: Any) -> None:
    request.node.user_properties.append((key, value))


@given(parsers.parse("le locataire « {tenant} »"), target_fixture="tenant")
def given_tenant(tenant: str, audit_context: AuditContext, request: pytest.FixtureRequest) -> str:
    assert tenant in audit_context.tenants, f"le locataire « {tenant} » n'est pas dans le périmètre de l'audit"
    _record(request, "hds_tenant", tenant)
    return tenant


@when(parsers.re(r"le contrôle « (?P<control>[A-Z0-9]+-[0-9]+) » est évalué.*"), target_fixture="observed")
def when_control(
    control: str,
    tenant: str,
    audit_results: dict[tuple[str, str], list[dict[str, Any]]],
    request: pytest.FixtureRequest,
) -> list[dict[str, Any]]:
    rows = audit_results.get((tenant, control), [])
    _record(request, "hds_control", control)
    _record(
        request,
        "hds_records",
        [
            {
                k: r[k]
                for k in (
                    "record_hash",
                    "status",
                    "target",
                    "resource",
                    "message",
                    "evidence",
                    "hds_activities",
                    "iso27001",
                    "started_at",
                )
            }
            for r in rows
        ],
    )
    if not rows:
        pytest.skip(f"non applicable : {control} ne couvre aucune activité HDS contractée par « {tenant} »")
    if all(r["status"] == "not_applicable" for r in rows):
        pytest.skip("non applicable : " + "; ".join(sorted({r["message"] for r in rows})))
    return rows


@then(parsers.re(r"chaque (?P<what>.+) est conforme"))
def then_compliant(what: str, observed: list[dict[str, Any]]) -> None:
    bad = [r for r in observed if r["status"] not in ("pass", "not_applicable")]
    assert not bad, "non conforme : " + " ; ".join(
        f"{r['resource'] or r['target']} → {r['status']} : {r['message']}" for r in bad
    )


@then(parsers.parse("la preuve observée comprend « {key} »"))
def then_evidence_has(key: str, observed: list[dict[str, Any]], request: pytest.FixtureRequest) -> None:
    judged = [r for r in observed if r["status"] != "not_applicable"]
    missing = [r["resource"] or r["target"] for r in judged if key not in r["evidence"]]
    assert not missing, f"preuve sans « {key} » pour : {', '.join(missing)}"
    _record(request, "hds_observed", {key: [r["evidence"][key] for r in judged]})


@then(parsers.parse("la valeur observée « {key} » est « {value} »"))
def then_evidence_value(key: str, value: str, observed: list[dict[str, Any]], request: pytest.FixtureRequest) -> None:
    judged = [r for r in observed if r["status"] != "not_applicable"]
    values = [str(r["evidence"].get(key)) for r in judged]
    _record(request, "hds_observed", {key: values})
    assert values and all(v == value for v in values), f"« {key} » observé : {', '.join(values) or 'aucun'}"


OBSERVATIONS_ENV = "HDS_AUDIT_OBSERVATIONS"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Write what each scenario observed (and its outcome) for the evidence document."""
    path = os.environ.get(OBSERVATIONS_ENV)
    if not path or report.when not in ("setup", "call") or (report.when == "setup" and report.passed):
        return
    entry = {
        "item": report.nodeid.rsplit("::", 1)[-1],
        "outcome": report.outcome,
        "when": report.when,
        "properties": {k: v for k, v in report.user_properties},
        "message": _short_reason(report),
        "duration_s": round(report.duration, 4),
    }
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")


def _short_reason(report: pytest.TestReport) -> str:
    if report.passed:
        return ""
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(report.longrepr, "reprcrash", None)
    return str(crash.message) if crash is not None else str(report.longrepr)[-500:]


@then("la preuve observée est conservée dans la chaîne de preuves")
def then_evidence_chained(observed: list[dict[str, Any]], request: pytest.FixtureRequest) -> None:
    judged = [r for r in observed if r["status"] != "not_applicable"]
    unproven = [r["resource"] or r["target"] for r in judged if not r["evidence"] or len(r["record_hash"]) != 64]
    assert not unproven, f"preuve absente ou non chaînée pour : {', '.join(unproven)}"
    _record(request, "hds_observed", {r["resource"] or r["target"]: r["evidence"] for r in judged})


@then("l'attestation nomme son signataire, sa validité et l'empreinte de chaque document")
def then_attestation_documented(observed: list[dict[str, Any]], request: pytest.FixtureRequest) -> None:
    judged = [r for r in observed if r["status"] != "not_applicable"]
    shown = {}
    for r in judged:
        ev = r["evidence"]
        assert ev.get("attested_by"), f"attestation sans signataire ({ev.get('outcome', r['status'])})"
        assert ev.get("valid_until"), "attestation sans date d'expiration"
        docs = ev.get("documents") or []
        assert docs and all(len(d.get("sha256", "")) == 64 for d in docs), "document sans empreinte SHA-256"
        shown[r["control"]] = {
            "signataire": ev["attested_by"],
            "valide jusqu'au": ev["valid_until"],
            "documents": {d["name"]: d["sha256"] for d in docs},
        }
    _record(request, "hds_observed", shown)


GOVERNANCE_CHECK = "governance.attestation"


def _keep(r: dict[str, Any]) -> dict[str, Any]:
    keys = ("record_hash", "status", "target", "resource", "message", "evidence", "hds_activities", "iso27001")
    return {k: r[k] for k in (*keys, "started_at")}


@when("les attestations de l'exécution sont examinées", target_fixture="observed")
def when_attestations(
    tenant: str, audit_results: dict[tuple[str, str], list[dict[str, Any]]], request: pytest.FixtureRequest
) -> list[dict[str, Any]]:
    rows = [r for (t, _c), rs in audit_results.items() if t == tenant for r in rs if r["check"] == GOVERNANCE_CHECK]
    _record(request, "hds_records", [_keep(r) for r in rows])
    if not rows:
        pytest.skip(f"non applicable : aucun contrôle attesté ne couvre les activités de « {tenant} »")
    return rows


@then("aucune attestation n'est expirée ni manquante")
def then_no_expired_attestation(observed: list[dict[str, Any]], request: pytest.FixtureRequest) -> None:
    bad = {r["control"]: r["evidence"].get("outcome") for r in observed if r["status"] != "pass"}
    _record(request, "hds_observed", {r["control"]: r["evidence"].get("outcome") for r in observed})
    assert not bad, "attestations non valables : " + ", ".join(f"{c} ({o})" for c, o in sorted(bad.items()))


@then("aucune attestation n'expire dans les 30 prochains jours")
def then_none_expiring(observed: list[dict[str, Any]]) -> None:
    soon = [
        f"{r['control']} ({r['evidence'].get('days_left')} jours)"
        for r in observed
        if r["evidence"].get("outcome") == "expiring"
    ]
    assert not soon, "à renouveler : " + ", ".join(soon)


@when("les écarts de l'exécution sont examinés", target_fixture="observed")
def when_failures(
    tenant: str, audit_results: dict[tuple[str, str], list[dict[str, Any]]], request: pytest.FixtureRequest
) -> list[dict[str, Any]]:
    rows = [r for (t, _c), rs in audit_results.items() if t == tenant for r in rs if r["status"] == "fail"]
    tolerated = [r for r in rows if "waiver" in r["evidence"] or "waiver_expired" in r["evidence"]]
    _record(request, "hds_records", [_keep(r) for r in tolerated])
    if not tolerated:
        pytest.skip(f"non applicable : aucune dérogation n'est invoquée pour « {tenant} »")
    return tolerated


@then(
    "chaque dérogation invoquée est approuvée par une autre personne que le demandeur "
    "et enregistrée dans la chaîne de preuves"
)
def then_waivers_recorded(
    observed: list[dict[str, Any]], audit_context: AuditContext, request: pytest.FixtureRequest
) -> None:
    from controlplane.store import EvidenceStore

    store = EvidenceStore.open(audit_context.store, create=False)
    problems, shown = [], {}
    try:
        for r in observed:
            note = r["evidence"].get("waiver") or r["evidence"].get("waiver_expired")
            record = store.find_record(r["tenant"], note["record"])
            if record is None or record["target_kind"] != "waiver":
                problems.append(f"{note['id']} : enregistrement {note['record'][:12]} introuvable")
                continue
            w = record["evidence"]["waiver"]
            if w["approved_by"].strip().casefold() == w["requested_by"].strip().casefold():
                problems.append(f"{w['id']} : approuvée par son demandeur")
            shown[w["id"]] = {
                "approuvée par": w["approved_by"],
                "expire le": w["expires"],
                "enregistrement": record["record_hash"],
            }
    finally:
        store.close()
    _record(request, "hds_observed", shown)
    assert not problems, " ; ".join(problems)


@then("aucune dérogation expirée n'est invoquée")
def then_no_expired_waiver(observed: list[dict[str, Any]]) -> None:
    expired = sorted({r["evidence"]["waiver_expired"]["id"] for r in observed if "waiver_expired" in r["evidence"]})
    assert not expired, "dérogations expirées : " + ", ".join(expired)

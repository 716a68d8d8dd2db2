"""Tenant isolation: plugin code working for a tenant can reach only that tenant's credentials
(a plugin records every SecretRef it can find and resolve from what the core hands its collector
and its checks), and every command filtered with --tenant — runs list/show, evidence verify and
export, reports in every format — shows nothing of another tenant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from controlplane.reports import FORMATS
from controlplane.runner import execute, prepare
from controlplane.store import EvidenceStore
from tests.reliability import rel_plugin
from tests.reliability.harness import hdsctl
from tests.support.fleet import tenant, write_fleet

TENANTS = {
    # id: (name, target name, env var of its token, its token, its password file name, its password)
    "clinique-alpha": (
        "Clinique Alpha",
        "portail-alpha",
        "HDS_ALPHA_TOKEN",
        "tok-alpha-7Qe2",
        "alpha.pw",
        "pw-alpha-1Zk9",
    ),
    "hopital-beta": ("Hôpital Bêta", "extranet-beta", "HDS_BETA_TOKEN", "tok-beta-3Lr8", "beta.pw", "pw-beta-6Wd4"),
    "labo-gamma": ("Labo Gamma", "api-gamma", "HDS_GAMMA_TOKEN", "tok-gamma-5Hs1", "gamma.pw", "pw-gamma-2Nc7"),
}


def markers(tid: str, secrets_dir: Path) -> set[str]:
    name, target, env, token, pw_file, password = TENANTS[tid]
    return {tid, name, target, env, token, str(secrets_dir / pw_file), password}


def isolation_fleet(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    env = {}
    fleet = []
    for tid, (name, target, var, token, pw_file, password) in TENANTS.items():
        (secrets_dir / pw_file).write_text(password)
        env[var] = token
        entry = {"name": target, "token": {"env": var}, "password": {"file": str(secrets_dir / pw_file)}}
        fleet.append(tenant(tid, [5, 6], {"rel": [entry]}) | {"name": name})
    return write_fleet(tmp_path / "hds.yaml", fleet, {"workers": 3, "retries": 0}), env


def assert_each_tenant_saw_only_its_own(seen: list[dict], secrets_dir: Path) -> None:
    assert {(s["where"], s["tenant"]) for s in seen} == {(w, t) for w in ("collect", "check") for t in TENANTS}
    for entry in seen:
        tid = entry["tenant"]
        _name, _target, var, token, pw_file, password = TENANTS[tid]
        assert entry["refs"] == sorted([f"env:{var}", f"file:{secrets_dir / pw_file}"]), entry
        assert entry["resolved"] == sorted([token, password]), entry
        others = set().union(*(markers(t, secrets_dir) for t in TENANTS if t != tid))
        reachable = "\n".join(entry["strings"])
        assert not [m for m in others if m in reachable], (tid, entry["where"])


def test_a_plugin_can_resolve_only_its_tenants_credentials_in_process(tmp_path, rel_registry, monkeypatch):
    config, env = isolation_fleet(tmp_path)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    store = EvidenceStore.open(str(tmp_path / "ev.sqlite"))
    try:
        outcome = execute(prepare(config, control_ids=["REL-05"], registry=rel_registry), store)
    finally:
        store.close()
    assert outcome.status == "completed"
    assert_each_tenant_saw_only_its_own(rel_plugin.seen, tmp_path / "secrets")


@pytest.fixture(scope="module")
def isolated_sweep(tmp_path_factory, plugin_site):
    """Two runs of three tenants by the real hdsctl (the plugin logging what it saw)."""
    from tests.reliability.harness import plugin_env

    work = tmp_path_factory.mktemp("isolation")
    config, secret_env = isolation_fleet(work)
    log = work / "seen.jsonl"
    env = plugin_env(
        plugin_site, HDS_STORE=str(work / "ev.sqlite"), **secret_env, **{rel_plugin.SEEN_LOG_ENV: str(log)}
    )
    runs = []
    for _ in range(2):
        proc = hdsctl(
            "run", "-c", str(config), "--control", "REL-05", "--control", "REL-01", "--format", "json", env=env
        )
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout)["run_id"])
    return work, env, runs, log


def test_a_plugin_can_resolve_only_its_tenants_credentials_under_hdsctl(isolated_sweep):
    work, _env, _runs, log = isolated_sweep
    seen = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(seen) == 2 * 2 * len(TENANTS)  # collect + check, per tenant, per run
    assert_each_tenant_saw_only_its_own(seen, work / "secrets")


def tenant_commands(work: Path, runs: list[str], tid: str) -> dict[str, list[str]]:
    commands = {
        "runs list": ["runs", "list", "--tenant", tid],
        "runs list json": ["runs", "list", "--tenant", tid, "--format", "json"],
        "runs show": ["runs", "show", runs[1], "--tenant", tid],
        "runs show json": ["runs", "show", runs[1], "--tenant", tid, "--format", "json"],
        "verify": ["evidence", "verify", "--tenant", tid],
        "verify json": ["evidence", "verify", "--tenant", tid, "--format", "json"],
        "export": ["evidence", "export", "--tenant", tid, "--allow-unsealed", "-o", str(work / f"bundle-{tid}")],
    }
    for fmt in FORMATS:
        commands[f"report {fmt}"] = ["report", "--tenant", tid, "--format", fmt, "-o", "-"]
    return commands


@pytest.mark.parametrize("tid", list(TENANTS))
def test_tenant_filtered_commands_show_nothing_of_other_tenants(isolated_sweep, tid):
    work, env, runs, _log = isolated_sweep
    others = set().union(*(markers(t, work / "secrets") for t in TENANTS if t != tid))
    surfaces = {}
    for name, args in tenant_commands(work, runs, tid).items():
        proc = hdsctl(*args, env=env)
        assert proc.returncode in (0, 1), (name, proc.stderr)
        surfaces[name] = proc.stdout + proc.stderr
    bundle = work / f"bundle-{tid}"
    for f in (p for p in bundle.rglob("*") if p.is_file()):
        surfaces[f"bundle {f.relative_to(bundle)}"] = f.read_text(encoding="utf-8", errors="replace")
    for name, text in surfaces.items():
        assert tid in text or name.startswith(("bundle", "verify")) or "runs list" in name, name
        leaked = sorted(m for m in others if m in text)
        assert not leaked, f"{name} of {tid} shows {leaked}"
    listed = json.loads(surfaces["runs list json"])
    assert [r["tenants"] for r in listed] == [[tid], [tid]]
    assert all(sum(r["counts"].values()) == 2 for r in listed)  # its own two results, not the fleet's six

"""The `platform:` section of hds.yaml: what it accepts (tenant list, sites, all) and what it
refuses, each with one line naming the file, the field and the reason, exit code 2, nothing
written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from controlplane.config import fleet_json_schema, load_fleet
from controlplane.config.secret_check import check_secrets
from controlplane.errors import InputError
from controlplane.runner import load_environment
from tests.platform.pool import POOL, SERVED, UNSERVED, pool_fleet


def _load(path: Path, registry):
    reg, catalog = load_environment(registry)
    return load_fleet(path, reg.target_kinds, catalog)


def _problem(path: Path, registry) -> str:
    with pytest.raises(InputError) as exc:
        _load(path, registry)
    assert len(exc.value.problems) == 1, exc.value.problems
    return str(exc.value.problems[0])


@pytest.mark.parametrize(
    ("serves", "expected"),
    [
        (list(SERVED), SERVED),
        ({"tenants": [SERVED[1]]}, (SERVED[1],)),
        ({"sites": ["dc-paris-1"]}, SERVED),
        ({"all": True}, (*SERVED, UNSERVED)),
    ],
)
def test_serve_selectors_resolve_to_tenants_in_file_order(tmp_path, rel_registry, serves, expected):
    config = pool_fleet(tmp_path / "hds.yaml", serves)
    text = config.read_text()
    for tid in SERVED:  # the two served tenants are housed in dc-paris-1, the third in dc-lyon-2
        text = text.replace(f"- id: {tid}\n", f"- id: {tid}\n  sites: [dc-paris-1]\n")
    config.write_text(text.replace(f"- id: {UNSERVED}\n", f"- id: {UNSERVED}\n  sites: [dc-lyon-2]\n"))
    fleet = _load(config, rel_registry)
    assert [(g.id, g.serves) for g in fleet.platform] == [(POOL, expected)]
    assert [g.id for g in fleet.serving(UNSERVED)] == ([POOL] if UNSERVED in expected else [])


def test_a_fleet_without_platform_keeps_its_digest(tmp_path, rel_registry):
    """Adding the section must not make every existing interrupted run unresumable."""
    with_pool = _load(pool_fleet(tmp_path / "a.yaml"), rel_registry)
    text = (tmp_path / "a.yaml").read_text()
    (tmp_path / "b.yaml").write_text(text[: text.index("platform:")])
    (tmp_path / "c.yaml").write_text(text[: text.index("platform:")] + "platform: []\n")
    without, empty = _load(tmp_path / "b.yaml", rel_registry), _load(tmp_path / "c.yaml", rel_registry)
    assert without.platform == () and without.digest == empty.digest != with_pool.digest


@pytest.mark.parametrize(
    ("pool", "field", "reason"),
    [
        ({"serves": ["clinique-alpha", "nobody"]}, "platform[0].serves.tenants[1]", "unknown tenant 'nobody'"),
        ({"serves": []}, "platform[0].serves", "serves no tenant"),
        ({"serves": {"all": False}}, "platform[0].serves", "serves no tenant"),
        ({"serves": {"all": True, "tenants": ["labo-gamma"]}}, "platform[0].serves", "'all: true' already serves"),
        ({"serves": {"sites": ["dc-nowhere"]}}, "platform[0].serves.sites[0]", "no tenant lists site 'dc-nowhere'"),
        ({"id": "labo-gamma"}, "platform[0].id", "'labo-gamma' is a tenant id"),
        ({"id": "Pool_1"}, "platform[0].id", "String should match pattern"),
        ({"targets": {"redfishx": [{"name": "x"}]}}, "platform[0].targets.redfishx", "unknown target kind 'redfishx'"),
        ({"targets": {}}, "platform[0].targets", "declare at least one shared target"),
        ({"targets": {"rel": [{"name": "a"}, {"name": "a"}]}}, "platform[0].targets.rel[1].name", "duplicate target"),
        ({"parameters": {"REL-99": {}}}, "platform[0].parameters.REL-99", "unknown control ID"),
        ({"owner": "me"}, "platform[0].owner", "unknown field"),
    ],
)
def test_bad_groups_are_refused_naming_file_field_and_reason(tmp_path, rel_registry, pool, field, reason):
    config = pool_fleet(tmp_path / "hds.yaml", **pool)
    problem = _problem(config, rel_registry)
    assert problem.startswith(f"{config}: {field}: ") and reason in problem, problem
    assert "\n" not in problem


def test_a_duplicate_group_id_is_refused(tmp_path, rel_registry):
    config = pool_fleet(tmp_path / "hds.yaml")
    text = config.read_text()
    group = text[text.index("platform:") + len("platform:\n") :]
    config.write_text(text + group)
    assert _problem(config, rel_registry) == (
        f"{config}: platform[1].id: duplicate shared group id '{POOL}' (also platform[0])"
    )


def _hdsctl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real console script, with the built-in plugins only (TLS targets below)."""
    exe = Path(sys.executable).with_name("hdsctl")
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_hdsctl_refuses_a_pool_serving_an_unknown_tenant_and_writes_nothing(tmp_path):
    tls = {"tls": [{"name": "bmc-1", "host": "127.0.0.1", "port": 8443}]}
    config = pool_fleet(tmp_path / "hds.yaml", ["clinique-alpha", "nobody"], own=(), targets=tls)
    store = tmp_path / "evidence.sqlite"
    validate = _hdsctl("config", "validate", str(config), cwd=tmp_path)
    run = _hdsctl("run", "--config", str(config), "--store", str(store), cwd=tmp_path)
    line = f"{config}: platform[0].serves.tenants[1]: unknown tenant 'nobody'"
    assert (validate.returncode, validate.stderr.strip()) == (2, line)
    assert run.returncode == 2 and line in run.stderr and not store.exists()


def test_hdsctl_config_validate_lists_the_groups(tmp_path):
    tls = {"tls": [{"name": "bmc-1", "host": "127.0.0.1"}, {"name": "bmc-2", "host": "127.0.0.1"}]}
    config = pool_fleet(tmp_path / "hds.yaml", own=(), targets=tls)
    text = _hdsctl("config", "validate", str(config), cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines() == [
        f"{config}: valid (3 tenants, 0 targets, 2 shared targets in 1 platform group)",
        f"  platform {POOL} serves 2 tenants: {', '.join(SERVED)}",
    ]
    as_json = json.loads(_hdsctl("config", "validate", str(config), "--format", "json", cwd=tmp_path).stdout)
    assert as_json["shared_targets"] == 2 and as_json["platform"] == [{"id": POOL, "serves": list(SERVED)}]


def test_check_secrets_resolves_the_platform_references_too(tmp_path, rel_registry, monkeypatch):
    monkeypatch.delenv("HDS_POOL_TOKEN", raising=False)
    targets = {"rel": [{"name": "bmc-1", "token": {"env": "HDS_POOL_TOKEN"}}]}
    fleet = _load(pool_fleet(tmp_path / "hds.yaml", targets=targets), rel_registry)
    checked, problems = check_secrets(fleet)
    assert checked == 1
    assert [str(p) for p in problems] == [
        f"{fleet.path}: platform[0].targets.rel[0].token: environment variable HDS_POOL_TOKEN is not set"
    ]


def test_the_json_schema_describes_the_platform_section(tmp_path, rel_registry):
    jsonschema = pytest.importorskip("jsonschema")
    schema = fleet_json_schema(rel_registry.target_kinds)
    doc = yaml.safe_load(pool_fleet(tmp_path / "hds.yaml").read_text())
    jsonschema.validate(doc, schema)
    doc["platform"][0]["serves"] = {"sites": ["dc-paris-1"]}
    jsonschema.validate(doc, schema)
    doc["platform"][0]["owner"] = "me"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)

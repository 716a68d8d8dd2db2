"""hds.yaml validation: every problem with file, field path and reason; secrets by reference."""

from __future__ import annotations

import pytest

import hds_tls
from controlplane.catalog import load_catalog
from controlplane.config import fleet_json_schema, load_fleet
from controlplane.errors import InputError
from controlplane.plugins import build_registry
from tests.support.fleet import tenant, write_fleet


@pytest.fixture(scope="module")
def env():
    reg = build_registry(load_entrypoints=False, extra_plugins=[("tls", hds_tls)])
    return reg.target_kinds, load_catalog(reg.catalog_files)


def tls(name="portail", **kw):
    return {"name": name, "host": "portail.example", **kw}


def load(env, path):
    kinds, catalog = env
    return load_fleet(path, kinds, catalog)


def problems(env, path):
    with pytest.raises(InputError) as exc:
        load(env, path)
    return [(p.field, p.reason) for p in exc.value.problems]


def test_valid_fleet_loads_typed_targets(env, tmp_path):
    path = write_fleet(
        tmp_path / "hds.yaml",
        [
            tenant(
                "clinique-sud",
                [3, 4, 5, 6],
                {"tls": [tls(port=8443)]},
                parameters={"TLS-04": {"min_days_before_expiry": 45}},
            ),
            tenant("labo-est", [4]),
        ],
    )
    fleet = load(env, path)
    t = fleet.tenant("clinique-sud")
    assert t.activities == (3, 4, 5, 6)
    assert t.targets["tls"][0].port == 8443
    assert t.parameters == {"TLS-04": {"min_days_before_expiry": 45}}
    assert fleet.tenant("labo-est").targets == {}
    assert len(fleet.digest) == 64


def test_every_problem_is_reported_with_its_path(env, tmp_path):
    path = write_fleet(
        tmp_path / "hds.yaml",
        [
            tenant("ok", [4], {"tls": [tls()]}),
            tenant("bad", [4, 9], {"tls": [tls(port=70000)]}),
            tenant("Bad_ID", [4]),
        ],
    )
    got = problems(env, path)
    assert ("tenants[1].activities[1]", "Input should be less than or equal to 6") in got
    assert ("tenants[1].targets.tls[0].port", "Input should be less than or equal to 65535") in got
    assert any(f == "tenants[2].id" and r.startswith("String should match pattern") for f, r in got)


def test_unknown_target_kind_lists_installed_kinds(env, tmp_path):
    path = write_fleet(tmp_path / "hds.yaml", [tenant("t", [4], {"ftp": [{"name": "x"}]})])
    (field, reason), *_ = problems(env, path)
    assert field == "tenants[0].targets.ftp"
    assert reason.startswith("unknown target kind 'ftp' (installed plugins provide: ")
    assert "tls" in reason


def test_unknown_fields_are_refused(env, tmp_path):
    path = write_fleet(tmp_path / "hds.yaml", [tenant("t", [4], {"tls": [tls(hots="typo")]})])
    assert problems(env, path) == [("tenants[0].targets.tls[0].hots", "unknown field")]


def test_duplicate_tenant_ids_and_target_names(env, tmp_path):
    path = write_fleet(
        tmp_path / "hds.yaml",
        [
            tenant("t", [4], {"tls": [tls("a"), tls("a")]}),
            tenant("t", [4]),
        ],
    )
    got = problems(env, path)
    assert ("tenants[1].id", "duplicate tenant id 't' (also tenants[0])") in got
    assert ("tenants[0].targets.tls[1].name", "duplicate target name 'a'") in got


def test_parameter_overrides_must_name_known_controls_and_parameters(env, tmp_path):
    path = write_fleet(
        tmp_path / "hds.yaml",
        [
            tenant("t", [4], parameters={"TLS-99": {"x": 1}, "TLS-04": {"min_days": 3}}),
        ],
    )
    got = problems(env, path)
    assert ("tenants[0].parameters.TLS-99", "unknown control ID") in got
    assert ("tenants[0].parameters.TLS-04.min_days", "unknown parameter (known: min_days_before_expiry)") in got


def test_contract_figures_are_validated(env, tmp_path):
    t1, t2 = tenant("t1", [4]), tenant("t2", [4])
    t1["contract"] = {"rpo_hours": -1, "rto_hours": 4}
    t2["contract"] = {"rpo_hours": 1, "rto_hours": 4, "log_retention_days": 365, "log_retention_max_days": 30}
    got = problems(env, write_fleet(tmp_path / "hds.yaml", [t1, t2]))
    assert ("tenants[0].contract.rpo_hours", "Input should be greater than 0") in got
    assert ("tenants[1].contract", "log_retention_max_days is shorter than log_retention_days") in got


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("a: &x [1]\nb: *x\n", "line 2", "invalid YAML: YAML aliases (*name) are not allowed"),
        (
            "tenants: !!python/object:os.system {}\n",
            "line 1",
            "invalid YAML: the tag tag:yaml.org,2002:python/object:os.system is not allowed",
        ),
        ("", "", "file is empty"),
        ("- just\n- a list\n", "", "Input should be a valid dictionary"),
    ],
)
def test_hostile_or_malformed_yaml_is_refused(env, tmp_path, text, field, reason):
    path = tmp_path / "hds.yaml"
    path.write_text(text)
    (got_field, got_reason), *_ = problems(env, path)
    assert got_field == field
    assert got_reason.startswith(reason)


def test_huge_file_is_refused_before_parsing(env, tmp_path):
    path = tmp_path / "hds.yaml"
    path.write_text("# " + "x" * (33 * 1024 * 1024))
    (_field, reason), *_ = problems(env, path)
    assert reason.startswith("file is ") and "larger than" in reason


def test_missing_file(env, tmp_path):
    assert problems(env, tmp_path / "nope.yaml") == [("", "file not found")]


def test_json_schema_covers_plugin_targets(env):
    kinds, _ = env
    schema = fleet_json_schema(kinds)
    text = str(schema)
    assert "tls" in text and "server_name" in text
    assert schema["title"].startswith("HDS control plane fleet file")

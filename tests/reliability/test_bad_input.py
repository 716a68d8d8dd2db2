"""Bad input through the CLI (tests/config fuzzes the loaders as functions; this goes through
`hdsctl` as an operator would): whatever the fleet file or a plugin's catalog holds, the answer
is exit code 2 with one clean line on stderr naming the file, no traceback, and nothing written
to the store. Hostile values (path traversal in tenant ids, YAML tags, alias bombs, deep
nesting, huge files) are refused the same way, by the real console script."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from controlplane.cli.main import cli
from tests.reliability.harness import hdsctl, rel_fleet
from tests.support.outside_plugin import write_outside_plugin


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=True)


def assert_clean_refusal(result, file: Path, store: Path) -> None:
    """Exit 2, one line naming the file, no traceback, no store."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {type(result.exception).__name__}: {result.exception}") from result.exception
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"hdsctl: error: {file}"), lines[0]
    assert "Traceback" not in result.stderr
    assert not store.exists(), "a refused run wrote to the store"


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20,
)
hostile_ids = st.sampled_from(["../../etc", "..", "a/b", "t\x00", "T" * 70, "é", "", " t", "t\n", "${HOME}", "*"])
fleet_docs = st.fixed_dictionaries(
    {
        "version": st.one_of(st.just(1), scalars),
        "tenants": st.lists(
            st.fixed_dictionaries(
                {
                    "id": st.one_of(hostile_ids, st.text(max_size=12)),
                    "name": scalars,
                    "activities": st.lists(st.integers(-1, 8), max_size=3),
                    "contract": documents,
                    "targets": st.dictionaries(st.sampled_from(["tls", "s3", "rel", "x"]), documents, max_size=2),
                }
            ),
            min_size=1,
            max_size=2,
        ),
        "runtime": documents,
    }
)
yaml_snippets = st.sampled_from(
    [
        "a: &x [1]\nb: *x\n",
        "!!python/object/apply:os.system ['true']\n",
        "tenants: !!binary aGVsbG8=\n",
        "? [a, b]\n: c\n",
        "tenants: [" * 80 + "]" * 80 + "\n",
        "\x00\x01",
        "key: 'unterminated\n",
        "%YAML 9.9\n---\na: 1\n",
        "--- 1\n--- 2\n",
    ]
)


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def _run_fleet_text(workdir: Path, text: str | bytes) -> None:
    path = workdir / "hds.yaml"
    store = workdir / "never.sqlite"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    result = invoke("run", "-c", str(path), "--store", str(store))
    if result.exit_code in (0, 1) and result.exception is None:
        store.unlink()  # a valid fleet after all (hypothesis found one): it may write
        for extra in workdir.glob("never.sqlite-*"):
            extra.unlink()
        return
    assert_clean_refusal(result, path, store)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fleet_docs)
def test_fuzzed_fleet_documents_through_hdsctl_run(workdir, doc):
    _run_fleet_text(workdir, yaml.safe_dump(doc, allow_unicode=True))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200), yaml_snippets))
def test_fuzzed_bytes_through_hdsctl_run(workdir, text):
    _run_fleet_text(workdir, text)


@pytest.fixture(scope="module")
def outside_catalog(workdir: Path) -> Iterator[Path]:
    """An outside plugin, installed in this process's path like `pip install` would, whose
    controls.yaml each example rewrites."""
    site = write_outside_plugin(workdir / "site")
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(site))
        yield site / "hds_clock_plugin" / "controls.yaml"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(documents, max_size=3).map(lambda c: yaml.safe_dump({"controls": c})), yaml_snippets))
def test_fuzzed_plugin_catalogs_through_hdsctl(workdir, outside_catalog, text):
    outside_catalog.write_text(text, encoding="utf-8")
    fleet = workdir / "fleet.yaml"
    fleet.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "tenants": [{"id": "a", "name": "A", "activities": [5], "contract": {"rpo_hours": 1, "rto_hours": 1}}],
            }
        )
    )
    store = workdir / "never.sqlite"
    for args in (["controls", "list"], ["run", "-c", str(fleet), "--store", str(store)]):
        result = invoke(*args)
        if result.exit_code == 2:
            assert_clean_refusal(result, outside_catalog, store)
        else:  # the fuzzed catalog happened to be valid
            assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
            store.unlink(missing_ok=True)


# -- hostile files, through the real console script -------------------------------------------


HOSTILE = {
    "alias bomb": (
        "a: &a ['x','x']\nb: &b [*a,*a]\nc: &c [*b,*b]\nd: [*c,*c]\n",
        "YAML aliases (*name) are not allowed",
    ),
    "python tag": (
        "tenants: !!python/object/apply:os.system ['touch {pwned}']\n",
        "the tag tag:yaml.org,2002:python/object/apply:os.system is not allowed",
    ),
    "deep nesting": ("tenants: " + "[" * 100_000 + "]" * 100_000 + "\n", "nesting deeper than 64 levels"),
    "control character": ("version: 1\x00\n", "unacceptable character #x0000"),
    "huge file": ("# " + "x" * (33 * 1024 * 1024) + "\n", "larger than the"),
    "traversal in a tenant id": (
        "version: 1\ntenants:\n- id: ../../etc\n  name: x\n  activities: [5]\n"
        "  contract: {rpo_hours: 1, rto_hours: 1}\n",
        "tenants[0].id: String should match pattern",
    ),
    "inline secret": (
        "version: 1\ntenants:\n- id: a\n  name: x\n  activities: [5]\n  contract: {rpo_hours: 1, rto_hours: 1}\n"
        "  targets: {rel: [{name: r, token: s3cr3t-inline}]}\n",
        "inline secret values are not allowed",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_fleet_files_are_refused_by_hdsctl(tmp_path, env, case):
    text, reason = HOSTILE[case]
    pwned = tmp_path / "pwned"
    config = tmp_path / "hds.yaml"
    config.write_text(text.format(pwned=pwned) if case == "python tag" else text, encoding="utf-8")
    store = tmp_path / "ev.sqlite"
    proc = hdsctl("run", "-c", str(config), "--store", str(store), env=env)
    assert proc.returncode == 2, proc.stderr[-500:]
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"hdsctl: error: {config}: ") and reason in line, line
    assert proc.stdout == "" and not store.exists() and not pwned.exists()


@pytest.fixture(scope="module")
def swept_store(tmp_path_factory, plugin_site) -> Path:
    from tests.reliability.harness import plugin_env

    work = tmp_path_factory.mktemp("swept")
    config = rel_fleet(work / "hds.yaml", 2, 1, delay_ms=(0, 0))
    store = work / "ev.sqlite"
    proc = hdsctl("run", "-c", str(config), "--store", str(store), "--control", "REL-01", env=plugin_env(plugin_site))
    assert proc.returncode == 0, proc.stderr
    return store


@pytest.mark.parametrize("tenant", ["../../etc/passwd", "../t00", "t00/../t01", "/tmp/x", "t00\u2028x"])
@pytest.mark.parametrize("command", ["run", "report", "export", "verify", "runs show"])
def test_hostile_tenant_filters_are_refused_and_write_nothing(tmp_path, env, swept_store, tenant, command):
    out = tmp_path / "out"
    args = {
        "run": [
            "run",
            "-c",
            str(swept_store.parent / "hds.yaml"),
            "--store",
            str(tmp_path / "new.sqlite"),
            "--tenant",
            tenant,
        ],
        "report": [
            "report",
            "--store",
            str(swept_store),
            "--tenant",
            tenant,
            "--format",
            "json",
            "-o",
            str(out / "r.json"),
        ],
        "export": [
            "evidence",
            "export",
            "--store",
            str(swept_store),
            "--tenant",
            tenant,
            "-o",
            str(out),
            "--allow-unsealed",
        ],
        "verify": ["evidence", "verify", "--store", str(swept_store), "--tenant", tenant],
        "runs show": ["runs", "show", "x", "--store", str(swept_store), "--tenant", tenant],
    }[command]
    proc = hdsctl(*args, env=env)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    (line,) = proc.stderr.splitlines()
    assert line.startswith("hdsctl: error: ") and "Traceback" not in proc.stderr
    assert not out.exists() and not (tmp_path / "new.sqlite").exists()
    assert sorted(os.listdir(tmp_path)) == []


@pytest.mark.parametrize("command", ["report", "export"])
def test_a_nul_byte_in_a_tenant_filter_is_refused_cleanly(tmp_path, swept_store, command):
    """argv cannot carry a NUL byte; an embedding caller or the environment could."""
    out = tmp_path / "out"
    args = {
        "report": ["report", "--store", str(swept_store), "--tenant", "t00\x00", "-o", str(out / "r.html")],
        "export": ["evidence", "export", "--store", str(swept_store), "--tenant", "t00\x00", "-o", str(out)],
    }[command]
    result = invoke(*args)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1 and not out.exists()

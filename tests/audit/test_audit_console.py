"""`hdsctl audit` shows an auditor a French summary, never pytest's internals; leaves only its
deliverables in the output folder; refuses bad tags and tenants before sweeping anything."""

from __future__ import annotations

import pytest

from controlplane.audit.features import known_tags, validate_tags
from controlplane.errors import InputError
from tests.audit.test_audit import audited  # noqa: F401 (fixture)
from tests.cli.conftest import hdsctl
from tests.support.fleet import tenant, write_fleet

PYTEST_INTERNALS = ("FAILED", "PASSED", "test_audit_features", "::", "site-packages", ".py", "pytest", "Traceback")


def test_console_shows_a_french_summary_with_control_ids_and_no_pytest_internals(audited):  # noqa: F811
    proc, out, _ = audited
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    summary = "\n".join(lines[:-2])  # the last two lines name the output files (tmp_path holds "pytest")
    for leak in PYTEST_INTERNALS:
        assert leak not in summary and leak not in proc.stderr, leak
    assert lines[0].startswith("Audit HDS — exécution ") and "clinique-sud, labo-est, sauvegarde-seule" in lines[0]
    assert lines[1].startswith("Scénarios : ") and "non conformes" in lines[1] and "non applicables" in lines[1]
    failed = lines.index("Non conformes :")
    passed = lines.index("Conformes :")
    nonconform = dict(line.strip().split(" : ", 1) for line in lines[failed + 1 : passed] if " : " in line)
    assert {c for c in nonconform["labo-est"].split(", ") if c.startswith("TLS-")} == {"TLS-03", "TLS-04"}
    # clinique-sud's TLS holds; what fails is what no attestation vouches for (no register here)
    assert "TLS-" not in nonconform["clinique-sud"] and "GOV-01" in nonconform["clinique-sud"]
    assert "  clinique-sud : TLS-01, TLS-02, TLS-03, TLS-04, TLS-05" in lines[passed:]
    assert lines[-2] == f"Cucumber JSON : {out / 'cucumber.json'}"
    assert lines[-1] == f"Dossier de preuves : {out / 'preuves.html'}"
    assert proc.stderr == ""


def test_the_output_folder_holds_only_the_deliverables(audited):  # noqa: F811
    _, out, _ = audited
    assert sorted(p.name for p in out.iterdir()) == ["cucumber.json", "features", "preuves.html"]
    assert all(p.suffix == ".feature" for p in (out / "features").iterdir())


def test_pytest_helper_files_are_removed_from_the_private_folder(tmp_path, tls_server, ca):
    server = tls_server("audit-private", ["good.test"])
    target = {
        "name": "web",
        "host": "127.0.0.1",
        "port": server.port,
        "server_name": "good.test",
        "ca_bundle": str(ca.ca_path),
    }
    cfg = write_fleet(tmp_path / "hds.yaml", [tenant("a", [4], {"tls": [target]})])
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = hdsctl(
        "audit", "-c", str(cfg), "--store", str(tmp_path / "s.sqlite"), "--tenant", "a", "--tags", "@TLS-01",
        "-o", str(tmp_path / "out"), env={"TMPDIR": str(scratch)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert list(scratch.iterdir()) == []
    assert "Conformes :\n  a : TLS-01\n" in proc.stdout


@pytest.mark.parametrize("tags", ["@NOPE-1", "@TLS-01,@NOPE-1", "@", "TLS-99"])
def test_an_unknown_tag_is_refused_before_any_sweep(tmp_path, tags):
    cfg = write_fleet(tmp_path / "hds.yaml", [tenant("a", [4])])
    store, out = tmp_path / "s.sqlite", tmp_path / "out"
    proc = hdsctl("audit", "-c", str(cfg), "--store", str(store), "--tenant", "a", "--tags", tags, "-o", str(out))
    assert proc.returncode == 2
    [line] = proc.stderr.splitlines()
    assert line.startswith("hdsctl: error: --tags: unknown tag ") and "no scenario carries it" in line
    assert proc.stdout == ""
    assert not store.exists() and not out.exists()


def test_an_unknown_tenant_with_valid_tags_is_refused_before_any_sweep(tmp_path):
    cfg = write_fleet(tmp_path / "hds.yaml", [tenant("a", [4])])
    store, out = tmp_path / "s.sqlite", tmp_path / "out"
    proc = hdsctl("audit", "-c", str(cfg), "--store", str(store), "--tenant", "zz", "--tags", "@TLS-01", "-o", str(out))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"hdsctl: error: --tenant: unknown tenant 'zz' in {cfg}"
    assert not store.exists() and not out.exists()


def test_known_tags_are_those_of_the_features():
    tags = known_tags()
    assert {"TLS-01", "HDS-4", "ISO-A.8.24"} <= tags
    assert validate_tags(" @TLS-01 , HDS-4,") == ["@TLS-01", "HDS-4"]
    with pytest.raises(InputError, match="unknown tag '@HDS-9'"):
        validate_tags("@HDS-9")

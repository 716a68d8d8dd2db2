"""Issue 18, item 7 (CLI): one language per output (`--lang`, env HDS_LANG, else English; French
ISO/IEC 27001 titles in French), the same `--format` words, and filters with an impossible value
exit 2 everywhere (`controls list --activity 9` printed an empty table with exit 0)."""

from __future__ import annotations

import json

import pytest

from controlplane.catalog import load_catalog
from tests.cli.conftest import hdsctl
from tests.support.governance import attest_all

WIDE = {"COLUMNS": "250"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_catalog_text_is_english_by_default_and_french_on_request(catalog):
    control = catalog.controls["TLS-03"]
    default = hdsctl("controls", "list", env=WIDE).stdout
    assert control.title.en in default and control.title.fr not in default
    french = hdsctl("controls", "list", env={**WIDE, "HDS_LANG": "fr"}).stdout
    assert control.title.fr in french and control.title.en not in french
    assert hdsctl("controls", "list", "--lang", "en", env={**WIDE, "HDS_LANG": "fr"}).stdout == default


def test_controls_show_prints_iso_titles_in_the_chosen_language(catalog):
    iso = catalog.iso_controls[catalog.controls["TLS-03"].iso27001[0]]
    assert iso.title_for("fr") != iso.title_for("en")
    fr = hdsctl("controls", "show", "TLS-03", "--lang", "fr").stdout
    en = hdsctl("controls", "show", "TLS-03").stdout
    assert f"{iso.id} {iso.title_for('fr')}" in fr and iso.title_for("en") not in fr
    assert f"{iso.id} {iso.title_for('en')}" in en and iso.title_for("fr") not in en
    doc = json.loads(hdsctl("controls", "show", "TLS-03", "--format", "json").stdout)
    assert doc["iso27001_titles"][iso.id] == {"fr": iso.title_for("fr"), "en": iso.title_for("en")}


@pytest.mark.parametrize(
    "args",
    [
        ("controls", "list", "--activity", "9"),
        ("controls", "list", "--activity", "0"),
        ("controls", "list", "--lang", "de"),
        ("controls", "show", "TLS-99"),
        ("controls", "list", "--format", "xml"),
    ],
)
def test_impossible_filter_values_exit_2_without_output(args):
    proc = hdsctl(*args)
    assert proc.returncode == 2, proc.stdout
    assert proc.stdout == "" and "Traceback" not in proc.stderr and proc.stderr.strip()


def test_runs_list_for_a_tenant_no_run_covers_exits_2(tls_fleet, tmp_path):
    store = str(tmp_path / "ev.sqlite")
    attest_all(tls_fleet, store)
    assert hdsctl("run", "-c", str(tls_fleet), "--store", store, "--tenant", "alpha").returncode == 0
    assert json.loads(hdsctl("runs", "list", "--store", store, "--tenant", "alpha", "--format", "json").stdout)
    proc = hdsctl("runs", "list", "--store", store, "--tenant", "gamma")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [f"hdsctl: error: --tenant: no run in {store} covers tenant 'gamma'"]

"""The shipped catalog is complete and consistent; a broken one fails with file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from controlplane.catalog import ControlKind, builtin_catalog_dir, load_catalog
from controlplane.errors import InputError


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "controls"
    shutil.copytree(builtin_catalog_dir(), dest, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return dest


def test_six_activities_with_official_numbering():
    catalog = load_catalog()
    assert sorted(catalog.activities) == [1, 2, 3, 4, 5, 6]
    assert "virtuelle" in catalog.activities[3].title.fr
    assert "plateforme d'hébergement d'applications" in catalog.activities[4].title.fr
    assert catalog.activities[6].title.fr == "Sauvegarde des données de santé"
    assert {a.certificate for n, a in catalog.activities.items() if n <= 2} == {"physical"}


def test_all_93_iso_27001_2022_annex_a_controls():
    iso = load_catalog().iso_controls
    assert len(iso) == 93
    themes = [c.theme for c in iso.values()]
    assert themes.count("organizational") == 37
    assert themes.count("people") == 8
    assert themes.count("physical") == 14
    assert themes.count("technological") == 34
    assert iso["A.8.24"].title == "Use of cryptography"
    assert iso["A.8.13"].iso27001_2013 == ("A.12.3.1",)
    assert iso["A.5.29"].iso27001_2013 == ("A.17.1.1", "A.17.1.2", "A.17.1.3")
    assert iso["A.5.23"].iso27001_2013 == ()  # new in 2022


def test_every_referenced_iso_control_has_a_crosswalk_entry():
    catalog = load_catalog()
    for control in catalog.controls.values():
        for ref in control.iso27001:
            assert catalog.iso_controls[ref].iso27001_2013 is not None, f"{control.id} → {ref} lacks 2013 crosswalk"


def test_tls_controls_are_automated_and_mapped():
    catalog = load_catalog()
    tls = {c.id: c for c in catalog.controls.values() if c.id.startswith("TLS-")}
    assert sorted(tls) == ["TLS-01", "TLS-02", "TLS-03", "TLS-04", "TLS-05"]
    assert tls["TLS-04"].parameters == {"min_days_before_expiry": 30}
    assert all(c.kind is ControlKind.automated and c.check.startswith("tls.") for c in tls.values())


def test_physical_activities_are_covered_by_attested_controls():
    catalog = load_catalog()
    attested = [c for c in catalog.controls.values() if c.kind is ControlKind.attested]
    assert {a for c in attested for a in c.hds_activities} >= {1, 2}
    assert all(c.evidence_required and c.validity_days for c in attested)


@pytest.mark.parametrize(
    ("edit", "field", "reason"),
    [
        (
            ("hds_activities: [3, 4, 5]", "hds_activities: [3, 7]"),
            "controls[0].hds_activities[1]",
            "unknown HDS activity 7",
        ),
        (
            ("iso27001: [A.8.24, A.8.20, A.8.21]", "iso27001: [A.8.24, A.9.99]"),
            "controls[0].iso27001[1]",
            "unknown ISO 27001:2022 control 'A.9.99'",
        ),
        (("id: TLS-02", "id: TLS-01"), "controls[1].id", "duplicate control ID 'TLS-01'"),
        (("id: TLS-03", "id: tls three"), "controls[2].id", "String should match pattern"),
        (("    check: tls.protocol_version\n", ""), "controls[0]", "an automated control must name its plugin check"),
        (("severity: medium", "severity: huge"), "controls[3].severity", "Input should be"),
    ],
)
def test_broken_control_file_names_file_field_and_reason(catalog_copy, edit, field, reason):
    path = catalog_copy / "tls.yaml"
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1))
    with pytest.raises(InputError) as exc:
        load_catalog(base_dir=catalog_copy)
    problem = exc.value.problems[0]
    assert problem.file.endswith("tls.yaml")
    assert problem.field == field
    assert problem.reason.startswith(reason)


def test_invalid_yaml_names_the_line(catalog_copy):
    (catalog_copy / "tls.yaml").write_text("controls:\n  - id: [unclosed\n")
    with pytest.raises(InputError) as exc:
        load_catalog(base_dir=catalog_copy)
    assert exc.value.problems[0].field == "line 3"
    assert "invalid YAML" in exc.value.one_line()


def test_catalog_digest_changes_with_content(catalog_copy):
    before = load_catalog(base_dir=catalog_copy).digest
    path = catalog_copy / "tls.yaml"
    path.write_text(path.read_text().replace("min_days_before_expiry: 30", "min_days_before_expiry: 31"))
    assert load_catalog(base_dir=catalog_copy).digest != before

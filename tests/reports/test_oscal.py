"""OSCAL assessment-results, validated with compliance-trestle's models of the official NIST
OSCAL schema (pydantic, extra fields forbidden, patterns and enumerations enforced)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from trestle.oscal.assessment_results import Model

from controlplane.reports import render
from tests.reports.conftest import HOSTILE
from tests.support.sweeps import ALPHA


def oscal(report):
    return json.loads(render(report, "oscal"))


def test_swept_run_is_valid_oscal(swept, report_of):
    document = oscal(report_of(swept.store_path, ALPHA))
    model = Model.model_validate(document)
    result = model.assessment_results.results[0]
    assert len(result.observations) == 5
    states = {f.target.target_id: f.target.status.state.value for f in result.findings}
    assert states == {
        "TLS-01": "not-satisfied",
        "TLS-02": "satisfied",
        "TLS-03": "satisfied",
        "TLS-04": "not-satisfied",
        "TLS-05": "satisfied",
    }
    observation_ids = {o.uuid for o in result.observations}
    assert all(r.observation_uuid in observation_ids for f in result.findings for r in f.related_observations)


def test_every_status_and_hostile_text_stay_valid(hostile_store, report_of):
    document = oscal(report_of(hostile_store, "mixte"))
    Model.model_validate(document)
    findings = document["assessment-results"]["results"][0]["findings"]
    assert {f["target"]["target-id"]: f["target"]["status"]["reason"] for f in findings} == {
        "TLS-01": "fail",
        "TLS-02": "other",
        "TLS-04": "pass",
    }  # TLS-03 was not applicable: an observation, no finding
    assert HOSTILE in json.dumps(document, ensure_ascii=False)  # kept as data, JSON-escaped


def test_identifiers_are_stable_for_the_same_run(swept, report_of):
    first = oscal(report_of(swept.store_path, ALPHA))["assessment-results"]
    second = oscal(report_of(swept.store_path, ALPHA))["assessment-results"]
    assert first["uuid"] == second["uuid"]
    assert [o["uuid"] for o in first["results"][0]["observations"]] == [
        o["uuid"] for o in second["results"][0]["observations"]
    ]


def test_the_validator_is_strict(swept, report_of):
    document = oscal(report_of(swept.store_path, ALPHA))
    document["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] = "maybe"
    with pytest.raises(ValidationError):
        Model.model_validate(document)

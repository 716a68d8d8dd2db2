"""The `redfish` target entry: credentials by reference only, https to BMCs (http on loopback
only), base URLs without credentials or paths; a bad entry names the field and the reason."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hds_redfish.target import RedfishTarget
from tests.plugins.redfish.helpers import target

REFS = {"username": {"env": "U"}, "password": {"env": "P"}}


def test_a_pool_of_bmcs_with_references():
    t = RedfishTarget.model_validate({"name": "pool", "endpoints": ["https://bmc-1.example/"], **REFS})
    assert t.endpoints == ("https://bmc-1.example",)
    assert t.password.describe() == "env:P"


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"endpoints": ["http://bmc-1.example"]}, "plain http is refused"),
        ({"endpoints": ["https://root:calvin@bmc-1.example"]}, "must not embed credentials"),
        ({"endpoints": ["https://bmc-1.example/redfish/v1"]}, "must be the BMC's base URL"),
        ({"endpoints": ["ftp://bmc-1.example"]}, "must be an https URL"),
        ({"endpoints": ["https://a.example", "https://a.example/"]}, "lists the same BMC twice"),
        ({"endpoints": []}, "at least 1 item"),
        ({"password": "calvin"}, "inline secret values are not allowed"),
        ({"firmware": {"max_age_days": 0}}, "greater than or equal to 1"),
        ({"firmware": {"min_versions": {"R650": {"bios": "1.0; rm -rf /"}}}}, "String should match pattern"),
    ],
)
def test_bad_entries_are_refused_with_the_reason(entry, reason):
    doc = {"name": "pool", "endpoints": ["https://bmc-1.example"], **REFS, **entry}
    with pytest.raises(ValidationError) as exc:
        RedfishTarget.model_validate(doc)
    assert reason in str(exc.value)


def test_http_is_accepted_on_loopback_only():
    assert target(["http://127.0.0.1:8000", "http://localhost:8001"]).endpoints[0] == "http://127.0.0.1:8000"

"""Who an access was: staff directory, tenant's own principals, services, networks; nothing guessed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from controlplane.traces.record import ActorKind, TraceRecord, clean
from controlplane.traces.staff import Classifier, StaffDirectory

DIRECTORY = StaffDirectory.model_validate(
    {
        "staff": [
            {"principals": ["alice", "arn:aws:iam::*:user/alice"], "name": "Alice", "team": "ops", "country": "FR"},
            {"principals": ["bob"], "name": "Bob"},
        ],
        "services": ["system:*"],
        "networks": [{"cidr": "10.0.0.0/8", "country": "FR"}, {"cidr": "10.9.0.0/16", "country": "US"}],
    }
)


def rec(actor: str, address: str = "", kind: ActorKind = ActorKind.unknown) -> TraceRecord:
    return TraceRecord(datetime(2026, 1, 1, tzinfo=UTC), actor, "s3://b/k", "GET", "200", "f:1", address, kind)


def test_staff_by_exact_name_and_pattern_with_their_declared_country():
    c = Classifier(DIRECTORY)
    for actor in ("alice", "arn:aws:iam::123456789012:user/alice"):
        r = c.classify(rec(actor))
        assert (r.actor_kind, r.staff, r.team, r.country, r.outside_eea) == ("staff", "Alice", "ops", "FR", False)


def test_the_network_country_wins_over_the_declared_one_and_non_eea_is_flagged():
    r = Classifier(DIRECTORY).classify(rec("alice", "10.9.1.2"))  # the most specific network
    assert (r.country, r.outside_eea) == ("US", True)


def test_client_service_and_unknown():
    c = Classifier(DIRECTORY, ("app-*",))
    assert c.classify(rec("app-dossiers")).actor_kind is ActorKind.client
    assert c.classify(rec("system:node:n1")).actor_kind is ActorKind.service
    assert c.classify(rec("svc:x", kind=ActorKind.service)).actor_kind is ActorKind.service
    unknown = c.classify(rec("mallory", "not-an-ip"))
    assert (unknown.actor_kind, unknown.staff, unknown.country, unknown.outside_eea) == ("unknown", "", "", False)


def test_an_unknown_country_is_never_flagged():
    r = Classifier(DIRECTORY).classify(rec("bob", "192.0.2.1"))
    assert (r.actor_kind, r.country, r.outside_eea) == ("staff", "", False)


@pytest.mark.parametrize(
    "bad",
    [
        {"staff": [{"principals": [], "name": "x"}]},
        {"staff": [{"principals": ["a"], "name": "x", "country": "France"}]},
        {"networks": [{"cidr": "10.0.0.0/33", "country": "FR"}]},
        {"staff": [], "extra": 1},
    ],
)
def test_bad_directory_entries_are_refused(bad):
    with pytest.raises(ValidationError):
        StaffDirectory.model_validate(bad)


def test_clean_escapes_controls_and_bounds_length():
    assert clean("a\x1b[2Jb\nc") == "a\\x1b[2Jb\\nc"
    assert len(clean("x" * 5000)) == 2048

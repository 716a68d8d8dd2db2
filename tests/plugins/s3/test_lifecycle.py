"""How long a log bucket's lifecycle keeps the logs under a prefix."""

from __future__ import annotations

from typing import Any

from hds_s3.lifecycle import LogRetention, log_retention


def rule(days: int | None = None, prefix: str | None = "", **extra: Any) -> dict[str, Any]:
    r: dict[str, Any] = {"ID": extra.pop("ID", "r"), "Status": extra.pop("Status", "Enabled")}
    if prefix is not None:
        r["Filter"] = {"Prefix": prefix}
    if days is not None:
        r["Expiration"] = {"Days": days}
    r.update(extra)
    return r


def test_no_rule_keeps_logs_indefinitely() -> None:
    assert log_retention([], "logs/", versioned=False) == LogRetention(None, None, [])


def test_one_rule_on_an_unversioned_bucket() -> None:
    assert log_retention([rule(400)], "logs/", versioned=False) == LogRetention(400, 400, ["r"])


def test_a_versioned_bucket_needs_a_noncurrent_expiration_to_delete_for_good() -> None:
    assert log_retention([rule(400)], "logs/", versioned=True).latest_days is None
    both = [rule(400, NoncurrentVersionExpiration={"NoncurrentDays": 30})]
    assert log_retention(both, "logs/", versioned=True) == LogRetention(400, 430, ["r"])
    split = [rule(400, ID="a"), rule(None, ID="b", NoncurrentVersionExpiration={"NoncurrentDays": 10})]
    assert log_retention(split, "logs/", versioned=True) == LogRetention(400, 410, ["a", "b"])


def test_rules_elsewhere_or_disabled_or_on_tags_do_not_touch_logs() -> None:
    rules = [
        rule(10, prefix="images/"),
        rule(10, Status="Disabled"),
        {
            "ID": "t",
            "Status": "Enabled",
            "Filter": {"And": {"Prefix": "", "Tags": [{"Key": "k", "Value": "v"}]}},
            "Expiration": {"Days": 1},
        },
    ]
    assert log_retention(rules, "logs/", versioned=False) == LogRetention(None, None, [])


def test_a_narrower_or_size_filtered_rule_deletes_some_logs_early_but_not_all() -> None:
    narrower = log_retention([rule(30, prefix="logs/bucket-a/")], "logs/", versioned=False)
    assert (narrower.earliest_days, narrower.latest_days) == (30, None)
    sized = [
        {
            "ID": "s",
            "Status": "Enabled",
            "Filter": {"And": {"Prefix": "", "ObjectSizeGreaterThan": 1024}},
            "Expiration": {"Days": 30},
        }
    ]
    assert log_retention(sized, "logs/", versioned=False).latest_days is None


def test_a_fixed_date_expiration_deletes_logs_of_any_age() -> None:
    dated = [{"ID": "d", "Status": "Enabled", "Prefix": "", "Expiration": {"Date": "2026-01-01T00:00:00Z"}}]
    assert log_retention(dated, "logs/", versioned=False) == LogRetention(0, 0, ["d"])


def test_the_shortest_covering_rule_wins() -> None:
    assert log_retention([rule(400, ID="a"), rule(200, ID="b")], "logs/", versioned=False) == LogRetention(
        200, 200, ["a", "b"]
    )

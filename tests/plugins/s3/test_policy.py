"""Reading bucket policies and ACLs: the TLS-only statement and what counts as public."""

from __future__ import annotations

import pytest

from hds_s3.policy import public_grants, public_statements, tls_only_statement

OBJECTS = "arn:aws:s3:::data/*"


def _deny(**overrides: object) -> dict[str, object]:
    statement: dict[str, object] = {
        "Sid": "TLS",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [OBJECTS],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    statement.update(overrides)
    return {"Statement": [statement]}


@pytest.mark.parametrize(
    "condition",
    [
        {"Bool": {"aws:SecureTransport": "false"}},
        {"Bool": {"aws:SecureTransport": False}},
        {"BoolIfExists": {"aws:securetransport": ["false"]}},
    ],
)
def test_secure_transport_spellings(condition: dict[str, object]) -> None:
    statement, near = tls_only_statement(_deny(Condition=condition), "data")
    assert statement is not None and near == []


def test_a_single_statement_is_accepted_without_a_list() -> None:
    policy = _deny()
    policy["Statement"] = policy["Statement"][0]  # type: ignore[index]
    assert tls_only_statement(policy, "data")[0] is not None


@pytest.mark.parametrize(
    ("overrides", "gap"),
    [
        ({"Principal": {"AWS": "arn:aws:iam::1:root"}}, "some principals only"),
        ({"Action": ["s3:GetObject", "s3:PutObject"]}, "denies only s3:GetObject, s3:PutObject"),
        ({"Resource": "arn:aws:s3:::data"}, "does not cover the bucket's objects"),
        ({"Resource": "arn:aws:s3:::other/*"}, "does not cover the bucket's objects"),
    ],
)
def test_near_misses_say_what_is_missing(overrides: dict[str, object], gap: str) -> None:
    statement, near = tls_only_statement(_deny(**overrides), "data")
    assert statement is None and gap in near[0]


def test_an_allow_on_secure_transport_is_not_a_refusal() -> None:
    assert tls_only_statement(_deny(Effect="Allow"), "data") == (None, [])


def _allow(condition: dict[str, object] | None = None, principal: object = "*") -> dict[str, object]:
    statement: dict[str, object] = {
        "Sid": "S",
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": OBJECTS,
    }
    if condition is not None:
        statement["Condition"] = condition
    return {"Statement": [statement]}


@pytest.mark.parametrize(
    ("policy", "public"),
    [
        (_allow(), True),
        (_allow(principal={"AWS": ["*"]}), True),
        (_allow(principal={"AWS": "arn:aws:iam::111122223333:root"}), False),
        (_allow({"StringEquals": {"aws:SourceVpc": "vpc-1"}}), False),
        (_allow({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}), False),
        (_allow({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}), True),
        (_allow({"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}), False),
        (_allow({"StringLike": {"aws:SourceArn": "*"}}), True),
        (_allow({"Bool": {"aws:SecureTransport": "true"}}), True),
    ],
)
def test_public_statements(policy: dict[str, object], public: bool) -> None:
    assert bool(public_statements(policy)) is public


def test_public_grants_name_the_group() -> None:
    grants = [
        {"type": "Group", "grantee": "http://acs.amazonaws.com/groups/s3/LogDelivery", "permission": "WRITE"},
        {"type": "Group", "grantee": "http://acs.amazonaws.com/groups/global/AllUsers", "permission": "READ"},
        {"type": "CanonicalUser", "grantee": "abc", "permission": "FULL_CONTROL"},
    ]
    assert public_grants(grants) == ["READ to everyone (AllUsers)"]

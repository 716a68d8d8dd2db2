"""Reading bucket policies and ACLs: does a statement refuse plain HTTP, does one open the bucket
to anyone? Pure functions of the parsed documents.

The "public" test follows AWS's own definition, simplified: an Allow to every principal is
public unless a condition pins the caller to fixed values of an identifying key (source
VPC/IP/account/ARN, principal's organisation...). An IP condition is accepted only if it is not
a catch-all range.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "everyone (AllUsers)",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "any authenticated AWS user (AuthenticatedUsers)",
}

RESTRICTING_KEYS = frozenset(
    {
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourceorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:userid",
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
    }
)
CATCH_ALL_RANGES = frozenset({"0.0.0.0/0", "::/0"})


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _as_list(policy.get("Statement")) if isinstance(s, dict)]


def is_everyone(principal: Any) -> bool:
    """`"*"` or `{"AWS": "*"}` (also within a list)."""
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in _as_list(principal.get("AWS"))
    return False


def _covers_all_s3_actions(actions: Any) -> bool:
    return any(a in ("*", "s3:*") for a in _as_list(actions))


def _covers_objects(resources: Any, bucket: str) -> bool:
    for resource in _as_list(resources):
        if resource == "*":
            return True
        if isinstance(resource, str) and resource.startswith("arn:") and resource.endswith(f":::{bucket}/*"):
            return True
    return False


def _secure_transport_false(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for operator, clauses in condition.items():
        if operator.lower() not in ("bool", "boolifexists") or not isinstance(clauses, dict):
            continue
        for key, value in clauses.items():
            if key.lower() == "aws:securetransport" and any(str(v).lower() == "false" for v in _as_list(value)):
                return True
    return False


def tls_only_statement(policy: dict[str, Any], bucket: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The statement that denies every S3 action on the bucket's objects to everyone when
    aws:SecureTransport is false, if any; otherwise the shortcomings of near misses."""
    near: list[str] = []
    for s in statements(policy):
        if s.get("Effect") != "Deny" or not _secure_transport_false(s.get("Condition")):
            continue
        sid = s.get("Sid") or "(no Sid)"
        gaps = []
        if not is_everyone(s.get("Principal")):
            gaps.append("applies to some principals only")
        if not _covers_all_s3_actions(s.get("Action")):
            gaps.append(f"denies only {', '.join(map(str, _as_list(s.get('Action')))) or 'no action'}")
        if not _covers_objects(s.get("Resource"), bucket):
            gaps.append("does not cover the bucket's objects")
        if not gaps:
            return s, []
        near.append(f"statement {sid} {'; '.join(gaps)}")
    return None, near


def _restricts_caller(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for operator, clauses in condition.items():
        if not isinstance(clauses, dict) or "ifexists" in operator.lower() or operator.lower().startswith("not"):
            continue
        for key, value in clauses.items():
            values = [str(v) for v in _as_list(value)]
            if key.lower() not in RESTRICTING_KEYS or not values or any("*" in v for v in values):
                continue
            if key.lower() == "aws:sourceip" and CATCH_ALL_RANGES & set(values):
                continue
            return True
    return False


def public_statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    """Allow statements that grant to everyone without pinning who the caller is."""
    return [
        s
        for s in statements(policy)
        if s.get("Effect") == "Allow" and is_everyone(s.get("Principal")) and not _restricts_caller(s.get("Condition"))
    ]


def public_grants(grants: Iterable[dict[str, Any]]) -> list[str]:
    """ACL grants to AllUsers or AuthenticatedUsers, described."""
    return [
        f"{grant.get('permission', '?')} to {PUBLIC_GROUPS[grant['grantee']]}"
        for grant in grants
        if grant.get("grantee") in PUBLIC_GROUPS
    ]

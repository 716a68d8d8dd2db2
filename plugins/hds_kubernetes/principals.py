"""RBAC subjects as the API server's authorizer matches them: by username and group.

The RBAC authorizer does not care how a subject is spelled. A `User` subject named
`system:serviceaccount:<ns>:<name>` matches the requests of that ServiceAccount exactly as a
`ServiceAccount` subject would (the ServiceAccount's username is that string); every
ServiceAccount is also in the groups `system:serviceaccounts` and
`system:serviceaccounts:<ns>`, and every authenticated caller in `system:authenticated`.
Anonymous requests (when the API server allows them) come as `User system:anonymous` in
`Group system:unauthenticated`. So a subject is judged by whom it matches, not by its kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from hds_kubernetes.objects import Subject

SA_USER_PREFIX = "system:serviceaccount:"
SA_GROUP_PREFIX = "system:serviceaccounts:"
POPULATIONS: dict[tuple[str, str], str] = {
    ("User", "system:anonymous"): "anonymous requests (User system:anonymous)",
    ("Group", "system:unauthenticated"): "anonymous requests (Group system:unauthenticated)",
    ("Group", "system:authenticated"): "every authenticated user of the cluster (Group system:authenticated)",
    ("Group", "system:serviceaccounts"): "every ServiceAccount of the cluster (Group system:serviceaccounts)",
}
"""Subjects matching callers of every tenant (or no tenant at all): granting them anything in a
namespace opens it to the whole cluster, or to anyone who can reach the API server."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Whom a subject matches."""

    subject: Subject
    population: str | None = None
    """Set for a cluster-wide population (see POPULATIONS)."""
    sa_namespace: str | None = None
    """The namespace of the ServiceAccount(s) it matches."""
    sa_name: str | None = None
    """The ServiceAccount's name; None for `system:serviceaccounts:<ns>` (all of them)."""

    @property
    def identity(self) -> Subject:
        """The subject in its canonical spelling (a User naming a ServiceAccount becomes it)."""
        if self.sa_namespace is not None and self.sa_name is not None:
            return Subject("ServiceAccount", self.sa_name, self.sa_namespace)
        return Subject(self.subject.kind, self.subject.name, self.subject.namespace)

    @property
    def spelled_as_user(self) -> bool:
        return self.subject.kind == "User" and self.sa_name is not None


@lru_cache(maxsize=65536)
def principal(s: Subject) -> Principal:
    """Cached: every tenant's checks look at the same ClusterRoleBindings' subjects."""
    if (s.kind, s.name) in POPULATIONS:
        return Principal(s, population=POPULATIONS[(s.kind, s.name)])
    if s.kind == "ServiceAccount":
        return Principal(s, sa_namespace=s.namespace or "", sa_name=s.name)
    if s.kind == "User" and s.name.startswith(SA_USER_PREFIX):
        ns, sep, name = s.name.removeprefix(SA_USER_PREFIX).partition(":")
        if sep and ns and name and ":" not in name:
            return Principal(s, sa_namespace=ns, sa_name=name)
    if s.kind == "Group" and s.name.startswith(SA_GROUP_PREFIX):
        ns = s.name.removeprefix(SA_GROUP_PREFIX)
        if ns and ":" not in ns:
            return Principal(s, sa_namespace=ns)
    return Principal(s)


def outside_description(p: Principal) -> str:
    """A ServiceAccount principal of another namespace, described without naming it."""
    if p.sa_name is None:
        return "all ServiceAccounts of a namespace outside this tenant"
    if p.spelled_as_user:
        return "a ServiceAccount of a namespace outside this tenant (bound as a User subject)"
    return "a ServiceAccount of a namespace outside this tenant"

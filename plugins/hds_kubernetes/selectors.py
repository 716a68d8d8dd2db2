"""Kubernetes label selectors (`matchLabels` + `matchExpressions`), evaluated as the API does.

Used for PodDisruptionBudgets, NetworkPolicy peers, spread rules and the tenant's namespace
selection, so every check agrees with the cluster on which objects a selector picks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OPERATORS = frozenset({"In", "NotIn", "Exists", "DoesNotExist"})


class SelectorError(ValueError):
    """A selector the API server would refuse (unknown operator, values where none belong)."""


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.operator == "In":
            return labels.get(self.key) in self.values
        if self.operator == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if self.operator == "Exists":
            return self.key in labels
        return self.key not in labels  # DoesNotExist

    def __str__(self) -> str:
        if self.operator == "Exists":
            return self.key
        if self.operator == "DoesNotExist":
            return f"!{self.key}"
        op = "in" if self.operator == "In" else "notin"
        return f"{self.key} {op} ({','.join(self.values)})"


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A parsed selector. The empty selector matches everything; a *missing* selector is
    represented by `None` where the API gives it a meaning of its own (it matches nothing in
    a PodDisruptionBudget)."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.match_labels) and all(
            r.matches(labels) for r in self.match_expressions
        )

    def __str__(self) -> str:
        """kubectl's `-l` syntax; `{}` for the empty selector (it selects everything)."""
        parts = [f"{k}={v}" for k, v in self.match_labels] + [str(r) for r in self.match_expressions]
        return ",".join(parts) if parts else "{}"


def parse_selector(raw: Any) -> LabelSelector | None:
    """`None` for an absent selector; raise SelectorError for a malformed one."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise SelectorError(f"a label selector is a mapping, got {type(raw).__name__}")
    labels = raw.get("matchLabels") or {}
    if not isinstance(labels, Mapping):
        raise SelectorError("matchLabels must be a mapping of label to value")
    requirements = []
    for i, expr in enumerate(raw.get("matchExpressions") or []):
        if not isinstance(expr, Mapping):
            raise SelectorError(f"matchExpressions[{i}] must be a mapping")
        op = expr.get("operator")
        key = expr.get("key")
        values = tuple(str(v) for v in expr.get("values") or ())
        if not isinstance(key, str) or not key:
            raise SelectorError(f"matchExpressions[{i}].key is missing")
        if op not in OPERATORS:
            raise SelectorError(f"matchExpressions[{i}].operator {op!r} is not one of {', '.join(sorted(OPERATORS))}")
        if op in ("In", "NotIn") and not values:
            raise SelectorError(f"matchExpressions[{i}]: operator {op} needs values")
        if op in ("Exists", "DoesNotExist") and values:
            raise SelectorError(f"matchExpressions[{i}]: operator {op} takes no values")
        requirements.append(Requirement(key, op, values))
    return LabelSelector(tuple(sorted((str(k), str(v)) for k, v in labels.items())), tuple(requirements))

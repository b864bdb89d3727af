"""Design rules as registered checks returning violations.

A rule is a function ``check(ctx) -> list[Violation]`` registered with
:func:`rule` under a code prefix and a domain. :func:`run_rules` runs them all
over an :class:`engine.analysis.Context`. Each violation carries the ids of the
items involved so the designer can select and zoom to them.

Examples
--------
>>> v = Violation(code="X-1", severity="error", message="m", items=("R1",))
>>> v.to_dict()
{'code': 'X-1', 'severity': 'error', 'message': 'm', 'items': ['R1']}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Severity", "Violation", "Rule", "RULES", "rule", "run_rules", "SEVERITY_ORDER",
           "apart"]

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Violation:
    """One broken rule: code, severity, message and the ids involved."""

    code: str
    severity: Severity
    message: str
    items: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form of the analysis contract."""
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "items": list(self.items)}


@dataclass(frozen=True)
class Rule:
    """A registered check."""

    name: str
    domain: str
    description: str
    check: Callable[[Any], list[Violation]]


RULES: dict[str, Rule] = {}


def rule(name: str, domain: str, description: str):
    """Register a check function under ``name`` (decorator)."""

    def deco(fn: Callable[[Any], list[Violation]]):
        RULES[name] = Rule(name, domain, description, fn)
        return fn

    return deco


def run_rules(ctx: Any, domains: set[str] | None = None) -> list[Violation]:
    """Run every registered rule (of ``domains`` when given), errors first."""
    # a stable sort by (severity, code); a rule's output of one kind moves as one block,
    # so a hall with hundreds of thousands of too-long cables sorts a handful of blocks
    blocks: list[tuple[tuple[int, str], list[Violation]]] = []
    for r in RULES.values():
        if domains is None or r.domain in domains:
            found = r.check(ctx)
            kinds = {(v.severity, v.code) for v in found}
            if len(kinds) == 1:
                sev, code = kinds.pop()
                blocks.append(((SEVERITY_ORDER[sev], code), found))
            else:
                blocks += [((SEVERITY_ORDER[v.severity], v.code), [v]) for v in found]
    blocks.sort(key=lambda b: b[0])
    return [v for _key, found in blocks for v in found]


def apart(value: float, limit: float, decimals: int = 0, percent: bool = False,
          most: int = 3) -> tuple[str, str]:
    """Format a value and the limit it breaks so that they read apart.

    Both take ``decimals`` places (thousands separated), or more, up to ``most``
    extra, where the rounding would print the same number: a feed at 184.928 kW
    over a 184.904 kW budget reads "184.93" against "184.90", not "184.9" twice.
    With ``percent``, both are fractions printed as percentages.

    Examples
    --------
    >>> apart(184.928, 184.904, 1)
    ('184.93', '184.90')
    >>> apart(1.0023, 1.0, percent=True)
    ('100.2%', '100.0%')
    >>> apart(1250.0, 1200.0)
    ('1,250', '1,200')
    """
    spec = "%" if percent else "f"
    for nd in range(decimals, decimals + most + 1):
        a, b = f"{value:,.{nd}{spec}}", f"{limit:,.{nd}{spec}}"
        if a != b:
            break
    return a, b

"""The parsed form of a rule: conditions joined by -and, -or and -not.

Precedence is Entra's, from highest to lowest: comparisons, -not, -and, -or; -any and
-all take a parenthesised condition on `_` (or a single comparison without parentheses,
as Entra's device examples write it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from seatplan.engine.membership_rules.patterns import Pattern
from seatplan.engine.membership_rules.properties import RuleProperty

#: Comparison operators, lower-cased and without the hyphen.
COMPARISONS = frozenset(
    {
        "eq",
        "ne",
        "startswith",
        "notstartswith",
        "endswith",
        "notendswith",
        "contains",
        "notcontains",
        "in",
        "notin",
        "match",
        "notmatch",
    }
)
#: Each negative operator and the positive one it negates.
NEGATIONS = {
    "ne": "eq",
    "notstartswith": "startswith",
    "notendswith": "endswith",
    "notcontains": "contains",
    "notin": "in",
    "notmatch": "match",
}
#: Entra's spelling of each operator, for messages and the formatter.
SPELLING = {
    "eq": "-eq",
    "ne": "-ne",
    "startswith": "-startsWith",
    "notstartswith": "-notStartsWith",
    "endswith": "-endsWith",
    "notendswith": "-notEndsWith",
    "contains": "-contains",
    "notcontains": "-notContains",
    "in": "-in",
    "notin": "-notIn",
    "match": "-match",
    "notmatch": "-notMatch",
    "and": "-and",
    "or": "-or",
    "not": "-not",
    "any": "-any",
    "all": "-all",
}

#: A comparison's value: a string, true/false, null, a list for -in, a regex for -match.
Value = str | bool | None | tuple[str, ...] | Pattern


@dataclass(frozen=True, slots=True)
class Compare:
    """`target operator value`; target None is `_`, the item inside -any/-all."""

    target: RuleProperty | None
    operator: str
    value: Value


@dataclass(frozen=True, slots=True)
class Quantified:
    target: RuleProperty
    quantifier: Literal["any", "all"]
    condition: Node


@dataclass(frozen=True, slots=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


Node = Compare | Quantified | And | Or | Not

"""SCIM filters (RFC 7644 §3.4.2.2): parsed here, then run as SQL or over resources.

Hand-written (about 200 lines) rather than taken from a library: the grammar is small,
and what Seatplan needs of it — each comparison turned into a SQLAlchemy condition over
its own columns when the attribute has one, else evaluated over the SCIM resource — is
the part no SCIM filter package offers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Union

from seatplan.scim.errors import INVALID_FILTER, ScimError

OPERATORS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})


@dataclass(frozen=True, slots=True)
class Compare:
    path: str  # lower-cased, URN-qualified extension paths kept whole ("urn:...:department")
    op: str
    value: Any


@dataclass(frozen=True, slots=True)
class Present:
    path: str


@dataclass(frozen=True, slots=True)
class And:
    left: Filter
    right: Filter


@dataclass(frozen=True, slots=True)
class Or:
    left: Filter
    right: Filter


@dataclass(frozen=True, slots=True)
class Not:
    inner: Filter


@dataclass(frozen=True, slots=True)
class ValuePath:
    """`emails[type eq "work"]`: some item of a multi-valued attribute matches `inner`."""

    path: str
    inner: Filter


Filter = Union[Compare, Present, And, Or, Not, ValuePath]  # noqa: UP007 (recursive alias)

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<punct>[()\[\]])
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w:.]))
  | (?P<word>[A-Za-z_$][\w:.$-]*)
    )""",
    re.VERBOSE,
)


def invalid(detail: str) -> ScimError:
    return ScimError(400, detail, INVALID_FILTER)


def _tokens(text: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise invalid(f"Cannot read the filter at character {position + 1}: {text!r}.")
        position = match.end()
        kind = match.lastgroup or ""
        raw = match.group(kind)
        if kind == "string":
            try:
                found.append(("value", json.loads(raw)))
            except ValueError:
                raise invalid(f"Invalid string {raw} in the filter.") from None
        elif kind == "number":
            found.append(("value", json.loads(raw)))
        elif kind == "punct":
            found.append((raw, raw))
        elif raw.lower() in ("true", "false", "null"):
            found.append(("value", json.loads(raw.lower())))
        else:
            found.append(("word", raw))
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        if token is None:
            raise invalid("The filter ends too early.")
        self.at += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and str(token[1]).lower() == word:
            self.at += 1
            return True
        return False

    def parse(self) -> Filter:
        found = self.disjunction()
        if self.peek() is not None:
            raise invalid(f"Unexpected '{self.peek()[1]}' in the filter.")  # type: ignore[index]
        return found

    def disjunction(self) -> Filter:
        found = self.conjunction()
        while self.keyword("or"):
            found = Or(found, self.conjunction())
        return found

    def conjunction(self) -> Filter:
        found = self.unary()
        while self.keyword("and"):
            found = And(found, self.unary())
        return found

    def unary(self) -> Filter:
        if self.keyword("not"):
            if self.take()[0] != "(":
                raise invalid("'not' must be followed by a parenthesised filter.")
            inner = self.disjunction()
            self.expect(")")
            return Not(inner)
        token = self.take()
        if token[0] == "(":
            inner = self.disjunction()
            self.expect(")")
            return inner
        if token[0] != "word":
            raise invalid(f"Expected an attribute, found {token[1]!r}.")
        path = str(token[1]).lower()
        following = self.peek()
        if following is not None and following[0] == "[":
            self.take()
            inner = self.disjunction()
            self.expect("]")
            return ValuePath(path, inner)
        if self.keyword("pr"):
            return Present(path)
        operator = self.take()
        if operator[0] != "word" or str(operator[1]).lower() not in OPERATORS:
            raise invalid(f"Unknown operator {operator[1]!r} after '{token[1]}'.")
        value = self.take()
        if value[0] != "value":
            raise invalid(f"Expected a value after '{token[1]} {operator[1]}'.")
        op = str(operator[1]).lower()
        if op in ("co", "sw", "ew") and not isinstance(value[1], str):
            raise invalid(f"'{op}' compares strings.")
        return Compare(path, op, value[1])

    def expect(self, punct: str) -> None:
        if self.take()[0] != punct:
            raise invalid(f"Expected '{punct}' in the filter.")


def parse(text: str) -> Filter:
    """The filter `text`, or 400 invalidFilter."""
    if len(text) > 4000:
        raise invalid("The filter is longer than 4,000 characters.")
    if not text.strip():
        raise invalid("The filter is empty.")
    return _Parser(text).parse()


# Evaluation over a resource (a JSON object), for attributes without a column of their own.

#: Attributes compared with their case (RFC 7643: caseExact).
CASE_EXACT = frozenset({"id", "externalid", "meta.version"})


def values_at(resource: Mapping[str, Any], path: str) -> list[Any]:
    """Every value at `path` (multi-valued attributes flattened), names in any case."""
    urn, parts = _split(path)
    current: list[Any] = [resource]
    if urn is not None:
        current = [_get(resource, urn)]
    for part in parts:
        found: list[Any] = []
        for item in current:
            value = _get(item, part) if isinstance(item, Mapping) else None
            found.extend(value if isinstance(value, list) else [value])
        current = [value for value in found if value is not None]
    return current


def _split(path: str) -> tuple[str | None, list[str]]:
    """(extension URN or None, attribute names) of a path; the core schemas' URNs dropped."""
    if path.startswith("urn:"):
        urn, _, attribute = path.rpartition(":")
        if urn.endswith((":core:2.0:user", ":core:2.0:group")):
            return None, attribute.split(".")
        return urn, attribute.split(".")
    return None, path.split(".")


def _get(values: Mapping[str, Any], name: str) -> Any:
    wanted = name.lower()
    for key, value in values.items():
        if key.lower() == wanted:
            return value
    return None


def _compare(op: str, found: Any, wanted: Any, exact: bool) -> bool:
    if isinstance(found, str) and isinstance(wanted, str) and not exact:
        found, wanted = found.lower(), wanted.lower()
    if isinstance(found, bool) != isinstance(wanted, bool):
        return op == "ne"
    if op == "eq":
        return bool(found == wanted)
    if op == "ne":
        return bool(found != wanted)
    if op in ("co", "sw", "ew"):
        if not isinstance(found, str):
            return False
        test: Callable[[str], bool] = {
            "co": lambda w: w in found,
            "sw": found.startswith,
            "ew": found.endswith,
        }[op]
        return test(wanted)
    numbers = isinstance(found, int | float) and isinstance(wanted, int | float)
    if (isinstance(found, bool) or type(found) is not type(wanted)) and not numbers:
        return False
    return bool(
        {"gt": found > wanted, "ge": found >= wanted, "lt": found < wanted, "le": found <= wanted}[
            op
        ]
    )


def matches(resource: Mapping[str, Any], node: Filter) -> bool:
    """Whether `resource` satisfies the filter."""
    if isinstance(node, And):
        return matches(resource, node.left) and matches(resource, node.right)
    if isinstance(node, Or):
        return matches(resource, node.left) or matches(resource, node.right)
    if isinstance(node, Not):
        return not matches(resource, node.inner)
    if isinstance(node, ValuePath):
        items = values_at(resource, node.path)
        return any(isinstance(item, Mapping) and matches(item, node.inner) for item in items)
    if isinstance(node, Present):
        return any(value not in ("", [], {}) for value in values_at(resource, node.path))
    found = values_at(resource, node.path)
    exact = node.path in CASE_EXACT
    if node.op == "ne":
        return not any(_compare("eq", value, node.value, exact) for value in found)
    if node.value is None:
        return node.op == "eq" and not found
    return any(_compare(node.op, value, node.value, exact) for value in found)

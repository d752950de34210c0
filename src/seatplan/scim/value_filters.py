"""Value filters of PATCH paths (`emails[type eq "work"]`, RFC 7644 §3.5.2), evaluated
on a resource's JSON elements."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from seatplan.scim.keys import get_ci
from seatplan.scim.patch_schema import PatchError

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<paren>[()])|(?P<num>-?\d+(?:\.\d+)?)'
    r"|(?P<word>[A-Za-z$][\w$.:-]*))"
)
_COMPARE = {"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"}


@dataclass(frozen=True)
class Filter:
    op: str  # a comparison, "pr", "and", "or", "not"
    attribute: str = ""
    value: Any = None
    parts: tuple[Filter, ...] = ()

    def matches(self, element: Any) -> bool:
        if self.op == "and":
            return all(p.matches(element) for p in self.parts)
        if self.op == "or":
            return any(p.matches(element) for p in self.parts)
        if self.op == "not":
            return not self.parts[0].matches(element)
        actual = get_ci(element, self.attribute) if isinstance(element, dict) else None
        if self.op == "pr":
            return actual not in (None, "", [], {})
        return _compare(self.op, actual, self.value)


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        actual, expected = actual.lower(), expected.lower()
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if actual is None or expected is None:
        return False
    if op in ("co", "sw", "ew"):
        if not (isinstance(actual, str) and isinstance(expected, str)):
            return False
        return {
            "co": expected in actual,
            "sw": actual.startswith(expected),
            "ew": actual.endswith(expected),
        }[op]
    try:
        return bool(
            {
                "gt": actual > expected,
                "ge": actual >= expected,
                "lt": actual < expected,
                "le": actual <= expected,
            }[op]
        )
    except TypeError:
        return False


def parse_filter(text: str) -> Filter:
    tokens = _tokens(text)
    parser = _FilterParser(tokens, text)
    result = parser.expression()
    if parser.position != len(tokens):
        raise PatchError("invalidPath", f"The filter {text!r} is malformed.")
    return result


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise PatchError("invalidPath", f"The filter {text!r} is malformed.")
        kind = match.lastgroup or ""
        tokens.append((kind, match[kind]))
        position = match.end()
    return tokens


class _FilterParser:
    def __init__(self, tokens: list[tuple[str, str]], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.position = 0

    def _peek_word(self) -> str:
        if self.position < len(self.tokens) and self.tokens[self.position][0] == "word":
            return self.tokens[self.position][1].lower()
        return ""

    def _next(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise PatchError("invalidPath", f"The filter {self.text!r} is incomplete.")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expression(self) -> Filter:
        left = self.term()
        while self._peek_word() == "or":
            self.position += 1
            left = Filter("or", parts=(left, self.term()))
        return left

    def term(self) -> Filter:
        left = self.factor()
        while self._peek_word() == "and":
            self.position += 1
            left = Filter("and", parts=(left, self.factor()))
        return left

    def factor(self) -> Filter:
        if self._peek_word() == "not":
            self.position += 1
            return Filter("not", parts=(self.factor(),))
        kind, text = self._next()
        if kind == "paren" and text == "(":
            inner = self.expression()
            if self._next() != ("paren", ")"):
                raise PatchError("invalidPath", f"The filter {self.text!r} is malformed.")
            return inner
        if kind != "word":
            raise PatchError("invalidPath", f"The filter {self.text!r} is malformed.")
        op = self._next()[1].lower()
        if op == "pr":
            return Filter("pr", text)
        if op not in _COMPARE:
            raise PatchError("invalidPath", f"The filter {self.text!r} has no operator {op!r}.")
        return Filter(op, text, self._literal())

    def _literal(self) -> Any:
        kind, text = self._next()
        if kind == "str":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "word" and text.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text.lower()]
        raise PatchError("invalidPath", f"The filter {self.text!r} has a bad value {text!r}.")

"""The `$filter` tokenizer: literals are typed here, keywords are left as identifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal, TypeAlias
from uuid import UUID

from seatplan.api.odata.ast import Value
from seatplan.api.odata.errors import UnsupportedQuery

Kind: TypeAlias = Literal[
    "ident", "string", "guid", "int", "datetime", "(", ")", ",", "/", ":", "eof"
]

_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)
_GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_INT = re.compile(r"-?\d+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: What may not follow a literal directly: a literal glued to more characters is malformed.
_GLUED = re.compile(r"[-+\w.:]")
_RUN = re.compile(r"[-+\w.:]+")
_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PUNCTUATION = "(),/:"
_INT_LIMIT = 2**63


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    pos: int
    value: Value = None

    def describe(self) -> str:
        return "the end of $filter" if self.kind == "eof" else f"'{self.text}'"


class TokenStream:
    """Tokens read one at a time; the last one, `eof`, is never passed."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def at_keyword(self, word: str) -> bool:
        token = self.peek()
        return token.kind == "ident" and token.text == word

    def expect(self, kind: Kind, context: str) -> Token:
        token = self.peek()
        if token.kind != kind:
            shown = "a name" if kind == "ident" else f"'{kind}'"
            raise UnsupportedQuery(
                f"Expected {shown} {context} {where(token.pos)}, found {token.describe()}"
            )
        return self.advance()


def parse_guid(text: str) -> UUID | None:
    """A GUID written 8-4-4-4-12 (any case), else None: no braces, no urn, no bare hex."""
    return UUID(text) if _GUID.fullmatch(text) else None


def where(pos: int) -> str:
    return f"at position {pos} of $filter"


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
        elif char in _PUNCTUATION:
            tokens.append(Token(char, char, pos))  # type: ignore[arg-type]
            pos += 1
        elif char == "'":
            token = _string(text, pos)
            tokens.append(token)
            pos += len(token.text)
        elif char.isdigit() or char == "-" or _GUID.match(text, pos):
            token = _literal(text, pos)
            tokens.append(token)
            pos += len(token.text)
        elif match := _IDENT.match(text, pos):
            tokens.append(Token("ident", match.group(), pos))
            pos = match.end()
        elif char == "$" and (match := _IDENT.match(text, pos + 1)):
            # A path segment such as assignedLicenses/$count.
            tokens.append(Token("ident", "$" + match.group(), pos))
            pos = match.end()
        else:
            raise UnsupportedQuery(f"Unexpected character '{char}' {where(pos)}")
    tokens.append(Token("eof", "", len(text)))
    return tokens


def _string(text: str, start: int) -> Token:
    """A quoted string; a quote inside is written twice."""
    parts: list[str] = []
    pos = start + 1
    while True:
        end = text.find("'", pos)
        if end < 0:
            raise UnsupportedQuery(f"Unterminated string literal {where(start)}")
        parts.append(text[pos:end])
        if text.startswith("''", end):
            parts.append("'")
            pos = end + 2
            continue
        return Token("string", text[start : end + 1], start, "".join(parts))


def _literal(text: str, pos: int) -> Token:
    """A datetime, a bare GUID or an integer, whole: never glued to more characters."""
    for pattern, kind in ((_DATETIME, "datetime"), (_GUID, "guid"), (_INT, "int")):
        match = pattern.match(text, pos)
        if match and not _GLUED.match(text, match.end()):
            raw = match.group()
            if kind == "datetime":
                return Token("datetime", raw, pos, _datetime(match, pos))
            if kind == "guid":
                return Token("guid", raw, pos, UUID(raw))
            number = int(raw)
            if not -_INT_LIMIT <= number < _INT_LIMIT:
                raise UnsupportedQuery(f"Integer literal '{raw}' out of range {where(pos)}")
            return Token("int", raw, pos, number)
    run_match = _RUN.match(text, pos)
    run = run_match.group() if run_match else text[pos]
    if _DATE_LIKE.match(run):
        raise UnsupportedQuery(
            f"Malformed datetime literal '{run}' {where(pos)}: write a date, a time and a "
            "time zone, e.g. 2026-01-01T00:00:00Z"
        )
    raise UnsupportedQuery(f"Malformed literal '{run}' {where(pos)}")


def _datetime(match: re.Match[str], pos: int) -> datetime:
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    fraction = fraction or ""
    if fraction[6:].strip("0"):
        raise UnsupportedQuery(
            f"Datetime literal '{match.group()}' {where(pos)} is more precise than microseconds"
        )
    try:
        offset = timedelta(0)
        if not zulu:
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            if offset >= timedelta(hours=24) or int(off_m) >= 60:
                raise ValueError("offset")
            offset = -offset if sign == "-" else offset
        value = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int(fraction[:6].ljust(6, "0")),
            tzinfo=timezone(offset),
        ).astimezone(UTC)
    except (ValueError, OverflowError):
        raise UnsupportedQuery(f"Invalid datetime literal '{match.group()}' {where(pos)}") from None
    return value

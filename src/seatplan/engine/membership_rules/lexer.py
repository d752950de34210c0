"""Rule text to tokens, each with its offset for error messages.

Entra's lexical rules: operators start with a hyphen, which may be left out (`eq`,
`-eq`), and dashes pasted from documents (–, U+2013) count as one; strings are quoted
with double quotes, in which a backtick escapes the next character (`` `" ``), or with
single quotes, in which a quote is doubled (`''`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from seatplan.engine.membership_rules.errors import RuleSyntaxError

DASHES = "-\u2013\u2212"


class Kind(Enum):
    WORD = "word"  # a property path, true/false/null, `_`, or an operator without hyphen
    OPERATOR = "operator"  # -eq, -and, ... (name lower-cased, without the dash)
    STRING = "string"
    NUMBER = "number"
    PUNCT = "punct"  # ( ) [ ] ,
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # for OPERATOR the lower-cased name; for STRING the unescaped value
    position: int
    source: str  # the token as written, for messages

    def describe(self) -> str:
        return "the end of the rule" if self.kind is Kind.END else f"'{self.source}'"


def _is_word_start(char: str) -> bool:
    return char.isalpha() or char == "_"


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "_."


def tokens(text: str) -> list[Token]:
    found: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()[],":
            found.append(Token(Kind.PUNCT, char, i, char))
            i += 1
        elif char in "\"'":
            value, end = _string(text, i)
            found.append(Token(Kind.STRING, value, i, text[i:end]))
            i = end
        elif char in DASHES and i + 1 < n and text[i + 1].isalpha():
            end = i + 1
            while end < n and text[end].isalpha():
                end += 1
            found.append(Token(Kind.OPERATOR, text[i + 1 : end].lower(), i, text[i:end]))
            i = end
        elif char.isdigit() or (char in DASHES and i + 1 < n and text[i + 1].isdigit()):
            end = i + 1
            while end < n and (text[end].isdigit() or text[end] == "."):
                end += 1
            number = "-" + text[i + 1 : end] if char in DASHES else text[i:end]
            found.append(Token(Kind.NUMBER, number, i, text[i:end]))
            i = end
        elif _is_word_start(char):
            end = i + 1
            while end < n and _is_word_char(text[end]):
                end += 1
            found.append(Token(Kind.WORD, text[i:end], i, text[i:end]))
            i = end
        else:
            raise RuleSyntaxError(i, f"unexpected character '{char}'")
    found.append(Token(Kind.END, "", n, ""))
    return found


def _string(text: str, start: int) -> tuple[str, int]:
    """The value of the string opening at `start`, and the offset just after it."""
    quote = text[start]
    parts: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        char = text[i]
        if quote == '"' and char == "`" and i + 1 < n:
            parts.append(text[i + 1])
            i += 2
        elif char == quote:
            if quote == "'" and i + 1 < n and text[i + 1] == "'":
                parts.append("'")
                i += 2
            else:
                return "".join(parts), i + 1
        else:
            parts.append(char)
            i += 1
    raise RuleSyntaxError(start, "the string that starts here is not closed")

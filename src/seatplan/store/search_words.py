"""The words Graph's `$search` finds in a directory object's displayName or description.

Graph does not match substrings: it cuts a value and the searched text into words at
spaces, symbols, a change from lower to upper case and between letters and digits
(`HelloWorld`, `hello.world`, `hello123world`). A symbol is a word of its own, and the
words a symbol joins are also one word (`hello-world` is also `helloworld`); so is a
space-free run of letters and digits cut by case (`HelloWorld` is also `helloworld`).
Every searched word must start some word of the value, in any order, whatever the case.

`search_text` is what the tables store beside such a value (" hello world helloworld "),
so that a search is one LIKE '% word%' per searched word on one column.
"""

from __future__ import annotations

import re
import unicodedata

_PART = re.compile(r"[^\W\d_]+|\d+|[^\w\s]|_", re.UNICODE)


def words_of(value: str | None, *, joined: bool = True) -> list[str]:
    """The value's words, lower case, each once, in order of appearance.

    `joined` False leaves out the joined words: what a searched text must find (Graph
    finds "OneVideo" in "One Video": both its words, not "onevideo").
    """
    if not value:
        return []
    found: dict[str, None] = {}
    for chunk in value.split():
        parts: list[str] = []
        for part in _PART.findall(chunk):
            if part[0].isalpha():
                parts.extend(piece for piece in _split_case(part) if piece)
            else:
                parts.append(part)
        for part in parts:
            found[part.lower()] = None
        whole = "".join(part for part in parts if part[0].isalnum()).lower()
        if joined and whole:
            found[whole] = None
    return list(found)


def search_text(value: str | None) -> str | None:
    """What a searchable column stores: the words between spaces (" a b "), or None."""
    words = words_of(value)
    return f" {' '.join(words)} " if words else None


def _split_case(letters: str) -> list[str]:
    """`HelloWorld` → Hello, World; `HELLOworld` stays whole (only lower → upper cuts)."""
    pieces, start = [], 0
    for index in range(1, len(letters)):
        if _is_lower(letters[index - 1]) and _is_upper(letters[index]):
            pieces.append(letters[start:index])
            start = index
    pieces.append(letters[start:])
    return pieces


def _is_lower(char: str) -> bool:
    return unicodedata.category(char) == "Ll"


def _is_upper(char: str) -> bool:
    return unicodedata.category(char) == "Lu"

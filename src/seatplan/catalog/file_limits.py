"""The limits of a custom catalog file (docs/catalog.md, "Limits").

They bound what reading one file may cost, whoever sends it: the size and nesting are
checked on the text before it is parsed, the counts and lengths while it is validated,
and all of them before a catalog is built or anything is written.
"""

from __future__ import annotations

import re

#: The size of a file, in bytes of UTF-8: the largest request body the API reads, too.
MAX_FILE_BYTES = 1024 * 1024
#: Arrays and inline tables inside each other (`requires_any_of` needs 2).
MAX_NESTING = 8
#: Tables of one section (`[[plans]]`, `[[products]]`, ...).
MAX_TABLES = 10_000
#: Items of one array: the plans of a product or a set, alternatives, country codes.
MAX_ITEMS = 10_000
#: Characters of a name: a plan's name, a skuPartNumber, an exclusive set's name (the
#: database columns' length), and of a plan reference.
MAX_NAME = 128
#: Characters of a friendly name or a product's display name (the columns' length).
MAX_LABEL = 256
#: Characters of a location restriction's note.
MAX_NOTE = 1_000
#: Problems listed for one file; the rest are counted.
MAX_PROBLEMS = 1_000

# Strings and comments may hold brackets: they are skipped whole. Every alternative is
# linear in the text, even when a string is not closed.
_TOKENS = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[{\]}]|\n',
    re.DOTALL,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def too_deep(text: str) -> int | None:
    """The line where arrays and inline tables nest deeper than `MAX_NESTING`, if any.

    Checked before parsing: the TOML parser recurses once per level.
    """
    depth, line = 0, 1
    for token in _TOKENS.finditer(text):
        found = token.group()
        if found in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif found in "]}":
            depth -= 1
        else:
            line += found.count("\n")
    return None


def control_character(text: str) -> str | None:
    """The first control character of `text` (NUL, a line break, ...), as U+XXXX."""
    found = _CONTROL.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def shown(value: object, limit: int = 60) -> str:
    """`repr(value)`, shortened: a message must not repeat a huge value."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-1]}"

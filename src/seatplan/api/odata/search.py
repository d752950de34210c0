"""Graph's `$search` on directory objects: its syntax (the words: `store.search_words`).

    search := or_expr
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := term ("AND" term)*
    term     := "(" or_expr ")" | '"' property ":" text '"'

A clause is written in double quotes (a quote or a backslash inside escaped with a
backslash); `AND` and `OR` stand outside the quotes, in upper case, as Graph requires.

A clause on a property with search words (`displayName`, `description`) matches word
by word; on another property it is a `startswith`, as Graph does.
"""

from __future__ import annotations

from seatplan.api.odata.ast import And, Node, Or, Searched
from seatplan.api.odata.errors import UnsupportedQuery
from seatplan.store.search_words import words_of

__all__ = ["MAX_CLAUSES", "MAX_WORDS", "parse_search", "words_of"]

MAX_CLAUSES = 20
MAX_WORDS = 20


def parse_search(text: str) -> Node:
    """The tree of a `$search` value: `Searched` clauses under `And` and `Or`."""
    if not text.strip():
        raise UnsupportedQuery("$search is empty")
    return _SearchParser(text).parse()


class _SearchParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.clauses = 0

    def parse(self) -> Node:
        node = self.or_expr(0)
        self.skip_spaces()
        if self.pos < len(self.text):
            raise UnsupportedQuery(
                f"Unexpected '{self.text[self.pos]}' at position {self.pos} of $search: "
                "expected AND, OR or the end of $search"
            )
        return node

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def at_word(self, word: str) -> bool:
        self.skip_spaces()
        end = self.pos + len(word)
        if self.text[self.pos : end] != word:
            return False
        return end == len(self.text) or self.text[end] in ' \t"('

    def or_expr(self, depth: int) -> Node:
        operands = [self.and_expr(depth)]
        while self.at_word("OR"):
            self.pos += 2
            operands.append(self.and_expr(depth))
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expr(self, depth: int) -> Node:
        operands = [self.term(depth)]
        while self.at_word("AND"):
            self.pos += 3
            operands.append(self.term(depth))
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def term(self, depth: int) -> Node:
        self.skip_spaces()
        if self.pos >= len(self.text):
            raise UnsupportedQuery(
                f"Expected a clause in double quotes at position {self.pos} of $search, "
                "found the end of $search"
            )
        char = self.text[self.pos]
        if char == "(":
            if depth >= 8:
                raise UnsupportedQuery("Parentheses nested too deeply in $search")
            self.pos += 1
            node = self.or_expr(depth + 1)
            self.skip_spaces()
            if self.pos >= len(self.text) or self.text[self.pos] != ")":
                raise UnsupportedQuery(
                    f"Expected ')' at position {self.pos} of $search to close the parenthesis"
                )
            self.pos += 1
            return node
        if char != '"':
            raise UnsupportedQuery(
                f"Expected a clause in double quotes at position {self.pos} of $search, "
                f'such as "displayName:word"; AND and OR are written in upper case'
            )
        return self.clause()

    def clause(self) -> Node:
        start = self.pos
        self.pos += 1
        chars: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise UnsupportedQuery(f"Unterminated clause at position {start} of $search")
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                chars.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            self.pos += 1
            if char == '"':
                break
            chars.append(char)
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise UnsupportedQuery(f"$search has more than {MAX_CLAUSES} clauses")
        body = "".join(chars)
        name, colon, text = body.partition(":")
        if not colon or not name.strip():
            raise UnsupportedQuery(
                f"The clause at position {start} of $search names no property: "
                'write "property:text", such as "displayName:word"'
            )
        if not text.strip():
            raise UnsupportedQuery(f"The clause at position {start} of $search has no text")
        return Searched(name.strip(), text)

"""A recursive-descent parser for the `$filter` subset; precedence `or` < `and` < comparison.

    filter     := or_expr EOF
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := primary ("and" primary)*
    primary    := "(" or_expr ")"
                | "not" primary
                | ("startswith" | "endswith") "(" path "," string ")"
                | "assignedLicenses" "/" "any" "(" var ":" var "/" "skuId" "eq" guid ")"
                | ident "/" "any" "(" var ":" item_cond ")"
                | path "/" "$count" ("eq" | "ne") int
                | path compare_op literal
                | path "in" "(" literal ("," literal)* ")"
    item_cond  := item compare_op literal
                | "startswith" "(" item "," string ")"
    item       := var ("/" ident)?
    path       := ident ("/" ident)*

Comparison operators are lower case, as OData writes them; `and`, `or`, `not` and the
function names are matched whatever their case, since Graph takes (and its documentation
writes) `NOT`, `OR`, `startsWith` and `endsWith`. Property names are kept as written and
resolved (case-insensitively) against an entity by `query.parse_query`.
"""

from __future__ import annotations

from typing import cast
from uuid import UUID

from seatplan.api.odata.ast import (
    COMPARE_OPS,
    And,
    AnyLicense,
    AnyOf,
    CollectionCount,
    CompareOp,
    Comparison,
    EndsWith,
    In,
    Node,
    Not,
    Or,
    StartsWith,
    Value,
)
from seatplan.api.odata.errors import UnsupportedQuery
from seatplan.api.odata.lexer import Token, TokenStream, parse_guid, tokenize, where

#: OData operators outside the subset, named as such in the error.
_OTHER_OPERATORS = frozenset({"has", "add", "sub", "mul", "div", "divby", "mod"})
_KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"}) | COMPARE_OPS
_FUNCTIONS: dict[str, type[StartsWith] | type[EndsWith]] = {
    "startswith": StartsWith,
    "endswith": EndsWith,
}
COUNT_SEGMENT = "$count"
MAX_DEPTH = 32
MAX_TERMS = 200
MAX_IN_VALUES = 100


def parse_filter(text: str) -> Node:
    """Parse a `$filter` value into a tree, or raise `UnsupportedQuery`."""
    if not text.strip():
        raise UnsupportedQuery("$filter is empty")
    return _Parser(tokenize(text)).parse()


class _Parser(TokenStream):
    def __init__(self, tokens: list[Token]) -> None:
        super().__init__(tokens)
        self.terms = 0

    # -- grammar --------------------------------------------------------------------------

    def parse(self) -> Node:
        node = self.or_expr(0)
        token = self.peek()
        if token.kind != "eof":
            raise UnsupportedQuery(
                f"Unexpected {token.describe()} {where(token.pos)}: expected 'and', 'or' "
                "or the end of $filter"
            )
        return node

    def at_word(self, word: str) -> bool:
        """The next token is the keyword `word`, whatever its case."""
        token = self.peek()
        return token.kind == "ident" and token.text.lower() == word

    def or_expr(self, depth: int) -> Node:
        operands = [self.and_expr(depth)]
        while self.at_word("or"):
            self.advance()
            operands.append(self.and_expr(depth))
        return _flatten(Or, operands)

    def and_expr(self, depth: int) -> Node:
        operands = [self.primary(depth)]
        while self.at_word("and"):
            self.advance()
            operands.append(self.primary(depth))
        return _flatten(And, operands)

    def primary(self, depth: int) -> Node:
        token = self.peek()
        if token.kind == "(":
            if depth >= MAX_DEPTH:
                raise UnsupportedQuery(f"Parentheses nested too deeply {where(token.pos)}")
            self.advance()
            node = self.or_expr(depth + 1)
            self.expect(
                ")",
                "to close the parenthesis",
            )
            return node
        if self.at_word("not"):
            if depth >= MAX_DEPTH:
                raise UnsupportedQuery(f"'not' nested too deeply {where(token.pos)}")
            self.advance()
            return Not(self.primary(depth + 1))
        if token.kind != "ident" or token.text.lower() in _KEYWORDS:
            raise UnsupportedQuery(
                f"Expected a property name or startswith(…) {where(token.pos)}, "
                f"found {token.describe()}"
            )
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise UnsupportedQuery(f"$filter has more than {MAX_TERMS} conditions")
        if token.text in _OTHER_OPERATORS:
            raise UnsupportedQuery(f"Unsupported operator '{token.text}' {where(token.pos)}")
        if self.peek(1).kind == "(":
            if token.text.lower() not in _FUNCTIONS:
                raise UnsupportedQuery(
                    f"Unsupported function '{token.text}' {where(token.pos)}: only "
                    "startswith and endswith are supported"
                )
            return self.string_function()
        return self.condition()

    def string_function(self) -> Node:
        name = self.advance().text.lower()
        self.advance()
        field = self.path()
        self.expect(",", f"between the arguments of {name}")
        text = self.peek()
        if text.kind != "string":
            raise UnsupportedQuery(
                f"{name} needs a quoted string as its second argument {where(text.pos)}, "
                f"found {text.describe()}"
            )
        self.advance()
        self.expect(")", f"to close {name}(")
        return _FUNCTIONS[name](field, cast(str, text.value))

    def path(self) -> str:
        parts = [self.expect("ident", "as a property name").text]
        while self.peek().kind == "/":
            self.advance()
            part = self.expect("ident", "after '/'")
            if part.text in ("any", "all") and self.peek().kind == "(":
                raise UnsupportedQuery(
                    f"Unsupported lambda '{'/'.join(parts)}/{part.text}' {where(part.pos)}: "
                    "only assignedLicenses/any(x:x/skuId eq {skuId}) is supported"
                )
            parts.append(part.text)
        return "/".join(parts)

    def condition(self) -> Node:
        start = self.peek()
        if (
            start.text.lower() == "assignedlicenses"
            and self.peek(1).kind == "/"
            and self.peek(2).text == "any"
            and self.peek(3).kind == "("
        ):
            return self.any_license()
        if self.peek(1).kind == "/" and self.peek(2).text == "any" and self.peek(3).kind == "(":
            return self.any_of()
        field = self.path()
        op = self.peek()
        if op.kind != "ident":
            raise UnsupportedQuery(
                f"Expected an operator after '{field}' {where(op.pos)}, found {op.describe()}"
            )
        self.advance()
        if field.endswith("/" + COUNT_SEGMENT):
            return self.collection_count(field, op)
        if COUNT_SEGMENT in field.split("/"):
            raise UnsupportedQuery(
                f"'{COUNT_SEGMENT}' must follow a collection property and end the path, "
                f"as in assignedLicenses/$count, found '{field}'"
            )
        if op.text in COMPARE_OPS:
            return Comparison(field, cast(CompareOp, op.text), self.literal())
        if op.text == "in":
            return In(field, self.value_list())
        if op.text in _OTHER_OPERATORS:
            raise UnsupportedQuery(f"Unsupported operator '{op.text}' {where(op.pos)}")
        raise UnsupportedQuery(f"Unknown operator '{op.text}' {where(op.pos)}")

    def collection_count(self, path: str, op: Token) -> Node:
        """`path/$count eq n` or `ne n`: what Graph counts in a `$filter`."""
        literal = self.peek()
        if op.text not in ("eq", "ne") or literal.kind != "int":
            raise UnsupportedQuery(
                f"Only 'eq' and 'ne' with a whole number are supported on '{path}' {where(op.pos)}"
            )
        self.advance()
        field = path[: -len("/" + COUNT_SEGMENT)]
        return CollectionCount(field, cast(CompareOp, op.text), literal.value)

    def any_license(self) -> Node:
        start = self.advance()
        self.advance()
        self.advance()
        self.advance()
        if self.peek().kind == ")":
            raise UnsupportedQuery(
                f"assignedLicenses/any() needs a condition {where(self.peek().pos)}: "
                "write assignedLicenses/any(x:x/skuId eq {skuId})"
            )
        variable = self.expect("ident", "as the lambda variable").text
        self.expect(":", "after the lambda variable")
        used = self.expect("ident", "as the lambda variable")
        if used.text != variable:
            raise UnsupportedQuery(
                f"Unknown lambda variable '{used.text}' {where(used.pos)}, expected '{variable}'"
            )
        self.expect("/", f"after '{variable}'")
        prop = self.expect("ident", f"after '{variable}/'")
        if prop.text.lower() != "skuid":
            raise UnsupportedQuery(
                f"Unsupported property '{variable}/{prop.text}' in assignedLicenses/any "
                f"{where(prop.pos)}: only skuId is supported"
            )
        op = self.peek()
        if not (op.kind == "ident" and op.text == "eq"):
            raise UnsupportedQuery(
                f"Only 'eq' is supported in assignedLicenses/any {where(op.pos)}, "
                f"found {op.describe()}"
            )
        self.advance()
        literal = self.peek()
        value = self.literal()
        sku_id = _as_guid(value)
        if sku_id is None:
            raise UnsupportedQuery(
                f"assignedLicenses/any needs a GUID for skuId {where(literal.pos)}, "
                f"found {literal.describe()}"
            )
        self.expect(")", f"to close assignedLicenses/any( opened {where(start.pos)}")
        return AnyLicense(sku_id)

    def any_of(self) -> Node:
        """`items/any(x: x/prop op literal)` or `items/any(x: startswith(x/prop, 'p'))`."""
        items = self.advance().text
        self.advance()
        self.advance()
        opened = self.advance()
        if self.peek().kind == ")":
            raise UnsupportedQuery(
                f"{items}/any() needs a condition {where(self.peek().pos)}: write "
                f"{items}/any(x:x/property eq 'value')"
            )
        variable = self.expect("ident", "as the lambda variable").text
        self.expect(":", "after the lambda variable")
        condition: Comparison | StartsWith
        if self.peek().text.lower() == "startswith" and self.peek(1).kind == "(":
            self.advance()
            self.advance()
            prop = self.item_property(variable)
            self.expect(",", "between the arguments of startswith")
            prefix = self.peek()
            if prefix.kind != "string":
                raise UnsupportedQuery(
                    f"startswith needs a quoted string as its second argument "
                    f"{where(prefix.pos)}, found {prefix.describe()}"
                )
            self.advance()
            self.expect(")", "to close startswith(")
            condition = StartsWith(prop, cast(str, prefix.value))
        else:
            prop = self.item_property(variable)
            op = self.peek()
            if not (op.kind == "ident" and op.text in COMPARE_OPS):
                raise UnsupportedQuery(
                    f"Expected a comparison after '{variable}/{prop}' in {items}/any "
                    f"{where(op.pos)}, found {op.describe()}"
                )
            self.advance()
            condition = Comparison(prop, cast(CompareOp, op.text), self.literal())
        close = self.peek()
        if close.kind != ")":
            raise UnsupportedQuery(
                f"{items}/any takes one condition {where(close.pos)}: expected ')' to close "
                f"{items}/any( opened {where(opened.pos)}, found {close.describe()}"
            )
        self.advance()
        return AnyOf(items, condition)

    def item_property(self, variable: str) -> str:
        """`x/prop`: the property's name; `x` alone (an item of a list of values): ''."""
        used = self.expect("ident", "as the lambda variable")
        if used.text != variable:
            raise UnsupportedQuery(
                f"Unknown lambda variable '{used.text}' {where(used.pos)}, expected '{variable}'"
            )
        if self.peek().kind != "/":
            return ""
        self.advance()
        prop = self.expect("ident", f"after '{variable}/'")
        if self.peek().kind == "/":
            raise UnsupportedQuery(
                f"Unsupported path '{variable}/{prop.text}/…' {where(self.peek().pos)}: "
                "compare one property of the item"
            )
        return prop.text

    def value_list(self) -> tuple[Value, ...]:
        self.expect("(", "after 'in'")
        values = [self.literal()]
        while self.peek().kind == ",":
            self.advance()
            values.append(self.literal())
        if len(values) > MAX_IN_VALUES:
            raise UnsupportedQuery(f"'in' lists more than {MAX_IN_VALUES} values")
        self.expect(")", "to close the 'in' list")
        return tuple(values)

    def literal(self) -> Value:
        token = self.peek()
        if token.kind in ("string", "guid", "int", "datetime"):
            self.advance()
            return token.value
        if token.kind == "ident" and token.text in ("true", "false", "null"):
            self.advance()
            return {"true": True, "false": False, "null": None}[token.text]
        raise UnsupportedQuery(f"Expected a literal {where(token.pos)}, found {token.describe()}")


def _as_guid(value: Value) -> UUID | None:
    if isinstance(value, UUID):
        return value
    return parse_guid(value) if isinstance(value, str) else None


def _flatten(kind: type[And] | type[Or], operands: list[Node]) -> Node:
    if len(operands) == 1:
        return operands[0]
    flat: list[Node] = []
    for operand in operands:
        flat.extend(operand.operands if isinstance(operand, kind) else (operand,))
    return kind(tuple(flat))

"""Rule text to its parsed form (`syntax`), refusing what Seatplan cannot evaluate."""

from __future__ import annotations

from seatplan.engine.membership_rules.errors import RuleSyntaxError
from seatplan.engine.membership_rules.lexer import Kind, Token, tokens
from seatplan.engine.membership_rules.patterns import compile_pattern
from seatplan.engine.membership_rules.properties import RuleProperty, lookup
from seatplan.engine.membership_rules.syntax import (
    COMPARISONS,
    SPELLING,
    And,
    Compare,
    Node,
    Not,
    Or,
    Quantified,
    Value,
)

#: Entra's limit on the length of a rule's text.
MAX_RULE_LENGTH = 3072
#: How deep parentheses and -not may nest: the parser and the compiled rule recurse once
#: per level, and 3,072 characters of "(" would otherwise exhaust Python's stack.
MAX_DEPTH = 100

_DATE_OPERATORS = {"ge", "le", "gt", "lt"}
_LOGICAL = {"and", "or", "not", "any", "all"}
_MULTI_VALUED = "user.otherMails, user.proxyAddresses"


def parse_text(text: str) -> Node:
    if len(text) > MAX_RULE_LENGTH:
        raise RuleSyntaxError(
            MAX_RULE_LENGTH,
            f"a rule is at most {MAX_RULE_LENGTH:,} characters long (this one has {len(text):,})",
        )
    parser = _Parser(tokens(text))
    if parser.peek.kind is Kind.END:
        raise RuleSyntaxError(0, "the rule is empty")
    node = parser.either(item=False)
    end = parser.peek
    if end.kind is not Kind.END:
        if end.kind is Kind.PUNCT and end.text == ")":
            raise parser.error(end, "this ')' closes no '('")
        if end.kind is Kind.OPERATOR and end.text not in COMPARISONS | _LOGICAL:
            raise parser.error(end, f"unknown operator '{end.source}'")
        raise parser.error(
            end, f"unexpected {end.describe()} after a complete condition (join with -and or -or)"
        )
    return node


def _operator_name(token: Token) -> str | None:
    """The operator a token spells, with or without its hyphen (Entra allows both)."""
    if token.kind is Kind.OPERATOR:
        return token.text
    if token.kind is Kind.WORD and token.text.lower() in COMPARISONS | _LOGICAL:
        return token.text.lower()
    return None


def _spelled(name: str) -> str:
    return SPELLING.get(name, f"-{name}")


class _Parser:
    def __init__(self, found: list[Token]) -> None:
        self.tokens = found
        self.index = 0
        self.depth = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def error(self, token: Token, reason: str) -> RuleSyntaxError:
        return RuleSyntaxError(token.position, reason)

    def at_logical(self, name: str) -> bool:
        return _operator_name(self.peek) == name

    # -- boolean structure ----------------------------------------------------------------

    def either(self, *, item: bool) -> Node:
        node = self.both(item=item)
        while self.at_logical("or"):
            self.take()
            node = Or(node, self.both(item=item))
        return node

    def both(self, *, item: bool) -> Node:
        node = self.negation(item=item)
        while self.at_logical("and"):
            self.take()
            node = And(node, self.negation(item=item))
        return node

    def negation(self, *, item: bool) -> Node:
        if self.at_logical("not"):
            self.deeper(self.take())
            node = Not(self.negation(item=item))
            self.depth -= 1
            return node
        return self.primary(item=item)

    def deeper(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(token, f"parentheses and -not nest more than {MAX_DEPTH} deep here")

    def primary(self, *, item: bool) -> Node:
        token = self.peek
        if token.kind is Kind.PUNCT and token.text == "(":
            self.deeper(self.take())
            node = self.either(item=item)
            self.depth -= 1
            close = self.peek
            if not (close.kind is Kind.PUNCT and close.text == ")"):
                raise self.error(
                    close,
                    f"expected ')' to close the '(' at position {token.position + 1}, "
                    f"found {close.describe()}",
                )
            self.take()
            return node
        return self.comparison(item=item)

    # -- one condition --------------------------------------------------------------------

    def comparison(self, *, item: bool) -> Node:
        start = self.take()
        target = self.target(start, item=item)
        operator_token = self.take()
        operator = _operator_name(operator_token)
        subject = "_" if target is None else f"user.{target.name}"
        if operator is None:
            raise self.error(
                operator_token,
                f"expected an operator such as -eq after {subject}, "
                f"found {operator_token.describe()}",
            )
        if operator in ("any", "all"):
            return self.quantified(target, operator, operator_token)
        if operator in _DATE_OPERATORS:
            raise self.error(
                operator_token,
                f"{_spelled(operator)} compares dates, and rules read no date property here "
                "(Seatplan does not keep employeeHireDate)",
            )
        if operator == "not":
            raise self.error(
                operator_token,
                f"-not negates a condition: write -not ({subject} -eq ...), "
                f"or use -ne, -notContains, ...",
            )
        if operator not in COMPARISONS:
            if operator_token.kind is Kind.OPERATOR and operator not in _LOGICAL:
                raise self.error(operator_token, f"unknown operator '{operator_token.source}'")
            raise self.error(
                operator_token,
                f"expected an operator such as -eq after {subject}, "
                f"found {operator_token.describe()}",
            )
        value = self.value(target, operator, operator_token)
        return Compare(target, operator, value)

    def target(self, token: Token, *, item: bool) -> RuleProperty | None:
        if token.kind is Kind.WORD and token.text == "_":
            if not item:
                raise self.error(token, "'_' stands for an item inside -any (...) or -all (...)")
            return None
        if token.kind is not Kind.WORD or _operator_name(token) is not None:
            if token.kind is Kind.END:
                raise self.error(token, 'expected a condition such as user.department -eq "Sales"')
            raise self.error(
                token, f"expected a property such as user.department, found {token.describe()}"
            )
        if token.text.lower() == "direct":
            raise self.error(
                token, "'Direct Reports' rules are not supported: Seatplan keeps no managers"
            )
        if token.text.lower() in ("true", "false", "null"):
            raise self.error(
                token, f"expected a property such as user.department, found '{token.text}'"
            )
        if item:
            raise self.error(
                token, f"inside -any and -all, conditions read the item as '_', not {token.text}"
            )
        try:
            return lookup(token.text)
        except ValueError as refused:
            raise self.error(token, str(refused)) from None

    def quantified(self, target: RuleProperty | None, quantifier: str, token: Token) -> Node:
        if target is None:
            raise self.error(token, f"{_spelled(quantifier)} cannot be nested inside -any or -all")
        if not target.multi_valued:
            raise self.error(
                token,
                f"{_spelled(quantifier)} applies to multi-valued properties ({_MULTI_VALUED}), "
                f"not user.{target.name}",
            )
        opening = self.peek
        if opening.kind is Kind.PUNCT and opening.text == "(":
            condition = self.primary(item=True)
        else:
            condition = self.comparison(item=True)
        return Quantified(target, "any" if quantifier == "any" else "all", condition)

    # -- values ---------------------------------------------------------------------------

    def value(self, target: RuleProperty | None, operator: str, operator_token: Token) -> Value:
        token = self.take()
        spelled = _spelled(operator)
        subject = "_" if target is None else f"user.{target.name}"
        if operator in ("in", "notin"):
            if not (token.kind is Kind.PUNCT and token.text == "["):
                raise self.error(token, f'expected a list such as ["a", "b"] after {spelled}')
            return self.items(token, spelled)
        if token.kind is Kind.PUNCT and token.text == "[":
            raise self.error(token, f"{spelled} compares with one value; use -in for a list")
        raw = self.scalar(token, spelled)
        if target is not None and target.kind == "bool":
            return self.boolean(token, raw, target, operator)
        if isinstance(raw, bool):
            raise self.error(token, f"{subject} is a string: compare it with a quoted value")
        if raw is None:
            if operator not in ("eq", "ne"):
                raise self.error(token, f"null can only be compared with -eq or -ne, not {spelled}")
            return None
        if operator in ("match", "notmatch"):
            try:
                return compile_pattern(raw)
            except ValueError as refused:
                raise self.error(token, str(refused)) from None
        return raw

    def scalar(self, token: Token, spelled: str) -> str | bool | None:
        if token.kind in (Kind.STRING, Kind.NUMBER):
            return token.text
        if token.kind is Kind.WORD:
            word = token.text.lower()
            if word in ("true", "false"):
                return word == "true"
            if word == "null":
                return None
            raise self.error(
                token, f'expected a value after {spelled}: quote strings ("{token.text}")'
            )
        if token.kind is Kind.END:
            raise self.error(token, f"expected a value after {spelled}")
        raise self.error(token, f"expected a value after {spelled}, found {token.describe()}")

    def boolean(
        self, token: Token, raw: str | bool | None, target: RuleProperty, operator: str
    ) -> Value:
        if operator not in ("eq", "ne"):
            raise self.error(
                token,
                f"user.{target.name} is true or false: compare it with -eq or -ne, "
                f"not {_spelled(operator)}",
            )
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        if raw is None or isinstance(raw, bool):
            return raw
        raise self.error(token, f"user.{target.name} is true or false, not {token.describe()}")

    def items(self, opening: Token, spelled: str) -> tuple[str, ...]:
        found: list[str] = []
        while True:
            token = self.take()
            if token.kind is Kind.PUNCT and token.text == "]" and not found:
                return ()
            if token.kind not in (Kind.STRING, Kind.NUMBER):
                if token.kind is Kind.END:
                    raise self.error(
                        token, f"the list at position {opening.position + 1} is not closed"
                    )
                raise self.error(
                    token, f"the list of {spelled} holds quoted strings, found {token.describe()}"
                )
            found.append(token.text)
            separator = self.take()
            if separator.kind is Kind.PUNCT and separator.text == "]":
                return tuple(found)
            if not (separator.kind is Kind.PUNCT and separator.text == ","):
                if separator.kind is Kind.END:
                    raise self.error(
                        separator, f"the list at position {opening.position + 1} is not closed"
                    )
                raise self.error(
                    separator, f"expected ',' or ']' in the list, found {separator.describe()}"
                )

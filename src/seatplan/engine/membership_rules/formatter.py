"""A rule's canonical text: Entra's spelling of every operator and property, strings in
double quotes, parentheses only where precedence needs them. Parsing it gives the same
rule (tests/unit/test_membership_rules_model.py checks it)."""

from __future__ import annotations

from seatplan.engine.membership_rules.parser import parse_text
from seatplan.engine.membership_rules.patterns import Pattern
from seatplan.engine.membership_rules.properties import RuleProperty, rule_names
from seatplan.engine.membership_rules.syntax import (
    SPELLING,
    And,
    Node,
    Not,
    Or,
    Quantified,
    Value,
)

#: Binding strength: a child binding more loosely than its parent is parenthesised.
_OR, _AND, _CONDITION = 1, 2, 3
_PREFERRED = {found.canonical: found.name for found in rule_names()}


def normalized(text: str) -> str:
    """The canonical text of the rule `text` (RuleSyntaxError if it is invalid)."""
    return _format(parse_text(text))


def _format(node: Node) -> str:
    if isinstance(node, Or):
        return f"{_child(node.left, _OR)} -or {_child(node.right, _OR)}"
    if isinstance(node, And):
        return f"{_child(node.left, _AND)} -and {_child(node.right, _AND)}"
    if isinstance(node, Not):
        # As Entra's examples write it: -not (condition).
        inner = _format(node.child)
        return f"-not {inner}" if isinstance(node.child, Not) else f"-not ({inner})"
    if isinstance(node, Quantified):
        return f"{_name(node.target)} {SPELLING[node.quantifier]} ({_format(node.condition)})"
    return f"{_name(node.target)} {SPELLING[node.operator]} {_value(node.value)}"


def _strength(node: Node) -> int:
    if isinstance(node, Or):
        return _OR
    if isinstance(node, And):
        return _AND
    return _CONDITION


def _child(node: Node, parent: int) -> str:
    text = _format(node)
    return f"({text})" if _strength(node) < parent else text


def _name(target: RuleProperty | None) -> str:
    if target is None:
        return "_"
    return f"user.{_PREFERRED.get(target.canonical, target.name)}"


def _quoted(value: str) -> str:
    return '"' + value.replace("`", "``").replace('"', '`"') + '"'


def _value(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Pattern):
        return _quoted(value.source)
    if isinstance(value, tuple):
        return "[" + ", ".join(_quoted(item) for item in value) + "]"
    return _quoted(value)

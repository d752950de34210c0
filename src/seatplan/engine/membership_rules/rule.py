"""`parse`: rule text to a `MembershipRule` that tests subjects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from seatplan.engine.membership_rules.compiler import compile_rule
from seatplan.engine.membership_rules.parser import parse_text
from seatplan.engine.membership_rules.syntax import And, Compare, Node, Not, Or, Quantified


@dataclass(frozen=True)
class MembershipRule:
    """A valid rule. `properties`: the canonical names of the user properties it reads."""

    text: str
    properties: frozenset[str]
    _test: Callable[[Mapping[str, object]], bool] = field(compare=False, repr=False)

    def matches(self, subject: Mapping[str, object]) -> bool:
        """Whether the user whose subject this is belongs to the group."""
        return self._test(subject)

    def __reduce__(self) -> tuple[Callable[[str], MembershipRule], tuple[str]]:
        # The compiled closures cannot be pickled; the text compiles to them again.
        return (parse, (self.text,))


def parse(text: str) -> MembershipRule:
    """The rule `text` means; RuleSyntaxError (position and reason) when it is invalid."""
    node = parse_text(text)
    return MembershipRule(text, frozenset(_properties(node)), compile_rule(node))


def _properties(node: Node) -> set[str]:
    if isinstance(node, And | Or):
        return _properties(node.left) | _properties(node.right)
    if isinstance(node, Not):
        return _properties(node.child)
    if isinstance(node, Quantified):
        return {node.target.canonical}
    if isinstance(node, Compare) and node.target is not None:
        return {node.target.canonical}
    return set()

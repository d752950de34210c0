"""A parsed rule to one closure over a subject: no tree walk, no dispatch per user.

String comparisons ignore case, as Entra's do: literals are lower-cased once here, each
user's value once per comparison. A negative operator is exactly the negation of its
positive one, null included: `user.department -notContains "x"` holds for a user with no
department. On a multi-valued property a comparison without -any/-all holds when some
item satisfies it (its negation: when none does); `-eq null` holds when it has no item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from seatplan.engine.membership_rules.patterns import Pattern
from seatplan.engine.membership_rules.properties import RuleProperty
from seatplan.engine.membership_rules.syntax import (
    NEGATIONS,
    And,
    Node,
    Not,
    Or,
    Quantified,
    Value,
)

Subject = Mapping[str, object]
Test = Callable[[Subject], bool]
ItemTest = Callable[[str], bool]
#: A test of one string value, which may be null.
ValueTest = Callable[[object], bool]


def compile_rule(node: Node) -> Test:
    if isinstance(node, And):
        left, right = compile_rule(node.left), compile_rule(node.right)
        return lambda subject: left(subject) and right(subject)
    if isinstance(node, Or):
        left, right = compile_rule(node.left), compile_rule(node.right)
        return lambda subject: left(subject) or right(subject)
    if isinstance(node, Not):
        child = compile_rule(node.child)
        return lambda subject: not child(subject)
    if isinstance(node, Quantified):
        return _quantified(node)
    assert node.target is not None  # the parser allows `_` only inside -any/-all
    return _comparison(node.target, node.operator, node.value)


def _comparison(target: RuleProperty, operator: str, value: Value) -> Test:
    name = target.canonical
    if target.kind == "bool":
        return _boolean(name, operator, value)
    if target.multi_valued:
        return _collection(name, operator, value)
    test = value_test(operator, value)
    if target.reading == "first":

        def first(subject: Subject) -> bool:
            items = subject.get(name)
            return test(items[0] if isinstance(items, list) and items else None)

        return first
    get = _getter(name)
    return lambda subject: test(get(subject))


def _getter(name: str) -> Callable[[Subject], object]:
    def get(subject: Subject) -> object:
        return subject.get(name)

    return get


def _boolean(name: str, operator: str, value: Value) -> Test:
    if value is None:
        if operator == "eq":
            return lambda subject: subject.get(name) is None
        return lambda subject: subject.get(name) is not None

    def equal(subject: Subject) -> bool:
        found = subject.get(name)
        return found is not None and bool(found) is value

    if operator == "eq":
        return equal
    return lambda subject: not equal(subject)


def _collection(name: str, operator: str, value: Value) -> Test:
    if value is None:  # -eq null: no item at all
        if operator == "eq":
            return lambda subject: not subject.get(name)
        return lambda subject: bool(subject.get(name))
    positive = NEGATIONS.get(operator)
    item = value_test(positive or operator, value)

    def some(subject: Subject) -> bool:
        items = subject.get(name)
        return bool(items) and any(map(item, items))  # type: ignore[call-overload]

    if positive is None:
        return some
    return lambda subject: not some(subject)


def _quantified(node: Quantified) -> Test:
    name = node.target.canonical
    item = _item_test(node.condition)
    if node.quantifier == "any":

        def any_item(subject: Subject) -> bool:
            items = subject.get(name)
            return bool(items) and any(map(item, _strings(items)))

        return any_item

    def all_items(subject: Subject) -> bool:
        items = subject.get(name)
        return not items or all(map(item, _strings(items)))

    return all_items


def _strings(items: object) -> Iterable[str]:
    return items if isinstance(items, list) else ()


def _item_test(node: Node) -> ItemTest:
    if isinstance(node, And):
        left, right = _item_test(node.left), _item_test(node.right)
        return lambda value: left(value) and right(value)
    if isinstance(node, Or):
        left, right = _item_test(node.left), _item_test(node.right)
        return lambda value: left(value) or right(value)
    if isinstance(node, Not):
        child = _item_test(node.child)
        return lambda value: not child(value)
    if isinstance(node, Quantified):
        raise AssertionError("the parser refuses -any/-all inside -any/-all")
    return value_test(node.operator, node.value)


def value_test(operator: str, value: Value) -> ValueTest:
    """The test of `operator value` on one string value (None for null)."""
    positive = NEGATIONS.get(operator)
    if positive is not None:
        test = value_test(positive, value)
        return lambda found: not test(found)
    if value is None:  # -eq null
        return lambda found: found is None
    if isinstance(value, Pattern):
        search = value.search
        return lambda found: isinstance(found, str) and search(found)
    if isinstance(value, tuple):
        choices = frozenset(choice.lower() for choice in value)
        return lambda found: isinstance(found, str) and found.lower() in choices
    if isinstance(value, bool):
        raise AssertionError("the parser refuses true/false for string properties")
    literal = value.lower()
    if operator == "eq":
        return lambda found: isinstance(found, str) and found.lower() == literal
    if operator == "startswith":
        return lambda found: isinstance(found, str) and found.lower().startswith(literal)
    if operator == "endswith":
        return lambda found: isinstance(found, str) and found.lower().endswith(literal)
    if operator == "contains":
        return lambda found: isinstance(found, str) and literal in found.lower()
    raise AssertionError(f"no comparison {operator}")

"""Membership rules against a model of their meaning written here, independently of the parser.

Hypothesis builds a rule's text and, beside it, a plain Python predicate of what the rule
means (docs/dynamic-groups.md, "Rule syntax"): comparisons ignore case, a negative operator
is the negation of its positive one, null only equals null, -any holds for some item and
-all for every item, -and binds tighter than -or. Texts vary in spelling as Entra allows:
operators in any case, with or without their hyphen, redundant parentheses and spaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from seatplan.engine.membership_rules import normalized, parse

Subject = dict[str, object]
Check = Callable[[Subject], bool]
Item = Callable[[str | None], bool]

WORDS = ["", "a", "A", "ab", "AB", "aB", "BA", "ba", "b a", "ß"]
PATTERNS = ["^a", "b$", "a.", "^$", "a|b", "^(ab)+$"]

SUBJECTS = st.fixed_dictionaries(
    {},
    optional={
        "department": st.one_of(st.none(), st.sampled_from(WORDS)),
        "city": st.one_of(st.none(), st.sampled_from(WORDS)),
        "accountEnabled": st.one_of(st.none(), st.booleans()),
        "otherMails": st.lists(st.sampled_from(WORDS), max_size=3),
    },
)


def quoted(value: str) -> str:
    return '"' + value.replace("`", "``").replace('"', '`"') + '"'


def _positive(operator: str, value: str) -> Item:
    low = value.lower()
    tests: dict[str, Item] = {
        "eq": lambda v: v is not None and v.lower() == low,
        "startsWith": lambda v: v is not None and v.lower().startswith(low),
        "endsWith": lambda v: v is not None and v.lower().endswith(low),
        "contains": lambda v: v is not None and low in v.lower(),
        "match": lambda v: v is not None and re.search(value, v, re.IGNORECASE) is not None,
    }
    return tests[operator]


NEGATIVE = {
    "eq": "ne",
    "startsWith": "notStartsWith",
    "endsWith": "notEndsWith",
    "contains": "notContains",
    "match": "notMatch",
    "in": "notIn",
}


@st.composite
def spelled(draw: st.DrawFn, operator: str) -> str:
    """`operator` as a rule may spell it: any case, with or without its hyphen."""
    name = draw(st.sampled_from([operator, operator.lower(), operator.upper()]))
    dash = draw(st.sampled_from(["-", "-", "\u2013", ""]))
    return dash + name


@st.composite
def value_comparison(draw: st.DrawFn, *, null: bool = True) -> tuple[str, Item, bool]:
    """`<op> <value>`, the meaning of its positive operator on one value (None for
    null), and whether the operator is the negative one."""
    operator = draw(st.sampled_from(["eq", "startsWith", "endsWith", "contains", "match", "in"]))
    negate = draw(st.booleans())
    if operator == "in":
        choices = draw(st.lists(st.sampled_from(WORDS), max_size=3))
        lows = {c.lower() for c in choices}
        positive: Item = lambda v: v is not None and v.lower() in lows  # noqa: E731
        text = "[" + ", ".join(quoted(c) for c in choices) + "]"
    elif operator == "eq" and null and draw(st.booleans()):
        positive, text = (lambda v: v is None), "null"
    else:
        value = draw(st.sampled_from(PATTERNS if operator == "match" else WORDS))
        positive, text = _positive(operator, value), quoted(value)
    shown = draw(spelled(NEGATIVE[operator] if negate else operator))
    return f"{shown} {text}", positive, negate


#: A rule's text, its meaning, and whether it can stand without parentheses beside -and/-or.
Rule = tuple[str, Check, bool]


@st.composite
def atom(draw: st.DrawFn) -> Rule:
    kind = draw(st.sampled_from(["string", "string", "bool", "quantified", "collection"]))
    if kind == "string":
        prop = draw(st.sampled_from(["department", "city"]))
        tail, positive, negate = draw(value_comparison())
        name = draw(st.sampled_from([prop, prop.upper(), prop.capitalize()]))

        def compare(s: Subject) -> bool:
            found = positive(s.get(prop))  # type: ignore[arg-type]
            return not found if negate else found

        return f"user.{name} {tail}", compare, True
    if kind == "bool":
        value = draw(st.sampled_from([True, False, None]))
        negate = draw(st.booleans())
        operator = draw(spelled("ne" if negate else "eq"))
        text = "null" if value is None else draw(st.sampled_from([str(value).lower(), str(value)]))

        def equal(s: Subject) -> bool:
            found = s.get("accountEnabled")
            same = found is None if value is None else found is value
            return not same if negate else same

        return f"user.accountEnabled {operator} {text}", equal, True
    items = lambda s: s.get("otherMails") or []  # noqa: E731
    if kind == "quantified":
        quantifier = draw(st.sampled_from(["any", "all"]))
        tail, positive, negate = draw(value_comparison())
        item: Item = (lambda v: not positive(v)) if negate else positive
        every = quantifier == "all"

        def quantified(s: Subject) -> bool:
            results = map(item, items(s))
            return all(results) if every else any(results)

        return f"user.otherMails {draw(spelled(quantifier))} (_ {tail})", quantified, True
    # A comparison on the collection itself: some item satisfies the positive operator;
    # the negative one holds when none does.
    tail, positive, negate = draw(value_comparison(null=False))

    def some(s: Subject) -> bool:
        found = any(map(positive, items(s)))
        return not found if negate else found

    return f"user.otherMails {tail}", some, True


@st.composite
def joined(draw: st.DrawFn, inner: st.SearchStrategy[Rule]) -> Rule:
    """Conditions joined without grouping parentheses: -and binds tighter than -or."""
    parts = draw(st.lists(inner, min_size=2, max_size=4))
    joins = [draw(st.sampled_from(["and", "or"])) for _ in parts[1:]]
    texts = [text if bare else f"({text})" for text, _, bare in parts]
    text = texts[0]
    for part, join in zip(texts[1:], joins, strict=True):
        text += f" {draw(spelled(join))} {part}"
    groups: list[list[Check]] = [[parts[0][1]]]
    for (_, check, _), join in zip(parts[1:], joins, strict=True):
        if join == "and":
            groups[-1].append(check)
        else:
            groups.append([check])
    return text, lambda s: any(all(c(s) for c in group) for group in groups), False


@st.composite
def negated(draw: st.DrawFn, inner: st.SearchStrategy[Rule]) -> Rule:
    text, check, bare = draw(inner)
    shown = draw(spelled("not"))
    # -not binds tighter than -and/-or, and looser than a comparison.
    return f"{shown} {text}" if bare else f"{shown} ({text})", lambda s: not check(s), True


def rules() -> st.SearchStrategy[Rule]:
    def extend(inner: st.SearchStrategy[Rule]) -> st.SearchStrategy[Rule]:
        wrapped = inner.map(lambda r: (f"( {r[0]} )", r[1], True))
        return st.one_of(negated(inner), wrapped, joined(inner))

    return st.recursive(atom(), extend, max_leaves=8)


@settings(max_examples=500)
@given(rules(), SUBJECTS)
def test_a_rule_means_what_the_model_says(rule, subject):
    text, meaning, _ = rule
    assert parse(text).matches(subject) is meaning(subject), text


@settings(max_examples=1000)
@given(atom(), SUBJECTS)
def test_a_comparison_means_what_the_model_says(rule, subject):
    text, meaning, _ = rule
    assert parse(text).matches(subject) is meaning(subject), text


@settings(max_examples=300)
@given(rules(), SUBJECTS)
def test_the_canonical_text_is_the_same_rule(rule, subject):
    text, meaning, _ = rule
    canonical = normalized(text)
    assert normalized(canonical) == canonical
    assert parse(canonical).matches(subject) is meaning(subject), (text, canonical)
    assert parse(canonical).properties == parse(text).properties

"""The `$filter` parser on its own: trees for every construct, precedence, rejections."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from seatplan.api.odata import (
    And,
    AnyLicense,
    AnyOf,
    CollectionCount,
    Comparison,
    EndsWith,
    In,
    Not,
    Or,
    Searched,
    StartsWith,
    UnsupportedQuery,
    parse_filter,
    parse_search,
)

SKU = UUID("6fd2c87f-b296-42f0-b197-1e91e994b900")


def a(value: object = 1) -> Comparison:
    return Comparison("a", "eq", value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("displayName eq 'Adele'", Comparison("displayName", "eq", "Adele")),
        ("displayName ne 'Adele'", Comparison("displayName", "ne", "Adele")),
        ("d eq 'O''Brien'", Comparison("d", "eq", "O'Brien")),
        ("d eq ''''", Comparison("d", "eq", "'")),
        ("d eq ''", Comparison("d", "eq", "")),
        ("d eq 'a and b or (c)'", Comparison("d", "eq", "a and b or (c)")),
        ("accountEnabled eq true", Comparison("accountEnabled", "eq", True)),
        ("accountEnabled eq false", Comparison("accountEnabled", "eq", False)),
        ("department eq null", Comparison("department", "eq", None)),
        ("n eq 42", Comparison("n", "eq", 42)),
        ("n eq -7", Comparison("n", "eq", -7)),
        (f"id eq {SKU}", Comparison("id", "eq", SKU)),
        (f"id eq {str(SKU).upper()}", Comparison("id", "eq", SKU)),
        (f"id eq '{SKU}'", Comparison("id", "eq", str(SKU))),
        (
            "activityDateTime ge 2026-01-01T00:00:00Z",
            Comparison("activityDateTime", "ge", datetime(2026, 1, 1, tzinfo=UTC)),
        ),
        (
            "t gt 2026-01-01T01:30:00+01:30",
            Comparison("t", "gt", datetime(2026, 1, 1, tzinfo=UTC)),
        ),
        ("t lt 2026-03-04T05:06Z", Comparison("t", "lt", datetime(2026, 3, 4, 5, 6, tzinfo=UTC))),
        (
            "t le 2026-03-04T05:06:07.1234560z",
            Comparison("t", "le", datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)),
        ),
        ("startswith(displayName,'Ad')", StartsWith("displayName", "Ad")),
        ("startsWith(displayName,'Ad')", StartsWith("displayName", "Ad")),
        ("endswith(mail,'@contoso.com')", EndsWith("mail", "@contoso.com")),
        ("endsWith(userPrincipalName, '#EXT#')", EndsWith("userPrincipalName", "#EXT#")),
        ("not(displayName eq 'A')", Not(Comparison("displayName", "eq", "A"))),
        ("NOT startsWith(displayName, 'Conf')", Not(StartsWith("displayName", "Conf"))),
        ("not not a eq 1", Not(Not(a()))),
        (f"not(assignedLicenses/any(x:x/skuId eq {SKU}))", Not(AnyLicense(SKU))),
        ("assignedLicenses/$count eq 0", CollectionCount("assignedLicenses", "eq", 0)),
        ("assignedLicenses/$count ne 0", CollectionCount("assignedLicenses", "ne", 0)),
        ("assignedLicenses/$count eq 1", CollectionCount("assignedLicenses", "eq", 1)),
        ("startswith( displayName , 'it''s' )", StartsWith("displayName", "it's")),
        ("usageLocation in ('US','FR')", In("usageLocation", ("US", "FR"))),
        ("usageLocation in ('US', null)", In("usageLocation", ("US", None))),
        (f"id in ({SKU})", In("id", (SKU,))),
        (f"assignedLicenses/any(x:x/skuId eq {SKU})", AnyLicense(SKU)),
        (f"assignedLicenses/any(lic: lic/skuId eq {SKU})", AnyLicense(SKU)),
        (f"AssignedLicenses/any(s:s/SKUID eq '{SKU}')", AnyLicense(SKU)),
        (
            "targetResources/any(t: t/id eq 'a')",
            AnyOf("targetResources", Comparison("id", "eq", "a")),
        ),
        (
            "targetResources/any(t:startswith(t/displayName,'Sa'))",
            AnyOf("targetResources", StartsWith("displayName", "Sa")),
        ),
        ("otherMails/any(m:m eq 'a@b')", AnyOf("otherMails", Comparison("", "eq", "a@b"))),
        (
            "onPremises/extensionAttribute1 eq 'x'",
            Comparison("onPremises/extensionAttribute1", "eq", "x"),
        ),
        ("  a  eq  1  ", a()),
        ("(a eq 1)", a()),
        ("((a eq 1))", a()),
    ],
)
def test_trees(text: str, tree: object) -> None:
    assert parse_filter(text) == tree


def test_and_binds_tighter_than_or() -> None:
    assert parse_filter("a eq 1 or a eq 2 and a eq 3") == Or((a(1), And((a(2), a(3)))))
    assert parse_filter("a eq 1 and a eq 2 or a eq 3") == Or((And((a(1), a(2))), a(3)))


def test_parentheses_override_precedence() -> None:
    assert parse_filter("(a eq 1 or a eq 2) and a eq 3") == And((Or((a(1), a(2))), a(3)))
    assert parse_filter("a eq 1 and (a eq 2 or a eq 3)") == And((a(1), Or((a(2), a(3)))))


def test_not_binds_tighter_than_and_and_or() -> None:
    assert parse_filter("not a eq 1 and a eq 2") == And((Not(a(1)), a(2)))
    assert parse_filter("a eq 1 OR not (a eq 2 or a eq 3)") == Or((a(1), Not(Or((a(2), a(3))))))


def test_logical_words_and_functions_take_any_case() -> None:
    """Graph's own examples write `NOT`, `OR`, `startsWith` and `endsWith`."""
    assert parse_filter("a eq 1 OR a eq 2 AND a eq 3") == Or((a(1), And((a(2), a(3)))))
    assert parse_filter("STARTSWITH(d,'x')") == StartsWith("d", "x")


def test_chains_are_flat() -> None:
    assert parse_filter("a eq 1 or a eq 2 or (a eq 3 or a eq 4)") == Or((a(1), a(2), a(3), a(4)))
    assert parse_filter("a eq 1 and (a eq 2 and a eq 3)") == And((a(1), a(2), a(3)))


def test_startswith_and_lambda_combine() -> None:
    assert parse_filter(
        f"startswith(displayName,'A') and assignedLicenses/any(x:x/skuId eq {SKU})"
    ) == And((StartsWith("displayName", "A"), AnyLicense(SKU)))


def test_a_long_chain_does_not_recurse() -> None:
    text = " or ".join(["a eq 1"] * 200)
    node = parse_filter(text)
    assert isinstance(node, Or)
    assert len(node.operands) == 200


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "$filter is empty"),
        ("   ", "$filter is empty"),
        ("displayName", "Expected an operator after 'displayName' at position 11 of $filter"),
        ("displayName eq", "Expected a literal at position 14 of $filter, found the end"),
        ("displayName eq 'x", "Unterminated string literal at position 15 of $filter"),
        ('displayName eq "x"', "Unexpected character '\"' at position 15 of $filter"),
        ("contains(displayName,'a')", "Unsupported function 'contains' at position 0"),
        ("tolower(displayName) eq 'a'", "Unsupported function 'tolower' at position 0"),
        ("endswith(mail, 1)", "endswith needs a quoted string as its second argument"),
        ("endswith(mail)", "Expected ',' between the arguments of endswith"),
        ("not", "Expected a property name or startswith(…) at position 3"),
        ("not eq 1", "Expected a property name or startswith(…) at position 4"),
        ("assignedLicenses/$count gt 0", "Only 'eq' and 'ne' with a whole number are supported"),
        ("assignedLicenses/$count eq '0'", "Only 'eq' and 'ne' with a whole number are supported"),
        ("assignedLicenses/$count/x eq 0", "'$count' must follow a collection property"),
        ("$count eq 0", "'$count' must follow a collection property and end the path"),
        ("a has 'x'", "Unsupported operator 'has' at position 2"),
        ("a add 1 eq 2", "Unsupported operator 'add' at position 2"),
        ("a like 'x'", "Unknown operator 'like' at position 2"),
        ("a EQ 1", "Unknown operator 'EQ' at position 2"),
        ("'x' eq a", "Expected a property name or startswith(…) at position 0 of $filter, found"),
        ("true", "Expected a property name or startswith(…) at position 0"),
        ("a eq 1 b eq 2", "Unexpected 'b' at position 7 of $filter: expected 'and', 'or'"),
        (
            "a eq 1 and",
            "Expected a property name or startswith(…) at position 10 of $filter, "
            "found the end of $filter",
        ),
        ("(a eq 1", "Expected ')' to close the parenthesis at position 7"),
        ("a eq 1)", "Unexpected ')' at position 6"),
        ("startswith(displayName,'a') eq true", "Unexpected 'eq' at position 28"),
        ("startswith(displayName, 1)", "startswith needs a quoted string as its second argument"),
        ("startswith(displayName)", "Expected ',' between the arguments of startswith"),
        ("a eq 1.5", "Malformed literal '1.5' at position 5"),
        ("a eq 12abc", "Malformed literal '12abc' at position 5"),
        ("a eq 2026-01-01", "Malformed datetime literal '2026-01-01' at position 5"),
        ("a eq 2026-01-01T00:00:00", "Malformed datetime literal '2026-01-01T00:00:00'"),
        ("a eq 2026-13-01T00:00:00Z", "Invalid datetime literal '2026-13-01T00:00:00Z'"),
        ("a eq 2026-01-01T00:00:00+25:00", "Invalid datetime literal"),
        ("a eq 2026-01-01T00:00:00.1234567Z", "is more precise than microseconds"),
        ("a eq 99999999999999999999", "Integer literal '99999999999999999999' out of range"),
        ("a eq 6fd2c87f-b296-42f0-b197-1e91e994b90", "Malformed literal"),
        ("a in ()", "Expected a literal at position 6"),
        ("a in 'x'", "Expected '(' after 'in' at position 5"),
        ("a in ('x' 'y')", "Expected ')' to close the 'in' list at position 10"),
        ("a in (" + ",".join(["1"] * 101) + ")", "'in' lists more than 100 values"),
        ("a eq b", "Expected a literal at position 5 of $filter, found 'b'"),
        (f"assignedLicenses/all(x:x/skuId eq {SKU})", "Unsupported lambda 'assignedLicenses/all'"),
        (f"proxyAddresses/all(x:x eq {SKU})", "Unsupported lambda 'proxyAddresses/all'"),
        ("targetResources/any()", "targetResources/any() needs a condition"),
        ("targetResources/any(t:t/id eq 'a' or t/id eq 'b')", "targetResources/any takes one"),
        ("targetResources/any(t:t/id/x eq 'a')", "Unsupported path 't/id/…'"),
        ("targetResources/any(t:t/id in ('a'))", "Expected a comparison after 't/id'"),
        ("assignedLicenses/any()", "assignedLicenses/any() needs a condition"),
        (f"assignedLicenses/any(x:y/skuId eq {SKU})", "Unknown lambda variable 'y' at position 23"),
        (
            f"assignedLicenses/any(x:x/disabledPlans eq {SKU})",
            "Unsupported property 'x/disabledPlans'",
        ),
        (
            f"assignedLicenses/any(x:x/skuId ne {SKU})",
            "Only 'eq' is supported in assignedLicenses/any",
        ),
        ("assignedLicenses/any(x:x/skuId eq 'abc')", "assignedLicenses/any needs a GUID for skuId"),
        ("assignedLicenses/any(x:x/skuId eq 12)", "assignedLicenses/any needs a GUID for skuId"),
        (f"assignedLicenses/any(x:x/skuId eq {SKU}", "Expected ')' to close assignedLicenses/any("),
        ("(" * 40 + "a eq 1" + ")" * 40, "Parentheses nested too deeply"),
        (" or ".join(["a eq 1"] * 201), "$filter has more than 200 conditions"),
    ],
)
def test_rejections(text: str, message: str) -> None:
    with pytest.raises(UnsupportedQuery) as caught:
        parse_filter(text)
    assert message in caught.value.message
    assert str(caught.value) == caught.value.message


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ('"displayName:Guthr"', Searched("displayName", "Guthr")),
        ('  "displayName:Guthr"  ', Searched("displayName", "Guthr")),
        ('"displayName:a b:c"', Searched("displayName", "a b:c")),
        ('"displayName:say \\"hi\\" \\\\ bye"', Searched("displayName", 'say "hi" \\ bye')),
        (
            '"displayName:Guthr" OR "mail:Guthr"',
            Or((Searched("displayName", "Guthr"), Searched("mail", "Guthr"))),
        ),
        (
            '"description:One" AND ("displayName:Video" OR "displayName:Drive")',
            And(
                (
                    Searched("description", "One"),
                    Or((Searched("displayName", "Video"), Searched("displayName", "Drive"))),
                )
            ),
        ),
        (
            '"a:1" OR "a:2" AND "a:3"',
            Or((Searched("a", "1"), And((Searched("a", "2"), Searched("a", "3"))))),
        ),
    ],
)
def test_search_trees(text: str, tree: object) -> None:
    assert parse_search(text) == tree


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "$search is empty"),
        ("displayName:Guthr", "Expected a clause in double quotes at position 0 of $search"),
        ('"Guthr"', "The clause at position 0 of $search names no property"),
        ('":Guthr"', "The clause at position 0 of $search names no property"),
        ('"displayName:"', "The clause at position 0 of $search has no text"),
        ('"displayName:a', "Unterminated clause at position 0 of $search"),
        ('"a:1" or "a:2"', "Unexpected 'o' at position 6 of $search: expected AND, OR"),
        ('"a:1" "a:2"', "Unexpected '\"' at position 6 of $search"),
        ('"a:1" AND', "Expected a clause in double quotes at position 9 of $search, found the end"),
        ('("a:1"', "Expected ')' at position 6 of $search"),
        (" OR ".join(['"a:1"'] * 21), "$search has more than 20 clauses"),
    ],
)
def test_search_rejections(text: str, message: str) -> None:
    with pytest.raises(UnsupportedQuery) as caught:
        parse_search(text)
    assert message in caught.value.message

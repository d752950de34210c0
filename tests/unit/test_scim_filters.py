"""SCIM filters: what the parser reads, and their meaning over a resource."""

from __future__ import annotations

import pytest

from seatplan.scim import filters
from seatplan.scim.errors import ScimError
from seatplan.scim.filters import And, Compare, Not, Or, Present, ValuePath

ANN = {
    "userName": "Ann@Contoso.com",
    "externalId": "E1",
    "active": True,
    "title": "Engineer",
    "emails": [
        {"value": "ann@contoso.com", "type": "work", "primary": True},
        {"value": "ann@home.example", "type": "other"},
    ],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
    "meta": {"created": "2026-01-02T00:00:00Z"},
}


def test_and_binds_tighter_than_or_and_names_are_case_insensitive():
    assert filters.parse('UserName EQ "a" or title pr AND active eq true') == Or(
        Compare("username", "eq", "a"),
        And(Present("title"), Compare("active", "eq", True)),
    )
    assert filters.parse('not (emails[type eq "work"])') == Not(
        ValuePath("emails", Compare("type", "eq", "work"))
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "ann@contoso.com"', True),
        ('externalId eq "e1"', False),  # caseExact
        ('emails[type eq "work" and value ew "contoso.com"]', True),
        ('emails[type eq "home"]', False),
        ('emails.value co "home"', True),
        ('emails.type ne "work"', False),  # some value is "work"
        ('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales"', True),
        ('urn:ietf:params:scim:schemas:core:2.0:User:title eq "Engineer"', True),
        ('meta.created gt "2026-01-01T00:00:00Z"', True),
        ('meta.created lt "2026-01-01T00:00:00Z"', False),
        ("nickName pr", False),
        ('nickName ne "x"', True),
        ('active eq false or not (title sw "E")', False),
    ],
)
def test_meaning(text, expected):
    assert filters.matches(ANN, filters.parse(text)) is expected


@pytest.mark.parametrize("text", ["", "title", 'title eq "a" or', "title eq (", "a eq b", 'x["'])
def test_invalid(text):
    with pytest.raises(ScimError) as raised:
        filters.parse(text)
    assert raised.value.scim_type == "invalidFilter"

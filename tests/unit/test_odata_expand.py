"""`$expand` on users and groups: what is expanded, and each refusal with Graph's code."""

from __future__ import annotations

import pytest

from seatplan.api.odata import COLLECTIONS, DIRECTORY_AUDITS, GROUPS, USERS, UnsupportedQuery
from seatplan.api.odata.expand import Expand, parse_expand, take_expand


def expand(text: str, spec=GROUPS) -> Expand:
    return parse_expand(text, spec, COLLECTIONS)


def refusal(text: str, spec=GROUPS) -> tuple[str, str]:
    with pytest.raises(UnsupportedQuery) as raised:
        expand(text, spec)
    return raised.value.code, raised.value.message


def test_members_of_groups_and_member_of_users():
    assert expand("members").navigation.name == "members"
    assert expand("members").navigation.target == "users"
    assert expand("members").select is None
    assert expand("memberOf", USERS).navigation.target == "groups"
    assert expand("MEMBERS").navigation.name == "members"  # names ignore case
    assert expand(" memberof ", USERS).navigation.name == "memberOf"
    assert expand("members()").select is None


def test_nested_select_is_checked_against_the_expanded_collection():
    assert expand("members($select=id,DisplayName)").select == ("id", "displayName")
    assert expand("memberOf($select=displayName)", USERS).select == ("displayName",)
    code, message = refusal("members($select=description)")  # a group's, not a user's
    assert code == "Request_UnsupportedQuery"
    assert "description" in message


def test_more_than_one_relationship_is_refused_as_graph_does():
    assert refusal("members,members") == (
        "BadRequest",
        "The result of parsing $expand contained at least 2 items, but the maximum allowed is 1.",
    )
    assert refusal("memberOf,manager,directReports", USERS)[1].startswith(
        "The result of parsing $expand contained at least 3 items"
    )


@pytest.mark.parametrize(
    "option",
    ["$filter=displayName eq 'A'", "$top=5", "$orderby=displayName", "$count=true", "$skip=1"],
)
def test_nested_options_other_than_select_are_refused(option):
    name = option.split("=")[0]
    assert refusal(f"members({option})") == (
        "Request_UnsupportedQuery",
        f"Query option '{name}' is not supported in $expand: only $select is, on users and groups.",
    )


def test_a_second_level_is_refused():
    code, message = refusal("members($expand=memberOf)")
    assert code == "Request_UnsupportedQuery"
    assert message == "Only one level of $expand is supported."


def test_properties_and_unknown_names_are_refused_with_graphs_messages():
    assert refusal("displayName") == (
        "Request_BadRequest",
        "Property 'displayName' on type 'Microsoft.DirectoryServices.Group' is not a "
        "navigation property or complex property. Only navigation properties can be expanded.",
    )
    assert refusal("nothing", USERS) == (
        "Request_BadRequest",
        "Could not find a property named 'nothing' on type 'Microsoft.DirectoryServices.User'.",
    )


def test_graphs_relationships_seatplan_does_not_keep_are_unsupported():
    for text, spec in (("owners", GROUPS), ("manager", USERS), ("memberOf", GROUPS)):
        assert refusal(text, spec) == (
            "Request_UnsupportedQuery",
            f"Expanding '{text}' is not supported: Seatplan does not keep it.",
        )
    assert refusal("members", USERS)[0] == "Request_BadRequest"  # not a user's relationship


@pytest.mark.parametrize("text", ["*", "members/$ref", "", "members($select=id", "members)"])
def test_malformed_or_wildcard_expands_are_refused(text):
    assert refusal(text)[0] == "Request_UnsupportedQuery"


def test_options_inside_must_be_options():
    assert refusal("members(select=id)")[0] == "Request_UnsupportedQuery"
    assert refusal("members($select=id;$select=id)")[0] == "Request_UnsupportedQuery"


def test_collections_without_relationships_refuse_expand():
    code, message = refusal("anything", DIRECTORY_AUDITS)
    assert (code, message) == (
        "Request_UnsupportedQuery",
        "Query option '$expand' is not supported",
    )


def test_take_expand_leaves_the_other_options():
    found, rest = take_expand(
        [("$select", "id"), ("$Expand", "members"), ("$top", "5")], GROUPS, COLLECTIONS
    )
    assert found is not None
    assert (found.navigation.name, found.select) == ("members", None)
    assert rest == [("$select", "id"), ("$top", "5")]
    assert take_expand([("$top", "5")], GROUPS, COLLECTIONS) == (None, [("$top", "5")])
    with pytest.raises(UnsupportedQuery):
        take_expand([("$expand", "members"), ("$expand", "members")], GROUPS, COLLECTIONS)

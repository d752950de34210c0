"""SCIM PATCH on resources' JSON: RFC 7644 §3.5.2 and the forms Entra and Okta send."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from seatplan.scim.patch import apply_patch
from seatplan.scim.patch_schema import (
    ENTERPRISE_SCHEMA,
    GROUP,
    PATCH_OP,
    USER,
    USER_SCHEMA,
    PatchError,
)


def _user() -> dict[str, Any]:
    return {
        "schemas": [USER_SCHEMA],
        "id": "u1",
        "externalId": "ext-1",
        "userName": "ada@example.com",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "active": True,
        "emails": [{"value": "ada@example.com", "type": "work", "primary": True}],
        "meta": {"resourceType": "User", "version": 'W/"1"'},
    }


def _group(*members: str) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g1",
        "displayName": "Sales",
        "members": [{"value": m} for m in members],
    }


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def test_replace_with_paths_as_entra_sends_it() -> None:
    body = _patch(
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "new@example.com"},
        {"op": "Replace", "path": "name.familyName", "value": "Byron"},
        {"op": "Replace", "path": f"{ENTERPRISE_SCHEMA}:employeeNumber", "value": "42"},
    )
    patched = apply_patch(_user(), body, USER)
    assert patched["emails"] == [{"value": "new@example.com", "type": "work", "primary": True}]
    assert patched["name"] == {"givenName": "Ada", "familyName": "Byron"}
    assert patched[ENTERPRISE_SCHEMA] == {"employeeNumber": "42"}
    assert ENTERPRISE_SCHEMA in patched["schemas"]


def test_the_input_is_not_changed() -> None:
    user = _user()
    before = copy.deepcopy(user)
    apply_patch(user, _patch({"op": "replace", "path": "name.givenName", "value": "X"}), USER)
    assert user == before


@pytest.mark.parametrize(("sent", "stored"), [("False", False), ("True", True), (False, False)])
def test_active_as_a_string_or_a_boolean(sent: object, stored: bool) -> None:
    body = _patch({"op": "Replace", "path": "active", "value": sent})
    assert apply_patch(_user(), body, USER)["active"] is stored


def test_replace_without_path_with_dotted_and_urn_keys() -> None:
    body = _patch(
        {
            "op": "replace",
            "value": {
                "displayName": "Ada L.",
                "name.givenName": "Augusta",
                f"{ENTERPRISE_SCHEMA}:department": "Math",
                ENTERPRISE_SCHEMA: {"costCenter": "C1"},
            },
        }
    )
    patched = apply_patch(_user(), body, USER)
    assert patched["displayName"] == "Ada L."
    assert patched["name"] == {"givenName": "Augusta", "familyName": "Lovelace"}
    assert patched[ENTERPRISE_SCHEMA] == {"department": "Math", "costCenter": "C1"}


def test_okta_deactivation_repeats_the_id() -> None:
    body = _patch({"op": "replace", "value": {"id": "u1", "active": False}})
    assert apply_patch(_user(), body, USER)["active"] is False


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "value": {"id": "other"}},
        {"op": "replace", "path": "id", "value": "other"},
        {"op": "replace", "path": "meta.version", "value": "x"},
        {"op": "remove", "path": "meta"},
        {"op": "add", "path": "groups", "value": [{"value": "g1"}]},
    ],
)
def test_read_only_attributes_are_refused(operation: dict[str, Any]) -> None:
    with pytest.raises(PatchError) as raised:
        apply_patch(_user(), _patch(operation), USER)
    assert (raised.value.scim_type, raised.value.status) == ("mutability", 400)


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ({"Operations": [{"op": "add", "path": "title", "value": "x"}]}, "invalidSyntax"),
        (_patch(), "invalidSyntax"),
        (_patch({"op": "move", "path": "title", "value": "x"}), "invalidSyntax"),
        (_patch({"op": "remove"}), "noTarget"),
        (_patch({"op": "add", "path": "nosuch", "value": "x"}), "invalidPath"),
        (_patch({"op": "add", "path": "name.nosuch", "value": "x"}), "invalidPath"),
        (_patch({"op": "add", "path": 'emails[type eq "work"', "value": "x"}), "invalidPath"),
        (_patch({"op": "add", "path": "urn:x:y:title", "value": "x"}), "invalidPath"),
        (_patch({"op": "replace", "path": "active", "value": "maybe"}), "invalidValue"),
        (_patch({"op": "replace", "path": "title"}), "invalidValue"),
        (_patch({"op": "replace", "value": "not an object"}), "invalidValue"),
        (_patch({"op": "remove", "path": "userName"}), "invalidValue"),
        (
            _patch({"op": "replace", "path": 'emails[type pr or value co "x"].type', "value": "a"}),
            None,
        ),
    ],
)
def test_bad_patches(body: dict[str, Any], scim_type: str | None) -> None:
    user = _user()
    user.pop("emails")
    if scim_type is None:
        # A filter that matches nothing and describes no element: noTarget.
        scim_type = "noTarget"
    with pytest.raises(PatchError) as raised:
        apply_patch(user, body, USER)
    assert raised.value.scim_type == scim_type
    assert raised.value.status == 400


def test_a_failing_operation_after_good_ones_fails_the_whole_patch() -> None:
    user = _user()
    body = _patch(
        {"op": "replace", "path": "displayName", "value": "changed"},
        {"op": "replace", "path": "id", "value": "other"},
    )
    with pytest.raises(PatchError):
        apply_patch(user, body, USER)
    assert "displayName" not in user


def test_add_through_a_filter_that_matches_nothing_creates_the_element() -> None:
    body = _patch({"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 5"})
    patched = apply_patch(_user(), body, USER)
    assert patched["phoneNumbers"] == [{"type": "mobile", "value": "+1 5"}]


def test_manager_as_a_one_element_list_as_entra_sends_it() -> None:
    body = _patch({"op": "Add", "path": "manager", "value": [{"$ref": None, "value": "m1"}]})
    patched = apply_patch(_user(), body, USER)
    assert patched[ENTERPRISE_SCHEMA]["manager"]["value"] == "m1"


def test_remove_enterprise_attribute_and_value_path() -> None:
    user = _user()
    user[ENTERPRISE_SCHEMA] = {"department": "Math", "costCenter": "C1"}
    user["emails"].append({"value": "home@example.com", "type": "home"})
    body = _patch(
        {"op": "remove", "path": f"{ENTERPRISE_SCHEMA}:department"},
        {"op": "remove", "path": 'emails[type eq "home"]'},
    )
    patched = apply_patch(user, body, USER)
    assert patched[ENTERPRISE_SCHEMA] == {"department": None, "costCenter": "C1"}
    assert [e["type"] for e in patched["emails"]] == ["work"]


def test_add_email_makes_it_the_only_primary() -> None:
    body = _patch(
        {"op": "add", "path": "emails", "value": [{"value": "b@example.com", "primary": "True"}]}
    )
    patched = apply_patch(_user(), body, USER)
    assert [e["primary"] for e in patched["emails"]] == [False, True]


def test_members_added_and_removed_in_batches_in_one_request() -> None:
    body = _patch(
        {"op": "Add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
        {"op": "Add", "path": "members", "value": [{"value": "c"}, {"value": "a"}]},
        {"op": "Remove", "path": "members", "value": [{"value": "x"}, {"value": "b"}]},
        {"op": "remove", "path": 'members[value eq "y"]'},
    )
    patched = apply_patch(_group("x", "y"), body, GROUP)
    assert sorted(m["value"] for m in patched["members"]) == ["a", "c"]


def test_replace_members_sets_the_whole_list() -> None:
    body = _patch({"op": "replace", "path": "members", "value": [{"value": "z"}]})
    assert apply_patch(_group("x", "y"), body, GROUP)["members"] == [{"value": "z"}]


def test_removing_what_is_not_there_succeeds_so_retries_do() -> None:
    body = _patch(
        {"op": "remove", "path": 'members[value eq "gone"]'},
        {"op": "remove", "path": "members", "value": [{"value": "gone"}]},
    )
    assert apply_patch(_group("x"), body, GROUP)["members"] == [{"value": "x"}]
    body = _patch({"op": "remove", "path": f"{ENTERPRISE_SCHEMA}:department"})
    assert apply_patch(_user(), body, USER) == _user()


def test_remove_all_members() -> None:
    body = _patch({"op": "remove", "path": "members"})
    assert apply_patch(_group("x", "y"), body, GROUP)["members"] == []


def test_attribute_names_are_case_insensitive() -> None:
    body = _patch(
        {"op": "replace", "path": "NAME.GIVENNAME", "value": "A"},
        {"op": "replace", "path": 'EMAILS[TYPE EQ "WORK"].VALUE', "value": "w@example.com"},
    )
    patched = apply_patch(_user(), body, USER)
    assert patched["name"]["givenName"] == "A"
    assert patched["emails"][0]["value"] == "w@example.com"


def test_complex_value_filters() -> None:
    user = _user()
    user["emails"] = [
        {"value": "a@example.com", "type": "work"},
        {"value": "b@example.com", "type": "home"},
        {"value": "c@other.org", "type": "home"},
    ]
    body = _patch(
        {
            "op": "replace",
            "path": 'emails[type eq "home" and not (value ew "other.org")].type',
            "value": "other",
        }
    )
    patched = apply_patch(user, body, USER)
    assert [e["type"] for e in patched["emails"]] == ["work", "other", "home"]


def test_a_path_that_is_an_extension_urn() -> None:
    body = _patch({"op": "add", "path": ENTERPRISE_SCHEMA, "value": {"department": "Math"}})
    patched = apply_patch(_user(), body, USER)
    assert patched[ENTERPRISE_SCHEMA] == {"department": "Math"}
    body = _patch({"op": "remove", "path": ENTERPRISE_SCHEMA})
    removed = apply_patch(patched, body, USER)[ENTERPRISE_SCHEMA]
    assert set(removed.values()) == {None}
    assert "department" in removed

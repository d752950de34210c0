"""`seatplan serve --host` trusts the address it serves, and nothing broader."""

from __future__ import annotations

from seatplan.cli.serve import trusted_hosts

DEFAULT = ["localhost", "127.0.0.1", "::1", "testserver"]


def test_a_specific_address_is_trusted_beside_the_configured_names():
    assert trusted_hosts("10.0.0.5", DEFAULT) == [*DEFAULT, "10.0.0.5"]


def test_a_wildcard_address_adds_nothing():
    assert trusted_hosts("0.0.0.0", DEFAULT) == DEFAULT
    assert trusted_hosts("::", DEFAULT) == DEFAULT


def test_a_configured_or_open_list_is_left_as_it_is():
    assert trusted_hosts("127.0.0.1", DEFAULT) == DEFAULT
    assert trusted_hosts("10.0.0.5", ["*"]) == ["*"]

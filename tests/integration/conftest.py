"""Fixtures of the API tests (`client`, `admin`, in `api_support`) and of the portal's
(`portal`, in `portal_support`) and the SCIM tests' token (`scim`, in `scim_support`)."""

from tests.integration.api_support import admin, client
from tests.integration.portal_support import portal
from tests.integration.scim_support import scim

__all__ = ["admin", "client", "portal", "scim"]

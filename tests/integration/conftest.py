"""Fixtures of the API tests (`client`, `admin`), defined in `api_support`."""

from tests.integration.api_support import admin, client

__all__ = ["admin", "client"]

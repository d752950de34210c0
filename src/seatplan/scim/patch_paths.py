"""PATCH paths (`urn:attr[filter].sub`, RFC 7644 §3.5.2) resolved against a schema."""

from __future__ import annotations

import re
from dataclasses import dataclass

from seatplan.scim.patch_schema import Attribute, PatchError, Schema
from seatplan.scim.value_filters import Filter, parse_filter


@dataclass(frozen=True)
class Path:
    """`urn:attr[filter].sub`, resolved against a schema."""

    urn: str
    attribute: Attribute
    filter: Filter | None = None
    sub: Attribute | None = None


_ATTR = r"[A-Za-z$][\w$-]*"
_PATH = re.compile(rf"^(?P<attr>{_ATTR})(?:\[(?P<filter>.*)\])?(?:\.(?P<sub>{_ATTR}))?$", re.S)


def parse_path(text: str, schema: Schema) -> Path:
    if not isinstance(text, str) or not text.strip():
        raise PatchError("invalidPath", "The path is empty.")
    urn, rest = split_urn(text.strip(), schema)
    match = _PATH.match(rest)
    if match is None:
        raise PatchError("invalidPath", f"The path {text!r} is malformed.")
    name, sub_name = match["attr"], match["sub"]
    if urn is None and sub_name is None and match["filter"] is None and "." in rest:
        raise PatchError("invalidPath", f"The path {text!r} is malformed.")
    urn, attribute = _resolve(urn, name, schema, text)
    sub: Attribute | None = None
    if sub_name is not None:
        sub = attribute.subs.get(sub_name.lower())
        if sub is None:
            raise PatchError("invalidPath", f"{attribute.name} has no sub-attribute {sub_name!r}.")
    value_filter: Filter | None = None
    if match["filter"] is not None:
        if not attribute.multi:
            raise PatchError("invalidPath", f"{attribute.name} is not multi-valued.")
        value_filter = parse_filter(match["filter"])
    return Path(urn, attribute, value_filter, sub)


def split_urn(text: str, schema: Schema) -> tuple[str | None, str]:
    if not text.lower().startswith("urn:"):
        return None, text
    for urn in schema.attributes:
        if text.lower().startswith(urn.lower() + ":"):
            return urn, text[len(urn) + 1 :]
    raise PatchError("invalidPath", f"The path {text!r} names no schema of this resource.")


def _resolve(urn: str | None, name: str, schema: Schema, text: str) -> tuple[str, Attribute]:
    # An unqualified name is looked up in the core schema, then in the extensions (Entra
    # sends `manager` bare).
    for candidate in [urn] if urn is not None else list(schema.attributes):
        attribute = schema.find(candidate, name)
        if attribute is not None:
            return candidate, attribute
    raise PatchError("invalidPath", f"The path {text!r} names no attribute of this resource.")

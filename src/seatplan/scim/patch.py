"""SCIM PATCH (RFC 7644 §3.5.2) applied to a resource's SCIM representation.

`apply_patch` takes the resource as GET answers it and returns the patched copy; the caller
writes that copy through the same path as PUT, so a PATCH is all-or-nothing and is checked
exactly as a replace is. Nothing here touches the database.

Accepted beyond the letter of the RFC, because identity providers send it:
- `op` in any case (Entra sends "Replace", "Add", "Remove");
- booleans as the strings "True"/"False" (Entra's `active`);
- `add`/`replace` without a path whose value holds dotted keys ("name.givenName") or
  URN-qualified keys ("urn:…:enterprise:2.0:User:department"), Entra's form;
- `id` inside such a value when it equals the resource's id (Okta sends it);
- `remove` of `members` with a value listing the members to remove (Entra's older form);
- a single-valued complex attribute given as a one-element list (Entra's `manager`);
- `add`/`replace` through a `[x eq "v"]` filter that matches nothing creates the element
  (Entra replaces `emails[type eq "work"].value` whether or not one exists);
- removing what is not there is a no-op, so a retried request succeeds.

The parts: `patch_schema` (what PATCH knows of the schemas), `patch_paths` and
`value_filters` (paths and their `[…]` filters), `patch_values` (one operation at one
path); `patch_members` answers a group's member batches without reading the group.
"""

from __future__ import annotations

import copy
from typing import Any

from seatplan.scim import patch_values
from seatplan.scim.keys import Json, get_ci, key_ci
from seatplan.scim.patch_paths import Path, parse_path, split_urn
from seatplan.scim.patch_schema import PATCH_OP, PatchError, Schema


def apply_patch(resource: Json, body: Any, schema: Schema) -> Json:
    """The resource with every operation of `body` applied, or `PatchError` (nothing changed)."""
    operations = _operations(body)
    patched = copy.deepcopy(resource)
    for operation in operations:
        _apply(patched, operation, schema)
    if patched.get(schema.required) in (None, ""):
        raise PatchError("invalidValue", f"{schema.required} is required.")
    return patched


def _operations(body: Any) -> list[Json]:
    if not isinstance(body, dict):
        raise PatchError("invalidSyntax", "The request body must be a PatchOp object.")
    schemas = get_ci(body, "schemas")
    if not isinstance(schemas, list) or PATCH_OP not in schemas:
        raise PatchError("invalidSyntax", f"schemas must contain {PATCH_OP}.")
    operations = get_ci(body, "Operations")
    if not isinstance(operations, list) or not operations:
        raise PatchError("invalidSyntax", "Operations must be a non-empty list.")
    if not all(isinstance(o, dict) for o in operations):
        raise PatchError("invalidSyntax", "Each operation must be an object.")
    return operations


def _apply(resource: Json, operation: Json, schema: Schema) -> None:
    op = get_ci(operation, "op")
    if not isinstance(op, str) or op.lower() not in ("add", "remove", "replace"):
        raise PatchError("invalidSyntax", f"op must be add, remove or replace, not {op!r}.")
    op = op.lower()
    path_text = get_ci(operation, "path")
    extension = _extension_named(path_text, schema)
    if extension is not None:
        # A path that is an extension's URN alone: its attributes as the value's keys.
        if op == "remove":
            # Every attribute null (unassigned, RFC 7643 §2.5): a PUT leaves out what it keeps.
            resource[key_ci(resource, extension)] = {
                a.name: None for a in schema.attributes[extension].values()
            }
            return
        path_text, operation = None, {"value": {extension: get_ci(operation, "value")}}
    has_value = any(k.lower() == "value" for k in operation)
    value = get_ci(operation, "value")
    if path_text is None:
        if op == "remove":
            raise PatchError("noTarget", "remove needs a path.")
        if not isinstance(value, dict):
            raise PatchError("invalidValue", f"{op} without a path needs an object value.")
        for key, item in value.items():
            _apply_key(resource, op, key, item, schema)
        return
    path = parse_path(path_text, schema)
    if op != "remove" and not has_value:
        raise PatchError("invalidValue", f"{op} needs a value.")
    _apply_path(resource, op, path, value, schema)


def _extension_named(path_text: Any, schema: Schema) -> str | None:
    if not isinstance(path_text, str):
        return None
    wanted = path_text.strip().lower()
    return next((u for u in schema.attributes if u != schema.core and u.lower() == wanted), None)


def _apply_key(resource: Json, op: str, key: str, item: Any, schema: Schema) -> None:
    """One member of a path-less value: an attribute, "a.b", "urn:…:a", or an extension URN."""
    for extension in schema.attributes:
        if extension != schema.core and key.lower() == extension.lower():
            if not isinstance(item, dict):
                raise PatchError("invalidValue", f"{extension} must be an object.")
            for name, sub_item in item.items():
                if name.lower() != "schemas":
                    _apply_key(resource, op, f"{extension}:{name}", sub_item, schema)
            return
    if key.lower() == "schemas":
        return  # The resource's own schemas follow from its attributes.
    urn, rest = split_urn(key, schema)
    name, dot, sub_name = rest.partition(".")
    prefix = f"{urn}:" if urn is not None else ""
    path = parse_path(f"{prefix}{name}" if dot else key, schema)
    if dot:
        sub = path.attribute.subs.get(sub_name.lower())
        if sub is None or path.attribute.multi:
            raise PatchError("invalidPath", f"{key!r} names no attribute of this resource.")
        path = Path(path.urn, path.attribute, None, sub)
    if path.attribute.name == "id" and path.sub is None and item == resource.get("id"):
        return  # Okta repeats the id in its replace; unchanged, so not a mutation.
    _apply_path(resource, op, path, item, schema)


def _apply_path(resource: Json, op: str, path: Path, value: Any, schema: Schema) -> None:
    attribute = path.attribute
    if attribute.read_only:
        if attribute.name == "id" and op != "remove" and value == resource.get("id"):
            return
        raise PatchError("mutability", f"{attribute.name} is read-only.")
    container = _container(resource, path.urn, schema, create=op != "remove")
    if container is None:
        return
    key = key_ci(container, attribute.name)
    if op == "remove":
        patch_values.remove(container, key, path, value)
        return
    if path.filter is not None:
        patch_values.set_filtered(container, key, op, path, value)
        return
    if path.sub is not None:
        patch_values.set_sub(container, key, attribute, path.sub, value)
        return
    patch_values.set_value(container, key, op, attribute, value)


def _container(resource: Json, urn: str, schema: Schema, *, create: bool) -> Json | None:
    if urn == schema.core:
        return resource
    key = key_ci(resource, urn)
    extension = resource.get(key)
    if not isinstance(extension, dict):
        if not create:
            return None
        extension = resource[urn] = {}
        schemas = resource.setdefault("schemas", [schema.core])
        if urn not in schemas:
            schemas.append(urn)
    return extension

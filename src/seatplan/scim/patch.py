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
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from seatplan.scim import schemas
from seatplan.scim.errors import ScimError

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = schemas.USER
GROUP_SCHEMA = schemas.GROUP
ENTERPRISE_SCHEMA = schemas.ENTERPRISE
SEATPLAN_SCHEMA = schemas.SEATPLAN

Json = dict[str, Any]


class PatchError(ScimError):
    """A PATCH the service refuses: SCIM's `scimType` (RFC 7644 gives each 400)."""

    def __init__(self, scim_type: str, detail: str) -> None:
        super().__init__(400, detail, scim_type)


@dataclass(frozen=True)
class Attribute:
    name: str
    multi: bool = False
    boolean: bool = False
    read_only: bool = False
    #: Sub-attributes by lower-case name; empty for a simple attribute.
    subs: dict[str, Attribute] = field(default_factory=dict)


@dataclass(frozen=True)
class Schema:
    """Just enough of a resource type's schemas to resolve and type-check PATCH paths."""

    core: str
    required: str
    #: Lower-case attribute name → attribute, by schema URN (core first).
    attributes: dict[str, dict[str, Attribute]]

    def find(self, urn: str, name: str) -> Attribute | None:
        return self.attributes[urn].get(name.lower())


def _complex(name: str, *subs: str, multi: bool = False, read_only: bool = False) -> Attribute:
    parts = {s.lower(): Attribute(s, boolean=s == "primary", read_only=read_only) for s in subs}
    return Attribute(name, multi=multi, read_only=read_only, subs=parts)


def _by_name(*attributes: Attribute) -> dict[str, Attribute]:
    return {a.name.lower(): a for a in attributes}


_MULTI_SUBS = ("value", "display", "type", "primary", "$ref")
_META = _complex(
    "meta", "resourceType", "created", "lastModified", "location", "version", read_only=True
)

USER = Schema(
    core=USER_SCHEMA,
    required="userName",
    attributes={
        USER_SCHEMA: _by_name(
            Attribute("id", read_only=True),
            Attribute("externalId"),
            _META,
            Attribute("userName"),
            _complex(
                "name",
                "formatted",
                "familyName",
                "givenName",
                "middleName",
                "honorificPrefix",
                "honorificSuffix",
            ),
            *(
                Attribute(n)
                for n in (
                    "displayName",
                    "nickName",
                    "profileUrl",
                    "title",
                    "userType",
                    "preferredLanguage",
                    "locale",
                    "timezone",
                    "password",
                )
            ),
            Attribute("active", boolean=True),
            *(
                _complex(n, *_MULTI_SUBS, multi=True)
                for n in (
                    "emails",
                    "phoneNumbers",
                    "ims",
                    "photos",
                    "entitlements",
                    "roles",
                    "x509Certificates",
                )
            ),
            _complex(
                "addresses",
                "formatted",
                "streetAddress",
                "locality",
                "region",
                "postalCode",
                "country",
                "type",
                "primary",
                multi=True,
            ),
            _complex("groups", *_MULTI_SUBS, multi=True, read_only=True),
        ),
        ENTERPRISE_SCHEMA: _by_name(
            *(
                Attribute(n)
                for n in ("employeeNumber", "costCenter", "organization", "division", "department")
            ),
            _complex("manager", "value", "$ref", "displayName"),
        ),
        SEATPLAN_SCHEMA: _by_name(Attribute("usageLocation")),
    },
)

GROUP = Schema(
    core=GROUP_SCHEMA,
    required="displayName",
    attributes={
        GROUP_SCHEMA: _by_name(
            Attribute("id", read_only=True),
            Attribute("externalId"),
            _META,
            Attribute("displayName"),
            _complex("members", *_MULTI_SUBS, multi=True),
        ),
    },
)


# --- paths -------------------------------------------------------------------------------


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
    urn, rest = _split_urn(text.strip(), schema)
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


def _split_urn(text: str, schema: Schema) -> tuple[str | None, str]:
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


# --- value filters -----------------------------------------------------------------------

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<paren>[()])|(?P<num>-?\d+(?:\.\d+)?)'
    r"|(?P<word>[A-Za-z$][\w$.:-]*))"
)
_COMPARE = {"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"}


@dataclass(frozen=True)
class Filter:
    op: str  # a comparison, "pr", "and", "or", "not"
    attribute: str = ""
    value: Any = None
    parts: tuple[Filter, ...] = ()

    def matches(self, element: Any) -> bool:
        if self.op == "and":
            return all(p.matches(element) for p in self.parts)
        if self.op == "or":
            return any(p.matches(element) for p in self.parts)
        if self.op == "not":
            return not self.parts[0].matches(element)
        actual = _get_ci(element, self.attribute) if isinstance(element, dict) else None
        if self.op == "pr":
            return actual not in (None, "", [], {})
        return _compare(self.op, actual, self.value)


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        actual, expected = actual.lower(), expected.lower()
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if actual is None or expected is None:
        return False
    if op in ("co", "sw", "ew"):
        if not (isinstance(actual, str) and isinstance(expected, str)):
            return False
        return {
            "co": expected in actual,
            "sw": actual.startswith(expected),
            "ew": actual.endswith(expected),
        }[op]
    try:
        return bool(
            {
                "gt": actual > expected,
                "ge": actual >= expected,
                "lt": actual < expected,
                "le": actual <= expected,
            }[op]
        )
    except TypeError:
        return False


def parse_filter(text: str) -> Filter:
    tokens = _tokens(text)
    parser = _FilterParser(tokens, text)
    result = parser.expression()
    if parser.position != len(tokens):
        raise PatchError("invalidPath", f"The filter {text!r} is malformed.")
    return result


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise PatchError("invalidPath", f"The filter {text!r} is malformed.")
        kind = match.lastgroup or ""
        tokens.append((kind, match[kind]))
        position = match.end()
    return tokens


class _FilterParser:
    def __init__(self, tokens: list[tuple[str, str]], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.position = 0

    def _peek_word(self) -> str:
        if self.position < len(self.tokens) and self.tokens[self.position][0] == "word":
            return self.tokens[self.position][1].lower()
        return ""

    def _next(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise PatchError("invalidPath", f"The filter {self.text!r} is incomplete.")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expression(self) -> Filter:
        left = self.term()
        while self._peek_word() == "or":
            self.position += 1
            left = Filter("or", parts=(left, self.term()))
        return left

    def term(self) -> Filter:
        left = self.factor()
        while self._peek_word() == "and":
            self.position += 1
            left = Filter("and", parts=(left, self.factor()))
        return left

    def factor(self) -> Filter:
        if self._peek_word() == "not":
            self.position += 1
            return Filter("not", parts=(self.factor(),))
        kind, text = self._next()
        if kind == "paren" and text == "(":
            inner = self.expression()
            if self._next() != ("paren", ")"):
                raise PatchError("invalidPath", f"The filter {self.text!r} is malformed.")
            return inner
        if kind != "word":
            raise PatchError("invalidPath", f"The filter {self.text!r} is malformed.")
        op = self._next()[1].lower()
        if op == "pr":
            return Filter("pr", text)
        if op not in _COMPARE:
            raise PatchError("invalidPath", f"The filter {self.text!r} has no operator {op!r}.")
        return Filter(op, text, self._literal())

    def _literal(self) -> Any:
        kind, text = self._next()
        if kind == "str":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "word" and text.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text.lower()]
        raise PatchError("invalidPath", f"The filter {self.text!r} has a bad value {text!r}.")


# --- applying ----------------------------------------------------------------------------


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
    schemas = _get_ci(body, "schemas")
    if not isinstance(schemas, list) or PATCH_OP not in schemas:
        raise PatchError("invalidSyntax", f"schemas must contain {PATCH_OP}.")
    operations = _get_ci(body, "Operations")
    if not isinstance(operations, list) or not operations:
        raise PatchError("invalidSyntax", "Operations must be a non-empty list.")
    if not all(isinstance(o, dict) for o in operations):
        raise PatchError("invalidSyntax", "Each operation must be an object.")
    return operations


def _apply(resource: Json, operation: Json, schema: Schema) -> None:
    op = _get_ci(operation, "op")
    if not isinstance(op, str) or op.lower() not in ("add", "remove", "replace"):
        raise PatchError("invalidSyntax", f"op must be add, remove or replace, not {op!r}.")
    op = op.lower()
    path_text = _get_ci(operation, "path")
    extension = _extension_named(path_text, schema)
    if extension is not None:
        # A path that is an extension's URN alone: its attributes as the value's keys.
        if op == "remove":
            # Every attribute null (unassigned, RFC 7643 §2.5): a PUT leaves out what it keeps.
            resource[_key_ci(resource, extension)] = {
                a.name: None for a in schema.attributes[extension].values()
            }
            return
        path_text, operation = None, {"value": {extension: _get_ci(operation, "value")}}
    has_value = any(k.lower() == "value" for k in operation)
    value = _get_ci(operation, "value")
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
    urn, rest = _split_urn(key, schema)
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
    key = _key_ci(container, attribute.name)
    if op == "remove":
        _remove(container, key, path, value)
        return
    if path.filter is not None:
        _set_filtered(container, key, op, path, value)
        return
    if path.sub is not None:
        _set_sub(container, key, attribute, path.sub, value)
        return
    _set(container, key, op, attribute, value)


def _container(resource: Json, urn: str, schema: Schema, *, create: bool) -> Json | None:
    if urn == schema.core:
        return resource
    key = _key_ci(resource, urn)
    extension = resource.get(key)
    if not isinstance(extension, dict):
        if not create:
            return None
        extension = resource[urn] = {}
        schemas = resource.setdefault("schemas", [schema.core])
        if urn not in schemas:
            schemas.append(urn)
    return extension


def _set(container: Json, key: str, op: str, attribute: Attribute, value: Any) -> None:
    if attribute.multi:
        elements = [_element(attribute, v) for v in (value if isinstance(value, list) else [value])]
        if op == "add":
            elements = [*_list_at(container, key), *elements]
        container[key] = kept = _deduplicated(elements, attribute)
        _one_primary(kept)
        return
    if attribute.subs:
        if isinstance(value, list) and len(value) == 1:
            value = value[0]  # Entra sends manager as a one-element list.
        if value is None:
            container.pop(key, None)
            return
        if not isinstance(value, dict):
            raise PatchError("invalidValue", f"{attribute.name} must be an object.")
        merged = _dict_at(container, key)
        for sub_name, sub_value in value.items():
            sub = attribute.subs.get(sub_name.lower())
            if sub is None:
                raise PatchError("invalidPath", f"{attribute.name} has no {sub_name!r}.")
            merged[_key_ci(merged, sub.name)] = _scalar(sub, sub_value)
        container[key] = merged
        return
    container[key] = _scalar(attribute, value)


def _set_sub(container: Json, key: str, attribute: Attribute, sub: Attribute, value: Any) -> None:
    if attribute.multi:
        raise PatchError("invalidPath", f"{attribute.name}.{sub.name} needs a filter.")
    current = _dict_at(container, key)
    current[_key_ci(current, sub.name)] = _scalar(sub, value)
    container[key] = current


def _set_filtered(container: Json, key: str, op: str, path: Path, value: Any) -> None:
    assert path.filter is not None
    elements = _list_at(container, key)
    matched = [e for e in elements if path.filter.matches(e)]
    if not matched:
        seed = _seed(path.filter)
        if seed is None:
            raise PatchError("noTarget", f"No {path.attribute.name} value matches the filter.")
        elements.append(seed)
        matched = [seed]
    for element in matched:
        if path.sub is not None:
            element[_key_ci(element, path.sub.name)] = _scalar(path.sub, value)
        elif isinstance(value, dict):
            for sub_name, sub_value in value.items():
                sub = path.attribute.subs.get(sub_name.lower())
                if sub is None:
                    raise PatchError("invalidPath", f"{path.attribute.name} has no {sub_name!r}.")
                element[_key_ci(element, sub.name)] = _scalar(sub, sub_value)
        else:
            raise PatchError("invalidValue", f"{path.attribute.name} values are objects.")
    container[key] = elements
    _one_primary(elements)


def _seed(value_filter: Filter) -> Json | None:
    """The element a `[a eq "v"]` / `[a eq "v" and b eq "w"]` filter describes, if it is one."""
    if value_filter.op == "eq":
        return {value_filter.attribute: value_filter.value}
    if value_filter.op == "and":
        parts = [_seed(p) for p in value_filter.parts]
        if all(p is not None for p in parts):
            return {k: v for p in parts if p for k, v in p.items()}
    return None


def _remove(container: Json, key: str, path: Path, value: Any) -> None:
    attribute = path.attribute
    current = container.get(key)
    if current is None:
        return
    if attribute.multi and isinstance(current, list):
        if path.filter is not None:
            kept = [e for e in current if not path.filter.matches(e)]
            if path.sub is not None:
                for element in current:
                    if path.filter.matches(element):
                        element.pop(_key_ci(element, path.sub.name), None)
                kept = current
        elif value is not None:
            # Entra's older form: `remove members` with the members to remove as its value.
            listed = value if isinstance(value, list) else [value]
            gone = {_identity(_element(attribute, v)) for v in listed}
            kept = [e for e in current if _identity(e) not in gone]
        else:
            kept = []
        # An empty list, not no key: a PUT without `members` would leave them as they are.
        container[key] = kept
        return
    if path.sub is not None and isinstance(current, dict):
        current.pop(_key_ci(current, path.sub.name), None)
        if not current:
            container.pop(key, None)
        return
    # Null, not absent: a PUT keeps some attributes it is not sent (usageLocation, active).
    container[key] = None


def _element(attribute: Attribute, value: Any) -> Json:
    if not isinstance(value, dict):
        raise PatchError("invalidValue", f"{attribute.name} values are objects.")
    element: Json = {}
    for sub_name, sub_value in value.items():
        sub = attribute.subs.get(sub_name.lower())
        if sub is None:
            raise PatchError("invalidPath", f"{attribute.name} has no {sub_name!r}.")
        if sub_value is not None:
            element[sub.name] = _scalar(sub, sub_value)
    return element


def _identity(element: Json) -> Any:
    value = element.get("value")
    if isinstance(value, str):
        return value.lower() if "@" in value else value
    return repr(sorted(element.items()))


def _deduplicated(elements: list[Json], attribute: Attribute) -> list[Json]:
    seen: dict[Any, int] = {}
    result: list[Json] = []
    for element in elements:
        # Members are one per value; emails and the like one per (value, type).
        identity = (
            (_identity(element),)
            if attribute.name == "members"
            else (_identity(element), str(element.get("type", "")).lower())
        )
        if identity in seen:
            result[seen[identity]].update(element)
            continue
        seen[identity] = len(result)
        result.append(element)
    return result


def _one_primary(elements: list[Json]) -> None:
    # RFC 7643 §2.4: at most one element is primary; the last one set wins.
    primaries = [e for e in elements if e.get("primary") is True]
    for element in primaries[:-1]:
        element["primary"] = False


def _scalar(attribute: Attribute, value: Any) -> Any:
    if attribute.boolean:
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"  # Entra sends "True"/"False".
        if not isinstance(value, bool):
            raise PatchError("invalidValue", f"{attribute.name} must be a boolean.")
        return value
    if isinstance(value, (dict, list)):
        raise PatchError("invalidValue", f"{attribute.name} must be a single value.")
    return value


def _list_at(container: Json, key: str) -> list[Json]:
    value = container.get(key)
    return value if isinstance(value, list) else []


def _dict_at(container: Json, key: str) -> Json:
    value = container.get(key)
    return value if isinstance(value, dict) else {}


def _key_ci(container: Json, name: str) -> str:
    """The key `container` already uses for `name` (names are case-insensitive), or `name`."""
    lowered = name.lower()
    for key in container:
        if key.lower() == lowered:
            return key
    return name


def _get_ci(container: Json, name: str) -> Any:
    return container.get(_key_ci(container, name))

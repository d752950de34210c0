"""One PATCH operation applied at one resolved path of a resource's JSON: set, set through
a value filter, set a sub-attribute, remove; values checked against their attribute."""

from __future__ import annotations

from typing import Any

from seatplan.scim.keys import Json, key_ci
from seatplan.scim.patch_paths import Path
from seatplan.scim.patch_schema import Attribute, PatchError
from seatplan.scim.value_filters import Filter


def set_value(container: Json, key: str, op: str, attribute: Attribute, value: Any) -> None:
    if attribute.multi:
        elements = [
            new_element(attribute, v) for v in (value if isinstance(value, list) else [value])
        ]
        if op == "add":
            elements = [*list_at(container, key), *elements]
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
        merged = dict_at(container, key)
        for sub_name, sub_value in value.items():
            sub = attribute.subs.get(sub_name.lower())
            if sub is None:
                raise PatchError("invalidPath", f"{attribute.name} has no {sub_name!r}.")
            merged[key_ci(merged, sub.name)] = _scalar(sub, sub_value)
        container[key] = merged
        return
    container[key] = _scalar(attribute, value)


def set_sub(container: Json, key: str, attribute: Attribute, sub: Attribute, value: Any) -> None:
    if attribute.multi:
        raise PatchError("invalidPath", f"{attribute.name}.{sub.name} needs a filter.")
    current = dict_at(container, key)
    current[key_ci(current, sub.name)] = _scalar(sub, value)
    container[key] = current


def set_filtered(container: Json, key: str, op: str, path: Path, value: Any) -> None:
    assert path.filter is not None
    elements = list_at(container, key)
    matched = [e for e in elements if path.filter.matches(e)]
    if not matched:
        seed = _seed(path.filter)
        if seed is None:
            raise PatchError("noTarget", f"No {path.attribute.name} value matches the filter.")
        elements.append(seed)
        matched = [seed]
    for element in matched:
        if path.sub is not None:
            element[key_ci(element, path.sub.name)] = _scalar(path.sub, value)
        elif isinstance(value, dict):
            for sub_name, sub_value in value.items():
                sub = path.attribute.subs.get(sub_name.lower())
                if sub is None:
                    raise PatchError("invalidPath", f"{path.attribute.name} has no {sub_name!r}.")
                element[key_ci(element, sub.name)] = _scalar(sub, sub_value)
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


def remove(container: Json, key: str, path: Path, value: Any) -> None:
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
                        element.pop(key_ci(element, path.sub.name), None)
                kept = current
        elif value is not None:
            # Entra's older form: `remove members` with the members to remove as its value.
            listed = value if isinstance(value, list) else [value]
            gone = {_identity(new_element(attribute, v)) for v in listed}
            kept = [e for e in current if _identity(e) not in gone]
        else:
            kept = []
        # An empty list, not no key: a PUT without `members` would leave them as they are.
        container[key] = kept
        return
    if path.sub is not None and isinstance(current, dict):
        current.pop(key_ci(current, path.sub.name), None)
        if not current:
            container.pop(key, None)
        return
    # Null, not absent: a PUT keeps some attributes it is not sent (usageLocation, active).
    container[key] = None


def new_element(attribute: Attribute, value: Any) -> Json:
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


def list_at(container: Json, key: str) -> list[Json]:
    value = container.get(key)
    return value if isinstance(value, list) else []


def dict_at(container: Json, key: str) -> Json:
    value = container.get(key)
    return value if isinstance(value, dict) else {}

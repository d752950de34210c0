"""Entra's bulk CSV formats: bulk create, bulk update and bulk add members.

A file starts with a version line (`version:v1.0`), then the column headers, each
`<Item name> [propertyName] <Required or blank>`; columns are matched by the property
name in brackets, so their order and their item names do not matter. Seatplan writes the
same format (`header_lines`), with the user's id last, so an export imports again.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TextIO

from seatplan.services.errors import BadRequest

VERSION = "version:v1.0"

#: Bulk create's and bulk update's columns Seatplan reads: property → header written.
USER_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "displayName": "Name [displayName] Required",
        "userPrincipalName": "User name [userPrincipalName] Required",
        "passwordProfile": "Initial password [passwordProfile] Required",
        "accountEnabled": "Block sign in (Yes/No) [accountEnabled] Required",
        "givenName": "First name [givenName]",
        "surname": "Last name [surname]",
        "jobTitle": "Job title [jobTitle]",
        "department": "Department [department]",
        "usageLocation": "Usage location [usageLocation]",
        "streetAddress": "Street address [streetAddress]",
        "state": "State or province [state]",
        "country": "Country or region [country]",
        "physicalDeliveryOfficeName": "Office [physicalDeliveryOfficeName]",
        "city": "City [city]",
        "postalCode": "ZIP or postal code [postalCode]",
        "telephoneNumber": "Office phone [telephoneNumber]",
        "mobile": "Mobile phone [mobile]",
        "id": "Object ID [id]",
    }
)
#: Bulk create's required columns (bulk update requires only `id`).
CREATE_REQUIRED = ("displayName", "userPrincipalName", "passwordProfile", "accountEnabled")
UPDATE_REQUIRED = ("id",)
MEMBER = "memberObjectIdOrUpn"
MEMBER_HEADER = "Member object ID or user principal name [memberObjectIdOrUpn] Required"

_PROPERTY = re.compile(r"\[([A-Za-z0-9_]+)\]")


@dataclass(frozen=True)
class Row:
    """One data row: its first line in the file and its non-empty cells by property."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True)
class Table:
    """A parsed file's columns (by property name) and its rows, read lazily."""

    columns: tuple[str, ...]
    ignored: tuple[str, ...]
    rows: Iterator[Row]


def read(stream: TextIO, *, known: Iterable[str], required: Iterable[str]) -> Table:
    """The rows of an Entra bulk CSV; a bad version or header line is refused at once.

    Columns whose property Seatplan does not know are `ignored` (as Entra ignores added
    columns); cells are stripped, and empty ones left out.
    """
    reader = csv.reader(stream)
    first = next(reader, None)
    if first is not None and first and first[0].strip().lower().startswith("version:"):
        if first[0].strip().lower() != VERSION:
            raise BadRequest(f"Line 1: unsupported template version '{first[0].strip()}'.")
        header = next(reader, None)
    else:
        header = first
    if header is None:
        raise BadRequest("The file is empty: expected Entra's version line and column headers.")
    names = [_property(cell) for cell in header]
    line = reader.line_num
    missing = [name for name in required if name not in names]
    if missing:
        raise BadRequest(f"Line {line}: missing required column(s): {', '.join(missing)}.")
    wanted = set(known)
    columns = tuple(name for name in names if name in wanted)
    ignored = tuple(
        cell.strip() for cell, name in zip(header, names, strict=True) if name not in wanted
    )
    return Table(columns, ignored, _rows(reader, names, wanted, line))


def _property(cell: str) -> str:
    found = _PROPERTY.search(cell)
    return found.group(1) if found else cell.strip()


def _rows(
    reader: Iterator[list[str]], names: list[str], wanted: set[str], line: int
) -> Iterator[Row]:
    last = line
    for record in reader:
        start, last = last + 1, getattr(reader, "line_num", last + 1)
        if not any(cell.strip() for cell in record):
            continue  # blank lines, as spreadsheets leave at the end
        cells = {
            name: value.strip()
            for name, value in zip(names, record, strict=False)
            if name in wanted and value.strip()
        }
        yield Row(start, cells)


def header_lines() -> list[list[str]]:
    """The version line and the column headers Seatplan's export writes."""
    return [[VERSION], list(USER_COLUMNS.values())]

"""The rows of Entra's bulk create and bulk update files, each checked by itself.

A row's values are checked as the Graph API checks them (userPrincipalName, usage
location codes, lengths); a second row naming the same user is an error on its line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from uuid import UUID

from seatplan.services import bulk_csv, lookup
from seatplan.services import organization as org_service
from seatplan.services import users as user_service
from seatplan.services.bulk_report import Problem, Report
from seatplan.services.errors import BadRequest
from seatplan.store.tables import User

#: Columns set through `users.create`/`users.update`'s own parameters: property → attribute.
OWN: Mapping[str, str] = MappingProxyType(
    {
        "displayName": "display_name",
        "accountEnabled": "account_enabled",
        "usageLocation": "usage_location",
        "department": "department",
        "jobTitle": "job_title",
    }
)
#: Columns that are Graph's standard properties (`users.STANDARD`): property → attribute.
#: Graph checks none of their values beyond their lengths (checked here, `_limit`).
STANDARD: Mapping[str, str] = MappingProxyType(
    {
        "givenName": "given_name",
        "surname": "surname",
        "streetAddress": "street_address",
        "state": "state",
        "country": "country",
        "physicalDeliveryOfficeName": "office_location",
        "city": "city",
        "postalCode": "postal_code",
        "telephoneNumber": "business_phones",
        "mobile": "mobile_phone",
    }
)
#: Read and ignored: Seatplan signs nobody in, so it keeps no password.
IGNORED = ("passwordProfile",)
_KNOWN = (*OWN, *STANDARD, "userPrincipalName", "id", *IGNORED)


@dataclass(frozen=True)
class UserRow:
    """A checked user row: what it names and the values it gives, by attribute."""

    line: int
    upn: str | None
    user_id: UUID | None
    values: dict[str, Any]

    def split(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The values set through the services' own parameters, and the standard ones."""
        own = {a: v for a, v in self.values.items() if a in OWN.values()}
        standard = {a: v for a, v in self.values.items() if a not in OWN.values()}
        return own, standard


class _Bad(Exception):
    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _limit(attribute: str) -> int | None:
    column = User.__table__.c.get(attribute)
    return getattr(column.type, "length", None) if column is not None else None


def _value(prop: str, text: str) -> Any:
    if prop == "accountEnabled":  # the column is "Block sign in (Yes/No)"
        answer = text.lower()
        if answer not in ("yes", "no"):
            raise _Bad(prop, f"Block sign in must be Yes or No, not '{text}'.")
        return answer == "no"
    if prop == "usageLocation":
        return org_service.country(text, "usage location")
    if prop == "telephoneNumber":
        return [text]  # Graph's businessPhones holds one number
    return text


def _check(row: bulk_csv.Row, *, update: bool) -> UserRow | list[Problem]:
    """The row's values, or every problem the row has by itself."""
    cells = row.cells
    problems: list[Problem] = []

    def bad(column: str | None, message: str) -> None:
        problems.append(Problem(row.line, column, message))

    required = bulk_csv.UPDATE_REQUIRED if update else ("displayName", "userPrincipalName")
    for name in required:
        if name not in cells:
            bad(name, f"{name} is required.")
    if not update and "accountEnabled" not in cells:
        bad("accountEnabled", "Block sign in (Yes/No) is required.")
    upn = None
    if "userPrincipalName" in cells:
        try:
            upn = user_service.principal_name(cells["userPrincipalName"])
        except BadRequest as error:
            bad("userPrincipalName", error.message)
    user_id = None
    if "id" in cells:
        user_id = lookup.as_uuid(cells["id"])
        if user_id is None:
            bad("id", f"Invalid object id '{cells['id']}'.")
    values: dict[str, Any] = {}
    for prop, attribute in (*OWN.items(), *STANDARD.items()):
        if prop not in cells:
            continue
        limit = _limit(attribute)
        if limit is not None and len(cells[prop]) > limit:
            bad(prop, f"{prop} is longer than {limit} characters.")
            continue
        try:
            values[attribute] = _value(prop, cells[prop])
        except _Bad as error:
            bad(error.column, error.message)
        except BadRequest as error:
            bad(prop, error.message)
    return problems or UserRow(row.line, upn, user_id, values)


def checked_rows(path: Path, *, update: bool, report: Report) -> Iterator[UserRow]:
    """Every row that passes the file's own checks; the others go to the report."""
    required = bulk_csv.UPDATE_REQUIRED if update else bulk_csv.CREATE_REQUIRED
    seen: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8-sig") as stream:
        table = bulk_csv.read(stream, known=_KNOWN, required=required)
        report.ignored_columns = table.ignored
        for row in table.rows:
            report.rows += 1
            checked = _check(row, update=update)
            if isinstance(checked, list):
                report.problems.extend(checked)
                continue
            name = "id" if update else "userPrincipalName"
            key = str(checked.user_id) if update else (checked.upn or "").lower()
            if key in seen:
                message = f"The same {name} is on line {seen[key]}."
                report.problems.append(Problem(row.line, name, message))
                continue
            seen[key] = row.line
            yield checked

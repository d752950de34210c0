"""What membership rules read of users: their *subjects*, from ORM rows or in bulk.

A subject maps each canonical property name of `engine.membership_rules.RULE_PROPERTIES`
to the user's value (str, bool, None, or a list of str for multi-valued properties).
Every key is present, so two subjects compare equal exactly when no rule could tell
the users apart. `subject_of` reads an ORM row (a user just changed); `load_subjects`
selects only the columns rules read, in chunks, for a whole-directory evaluation.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, Text, cast, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from seatplan.engine.membership_rules import RULE_PROPERTIES
from seatplan.store.tables import User

_EXTENSIONS = "onPremisesExtensionAttributes."

#: Canonical property -> the column holding it (extension attributes are one JSON column).
_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "accountEnabled": User.account_enabled,
    "businessPhones": User.business_phones,
    "city": User.city,
    "companyName": User.company_name,
    "country": User.country,
    "department": User.department,
    "displayName": User.display_name,
    "employeeId": User.employee_id,
    "employeeType": User.employee_type,
    "givenName": User.given_name,
    "jobTitle": User.job_title,
    "mail": User.mail,
    "mailNickname": User.mail_nickname,
    "mobilePhone": User.mobile_phone,
    "officeLocation": User.office_location,
    "onPremisesImmutableId": User.on_premises_immutable_id,
    "onPremisesSyncEnabled": User.on_premises_sync_enabled,
    "otherMails": User.other_mails,
    "postalCode": User.postal_code,
    "preferredLanguage": User.preferred_language,
    "proxyAddresses": User.proxy_addresses,
    "state": User.state,
    "streetAddress": User.street_address,
    "surname": User.surname,
    "usageLocation": User.usage_location,
    "userPrincipalName": User.user_principal_name,
    "userType": User.user_type,
}
_EXTENSION_NAMES = tuple(name for name in RULE_PROPERTIES if name.startswith(_EXTENSIONS))
_NAMES = tuple(_COLUMNS)
_LISTS = tuple(name for name in _NAMES if RULE_PROPERTIES[name] == "strings")
_EXTENSION_KEYS = tuple((name, name.removeprefix(_EXTENSIONS)) for name in _EXTENSION_NAMES)
_NO_EXTENSIONS: dict[str, object] = dict.fromkeys(_EXTENSION_NAMES)
assert set(_COLUMNS) | {"id"} | set(_EXTENSION_NAMES) == set(RULE_PROPERTIES), (
    "every property rules read has a column"
)


def _as_text(column: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    """JSON columns are read as text and decoded here: most hold `[]` or `{}`, which
    need no parser (decoding every one took a third of the time of a load)."""
    if column.key in _JSON_KEYS:
        return cast(column, Text).label(column.key)
    return column.expression


_JSON_KEYS = {_COLUMNS[name].key for name in _LISTS} | {User.extension_attributes.key}
#: What `load_subjects` pages through: the id and the columns rules read, in id order.
SUBJECTS_QUERY: Select[Any] = select(
    User.id,
    *(_as_text(column) for column in _COLUMNS.values()),
    _as_text(User.extension_attributes),
).order_by(User.id)


def _decoded(text: str | None) -> Any:
    if text is None or text == "[]" or text == "{}":
        return None
    return json.loads(text)


def _subject(
    user_id: UUID, values: Sequence[Any], extensions: Mapping[str, Any] | None
) -> dict[str, object]:
    subject: dict[str, Any] = dict(zip(_NAMES, values, strict=True))
    subject["id"] = str(user_id)
    for name in _LISTS:  # [] for a pending row too, whose defaults are not applied yet
        items = subject[name]
        subject[name] = list(items) if items else []
    if extensions:
        for name, key in _EXTENSION_KEYS:
            subject[name] = extensions.get(key)
    else:
        subject.update(_NO_EXTENSIONS)
    return subject


def subject_of(user: User) -> dict[str, object]:
    """What rules read of `user` (an ORM row, with its pending changes)."""
    values = [getattr(user, column.key) for column in _COLUMNS.values()]
    return _subject(user.id, values, user.extension_attributes)


def subject_of_row(row: Mapping[str, Any]) -> dict[str, object]:
    """What rules read of a user's row about to be inserted (every column by its key)."""
    values = [row[column.key] for column in _COLUMNS.values()]
    return _subject(row["id"], values, row["extension_attributes"])


def load_subjects(
    session: Session, user_ids: Collection[UUID] | None = None, *, chunk: int = 5000
) -> Iterator[tuple[UUID, dict[str, object]]]:
    """(id, subject) of every user, or of `user_ids`, in id order, `chunk` rows at a time.

    Rows are read by pages on the primary key (no server-side cursor to keep open
    between pages), so memory holds one chunk whatever the size of the directory.
    """
    if chunk < 1:
        raise ValueError("chunk must be positive")
    if user_ids is None:
        yield from _all_users(session, chunk)
        return
    wanted = sorted(set(user_ids))
    for start in range(0, len(wanted), chunk):
        yield from _rows(session, SUBJECTS_QUERY.where(User.id.in_(wanted[start : start + chunk])))


def _all_users(session: Session, chunk: int) -> Iterator[tuple[UUID, dict[str, object]]]:
    last: UUID | None = None
    while True:
        page = SUBJECTS_QUERY if last is None else SUBJECTS_QUERY.where(User.id > last)
        count = 0
        for user_id, subject in _rows(session, page.limit(chunk)):
            count += 1
            last = user_id
            yield user_id, subject
        if count < chunk:
            return


#: Positions of the JSON columns among a row's values (after the id).
_JSON_POSITIONS = tuple(n for n, column in enumerate(_COLUMNS.values()) if column.key in _JSON_KEYS)


def _rows(session: Session, query: Select[Any]) -> Iterator[tuple[UUID, dict[str, object]]]:
    # Core, not the ORM: these are plain columns, and the ORM's row handling costs more.
    for row in session.connection().execute(query).all():
        values = list(row[1:-1])
        for n in _JSON_POSITIONS:
            values[n] = _decoded(values[n])
        yield row[0], _subject(row[0], values, _decoded(row[-1]))

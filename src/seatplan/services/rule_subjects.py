"""What membership rules read of users: their *subjects*, from ORM rows or in bulk.

A subject maps each canonical property name of `engine.membership_rules.RULE_PROPERTIES`
to the user's value (str, bool, None, or a list of str for multi-valued properties).
Every key is present, so two subjects compare equal exactly when no rule could tell
the users apart. `subject_of` reads an ORM row (a user just changed); `load_subjects`
selects only the columns rules read, in chunks, for a whole-directory evaluation.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
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
_QUERY: Select[Any] = select(User.id, *_COLUMNS.values(), User.extension_attributes).order_by(
    User.id
)
assert set(_COLUMNS) | {"id"} | set(_EXTENSION_NAMES) == set(RULE_PROPERTIES), (
    "every property rules read has a column"
)


def _subject(
    user_id: UUID, values: Sequence[Any], extensions: Mapping[str, Any] | None
) -> dict[str, object]:
    subject: dict[str, object] = {"id": str(user_id)}
    for name, value in zip(_NAMES, values, strict=True):
        subject[name] = list(value) if isinstance(value, list) else value
    stored = extensions or {}
    for name in _EXTENSION_NAMES:
        subject[name] = stored.get(name.removeprefix(_EXTENSIONS))
    return subject


def subject_of(user: User) -> dict[str, object]:
    """What rules read of `user` (an ORM row, with its pending changes)."""
    values = [getattr(user, column.key) for column in _COLUMNS.values()]
    return _subject(user.id, values, user.extension_attributes)


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
        yield from _rows(session, _QUERY.where(User.id.in_(wanted[start : start + chunk])))


def _all_users(session: Session, chunk: int) -> Iterator[tuple[UUID, dict[str, object]]]:
    last: UUID | None = None
    while True:
        page = _QUERY if last is None else _QUERY.where(User.id > last)
        count = 0
        for user_id, subject in _rows(session, page.limit(chunk)):
            count += 1
            last = user_id
            yield user_id, subject
        if count < chunk:
            return


def _rows(session: Session, query: Select[Any]) -> Iterator[tuple[UUID, dict[str, object]]]:
    for row in session.execute(query).all():
        yield row[0], _subject(row[0], row[1:-1], row[-1])

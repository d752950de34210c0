"""Graph's standard user and group properties (givenName, mail, groupTypes, ...)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMPTY_LIST = sa.text("'[]'")
_EMPTY_OBJECT = sa.text("'{}'")

#: Nullable columns: existing users have none of these values.
_USER_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("given_name", sa.String(length=64)),
    ("surname", sa.String(length=64)),
    ("mail", sa.String(length=256)),
    ("mail_nickname", sa.String(length=64)),
    ("mobile_phone", sa.String(length=64)),
    ("company_name", sa.String(length=64)),
    ("office_location", sa.String(length=128)),
    ("city", sa.String(length=128)),
    ("state", sa.String(length=128)),
    ("country", sa.String(length=128)),
    ("postal_code", sa.String(length=40)),
    ("street_address", sa.String(length=1024)),
    ("employee_id", sa.String(length=16)),
    ("employee_type", sa.String(length=64)),
    ("preferred_language", sa.String(length=64)),
    ("on_premises_sync_enabled", sa.Boolean()),
    ("on_premises_immutable_id", sa.String(length=256)),
)
_USER_LISTS = ("other_mails", "proxy_addresses", "business_phones")


def upgrade() -> None:
    # Existing rows get Graph's values for an object that never had them: [] and Member.
    with op.batch_alter_table("app_user") as batch:
        for name, kind in _USER_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
        for name in _USER_LISTS:
            batch.add_column(sa.Column(name, sa.JSON(), nullable=False, server_default=_EMPTY_LIST))
        batch.add_column(
            sa.Column(
                "extension_attributes", sa.JSON(), nullable=False, server_default=_EMPTY_OBJECT
            )
        )
        batch.add_column(
            sa.Column("user_type", sa.String(length=16), nullable=False, server_default="Member")
        )
    with op.batch_alter_table("directory_group") as batch:
        batch.add_column(sa.Column("mail", sa.String(length=256), nullable=True))
        batch.add_column(sa.Column("mail_nickname", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("group_types", sa.JSON(), nullable=False, server_default=_EMPTY_LIST)
        )
        batch.add_column(sa.Column("visibility", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("directory_group") as batch:
        for name in ("visibility", "group_types", "mail_nickname", "mail"):
            batch.drop_column(name)
    with op.batch_alter_table("app_user") as batch:
        for name in ("user_type", "extension_attributes", *_USER_LISTS):
            batch.drop_column(name)
        for name, _kind in reversed(_USER_COLUMNS):
            batch.drop_column(name)

"""the change log of users, groups and memberships (delta queries, change notifications)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from seatplan.store.types import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WITH_TXID = sa.text("txid IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "directory_change",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("change", sa.String(length=8), nullable=False),
        sa.Column("properties", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_directory_change")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_directory_change_txid",
        "directory_change",
        ["txid"],
        sqlite_where=_WITH_TXID,
        postgresql_where=_WITH_TXID,
    )


def downgrade() -> None:
    op.drop_index("ix_directory_change_txid", table_name="directory_change")
    op.drop_table("directory_change")

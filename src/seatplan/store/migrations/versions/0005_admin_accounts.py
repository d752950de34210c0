"""admin accounts of the portal

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 05:23:27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import seatplan.store.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("username_key", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created", seatplan.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "sessions_valid_after",
            seatplan.store.types.UtcDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("last_sign_in", seatplan.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_account")),
        sa.UniqueConstraint("username_key", name=op.f("uq_admin_account_username_key")),
    )


def downgrade() -> None:
    op.drop_table("admin_account")

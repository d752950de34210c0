"""dynamic groups: a group's membership rule, its processing state and its evaluation

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import seatplan.store.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("directory_group") as batch:
        batch.add_column(sa.Column("membership_rule", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("membership_rule_processing_state", sa.String(length=16), nullable=True)
        )
        batch.add_column(sa.Column("rule_status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("rule_cursor", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("rule_joined", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("rule_left", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column(
                "rule_updated", seatplan.store.types.UtcDateTime(timezone=True), nullable=True
            )
        )
        batch.add_column(sa.Column("rule_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("directory_group") as batch:
        for name in (
            "rule_error",
            "rule_updated",
            "rule_left",
            "rule_joined",
            "rule_cursor",
            "rule_status",
            "membership_rule_processing_state",
            "membership_rule",
        ):
            batch.drop_column(name)

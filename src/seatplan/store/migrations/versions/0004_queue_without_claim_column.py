"""queue without a claim column: workers claim rows with locks inside their transaction

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 05:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("license_queue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_license_queue_claimed_by"))
        batch_op.drop_column("claimed_by")


def downgrade() -> None:
    with op.batch_alter_table("license_queue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_license_queue_claimed_by"), ["claimed_by"], unique=False
        )

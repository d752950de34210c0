"""batch metrics: batches, users and batch durations, counted by the batches themselves

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 18:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The histogram's upper bounds in seconds (+Inf is the number of batches).
_BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


def upgrade() -> None:
    totals = op.create_table(
        "batch_totals",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("batches", sa.BigInteger(), nullable=False),
        sa.Column("users", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_totals")),
    )
    buckets = op.create_table(
        "batch_duration_bucket",
        sa.Column("le", sa.Float(), autoincrement=False, nullable=False),
        sa.Column("batches", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("le", name=op.f("pk_batch_duration_bucket")),
    )
    op.bulk_insert(totals, [{"id": 1, "batches": 0, "users": 0, "seconds": 0.0}])
    op.bulk_insert(buckets, [{"le": bound, "batches": 0} for bound in _BOUNDS])


def downgrade() -> None:
    op.drop_table("batch_duration_bucket")
    op.drop_table("batch_totals")

"""webhook attempt totals: delivery attempts by result, counted with each attempt's record

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 19:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    totals = op.create_table(
        "webhook_attempt_total",
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("result", name=op.f("pk_webhook_attempt_total")),
    )
    op.bulk_insert(
        totals, [{"result": result, "attempts": 0} for result in ("succeeded", "failed", "error")]
    )


def downgrade() -> None:
    op.drop_table("webhook_attempt_total")

"""indexes for lists: users by displayName, assignments in error by source group

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IN_ERROR = sa.text("error IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_app_user_display_name", "app_user", ["display_name", "id"])
    op.create_index(
        "ix_license_assignment_errors",
        "license_assignment",
        ["source_id", "user_id"],
        sqlite_where=_IN_ERROR,
        postgresql_where=_IN_ERROR,
    )


def downgrade() -> None:
    op.drop_index("ix_license_assignment_errors", table_name="license_assignment")
    op.drop_index("ix_app_user_display_name", table_name="app_user")

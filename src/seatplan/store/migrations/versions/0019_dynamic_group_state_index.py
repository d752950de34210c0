"""Index of groups by membershipRuleProcessingState: every user written asks for the
dynamic groups that are On (services.dynamic_groups.user_changed), in an index lookup
rather than a scan of every group

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_directory_group_rule_state", "directory_group", ["membership_rule_processing_state"]
    )


def downgrade() -> None:
    op.drop_index("ix_directory_group_rule_state", table_name="directory_group")

"""group nesting: groups as members of groups, and the organization's licenseNestedGroups

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from seatplan.store.types import UtcDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_nesting",
        sa.Column("parent_id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("since", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["directory_group.id"],
            name=op.f("fk_group_nesting_parent_id_directory_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["directory_group.id"],
            name=op.f("fk_group_nesting_child_id_directory_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("parent_id", "child_id", name=op.f("pk_group_nesting")),
    )
    op.create_index("ix_group_nesting_child_id", "group_nesting", ["child_id"])
    with op.batch_alter_table("organization") as batch:
        batch.add_column(
            sa.Column(
                "license_nested_groups",
                sa.Boolean(),
                nullable=False,
                server_default=sa.text("false"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("license_nested_groups")
    op.drop_index("ix_group_nesting_child_id", table_name="group_nesting")
    op.drop_table("group_nesting")

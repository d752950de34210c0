"""SCIM: users' and groups' externalId (unique when set), and the enterprise extension's
costCenter, division and manager of users

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=256), nullable=True))
        batch.add_column(sa.Column("cost_center", sa.String(length=256), nullable=True))
        batch.add_column(sa.Column("division", sa.String(length=256), nullable=True))
        batch.add_column(sa.Column("manager_id", sa.Uuid(), nullable=True))
        batch.create_unique_constraint(batch.f("uq_app_user_external_id"), ["external_id"])
    with op.batch_alter_table("directory_group") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=256), nullable=True))
        batch.create_unique_constraint(batch.f("uq_directory_group_external_id"), ["external_id"])


def downgrade() -> None:
    with op.batch_alter_table("directory_group") as batch:
        batch.drop_constraint("uq_directory_group_external_id", type_="unique")
        batch.drop_column("external_id")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_constraint("uq_app_user_external_id", type_="unique")
        for name in ("manager_id", "division", "cost_center", "external_id"):
            batch.drop_column(name)

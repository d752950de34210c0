"""Microsoft Graph change notification subscriptions, and their cursor in the change log

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import seatplan.store.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, seatplan.store.types.UtcDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "graph_subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("resource", sa.String(length=128), nullable=False),
        sa.Column("change_type", sa.String(length=32), nullable=False),
        sa.Column("notification_url", sa.Text(), nullable=False),
        sa.Column("lifecycle_notification_url", sa.Text(), nullable=True),
        sa.Column("client_state", sa.String(length=128), nullable=True),
        _when("expiration"),
        sa.Column("creator_id", sa.String(length=64), nullable=True),
        sa.Column("latest_supported_tls_version", sa.String(length=8), nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        _when("created"),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoint.id"],
            name=op.f("fk_graph_subscription_endpoint_id_webhook_endpoint"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_graph_subscription")),
    )
    op.create_table(
        "notification_cursor",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_notification_cursor")),
    )


def downgrade() -> None:
    op.drop_table("notification_cursor")
    op.drop_table("graph_subscription")

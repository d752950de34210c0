"""directoryAudit's correlationId, loggedByService, operationType, additionalDetails, and
what its filters on initiatedBy and targetResources read

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 18:30:00

Existing events get the values Seatplan wrote before: their own id as correlationId, Core
Directory, the operation their activity names, and their initiator and targets copied out
of the JSON they already hold.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INITIATOR = ("user_id", "user_name", "upn", "app_id", "app_name")
_BATCH = 1000

_event = sa.table(
    "audit_event",
    sa.column("id", sa.Uuid()),
    sa.column("initiated_by", sa.JSON()),
    sa.column("target_resources", sa.JSON()),
    sa.column("correlation_id", sa.Uuid()),
    *(sa.column(f"initiator_{name}", sa.String()) for name in _INITIATOR),
)
_target = sa.table(
    "audit_target",
    sa.column("event_id", sa.Uuid()),
    sa.column("position", sa.Integer()),
    sa.column("target_id", sa.String()),
    sa.column("display_name", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.add_column(sa.Column("correlation_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "logged_by_service",
                sa.String(length=64),
                server_default="Core Directory",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "operation_type", sa.String(length=32), server_default="Update", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "additional_details", sa.JSON(), server_default=sa.text("'[]'"), nullable=False
            )
        )
        batch_op.add_column(sa.Column("initiator_user_id", sa.String(length=64)))
        batch_op.add_column(sa.Column("initiator_user_name", sa.String(length=256)))
        batch_op.add_column(sa.Column("initiator_upn", sa.String(length=256)))
        batch_op.add_column(sa.Column("initiator_app_id", sa.String(length=64)))
        batch_op.add_column(sa.Column("initiator_app_name", sa.String(length=256)))
    _fill_events()
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.alter_column("correlation_id", existing_type=sa.Uuid(), nullable=False)
    op.create_table(
        "audit_target",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.String(length=256), nullable=True),
        sa.Column("display_name", sa.String(length=256), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["audit_event.id"],
            name=op.f("fk_audit_target_event_id_audit_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "position", name=op.f("pk_audit_target")),
    )
    _fill_targets()
    op.create_index("ix_audit_event_correlation_id", "audit_event", ["correlation_id"])
    for name in _INITIATOR:
        op.create_index(
            f"ix_audit_event_initiator_{name}", "audit_event", [sa.text(f"lower(initiator_{name})")]
        )
    op.create_index("ix_audit_target_target_id", "audit_target", [sa.text("lower(target_id)")])
    op.create_index(
        "ix_audit_target_display_name", "audit_target", [sa.text("lower(display_name)")]
    )


def _fill_events() -> None:
    connection = op.get_bind()
    connection.execute(
        sa.text(
            "UPDATE audit_event SET operation_type = CASE "
            "WHEN activity_display_name LIKE 'Add %' THEN 'Add' "
            "WHEN activity_display_name LIKE 'Delete %' THEN 'Delete' "
            "WHEN activity_display_name LIKE 'Remove %' THEN 'Delete' "
            "ELSE 'Update' END"
        )
    )
    for rows in _batches(connection):
        for event_id, initiated_by, _targets in rows:
            user = (initiated_by or {}).get("user") or {}
            app = (initiated_by or {}).get("app") or {}
            connection.execute(
                _event.update()
                .where(_event.c.id == event_id)
                .values(
                    correlation_id=event_id,
                    initiator_user_id=user.get("id"),
                    initiator_user_name=user.get("displayName"),
                    initiator_upn=user.get("userPrincipalName"),
                    initiator_app_id=app.get("appId"),
                    initiator_app_name=app.get("displayName"),
                )
            )


def _fill_targets() -> None:
    connection = op.get_bind()
    for rows in _batches(connection):
        targets = [
            {
                "event_id": event_id,
                "position": position,
                "target_id": target.get("id"),
                "display_name": target.get("displayName"),
            }
            for event_id, _initiator, target_resources in rows
            for position, target in enumerate(target_resources or [])
        ]
        if targets:
            connection.execute(_target.insert(), targets)


def _batches(connection: sa.Connection) -> Iterator[list[tuple[Any, Any, Any]]]:
    """Every event (id, initiated_by, target_resources), a thousand at a time."""
    last: Any = None
    while True:
        query = sa.select(_event.c.id, _event.c.initiated_by, _event.c.target_resources)
        if last is not None:
            query = query.where(_event.c.id > last)
        found = connection.execute(query.order_by(_event.c.id).limit(_BATCH)).all()
        rows = [(row[0], row[1], row[2]) for row in found]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_table("audit_target")
    for name in _INITIATOR:
        op.drop_index(f"ix_audit_event_initiator_{name}", table_name="audit_event")
    op.drop_index("ix_audit_event_correlation_id", table_name="audit_event")
    with op.batch_alter_table("audit_event") as batch_op:
        for name in reversed(_INITIATOR):
            batch_op.drop_column(f"initiator_{name}")
        batch_op.drop_column("additional_details")
        batch_op.drop_column("operation_type")
        batch_op.drop_column("logged_by_service")
        batch_op.drop_column("correlation_id")

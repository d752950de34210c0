"""queue without rowid on SQLite: rows live in the user_id key, one B-tree fewer to write

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 10:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _recreate(*, with_rowid: bool) -> None:
    # SQLite cannot change a table's storage in place: the batch copies it.
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "license_queue", recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}
    ):
        pass


def upgrade() -> None:
    _recreate(with_rowid=False)


def downgrade() -> None:
    _recreate(with_rowid=True)

"""search words of user and group names and group descriptions, for Graph's $search

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 18:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from seatplan.store.search_words import search_text

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (table, source column, words column)
_WORDS = (
    ("app_user", "display_name", "display_name_words"),
    ("directory_group", "display_name", "display_name_words"),
    ("directory_group", "description", "description_words"),
)
_BATCH = 5000


def upgrade() -> None:
    for table, _, words in _WORDS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(words, sa.Text(), nullable=True))
    connection = op.get_bind()
    for table, source, words in _WORDS:
        rows = sa.table(table, sa.column("id"), sa.column(source), sa.column(words))
        last = None
        while True:
            page = sa.select(rows.c.id, rows.c[source]).order_by(rows.c.id).limit(_BATCH)
            if last is not None:
                page = page.where(rows.c.id > last)
            found = connection.execute(page).all()
            if not found:
                break
            update = (
                sa.update(rows)
                .where(rows.c.id == sa.bindparam("key"))
                .values({words: sa.bindparam("words")})
            )
            connection.execute(
                update, [{"key": row[0], "words": search_text(row[1])} for row in found]
            )
            last = found[-1][0]


def downgrade() -> None:
    for table, _, words in reversed(_WORDS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(words)

"""The background evaluation of dynamic groups' rules over the whole directory.

One chunk of users per transaction (`dynamic_groups.evaluate_chunk`): the group's row is
claimed `FOR UPDATE SKIP LOCKED` on PostgreSQL (the write transaction excludes other
writers on SQLite), so two workers never evaluate one group at once, and the cursor moves
with the chunk's joins, leaves and queued licensing: a worker killed mid-way leaves the
last committed chunk, and the next one resumes after it.
"""

from __future__ import annotations

import logging

from seatplan.processing import failpoints
from seatplan.services import dynamic_groups, transaction
from seatplan.store.db import Database

log = logging.getLogger(__name__)


def run_chunk(db: Database, *, size: int = dynamic_groups.CHUNK) -> int:
    """Evaluate the next chunk of one waiting group; users evaluated (0: none waits)."""
    # A read first: an idle worker never takes the write lock (all of SQLite's) for nothing.
    if pending(db) == 0:
        return 0
    with transaction.writing(db) as session:
        group = dynamic_groups.claim(session)
        if group is None:
            return 0
        done = dynamic_groups.evaluate_chunk(session, group=group, size=size)
        failpoints.reach("after-rule-chunk")
        if group.rule_status != dynamic_groups.RUNNING:
            log.info(
                "membership rule of group %s evaluated: %s, %d joined, %d left",
                group.id,
                group.rule_status,
                group.rule_joined,
                group.rule_left,
                extra={"group": str(group.id)},
            )
        # A group whose evaluation finished with no user left still counts as work done.
        return max(done, 1)


def pending(db: Database) -> int:
    """Groups whose rule waits for (or is in) an evaluation."""
    with db.reading() as session:
        return dynamic_groups.pending(session)

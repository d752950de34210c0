"""Administrator accounts: the last Global Administrator stays, even under concurrency."""

from __future__ import annotations

import threading

from seatplan.services import admins
from seatplan.services.errors import BadRequest


def test_two_global_administrators_demoting_each_other_leave_one(db):
    """The second of two concurrent demotions waits for the first, then is refused."""
    with db.writing() as session:
        for name in ("ann", "ben"):
            admins.create(
                session, username=name, role=admins.GLOBAL_ADMINISTRATOR, password="password-123"
            )
    outcome: list[str] = []

    def demote(name: str, started: threading.Event, release: threading.Event) -> None:
        try:
            with db.writing() as session:
                admins.update(session, username=name, role=admins.GLOBAL_READER)
                started.set()
                release.wait(10)
            outcome.append(f"{name} demoted")
        except BadRequest as refused:
            started.set()
            outcome.append(refused.message)

    first_in, first_go = threading.Event(), threading.Event()
    second_in, second_go = threading.Event(), threading.Event()
    first = threading.Thread(target=demote, args=("ann", first_in, first_go))
    first.start()
    assert first_in.wait(10)
    second = threading.Thread(target=demote, args=("ben", second_in, second_go))
    second.start()
    # On PostgreSQL the second waits for the first's row locks; on SQLite for its write lock.
    assert not second_in.wait(0.5)
    first_go.set()
    second_go.set()
    first.join(10)
    second.join(10)

    # Which thread appends first after the first commit is a race; who won is not.
    assert len(outcome) == 2
    assert "ann demoted" in outcome
    [refusal] = [line for line in outcome if line != "ann demoted"]
    assert "'ben' is the last Global Administrator" in refusal
    with db.reading() as session:
        roles = {a.username: a.role for a in admins.list_admins(session)}
    assert roles == {"ann": admins.GLOBAL_READER, "ben": admins.GLOBAL_ADMINISTRATOR}

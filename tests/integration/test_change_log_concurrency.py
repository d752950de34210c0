"""PostgreSQL: writers commit out of seq order; a reader of the change log misses nothing.

Threads write users and memberships (some of their transactions roll back), two worker
processes license the new members meanwhile, and readers follow the log (the service)
and the delta query (the API) all along: every committed change is seen exactly once,
none that rolled back ever is, and the API's copy of the directory ends equal to it.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlsplit

import pytest
import scale_support as scale
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.integration.api_support import bearer

from seatplan.server import create_app
from seatplan.services import (
    catalog,
    changes,
    groups,
    licenses,
    lookup,
    organization,
    subscriptions,
)
from seatplan.services import users as user_service
from seatplan.settings import Settings
from seatplan.store.db import Database
from seatplan.store.tables import DirectoryChange, User

WRITERS, ROUNDS = 4, 25


class Rollback(Exception):
    """Raised inside a transaction on purpose: nothing it did may ever be seen."""


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_change_committed_late_with_a_smaller_seq_is_not_skipped(db: Database) -> None:
    with db.reading() as session:
        start = changes.current(session)
    with ExitStack() as slow_transaction:
        slow = slow_transaction.enter_context(db.writing())
        late = user_service.create(slow, user_principal_name="late@contoso.com")  # smaller seq
        with db.writing() as fast:
            early = user_service.create(fast, user_principal_name="early@contoso.com")
        with db.reading() as session:
            first, cursor = changes.since(session, start)
        assert [c.object_id for c in first] == [early.id]
    # The slow transaction has committed now.
    with db.reading() as session:
        second, cursor = changes.since(session, cursor)
        assert changes.since(session, cursor)[0] == []
    assert [c.object_id for c in second] == [late.id]
    assert second[0].seq < first[0].seq


def _write(url: str, number: int, group_id: uuid.UUID, log: dict[str, list[Any]]) -> None:
    """One writer: creates users into the group, renames and deletes some; 1 in 5 rolls back."""
    db = Database(url)
    rng = random.Random(number)
    mine: list[uuid.UUID] = []
    try:
        for index in range(ROUNDS):
            done: list[tuple[Any, ...]] = []
            try:
                with db.writing() as session:
                    action = (
                        rng.choice(["create", "create", "rename", "delete"]) if mine else "create"
                    )
                    if action == "create":
                        new_id = uuid.uuid4()
                        user = user_service.create(
                            session,
                            user_principal_name=f"w{number}-{index}@contoso.com",
                            user_id=new_id,
                        )
                        groups.add_member(session, group=lookup.group(session, group_id), user=user)
                        done += [("user", new_id, "created"), ("member", group_id, "added", new_id)]
                    elif action == "rename":
                        target = rng.choice(mine)
                        name = f"Renamed {number}-{index}"
                        user_service.update(
                            session, user=lookup.user(session, target), display_name=name
                        )
                        done.append(("user", target, "updated"))
                    else:
                        target = mine.pop(rng.randrange(len(mine)))
                        user_service.delete_user(session, user=lookup.user(session, target))
                        done += [
                            ("member", group_id, "removed", target),
                            ("user", target, "deleted"),
                        ]
                    # Stay open a little: other writers commit meanwhile, out of seq order.
                    time.sleep(rng.random() * 0.02)
                    if rng.random() < 0.2:
                        raise Rollback
            except Rollback:
                log["rolled_back"] += done
                if action == "delete":
                    mine.append(done[-1][1])
                continue
            if action == "create":
                mine.append(done[0][1])
            log["committed"] += done
    finally:
        db.dispose()


def _follow_log(
    db: Database,
    cursor: changes.Cursor,
    stop: threading.Event,
    seen: list[changes.Change],
    jumps: list[int],
) -> None:
    while True:
        finished = stop.is_set()
        with db.reading() as session:
            found, cursor = changes.since(session, cursor)
        if seen and found and found[0].seq < max(c.seq for c in seen):
            jumps.append(found[0].seq)
        seen += found
        if finished:
            return
        time.sleep(0.01)


def _path(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def _apply(client: TestClient, headers: dict[str, str], link: str, copy: dict[str, str]) -> str:
    """Follow one round of /users/delta into `copy` (id → displayName); the next deltaLink."""
    while True:
        body = client.get(link, headers=headers).json()
        for item in body["value"]:
            if "@removed" in item:
                copy.pop(item["id"], None)
            else:
                copy[item["id"]] = item["displayName"]
        if "@odata.deltaLink" in body:
            return _path(body["@odata.deltaLink"])
        link = _path(body["@odata.nextLink"])


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_writers_and_workers_while_readers_follow(
    db: Database, database_url: str
) -> None:
    with db.writing() as session:
        organization.update(session, country_letter_code="US")
        subscriptions.set_units(session, sku=scale.E3, units=500)
        group = groups.create(session, display_name="Staff")
        e3 = catalog.find_product(session, scale.E3).sku_id
        licenses.assign_to_group(session, group=group, add={e3: frozenset()}, remove=[])
        group_id = group.id
    with db.reading() as session:
        start = changes.current(session)

    app = create_app(db, Settings(database_url=db.url, secret_key="test-secret"))
    headers = bearer(db, "User.Read.All")
    copy: dict[str, str] = {}
    stop = threading.Event()
    seen: list[changes.Change] = []
    jumps: list[int] = []
    log: dict[str, list[Any]] = {"committed": [], "rolled_back": []}
    workers = [scale.worker_process(database_url, batch_size=7) for _ in range(2)]
    try:
        with TestClient(app) as client:
            link = _apply(client, headers, "/v1.0/users/delta?$select=displayName", copy)
            reader = threading.Thread(target=_follow_log, args=(db, start, stop, seen, jumps))
            reader.start()
            writers = [
                threading.Thread(target=_write, args=(database_url, n, group_id, log))
                for n in range(WRITERS)
            ]
            for thread in writers:
                thread.start()
            while any(thread.is_alive() for thread in writers):
                link = _apply(client, headers, link, copy)  # rounds while writers write
                time.sleep(0.05)
            for thread in writers:
                thread.join()
            deadline = time.monotonic() + 120
            while scale.queued(db) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert scale.queued(db) == 0
            stop.set()
            reader.join()
            _apply(client, headers, link, copy)
    finally:
        for process in workers:
            process.terminate()
            process.wait(timeout=30)

    # Exactly once: every committed row of the log, and nothing else.
    with db.reading() as session:
        committed_seqs = set(
            session.scalars(select(DirectoryChange.seq).where(DirectoryChange.seq > start.seq))
        )
        directory = {str(u.id): u.display_name for u in session.scalars(select(User))}
    seqs = [change.seq for change in seen]
    assert len(seqs) == len(set(seqs))
    assert set(seqs) == committed_seqs

    # The writers' own changes, as they committed them; none of what rolled back.
    def key(change: changes.Change) -> tuple[Any, ...]:
        if change.kind == "member":
            return ("member", change.object_id, change.change, change.member_id)
        return (change.kind, change.object_id, change.change)

    writers_kinds = [
        key(c)
        for c in seen
        if c.kind == "member" or (c.kind == "user" and "assignedLicenses" not in c.properties)
    ]
    assert Counter(writers_kinds) == Counter(log["committed"])
    rolled_back_users = {entry[1] for entry in log["rolled_back"] if entry[2] == "created"}
    assert not rolled_back_users & {c.object_id for c in seen}
    # The workers' license changes are in the log too, for users that were created.
    licensed = {c.object_id for c in seen if "assignedLicenses" in c.properties}
    assert licensed
    # The API's copy, built from delta rounds only, is the directory.
    assert copy == directory
    print(f"changes seen: {len(seen)}; seen after a larger seq: {len(jumps)}")

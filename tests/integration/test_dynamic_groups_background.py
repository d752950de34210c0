"""A rule's evaluation over the whole directory: chunked, resumable, licensing following."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from sqlalchemy import func, select
from tests.integration import scale_support as scale

from seatplan.processing import rule_evaluation, worker
from seatplan.services import doctor, dynamic_groups, groups, lookup, transaction
from seatplan.store.db import Database
from seatplan.store.tables import AuditEvent, Group, LicenseAssignment, Membership, User

USERS, CHUNK = 600, 100
RULE = 'user.displayName -endsWith "0" -or user.displayName -endsWith "5"'

CHUNKS = (
    "import sys\n"
    "from seatplan.store.db import Database\n"
    "from seatplan.processing import rule_evaluation\n"
    "db = Database(sys.argv[1])\n"
    "while rule_evaluation.run_chunk(db, size=int(sys.argv[2])):\n"
    "    pass\n"
)


def _tenant(db: Database) -> None:
    """USERS users (u0…); the dynamic group `Fives` with Office 365 E3."""
    scale.build(db, members=USERS, seats=USERS, group_names=("Everyone",))
    with transaction.writing(db) as session:
        groups.create(
            session,
            display_name="Fives",
            group_types=[dynamic_groups.DYNAMIC],
            membership_rule=RULE,
        )
    scale.assign(db, "Fives")


def _expected() -> set[str]:
    return {f"u{n}@scale.example" for n in range(USERS) if n % 5 == 0}


def _state(db: Database) -> tuple[set[str], set[str], Group]:
    with db.reading() as session:
        group = lookup.group(session, "Fives")
        members = {
            u.user_principal_name
            for u in session.scalars(
                select(User).where(User.id.in_(dynamic_groups.members(session, group.id)))
            )
        }
        licensed = set(
            session.scalars(
                select(User.user_principal_name)
                .join(LicenseAssignment, LicenseAssignment.user_id == User.id)
                .where(LicenseAssignment.source_id == group.id)
            )
        )
        session.expunge(group)
        return members, licensed, group


def test_a_rule_is_evaluated_in_chunks_and_its_members_licensed(db):
    _tenant(db)
    assert rule_evaluation.pending(db) == 1
    done = rule_evaluation.run_chunk(db, size=CHUNK)
    assert done == CHUNK
    members, _, group = _state(db)
    assert group.rule_status == dynamic_groups.RUNNING
    assert members == {m for m in _expected() if int(m[1:].split("@")[0]) < CHUNK}
    worker.drain(db, batch_size=1000)
    members, licensed, group = _state(db)
    assert members == _expected()
    assert licensed == _expected()
    assert (group.rule_status, group.rule_joined, group.rule_left) == (
        dynamic_groups.SUCCEEDED,
        len(_expected()),
        0,
    )
    assert rule_evaluation.pending(db) == 0


def test_a_worker_killed_mid_evaluation_resumes_where_it_stopped(db, database_url):
    _tenant(db)
    env = {**os.environ, "SEATPLAN_FAILPOINT": "after-rule-chunk:3"}
    killed = subprocess.run(
        [sys.executable, "-c", CHUNKS, database_url, str(CHUNK)],
        env=env,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    members, _, group = _state(db)
    assert group.rule_status == dynamic_groups.RUNNING
    assert len(members) == len([n for n in range(2 * CHUNK) if n % 5 == 0])  # 2 committed
    worker.drain(db, batch_size=1000)
    members, licensed, group = _state(db)
    assert members == licensed == _expected()
    assert group.rule_joined == len(_expected())  # nobody counted twice
    with db.reading() as session:
        joins = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.activity_display_name == "Add member to group")
        )
    assert joins == len(_expected())


def test_a_paused_group_is_not_evaluated(db):
    _tenant(db)
    with transaction.writing(db) as session:
        groups.update(
            session,
            group=lookup.group(session, "Fives"),
            membership_rule_processing_state=dynamic_groups.PAUSED,
        )
    worker.drain(db, batch_size=1000)
    members, licensed, group = _state(db)
    assert members == licensed == set()
    assert group.rule_status == dynamic_groups.NOT_STARTED


def test_doctor_finds_a_member_the_rule_does_not_give_and_repair_evaluates_again(db):
    _tenant(db)
    worker.drain(db, batch_size=1000)
    with db.reading() as session:
        assert doctor.check(session).ok
    with db.writing() as session:  # a hand edit behind the services' back
        group = lookup.group(session, "Fives")
        stray = lookup.user(session, "u1@scale.example")
        session.add(Membership(group_id=group.id, user_id=stray.id))
    with db.reading() as session:
        report = doctor.check(session)
    dynamic = [p for p in report.problems if p.check == "dynamic membership"]
    assert [p.user_id for p in dynamic] == [lookup_id(db, "u1@scale.example")]
    with transaction.writing(db) as session:
        doctor.repair(session, report)
    worker.drain(db, batch_size=1000)
    members, licensed, _ = _state(db)
    assert members == licensed == _expected()
    with db.reading() as session:
        assert doctor.check(session).ok


def lookup_id(db: Database, upn: str) -> object:
    with db.reading() as session:
        return lookup.user(session, upn).id

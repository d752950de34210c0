"""A user written in one server process meets the dynamic rules another process just
changed: every write reads the groups that are On in its own transaction, so no process
keeps a stale view of them (services.dynamic_groups.user_changed)."""

from __future__ import annotations

import subprocess
import sys

from seatplan.services import dynamic_groups, lookup, transaction
from seatplan.services import users as user_service
from seatplan.store.db import Database

#: Another server process: it makes the group `Sales` dynamic (or changes its state).
OTHER_PROCESS = (
    "import sys\n"
    "from seatplan.services import dynamic_groups, groups, lookup, transaction\n"
    "from seatplan.store.db import Database\n"
    "db = Database(sys.argv[1])\n"
    "with transaction.writing(db) as session:\n"
    "    if sys.argv[2] == 'create':\n"
    "        groups.create(session, display_name='Sales', group_types=[dynamic_groups.DYNAMIC],\n"
    "                      membership_rule='user.department -eq \"Sales\"')\n"
    "    else:\n"
    "        group = lookup.group(session, 'Sales')\n"
    "        dynamic_groups.configure(session, group=group, dynamic=True, state=sys.argv[2])\n"
    "db.dispose()\n"
)


def _other_process(url: str, action: str) -> None:
    subprocess.run([sys.executable, "-c", OTHER_PROCESS, url, action], check=True, timeout=120)


def _create(db: Database, name: str, department: str) -> None:
    with transaction.writing(db) as session:
        user_service.create(
            session, user_principal_name=f"{name}@contoso.com", department=department
        )


def _department(db: Database, name: str, department: str) -> None:
    with transaction.writing(db) as session:
        user = lookup.user(session, f"{name}@contoso.com")
        user_service.update(session, user=user, department=department)


def _members(db: Database) -> set[str]:
    with db.reading() as session:
        group = lookup.group(session, "Sales")
        return {
            lookup.user(session, str(user_id)).user_principal_name.split("@")[0]
            for user_id in dynamic_groups.members(session, group.id)
        }


def test_rules_changed_by_another_process_apply_to_the_next_write(
    db: Database, database_url: str
) -> None:
    # This process writes while there is no dynamic group at all...
    _create(db, "ann", "Sales")
    # ...then another process adds one: this process's next writes must see it.
    _other_process(database_url, "create")
    _create(db, "bob", "Sales")
    _create(db, "cy", "Marketing")
    assert _members(db) == {"bob"}
    _department(db, "cy", "Sales")
    assert _members(db) == {"bob", "cy"}
    # Paused by the other process: this one's writes leave the members as they are.
    _other_process(database_url, dynamic_groups.PAUSED)
    _department(db, "bob", "Marketing")
    _create(db, "dee", "Sales")
    assert _members(db) == {"bob", "cy"}
    # On again (its whole evaluation is the worker's): incremental changes resume.
    _other_process(database_url, dynamic_groups.ON)
    _department(db, "cy", "Marketing")
    assert "cy" not in _members(db)

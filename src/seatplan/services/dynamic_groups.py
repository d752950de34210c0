"""Dynamic groups: a rule decides the members, kept exact as users change.

Two paths keep membership equal to the rule's result over the directory:

- incrementally, in the transaction of the user's change: `user_changed` re-evaluates
  one created or changed user against the groups whose rule reads a changed property
  (`users_changed` a bulk import's chunk of them, the groups read once);
- in the background, for a new or changed rule (or a group resumed): the worker calls
  `evaluate_chunk` over the users in id order, one transaction per chunk, the group's
  row holding where it stands (`rule_cursor`), so a crash resumes after the last chunk
  committed.

Joins and leaves go through `services.membership`, as a manual change does, so licensing
is queued, the change log and the audit log written, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from seatplan.engine.membership_rules import MembershipRule, RuleSyntaxError, parse
from seatplan.services import audit, membership
from seatplan.services.errors import BadRequest
from seatplan.services.rule_subjects import load_subjects, subject_of
from seatplan.services.unset import UNSET, Unset
from seatplan.store.tables import Group, GroupLicense, Membership, User
from seatplan.store.types import utcnow

DYNAMIC = "DynamicMembership"
ON = "On"
PAUSED = "Paused"
STATES = (ON, PAUSED)
#: membershipRuleProcessingStatus.status, as Graph (beta) names them.
NOT_STARTED = "NotStarted"
RUNNING = "Running"
SUCCEEDED = "Succeeded"
FAILED = "Failed"
#: Who the audit log says changed a dynamic group's members.
ACTOR = audit.Actor("app", "Dynamic membership")
#: Users evaluated per background transaction.
CHUNK = 5000


class InvalidRule(BadRequest):
    """A rule that does not parse: the position (0-based here, 1-based in the message)
    and the reason."""

    def __init__(self, error: RuleSyntaxError) -> None:
        # The parser's own words: "Invalid membership rule at position N: reason".
        super().__init__(f"{error}.")
        self.position = error.position
        self.reason = error.reason


@lru_cache(maxsize=512)
def _parsed(text: str) -> MembershipRule:
    return parse(text)


def rule(text: str) -> MembershipRule:
    """The parsed rule (cached per process by its text); InvalidRule if it does not parse."""
    try:
        return _parsed(text)
    except RuleSyntaxError as error:
        raise InvalidRule(error) from error


def is_dynamic(group: Group) -> bool:
    return group.membership_rule_processing_state is not None


def refuse_manual_change(group: Group) -> None:
    """Members of a dynamic group are the rule's: nobody adds or removes them by hand."""
    if is_dynamic(group):
        raise BadRequest(
            "Insufficient privileges to complete the operation: members of a group with "
            "dynamic membership cannot be added or removed manually."
        )


def _schedule(group: Group) -> None:
    """Evaluate the rule over the whole directory, from the first user."""
    group.rule_status = NOT_STARTED
    group.rule_cursor = None
    group.rule_joined = 0
    group.rule_left = 0
    group.rule_error = None


def configure(
    session: Session,
    *,
    group: Group,
    dynamic: bool,
    rule_text: str | Unset | None = UNSET,
    state: str | Unset | None = UNSET,
) -> list[dict[str, Any]]:
    """Make `group` dynamic with a rule and state (or static); the audit's modified
    properties. Checks everything before changing anything."""
    if not dynamic:
        if isinstance(rule_text, str) or isinstance(state, str):
            raise BadRequest(
                "membershipRule and membershipRuleProcessingState can only be set on a group "
                f"whose groupTypes contains '{DYNAMIC}'."
            )
        if not is_dynamic(group):
            return []
        # Turning static keeps the members the rule gave.
        modified = [
            audit.changed("GroupTypes", group.group_types, _types(group, dynamic=False)),
            audit.changed("MembershipRule", group.membership_rule, None),
            audit.changed(
                "MembershipRuleProcessingState", group.membership_rule_processing_state, None
            ),
        ]
        group.group_types = _types(group, dynamic=False)
        group.membership_rule = None
        group.membership_rule_processing_state = None
        group.rule_status = None
        group.rule_cursor = None
        return modified
    text = group.membership_rule if isinstance(rule_text, Unset) else rule_text
    if text is None or not text.strip():
        raise BadRequest(f"membershipRule is required for a group with groupTypes '{DYNAMIC}'.")
    rule(text)
    was = group.membership_rule_processing_state
    new_state = (was or ON) if isinstance(state, Unset) or state is None else state
    if new_state not in STATES:
        raise BadRequest(
            f"Invalid value '{new_state}' for membershipRuleProcessingState: expected On or Paused."
        )
    modified = [
        audit.changed("GroupTypes", group.group_types, _types(group, dynamic=True)),
        audit.changed("MembershipRule", group.membership_rule, text),
        audit.changed("MembershipRuleProcessingState", was, new_state),
    ]
    changed_rule = text != group.membership_rule or was is None
    group.group_types = _types(group, dynamic=True)
    group.membership_rule = text
    group.membership_rule_processing_state = new_state
    if new_state == ON and (changed_rule or was == PAUSED):
        _schedule(group)
    elif changed_rule:
        group.rule_status = NOT_STARTED  # evaluated when resumed
    return modified


def _types(group: Group, *, dynamic: bool) -> list[str]:
    others = [kind for kind in group.group_types or [] if kind != DYNAMIC]
    return [*others, DYNAMIC] if dynamic else others


# -- incremental -------------------------------------------------------------------------


def subject(user: User) -> dict[str, object]:
    """What rules read of a user, before a change (for `user_changed`)."""
    return subject_of(user)


def _reads(properties: frozenset[str], changed: set[str]) -> bool:
    """The rule reads a changed property (or a part of one: extension attributes)."""
    return any(
        name == prop or prop.startswith(name + ".") or name.startswith(prop + ".")
        for prop in properties
        for name in changed
    )


def _active(session: Session) -> list[tuple[Group, bool]]:
    """The dynamic groups whose state is On, with whether each has products (one query)."""
    licensed = exists().where(GroupLicense.group_id == Group.id)
    rows = session.execute(
        select(Group, licensed).where(
            Group.membership_rule_processing_state == ON, Group.membership_rule.is_not(None)
        )
    )
    return [(group, bool(has)) for group, has in rows]


#: The dynamic groups that are On: id, rule, whether the group has products. Read on every
#: user written, in its transaction (so right whatever another process changed), through
#: the index on the state; plain rows, the groups themselves loaded only when needed.
_ACTIVE_RULES = select(
    Group.id, Group.membership_rule, exists().where(GroupLicense.group_id == Group.id)
).where(Group.membership_rule_processing_state == ON, Group.membership_rule.is_not(None))


def user_changed(session: Session, *, user: User, before: Mapping[str, object] | None) -> None:
    """Re-evaluate `user` (created when `before` is None, else changed from `before`)
    against every dynamic group that is On and reads a property that changed."""
    after = subject_of(user)
    changed: set[str] | None = None
    if before is not None:
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        if not changed:
            return
    candidates = []
    for group_id, text, licensed in session.execute(_ACTIVE_RULES):
        parsed = rule(text or "")
        if changed is None or _reads(parsed.properties, changed):
            candidates.append((group_id, bool(licensed), parsed))
    if not candidates:
        return
    current: set[UUID] = set()
    if before is not None:
        current = set(
            session.scalars(
                select(Membership.group_id).where(
                    Membership.user_id == user.id,
                    Membership.group_id.in_([group_id for group_id, _, _ in candidates]),
                )
            )
        )
    who = [(user.id, user.user_principal_name)]
    for group_id, has_products, parsed in candidates:
        # Without products of its own, licenses may still flow from a group above it.
        flows: bool | None = True if has_products else None
        matches = parsed.matches(after)
        if matches == (group_id in current):
            continue
        group = session.get_one(Group, group_id)
        if matches:
            membership.join(session, group=group, users=who, licensed=flows, actor=ACTOR)
        else:
            membership.leave(session, group=group, users=who, licensed=flows, actor=ACTOR)
        group.rule_updated = utcnow()


def users_changed(
    session: Session,
    changed: Sequence[tuple[membership.Member, Mapping[str, object] | None, Mapping[str, object]]],
) -> None:
    """`user_changed` for many users at once (a bulk import's chunk): each item is the
    user, its subject before (None: created) and after. The active groups are read once
    and each group's joins and leaves are one `membership` call, with the same outcome."""
    work: list[tuple[membership.Member, set[str] | None, Mapping[str, object]]] = []
    for who, before, after in changed:
        properties: set[str] | None = None
        if before is not None:
            properties = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
            if not properties:
                continue
        work.append((who, properties, after))
    if not work:
        return
    active = [(group, has, rule(group.membership_rule or "")) for group, has in _active(session)]
    changed_ids = [who[0] for who, properties, _ in work if properties is not None]
    current: set[tuple[UUID, UUID]] = set()
    if active and changed_ids:
        rows = session.execute(
            select(Membership.user_id, Membership.group_id).where(
                Membership.user_id.in_(changed_ids),
                Membership.group_id.in_([group.id for group, _, _ in active]),
            )
        )
        current = {(user_id, group_id) for user_id, group_id in rows}
    for group, has_products, parsed in active:
        joining: list[membership.Member] = []
        leaving: list[membership.Member] = []
        for who, properties, after in work:
            if properties is not None and not _reads(parsed.properties, properties):
                continue
            matches = parsed.matches(after)
            member = (who[0], group.id) in current
            if matches and not member:
                joining.append(who)
            elif not matches and member:
                leaving.append(who)
        flows: bool | None = True if has_products else None
        membership.join(session, group=group, users=joining, licensed=flows, actor=ACTOR)
        membership.leave(session, group=group, users=leaving, licensed=flows, actor=ACTOR)
        if joining or leaving:
            group.rule_updated = utcnow()


# -- background ----------------------------------------------------------------------


def claim(session: Session) -> Group | None:
    """A group whose rule waits for evaluation, locked for this transaction (on
    PostgreSQL `FOR UPDATE SKIP LOCKED`: workers take different groups, never one twice)."""
    waiting = (
        select(Group)
        .where(
            Group.membership_rule_processing_state == ON,
            Group.rule_status.in_([NOT_STARTED, RUNNING]),
        )
        .order_by(Group.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalar(waiting)


def pending(session: Session) -> int:
    """Groups whose rule waits for (or is in) a whole-directory evaluation."""
    waiting = (
        select(func.count())
        .select_from(Group)
        .where(
            Group.membership_rule_processing_state == ON,
            Group.rule_status.in_([NOT_STARTED, RUNNING]),
        )
    )
    return session.scalar(waiting) or 0


def evaluate_chunk(session: Session, *, group: Group, size: int = CHUNK) -> int:
    """Evaluate the next `size` users after the group's cursor; returns how many.

    The members among them become the rule's result (joins and leaves through
    `membership`); the cursor moves past them; after the last user, the run succeeded.
    """
    try:
        parsed = rule(group.membership_rule or "")
    except InvalidRule as error:  # a rule stored before the parser changed
        group.rule_status = FAILED
        group.rule_error = error.message
        return 0
    statement = select(User.id, User.user_principal_name).order_by(User.id).limit(size)
    if group.rule_cursor is not None:
        statement = statement.where(User.id > group.rule_cursor)
    users = [(row[0], row[1]) for row in session.execute(statement)]
    if users:
        names = dict(users)
        ids = [user_id for user_id, _ in users]
        matched = {uid for uid, found in load_subjects(session, ids) if parsed.matches(found)}
        span = Membership.user_id.between(ids[0], ids[-1])
        members = set(
            session.scalars(select(Membership.user_id).where(Membership.group_id == group.id, span))
        )
        joining = [(uid, names[uid]) for uid in ids if uid in matched and uid not in members]
        leaving = [(uid, names[uid]) for uid in ids if uid in members and uid not in matched]
        licensed = membership.licenses_flow(session, group.id)
        membership.join(session, group=group, users=joining, licensed=licensed, actor=ACTOR)
        membership.leave(session, group=group, users=leaving, licensed=licensed, actor=ACTOR)
        group.rule_joined += len(joining)
        group.rule_left += len(leaving)
        if joining or leaving:
            group.rule_updated = utcnow()
        group.rule_cursor = ids[-1]
    if len(users) < size:
        group.rule_status = SUCCEEDED
        group.rule_cursor = None
    else:
        group.rule_status = RUNNING
    session.flush()
    return len(users)


def evaluate_again(session: Session, group_id: UUID) -> None:
    """Evaluate a dynamic group's rule over the whole directory again (doctor's repair)."""
    group = session.get(Group, group_id)
    if group is not None and group.membership_rule_processing_state == ON:
        _schedule(group)
        session.flush()


def evaluate_all(session: Session, *, group: Group) -> None:
    """The whole evaluation in the caller's transaction (tests, previews)."""
    while evaluate_chunk(session, group=group) == CHUNK:
        pass


def from_scratch(session: Session, group: Group) -> set[UUID]:
    """The rule's result over the whole directory, for checks (doctor, tests)."""
    parsed = rule(group.membership_rule or "")
    return {uid for uid, found in load_subjects(session) if parsed.matches(found)}


def members(session: Session, group_id: UUID) -> set[UUID]:
    return set(session.scalars(select(Membership.user_id).where(Membership.group_id == group_id)))

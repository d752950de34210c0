"""What rules read of users: the same subject from an ORM row and from the bulk loader."""

from __future__ import annotations

from uuid import UUID, uuid4

from sqlalchemy import select

from seatplan.engine.membership_rules import RULE_PROPERTIES, parse
from seatplan.services import users
from seatplan.services.rule_subjects import load_subjects, subject_of
from seatplan.services.transaction import writing
from seatplan.store.tables import User

FULL = {
    "given_name": "Ada",
    "surname": "Lovelace",
    "mail": "ada@contoso.com",
    "mail_nickname": "ada",
    "other_mails": ["ada@fabrikam.com", "lovelace@outlook.com"],
    "business_phones": ["+1 555 0100"],
    "mobile_phone": "+1 555 0199",
    "company_name": "Contoso",
    "office_location": "Building 7",
    "city": "Lagos",
    "state": "Lagos State",
    "country": "Nigeria",
    "postal_code": "100001",
    "street_address": "1 Marina",
    "employee_id": "E-1",
    "employee_type": "Employee",
    "user_type": "Guest",
    "preferred_language": "en-US",
    "extension_attributes": {"extensionAttribute1": "Red", "extensionAttribute15": "Blue"},
    "on_premises_immutable_id": "abc=",
}


def make_users(db, count: int = 0) -> tuple[UUID, UUID, list[UUID]]:
    with writing(db) as session:
        full = users.create(
            session,
            user_principal_name="ada@contoso.com",
            display_name="Ada Lovelace",
            usage_location="NG",
            department="Engineering",
            job_title="Analyst",
            properties=FULL,
        )
        full.on_premises_sync_enabled = True
        bare = users.create(session, user_principal_name="bare@contoso.com", account_enabled=False)
        more = [
            users.create(session, user_principal_name=f"user{n}@contoso.com", department=f"D{n}").id
            for n in range(count)
        ]
        return full.id, bare.id, more


def test_a_subject_holds_every_property_rules_read_with_graph_values(db):
    full, bare, _ = make_users(db)
    with db.reading() as session:
        subject = subject_of(session.get(User, full))
        empty = subject_of(session.get(User, bare))

    assert set(subject) == set(RULE_PROPERTIES) == set(empty)
    extensions = {name: None for name in RULE_PROPERTIES if name.startswith("onPremisesExt")}
    assert subject == {
        **extensions,
        "id": str(full),
        "accountEnabled": True,
        "businessPhones": ["+1 555 0100"],
        "city": "Lagos",
        "companyName": "Contoso",
        "country": "Nigeria",
        "department": "Engineering",
        "displayName": "Ada Lovelace",
        "employeeId": "E-1",
        "employeeType": "Employee",
        "givenName": "Ada",
        "jobTitle": "Analyst",
        "mail": "ada@contoso.com",
        "mailNickname": "ada",
        "mobilePhone": "+1 555 0199",
        "officeLocation": "Building 7",
        "onPremisesImmutableId": "abc=",
        "onPremisesSyncEnabled": True,
        "otherMails": ["ada@fabrikam.com", "lovelace@outlook.com"],
        "postalCode": "100001",
        "preferredLanguage": "en-US",
        # Setting mail makes it the primary SMTP address, as Graph does.
        "proxyAddresses": ["SMTP:ada@contoso.com"],
        "state": "Lagos State",
        "streetAddress": "1 Marina",
        "surname": "Lovelace",
        "usageLocation": "NG",
        "userPrincipalName": "ada@contoso.com",
        "userType": "Guest",
        "onPremisesExtensionAttributes.extensionAttribute1": "Red",
        "onPremisesExtensionAttributes.extensionAttribute15": "Blue",
    }

    assert empty["accountEnabled"] is False
    assert empty["department"] is None
    assert empty["onPremisesSyncEnabled"] is None
    assert empty["otherMails"] == empty["proxyAddresses"] == empty["businessPhones"] == []
    assert empty["userType"] == "Member"


def test_the_loader_and_the_row_give_identical_subjects(db):
    make_users(db, count=5)
    with db.reading() as session:
        from_rows = {user.id: subject_of(user) for user in session.scalars(select(User))}
        loaded = list(load_subjects(session, chunk=2))

    assert dict(loaded) == from_rows
    assert len(loaded) == 7
    assert [user_id for user_id, _ in loaded] == sorted(from_rows)


def test_the_loader_reads_the_users_asked_for_in_chunks(db):
    full, _, more = make_users(db, count=4)
    wanted = [more[3], full, more[0], uuid4(), full]
    with db.reading() as session:
        loaded = dict(load_subjects(session, wanted, chunk=2))
        assert loaded == {
            user_id: subject_of(session.get(User, user_id)) for user_id in (full, more[0], more[3])
        }
        assert list(load_subjects(session, [])) == []


def test_rules_read_the_loaded_subjects(db):
    full, bare, _ = make_users(db, count=3)
    rule = parse(
        'user.otherMails -any (_ -endsWith "@outlook.com") -and user.extensionAttribute15 '
        '-eq "blue" -and user.dirSyncEnabled -eq true -and user.mobile -startsWith "+1"'
    )
    everyone = parse("user.objectId -ne null")
    disabled = parse("user.accountEnabled -eq false")
    with db.reading() as session:
        subjects = dict(load_subjects(session))
    assert [i for i, s in subjects.items() if rule.matches(s)] == [full]
    assert [i for i, s in subjects.items() if everyone.matches(s)] == sorted(subjects)
    assert [i for i, s in subjects.items() if disabled.matches(s)] == [bare]


def test_a_subject_sees_changes_not_yet_flushed(db):
    full, _, _ = make_users(db)
    with writing(db) as session:
        user = session.get(User, full)
        users.update(session, user=user, department="Sales", properties={"city": "Abuja"})
        subject = subject_of(user)
    assert (subject["department"], subject["city"]) == ("Sales", "Abuja")


def test_a_subject_is_a_snapshot_that_later_changes_leave_alone(db):
    full, _, _ = make_users(db)
    with writing(db) as session:
        user = session.get(User, full)
        before = subject_of(user)
        user.other_mails.append("new@contoso.com")
        user.extension_attributes["extensionAttribute1"] = "Green"
        users.update(session, user=user, properties={"city": "Abuja"})
        after = subject_of(user)
    assert before["otherMails"] == ["ada@fabrikam.com", "lovelace@outlook.com"]
    assert before["onPremisesExtensionAttributes.extensionAttribute1"] == "Red"
    assert before["city"] == "Lagos"
    assert after["otherMails"][-1] == "new@contoso.com"
    assert after["city"] == "Abuja"

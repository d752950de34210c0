"""A demo tenant in which every problem of docs/behaviour.md ("Resolving problems") happens.

- Adele has Office 365 E1 directly and inherits E3 from "All Staff": E3's Exchange and
  SharePoint plans conflict with E1's (MutuallyExclusiveViolation).
- "Analysts" has more members than Power BI Pro seats (CountViolation).
- "Marketing" carries E3 and Power BI Pro; with no Power BI seat left, E3 is not applied
  either (CountViolation on one product, Other on its sibling).
- Megan holds Defender for Office 365 (Plan 2) directly, which needs Exchange Online
  (Plan 2) from her E3; she left "Security team", whose E3 therefore stays
  (ActiveWithError, DependencyViolation).
- Bruno works in Brazil, where the calling plan of "Phone users" is not sold
  (ProhibitedInUsageLocationViolation).
- Nestor has no usage location and inherits the organization's (US).

`FIXES` lists what an administrator does about each; the tests apply them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import exists, select

from seatplan.processing import worker
from seatplan.services import catalog, groups, licenses, lookup, subscriptions, transaction, users
from seatplan.services import organization as org_service
from seatplan.store.db import Database
from seatplan.store.tables import User

DOMAIN = "contoso.com"

SEATS = {
    "ENTERPRISEPACK": 25,
    "STANDARDPACK": 10,
    "EMS": 25,
    "POWER_BI_PRO": 5,
    "THREAT_INTELLIGENCE": 5,
    "MCOPSTN1": 5,
}

#: (alias, display name, usage location or None, department)
PEOPLE = [
    ("adele", "Adele Vance", "US", "Retail"),
    ("alex", "Alex Wilber", "US", "Marketing"),
    ("diego", "Diego Siciliani", "US", "HR"),
    ("grady", "Grady Archie", "US", "R&D"),
    ("nestor", "Nestor Wilke", None, "Operations"),
    ("isaiah", "Isaiah Langer", "GB", "Sales"),
    ("johanna", "Johanna Lorenz", "DE", "Engineering"),
    ("lee", "Lee Gu", "US", "Analytics"),
    ("lidia", "Lidia Holloway", "US", "Analytics"),
    ("lynne", "Lynne Robbins", "US", "Analytics"),
    ("miriam", "Miriam Graham", "US", "Analytics"),
    ("pradeep", "Pradeep Gupta", "US", "Analytics"),
    ("patti", "Patti Fernandez", "US", "Analytics"),
    ("irvin", "Irvin Sayers", "US", "Marketing"),
    ("henrietta", "Henrietta Mueller", "US", "Marketing"),
    ("megan", "Megan Bowen", "US", "Security"),
    ("joni", "Joni Sherman", "US", "Support"),
    ("bruno", "Bruno Costa", "BR", "Support"),
]

#: group → (products, members); processed in this order, so seats go in this order too.
GROUPS: list[tuple[str, str, list[str], list[str]]] = [
    (
        "All Staff",
        "Everyone on staff.",
        ["ENTERPRISEPACK"],
        ["adele", "alex", "diego", "grady", "nestor", "isaiah", "johanna"],
    ),
    (
        "Analysts",
        "Power BI for the analytics team.",
        ["POWER_BI_PRO"],
        ["lee", "lidia", "lynne", "miriam", "pradeep", "patti"],
    ),
    (
        "Marketing",
        "Office and Power BI for marketing contractors.",
        ["ENTERPRISEPACK", "POWER_BI_PRO"],
        ["irvin", "henrietta"],
    ),
    ("Security team", "Office for the security team.", ["ENTERPRISEPACK"], ["megan"]),
    ("Phone users", "Domestic calling plan.", ["MCOPSTN1"], ["joni", "bruno"]),
]


@dataclass(frozen=True, slots=True)
class Fix:
    problem: str
    commands: tuple[str, ...]


FIXES = [
    Fix(
        "Adele: conflicting service plans (E1 direct, E3 from All Staff)",
        (
            f"seatplan users assign-license adele@{DOMAIN} STANDARDPACK "
            "--disable EXCHANGE_S_STANDARD --disable SHAREPOINTSTANDARD",
            "seatplan groups reprocess 'All Staff'",
        ),
    ),
    Fix(
        "Analysts and Marketing: not enough Power BI Pro licenses",
        ("seatplan subscriptions set POWER_BI_PRO --units 10",),
    ),
    Fix(
        "Megan: Defender for Office 365 depends on the E3 she lost with Security team",
        (f"seatplan users remove-license megan@{DOMAIN} THREAT_INTELLIGENCE",),
    ),
    Fix(
        "Bruno: calling plan not allowed in Brazil",
        (f"seatplan users set bruno@{DOMAIN} --usage-location GB",),
    ),
]


def upn(alias: str) -> str:
    return f"{alias}@{DOMAIN}"


def load(db: Database, *, batch_size: int = 1000) -> bool:
    """Load the demo tenant into a database with no users. False when it has users."""
    with transaction.writing(db) as session:
        if session.scalar(select(exists().where(User.id.is_not(None)))):
            return False
        org_service.update(
            session,
            display_name="Contoso",
            country_letter_code="US",
            default_usage_location="US",
        )
        for part, seats in SEATS.items():
            subscriptions.set_units(session, sku=part, units=seats)
        for alias, name, location, department in PEOPLE:
            users.create(
                session,
                user_principal_name=upn(alias),
                display_name=name,
                usage_location=location,
                department=department,
            )
        adele = lookup.user(session, upn("adele"))
        e1 = catalog.find_product(session, "STANDARDPACK")
        licenses.assign_to_user(session, user=adele, add={e1.sku_id: frozenset()}, remove=[])

    for name, description, products, members in GROUPS:
        with transaction.writing(db) as session:
            group = groups.create(session, display_name=name, description=description)
            for alias in members:
                groups.add_member(session, group=group, user=lookup.user(session, upn(alias)))
            wanted: dict[UUID, frozenset[UUID]] = {
                catalog.find_product(session, p).sku_id: frozenset() for p in products
            }
            licenses.assign_to_group(session, group=group, add=wanted, remove=[])
        worker.drain(db, batch_size=batch_size)

    with transaction.writing(db) as session:
        megan = lookup.user(session, upn("megan"))
        defender = catalog.find_product(session, "THREAT_INTELLIGENCE")
        licenses.assign_to_user(session, user=megan, add={defender.sku_id: frozenset()}, remove=[])
        groups.remove_member(session, group=lookup.group(session, "Security team"), user=megan)
    worker.drain(db, batch_size=batch_size)
    return True

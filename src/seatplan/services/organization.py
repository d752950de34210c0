"""The organization: its name, country, default usage location and licensing settings."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seatplan.engine.countries import is_country_code
from seatplan.services import audit, nesting, queue
from seatplan.services.errors import BadRequest
from seatplan.services.unset import UNSET, Unset
from seatplan.store.tables import Organization

DEFAULT_NAME = "My organization"


def ensure(session: Session) -> Organization:
    """The organization, created on first use (one per deployment)."""
    org = session.scalar(select(Organization))
    if org is None:
        org = Organization(display_name=DEFAULT_NAME, auto_offer_seats=True, catalog_version=0)
        session.add(org)
        session.flush()
    return org


def get(session: Session) -> Organization:
    org: Organization | None = session.scalar(select(Organization))
    if org is None:
        raise BadRequest("The database is not initialized: run `seatplan db upgrade`.")
    return org


def country(value: str | None, field: str) -> str | None:
    """A valid ISO 3166-1 alpha-2 code (upper-cased), or None for an empty value."""
    if value is None or value.strip() == "":
        return None
    code = value.strip().upper()
    if not is_country_code(code):
        raise BadRequest(f"Invalid {field} '{value}': expected an ISO 3166-1 alpha-2 code.")
    return code


def update(
    session: Session,
    *,
    display_name: str | None = None,
    country_letter_code: str | Unset | None = UNSET,
    default_usage_location: str | Unset | None = UNSET,
    auto_offer_seats: bool | None = None,
    license_nested_groups: bool | None = None,
) -> Organization:
    """Change the organization's settings; users inheriting its location are re-evaluated."""
    org = get(session)
    modified = []
    if display_name is not None:
        if not display_name.strip():
            raise BadRequest("The organization's name cannot be empty.")
        modified.append(audit.changed("DisplayName", org.display_name, display_name.strip()))
        org.display_name = display_name.strip()
    location_changed = False
    if country_letter_code is not UNSET:
        code = country(country_letter_code, "country")
        location_changed |= code != org.country_letter_code
        modified.append(audit.changed("CountryLetterCode", org.country_letter_code, code))
        org.country_letter_code = code
    if default_usage_location is not UNSET:
        code = country(default_usage_location, "default usage location")
        location_changed |= code != org.default_usage_location
        modified.append(audit.changed("DefaultUsageLocation", org.default_usage_location, code))
        org.default_usage_location = code
    if auto_offer_seats is not None:
        modified.append(audit.changed("AutoOfferSeats", org.auto_offer_seats, auto_offer_seats))
        org.auto_offer_seats = auto_offer_seats
    if license_nested_groups is not None and license_nested_groups != org.license_nested_groups:
        modified.append(
            audit.changed("LicenseNestedGroups", org.license_nested_groups, license_nested_groups)
        )
        org.license_nested_groups = license_nested_groups
        session.flush()
        # Whom it affects does not depend on the setting's value: queue them with it.
        queue.enqueue_selected(
            session, nesting.affected_by_setting(), nesting.groups_affected_by_setting()
        )
    session.flush()
    if location_changed:
        queue.enqueue_users_without_location(session)
    audit.record_update(
        session,
        activity=audit.Activity.UPDATE_ORGANIZATION,
        category="Organization",
        target=audit.target("Organization", org.id, org.display_name),
        modified=modified,
    )
    return org


def nested_setting_reach(session: Session) -> int:
    """How many users changing licenseNestedGroups would queue (the portal asks first)."""
    affected = nesting.affected_by_setting().subquery()
    return session.scalar(select(func.count()).select_from(affected)) or 0

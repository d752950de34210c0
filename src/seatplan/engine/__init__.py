"""Pure licensing rules: values in, outcomes out. No I/O, no database, no web framework."""

from seatplan.engine.direct import (
    check_direct_change,
    check_group_products,
    check_location_change,
    check_products,
)
from seatplan.engine.errors import LicenseRefused
from seatplan.engine.evaluate import SeatPool, active_plans, evaluate_batch, evaluate_user
from seatplan.engine.location import effective_location
from seatplan.engine.model import Assignment, ErrorKind, Intent, State, UserCase, UserOutcome
from seatplan.engine.rules import LocationRule, ProductConfig, RuleBook

__all__ = [
    "Assignment",
    "ErrorKind",
    "Intent",
    "LicenseRefused",
    "LocationRule",
    "ProductConfig",
    "RuleBook",
    "SeatPool",
    "State",
    "UserCase",
    "UserOutcome",
    "active_plans",
    "check_direct_change",
    "check_group_products",
    "check_location_change",
    "check_products",
    "effective_location",
    "evaluate_batch",
    "evaluate_user",
]

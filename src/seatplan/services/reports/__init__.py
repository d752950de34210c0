"""Read-only views of licensing for the CLI, the admin API and the portal.

Keyword-only functions taking a session; each reads with a handful of set-based queries
(never one per user) and returns frozen values. Product and plan names come from the
in-memory catalog. `ERROR_HELP` holds the one explanation and list of fixes per error.
"""

from seatplan.services.reports.common import APPLIED, DIRECT, GroupRef
from seatplan.services.reports.groups import (
    GroupProduct,
    GroupSummary,
    Member,
    RuleSummary,
    group_detail,
    group_members,
    group_summaries,
    member_groups,
    parent_groups,
)
from seatplan.services.reports.help import ERROR_HELP, ErrorHelp, error_help
from seatplan.services.reports.problems import (
    AssignmentError,
    assignment_errors,
    members_with_errors,
)
from seatplan.services.reports.skus import (
    LicensedGroup,
    LicensedUser,
    licensed_groups,
    licensed_users,
    product_plans,
    products,
    sku_summaries,
    waiting_for_seats,
)
from seatplan.services.reports.users import (
    LicenseView,
    UserDetail,
    UserSummary,
    user_detail,
    user_summaries,
)

__all__ = [
    "APPLIED",
    "DIRECT",
    "ERROR_HELP",
    "AssignmentError",
    "ErrorHelp",
    "GroupProduct",
    "GroupRef",
    "GroupSummary",
    "LicenseView",
    "LicensedGroup",
    "LicensedUser",
    "Member",
    "RuleSummary",
    "UserDetail",
    "UserSummary",
    "assignment_errors",
    "error_help",
    "group_detail",
    "group_members",
    "group_summaries",
    "licensed_groups",
    "licensed_users",
    "member_groups",
    "members_with_errors",
    "parent_groups",
    "product_plans",
    "products",
    "sku_summaries",
    "user_detail",
    "user_summaries",
    "waiting_for_seats",
]

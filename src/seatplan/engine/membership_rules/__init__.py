"""Entra's membership rules for dynamic groups: parse the text, test users' subjects.

Pure: the text of a rule in, a `MembershipRule` out, whose `matches` tests a *subject*
(a user's rule-readable properties by canonical name, see `properties`). The syntax and
its limits are in docs/dynamic-groups.md, "Rule syntax".
"""

from seatplan.engine.membership_rules.errors import RuleSyntaxError
from seatplan.engine.membership_rules.formatter import normalized
from seatplan.engine.membership_rules.parser import MAX_DEPTH, MAX_RULE_LENGTH
from seatplan.engine.membership_rules.properties import RULE_PROPERTIES, RuleProperty, rule_names
from seatplan.engine.membership_rules.rule import MembershipRule, parse

__all__ = [
    "MAX_DEPTH",
    "MAX_RULE_LENGTH",
    "RULE_PROPERTIES",
    "MembershipRule",
    "RuleProperty",
    "RuleSyntaxError",
    "normalized",
    "parse",
    "rule_names",
]

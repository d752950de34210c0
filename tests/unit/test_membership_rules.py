"""Membership rules: Entra's documented examples, every operator, and refusals with their place.

Subjects are written by canonical (Graph) name; a missing key is null.
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatplan.engine.membership_rules import (
    MAX_RULE_LENGTH,
    RULE_PROPERTIES,
    RuleSyntaxError,
    normalized,
    parse,
)

ADA = {
    "id": "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb",
    "accountEnabled": True,
    "department": "Sales",
    "country": "US",
    "city": "Lagos",
    "jobTitle": "SDE II",
    "displayName": "David Ada",
    "mail": "ada@contoso.com",
    "userType": "Member",
    "userPrincipalName": "ada@contoso.com",
    "otherMails": ["ada@fabrikam.com", "a.ada@outlook.com"],
    "proxyAddresses": ["SMTP:ada@contoso.com", "smtp:ada@contoso.onmicrosoft.com"],
    "businessPhones": ["+1 555 0100", "+1 555 0101"],
    "mobilePhone": "+1 555 0199",
    "officeLocation": "Building 7",
    "onPremisesSyncEnabled": None,
    "onPremisesExtensionAttributes.extensionAttribute15": "Marketing",
}
GUEST = {
    "id": "cccccccc-0000-1111-2222-dddddddddddd",
    "accountEnabled": False,
    "userType": "Guest",
    "displayName": "aDa",
    "otherMails": [],
    "proxyAddresses": [],
}


def matches(rule: str, subject: dict[str, object]) -> bool:
    return parse(rule).matches(subject)


def refusal(rule: str) -> RuleSyntaxError:
    with pytest.raises(RuleSyntaxError) as caught:
        parse(rule)
    return caught.value


# -- Entra's documented examples ------------------------------------------------------------

DOCUMENTED = [
    # (rule, matches ADA, matches GUEST)
    ('user.department -eq "Sales"', True, False),
    ("user.accountEnabled -eq true", True, False),
    ('(user.department -eq "Sales") -or (user.department -eq "Marketing")', True, False),
    ('(user.department -eq "Sales") -and -not (user.jobTitle -startsWith "SDE")', False, False),
    ('user.department –eq "Marketing" –and user.country –eq "US"', False, False),
    (
        'user.country –eq "US" –and (user.department –eq "Marketing" –or '
        'user.department –eq "Sales")',
        True,
        False,
    ),
    ("user.mail –ne null", True, False),
    ("user.department -eq null", False, True),
    ('user.displayName -match "^Da.*"', True, False),
    ('user.displayName -match ".*vid"', True, False),
    ('user.city -startswith "Lag"', True, False),
    ('user.city -eq "Lagos"', True, False),
    (
        'user.department -eq "Accounts" -and user.city -in ["Lagos", "Ibadan", "Abuja"]',
        False,
        False,
    ),
    ('user.city -notin ["Lagos", "Ibadan", "Kaduna", "Abuja", "Port Harcourt"]', False, True),
    ('(user.proxyAddresses -any (_ -startsWith "smtp:ada"))', True, False),
    ('user.otherMails -any (_ -startsWith "ada")', True, False),
    ('user.proxyAddresses -any _ -startsWith "smtp:ada"', True, False),
    ('user.otherMails -startsWith "ada@"', True, False),
    ('user.proxyAddresses -notEndsWith "@outlook.com"', True, True),
    ('user.mail -notEndsWith "@Contoso.com"', False, True),
    ('user.mailNickname -endsWith "-vendor"', False, False),
    ("user.objectId -ne null", True, True),
    ('(user.objectId -ne null) -and (user.userType -eq "Member")', True, False),
    ('(user.extensionAttribute15 -eq "Marketing")', True, False),
    ('user.objectId -eq "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb"', True, False),
    ('user.userPrincipalName -eq "ada@contoso.com"', True, False),
    ('user.usageLocation -eq "US"', False, False),
    ("user.dirSyncEnabled -eq true", False, False),
]


@pytest.mark.parametrize(("rule", "ada", "guest"), DOCUMENTED)
def test_documented_examples_mean_what_entra_says(rule, ada, guest):
    assert (matches(rule, ADA), matches(rule, GUEST)) == (ada, guest)


DOCUMENTED_INVALID = [
    # Entra documents these as rules it cannot take, or Seatplan keeps no such data.
    ('Direct Reports for "aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb"', 0, "Direct Reports"),
    (
        'user.assignedPlans -any (assignedPlan.servicePlanId -eq "efb87545-963c-4e0d-99df-'
        '69c6916d9eb0" -and assignedPlan.capabilityStatus -eq "Enabled")',
        0,
        "assignedPlans",
    ),
    ("user.memberOf -any (group.objectId -in ['a'])", 0, "memberOf"),
    ("user.employeeHireDate -ge system.now -plus p1d", 0, "employeeHireDate"),
    ('device.deviceOSType -eq "iPad"', 0, "devices"),
    ('user.extension_c272a57b722d4eb29bfe327874ae79cb_OfficeNumber -eq "123"', 0, "extension"),
    ('user.sipProxyAddress -eq "x"', 0, "sipProxyAddress"),
]


@pytest.mark.parametrize(("rule", "position", "words"), DOCUMENTED_INVALID)
def test_what_seatplan_cannot_evaluate_is_refused_with_the_reason(rule, position, words):
    error = refusal(rule)
    assert error.position == position
    assert words in error.reason


# -- errors: position and reason ------------------------------------------------------------

INVALID = [
    ('user.departmnet -eq "Sales"', 0, "unknown property 'user.departmnet'"),
    ("user.department -eq", 19, "expected a value after -eq"),
    ('user.department -eq "Sales', 20, "not closed"),
    ('(user.department -eq "Sales"', 28, "expected ')'"),
    ('user.department -eq "Sales")', 27, "closes no '('"),
    ('user.department -eq "Sales" user.city -eq "x"', 28, "after a complete condition"),
    ('user.department -equals "Sales"', 16, "unknown operator '-equals'"),
    ('user.city -eq "a" -xor user.city -eq "b"', 18, "unknown operator '-xor'"),
    ('user.department "Sales"', 16, "expected an operator"),
    ('"Sales" -eq user.department', 0, "expected a property"),
    ("user.department -eq Sales", 20, 'quote strings ("Sales")'),
    ('user.department -in "Sales"', 20, "expected a list"),
    ('user.department -eq ["a", "b"]', 20, "use -in for a list"),
    ('user.department -in ["a" "b"]', 25, "expected ',' or ']'"),
    ('user.department -in ["a", null]', 26, "holds quoted strings"),
    ('user.department -in ["a"', 24, "is not closed"),
    ("user.department -startsWith null", 28, "null can only be compared with -eq or -ne"),
    ("user.department -eq true", 20, "is a string"),
    ('user.accountEnabled -eq "yes"', 24, "true or false"),
    ("user.accountEnabled -startsWith true", 32, "true or false"),
    ('user.department -any (_ -eq "x")', 16, "multi-valued properties"),
    ('user.otherMails -any (user.city -eq "x")', 22, "read the item as '_'"),
    ('_ -eq "x"', 0, "'_' stands for an item"),
    ('user.department -not "x"', 16, "-not negates a condition"),
    ('user.department -eq "x" -and', 28, "expected a condition"),
    ("", 0, "the rule is empty"),
    ("   ", 0, "the rule is empty"),
    ('user.department -eq "x" # y', 24, "unexpected character '#'"),
    ('user.mobilePhone -eq "1"', 0, "user.mobile"),
    ('user.otherMails -any (_ -any (_ -eq "x"))', 24, "cannot be nested"),
    ('user.department -le "x"', 16, "compares dates"),
]


@pytest.mark.parametrize(("rule", "position", "words"), INVALID)
def test_invalid_rules_are_refused_with_position_and_reason(rule, position, words):
    error = refusal(rule)
    assert (error.position, words in error.reason) == (position, True), error.reason
    assert str(error) == f"Invalid membership rule at position {position + 1}: {error.reason}"
    assert isinstance(error, ValueError)


def test_a_misspelt_property_gets_a_suggestion():
    assert "did you mean user.department?" in refusal('user.departmnet -eq "x"').reason


# -- operators ------------------------------------------------------------------------------

OPERATORS = [
    ('user.department -eq "sales"', True),
    ('user.department -ne "Sales"', False),
    ('user.department -startsWith "SA"', True),
    ('user.department -notStartsWith "sa"', False),
    ('user.department -endsWith "LES"', True),
    ('user.department -notEndsWith "les"', False),
    ('user.department -contains "al"', True),
    ('user.department -notContains "AL"', False),
    ('user.department -in ["Marketing", "SALES"]', True),
    ('user.department -notIn ["Marketing", "SALES"]', False),
    ("user.department -in []", False),
    ('user.department -match "^s.l"', True),
    ('user.department -notMatch "^s.l"', False),
    ('user.department -match "les$"', True),
    ('user.department -match "^les"', False),
]


@pytest.mark.parametrize(("rule", "expected"), OPERATORS)
def test_every_operator_ignores_case_as_entra(rule, expected):
    assert matches(rule, ADA) is expected


@pytest.mark.parametrize(
    "rule",
    [
        'user.department -EQ "Sales"',
        'user.department -Eq "Sales"',
        'user.department eq "Sales"',
        'user.department -eq "Sales" AND user.city -eq "Lagos"',
        'user.department -eq "Sales" and not (user.city -eq "Paris")',
        'USER.DEPARTMENT -eq "Sales"',
        'user.Department -eq "Sales"',
        'user.department \u2013eq "Sales"',
        'user.accountEnabled -eq TRUE -and user.accountEnabled -eq "true"',
    ],
)
def test_operators_and_names_ignore_case_and_the_hyphen_is_optional(rule):
    assert matches(rule, ADA)


def test_null_is_neither_equal_nor_unequal_to_a_value_and_negations_are_exact():
    nobody: dict[str, object] = {}
    assert matches("user.department -eq null", nobody)
    assert not matches("user.department -ne null", nobody)
    assert not matches('user.department -eq "Sales"', nobody)
    assert matches('user.department -ne "Sales"', nobody)
    for positive, negative in [
        ("-startsWith", "-notStartsWith"),
        ("-endsWith", "-notEndsWith"),
        ("-contains", "-notContains"),
        ("-match", "-notMatch"),
    ]:
        assert not matches(f'user.department {positive} "s"', nobody)
        assert matches(f'user.department {negative} "s"', nobody)
    assert not matches('user.department -in ["Sales"]', nobody)
    assert matches('user.department -notIn ["Sales"]', nobody)
    # The string "null" is a value, not null.
    assert not matches('user.department -eq "null"', nobody)
    assert matches('user.department -eq "null"', {"department": "Null"})


def test_booleans_compare_with_true_false_and_null():
    assert matches("user.accountEnabled -eq true", ADA)
    assert matches("user.accountEnabled -ne false", ADA)
    assert matches("user.accountEnabled -eq false", GUEST)
    assert matches("user.dirSyncEnabled -eq null", ADA)
    # null is not false.
    assert not matches("user.dirSyncEnabled -eq false", ADA)
    assert matches("user.onPremisesSyncEnabled -ne false", ADA)
    assert matches("user.dirSyncEnabled -eq true", {"onPremisesSyncEnabled": True})


def test_any_and_all_over_multi_valued_properties():
    assert matches('user.otherMails -any (_ -contains "fabrikam")', ADA)
    assert not matches('user.otherMails -all (_ -contains "fabrikam")', ADA)
    assert matches('user.otherMails -all (_ -contains "ada")', ADA)
    assert matches(
        'user.otherMails -any (_ -endsWith ".com" -and -not (_ -contains "outlook"))', ADA
    )
    assert matches('user.proxyAddresses -any (_ -in ["smtp:ADA@contoso.com"])', ADA)
    assert matches('user.proxyAddresses -any (_ -match "^smtp:.*onmicrosoft")', ADA)
    # No item: -any is false, -all is true (as Entra's "no assigned plan" example).
    assert not matches('user.otherMails -any (_ -contains "a")', GUEST)
    assert matches('user.otherMails -all (_ -contains "a")', GUEST)
    assert not matches('user.otherMails -any (_ -contains "a")', {})
    # Without -any, a comparison holds when some item satisfies it; its negation when none.
    assert matches('user.otherMails -contains "outlook"', ADA)
    assert not matches('user.otherMails -notContains "outlook"', ADA)
    assert matches('user.otherMails -notContains "outlook"', GUEST)
    assert matches('user.otherMails -eq "ADA@fabrikam.com"', ADA)
    assert matches("user.otherMails -eq null", GUEST)
    assert matches("user.otherMails -ne null", ADA)


def test_entra_names_read_graph_properties():
    assert matches('user.mobile -eq "+1 555 0199"', ADA)
    assert matches('user.physicalDeliveryOfficeName -eq "building 7"', ADA)
    # telephoneNumber is the first of businessPhones.
    assert matches('user.telephoneNumber -eq "+1 555 0100"', ADA)
    assert not matches('user.telephoneNumber -eq "+1 555 0101"', ADA)
    assert matches("user.telephoneNumber -eq null", GUEST)
    assert matches('user.onPremisesExtensionAttributes.extensionAttribute15 -eq "marketing"', ADA)
    assert matches('user.ExtensionAttribute15 -startsWith "mark"', ADA)
    assert not matches('user.extensionAttribute1 -eq "x"', ADA)


def test_the_properties_a_rule_reads_are_named_canonically():
    rule = parse(
        'user.mobile -eq "1" -or user.objectId -ne null -or user.telephoneNumber -eq "2" '
        '-or user.extensionAttribute3 -eq "x" -or user.otherMails -any (_ -eq "y") '
        "-or user.dirSyncEnabled -eq true -or user.physicalDeliveryOfficeName -eq null"
    )
    assert rule.properties == {
        "mobilePhone",
        "id",
        "businessPhones",
        "onPremisesExtensionAttributes.extensionAttribute3",
        "otherMails",
        "onPremisesSyncEnabled",
        "officeLocation",
    }
    assert rule.properties <= RULE_PROPERTIES.keys()


def test_the_canonical_text_spells_everything_as_entra():
    assert normalized(
        "USER.DIRSYNCENABLED eq TRUE or user.onPremisesExtensionAttributes.extensionAttribute3 "
        "-IN [1, 'a\"b'] and not (user.city –eq null or user.mobile -match '^a')"
    ) == (
        'user.dirSyncEnabled -eq true -or user.extensionAttribute3 -in ["1", "a`"b"] '
        '-and -not (user.city -eq null -or user.mobile -match "^a")'
    )
    assert normalized(
        '(user.department -eq "Sales") -and -not (user.jobTitle -startsWith "SDE")'
    ) == ('user.department -eq "Sales" -and -not (user.jobTitle -startsWith "SDE")')
    assert normalized('user.otherMails -any _ -startsWith "x"') == (
        'user.otherMails -any (_ -startsWith "x")'
    )
    assert normalized('(user.city -eq "a" -or user.city -eq "b") -and user.country -eq "c"') == (
        '(user.city -eq "a" -or user.city -eq "b") -and user.country -eq "c"'
    )


def test_a_rule_is_a_value():
    rule = parse('user.department -eq "Sales"')
    assert rule == parse('user.department -eq "Sales"')
    assert hash(rule) == hash(parse('user.department -eq "Sales"'))
    assert rule != parse('user.department -eq "sales"')
    copy = pickle.loads(pickle.dumps(rule))
    assert copy == rule
    assert copy.matches(ADA)


def test_rule_properties_kinds():
    assert RULE_PROPERTIES["department"] == "string"
    assert RULE_PROPERTIES["accountEnabled"] == "bool"
    assert RULE_PROPERTIES["otherMails"] == "strings"
    assert RULE_PROPERTIES["onPremisesExtensionAttributes.extensionAttribute15"] == "string"
    assert "onPremisesExtensionAttributes.extensionAttribute16" not in RULE_PROPERTIES


# -- strings, escaping ----------------------------------------------------------------------


def test_escaping_in_strings():
    # A backtick escapes a double quote inside double quotes; single quotes double up.
    assert matches('user.department -eq "`"Sales`""', {"department": '"Sales"'})
    assert matches("user.department -eq 'O''Brien'", {"department": "O'Brien"})
    assert matches('user.department -eq "O\'Brien"', {"department": "O'Brien"})
    assert matches("user.department -eq 'say \"hi\"'", {"department": 'say "hi"'})
    assert matches('user.department -eq "a``b"', {"department": "a`b"})
    assert matches('user.department -in ["a,b", "c"]', {"department": "A,B"})
    assert matches('user.department -eq "(-and)"', {"department": "(-AND)"})
    assert matches("user.employeeId -eq 123", {"employeeId": "123"})
    assert matches("user.employeeId -in [1, 2]", {"employeeId": "2"})


def test_precedence_is_not_then_and_then_or():
    # a -or b -and c  ==  a -or (b -and c)
    rule = 'user.city -eq "x" -or user.city -eq "Lagos" -and user.country -eq "FR"'
    assert not matches(rule, ADA)
    assert matches(rule, {"city": "x"})
    # -not binds tighter than -and.
    assert matches('-not user.city -eq "x" -and user.country -eq "US"', ADA)
    assert matches('-not -not user.city -eq "Lagos"', ADA)


# -- limits and the regex guard -------------------------------------------------------------


def test_a_rule_is_at_most_3072_characters():
    base = 'user.department -eq ""'
    longest = base[:-1] + "x" * (MAX_RULE_LENGTH - len(base)) + '"'
    assert len(longest) == MAX_RULE_LENGTH
    assert matches(longest, {"department": "x" * (MAX_RULE_LENGTH - len(base))})
    error = refusal(longest[:-1] + 'x"')
    assert error.position == MAX_RULE_LENGTH
    assert "at most 3,072 characters" in error.reason


def test_nesting_is_limited_to_100_levels():
    condition = 'user.city -eq "a"'
    assert matches("(" * 50 + "-not " * 50 + condition + ")" * 50, {"city": "a"})
    error = refusal("(" * 50 + "-not " * 51 + condition + ")" * 50)
    assert (error.position, error.reason) == (
        50 + 5 * 50,
        "parentheses and -not nest more than 100 deep here",
    )
    error = refusal("(" * 1500 + condition + ")" * 1500)
    assert error.position == 100


def test_catastrophic_patterns_run_in_linear_time():
    # Exponential under a backtracking engine; RE2 answers at once.
    rule = parse('user.displayName -match "^(a+)+$"')
    assert not rule.matches({"displayName": "a" * 5000 + "!"})
    assert rule.matches({"displayName": "a" * 5000})
    assert not parse('user.displayName -match "(x+x+)+y"').matches({"displayName": "x" * 5000})
    assert parse('user.displayName -match "\\d{3}-\\d{4}"').matches({"displayName": "555-0100"})
    assert parse('user.displayName -match ".{120}x"').matches({"displayName": "y" * 120 + "X"})


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("(?=a)b", "lookaround and backreferences are not supported"),
        ("(?<!a)b", "lookaround and backreferences are not supported"),
        ("(a)\\1", "lookaround and backreferences are not supported"),
        ("(unclosed", "invalid regular expression: missing )"),
        ("a{2000}", "invalid repetition size"),
        (".{300}", "too large (2,404 steps compiled; at most 1,000)"),
        ("\\pL{100}", "too large"),
    ],
)
def test_patterns_that_cannot_run_fast_are_refused(pattern, words):
    error = refusal(f'user.displayName -match "{pattern}"')
    assert error.position == len("user.displayName -match ")
    assert words in error.reason


# -- properties (hypothesis) ----------------------------------------------------------------

_VALUES = st.one_of(st.none(), st.sampled_from(["Sales", "sales", "Marketing", "", "Sa", "x y"]))
_LISTS = st.lists(st.sampled_from(["ada@contoso.com", "b@fabrikam.com", "SMTP:c@x"]), max_size=3)
SUBJECTS = st.fixed_dictionaries(
    {},
    optional={
        "department": _VALUES,
        "city": _VALUES,
        "accountEnabled": st.one_of(st.none(), st.booleans()),
        "otherMails": _LISTS,
    },
)
ATOMS = st.sampled_from(
    [
        'user.department -eq "Sales"',
        "user.department -eq null",
        'user.department -startsWith "sa"',
        'user.city -contains " "',
        'user.city -in ["Sales", "Marketing"]',
        'user.department -match "^s.*s$"',
        "user.accountEnabled -eq true",
        "user.accountEnabled -ne false",
        'user.otherMails -any (_ -endsWith "contoso.com")',
        'user.otherMails -all (_ -contains "@")',
        'user.otherMails -notContains "fabrikam"',
    ]
)
RULES = st.recursive(
    ATOMS,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["-and", "-or"]), inner).map(
            lambda t: f"({t[0]}) {t[1]} ({t[2]})"
        ),
        inner.map(lambda r: f"-not ({r})"),
    ),
    max_leaves=6,
)


@given(RULES, SUBJECTS)
def test_not_negates(rule, subject):
    assert matches(f"-not ({rule})", subject) is (not matches(rule, subject))


@given(RULES, RULES, SUBJECTS)
def test_and_or_are_both_and_either(left, right, subject):
    a, b = matches(left, subject), matches(right, subject)
    assert matches(f"({left}) -and ({right})", subject) is (a and b)
    assert matches(f"({left}) -or ({right})", subject) is (a or b)


NEGATIVE = [
    ("-ne", "-eq", '"Sales"'),
    ("-notStartsWith", "-startsWith", '"sa"'),
    ("-notEndsWith", "-endsWith", '"es"'),
    ("-notContains", "-contains", '"le"'),
    ("-notIn", "-in", '["sales", "x y"]'),
    ("-notMatch", "-match", '"^s"'),
]


@given(st.sampled_from(NEGATIVE), SUBJECTS, st.sampled_from(["department", "otherMails"]))
def test_each_negative_operator_is_the_negation_of_its_positive(case, subject, name):
    negative, positive, value = case
    assert matches(f"user.{name} {negative} {value}", subject) is (
        not matches(f"user.{name} {positive} {value}", subject)
    )


@given(st.text(max_size=60))
def test_any_text_is_a_rule_or_a_refusal_with_a_position_inside_it(text):
    try:
        parse(text)
    except RuleSyntaxError as error:
        refused = error
    else:
        return
    assert 0 <= refused.position <= len(text)
    assert refused.reason


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=20))
def test_any_string_value_round_trips_through_escaping(value):
    escaped = value.replace("`", "``").replace('"', '`"')
    assert matches(f'user.department -eq "{escaped}"', {"department": value})
    single = value.replace("'", "''")
    assert matches(f"user.department -eq '{single}'", {"department": value})

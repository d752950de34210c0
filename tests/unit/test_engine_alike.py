"""Evaluating alike cases once (the fast path) gives exactly the outcomes of evaluating
every case (the plain path), on random tenants driven the way the service drives the
engine (test_engine_properties), and on crowds of alike users competing for few seats."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st
from test_engine_properties import PROPERTY_SETTINGS, Step, between, pick, run

from seatplan.engine import SeatPool, UserCase, UserOutcome, evaluate_batch

Outcomes = tuple[list[UserOutcome], dict[UUID, int]]


def both_ways(
    step: Step, cases: list[UserCase], extra: dict[UUID, int] | None = None
) -> tuple[Outcomes, Outcomes]:
    """(outcomes, seats left) of the plain path and of the fast path, from the same seats
    (those of the step, plus `extra`)."""
    disabled = frozenset(step.world.disabled_skus)
    seats = {sku: n + (extra or {}).get(sku, 0) for sku, n in step.before_available.items()}
    plain_pool = SeatPool(dict(seats), disabled)
    fast_pool = SeatPool(dict(seats), disabled)
    plain = evaluate_batch(cases, step.world.rules, plain_pool, alike_once=False)
    fast = evaluate_batch(cases, step.world.rules, fast_pool, alike_once=True)
    return (plain, plain_pool.available), (fast, fast_pool.available)


@PROPERTY_SETTINGS
@given(st.data())
def test_the_fast_path_gives_the_plain_outcomes(data) -> None:
    for step in run(data):
        plain, fast = both_ways(step, step.cases)
        assert fast == plain


@PROPERTY_SETTINGS
@given(st.data())
def test_the_fast_path_gives_the_plain_outcomes_to_crowds(data) -> None:
    """Each user copied into a crowd of alike users (joined at the same or other times,
    in a random order), so that many are alike; some products have seats for all of
    them, others run short among them: who gets a scarce seat first must not change."""
    for step in run(data, steps=4):
        # Crowds of new members too (nothing held yet): the cases the fast path takes.
        fresh = data.draw(st.booleans())
        crowd: list[UserCase] = []
        for copy in range(between(data.draw, 1, 12)):
            for case in step.cases:
                shift = timedelta(hours=between(data.draw, 0, 2))
                crowd.append(
                    replace(
                        case,
                        user_id=UUID(int=0x9000_0000 + copy * 0x100 + case.user_id.int % 0x100),
                        intents=tuple(replace(i, since=i.since + shift) for i in case.intents),
                        held=() if fresh else case.held,
                    )
                )
        order = data.draw(st.permutations(range(len(crowd))))
        crowd = [crowd[i] for i in order]
        extra = {
            sku: pick(data.draw, (len(crowd), 0, len(crowd), 1)) for sku in step.before_available
        }
        plain, fast = both_ways(step, crowd, extra)
        assert fast == plain

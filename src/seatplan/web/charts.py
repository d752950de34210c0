"""A horizontal bar chart of assigned against bought seats, drawn as SVG on the server."""

from __future__ import annotations

from dataclasses import dataclass

from seatplan.services.subscriptions import SkuSummary

ROW = 34
LABEL = 190
WIDTH = 720


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    y: int
    bought: int
    assigned: int
    bought_width: float
    assigned_width: float
    full: bool


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    label_width: int
    bars: tuple[Bar, ...]


def seats_chart(skus: list[SkuSummary]) -> Chart:
    """One row per product: a light bar for the seats bought, a dark one for those assigned."""
    scale = max([1, *(max(s.enabled_units, s.consumed_units) for s in skus)])
    room = WIDTH - LABEL - 90
    bars = tuple(
        Bar(
            label=s.sku_part_number,
            y=10 + i * ROW,
            bought=s.enabled_units,
            assigned=s.consumed_units,
            bought_width=round(room * s.enabled_units / scale, 1),
            assigned_width=round(room * s.consumed_units / scale, 1),
            full=s.available <= 0,
        )
        for i, s in enumerate(skus)
    )
    return Chart(WIDTH, 20 + ROW * len(bars), LABEL, bars)

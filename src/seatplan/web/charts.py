"""A horizontal bar chart of assigned against bought seats, drawn as SVG on the server.

The SVG has no viewBox: its bars are drawn in percents of its width and its text in CSS
pixels, so the labels keep their size on a phone instead of shrinking with the drawing.
Each product takes two lines: its name and numbers, then its bars.
"""

from __future__ import annotations

from dataclasses import dataclass

from seatplan.services.subscriptions import SkuSummary

ROW = 48
#: Where the bars start under a product's name (in pixels from the top of its row).
BAR = 22


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    y: int
    bought: int
    assigned: int
    #: Widths in percent of the chart's width.
    bought_width: float
    assigned_width: float
    full: bool


@dataclass(frozen=True, slots=True)
class Chart:
    height: int
    bar_top: int
    bars: tuple[Bar, ...]


def seats_chart(skus: list[SkuSummary]) -> Chart:
    """One row per product: a light bar for the seats bought, a dark one for those assigned."""
    scale = max([1, *(max(s.enabled_units, s.consumed_units) for s in skus)])
    bars = tuple(
        Bar(
            label=s.sku_part_number,
            y=4 + i * ROW,
            bought=s.enabled_units,
            assigned=s.consumed_units,
            bought_width=round(100 * s.enabled_units / scale, 2),
            assigned_width=round(100 * s.consumed_units / scale, 2),
            full=s.available <= 0,
        )
        for i, s in enumerate(skus)
    )
    return Chart(height=ROW * len(bars), bar_top=BAR, bars=bars)

"""The request-volume chart: one bar per period, stacked by group, in inline SVG.

Groups beyond the seventh share one colour class (``vol-7``); the table under
the chart has every figure. Nothing here knows Flask.
"""

from __future__ import annotations

from dataclasses import dataclass

from ringback.console.report_chart import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, _nice_top
from ringback.service_requests.volume import VolumeTable

COLOURS = 8


@dataclass(frozen=True)
class VolumeSegment:
    group: str
    colour: int
    value: int
    y: float
    height: float


@dataclass(frozen=True)
class VolumeBar:
    label: str
    total: int
    x: float
    width: float
    segments: list[VolumeSegment]
    show_label: bool

    @property
    def center(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class VolumeChart:
    width: int
    height: int
    bars: list[VolumeBar]
    ticks: list[tuple[float, int]]
    baseline: float
    left: int
    legend: list[tuple[str, int]]


def colour_of(index: int) -> int:
    return min(index, COLOURS - 1)


def build_volume_chart(table: VolumeTable) -> VolumeChart:
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    baseline = TOP + inner_h
    top = _nice_top(max((table.period_total(p) for p in table.periods), default=0))
    slot = inner_w / max(1, len(table.periods))
    every = max(1, -(-len(table.periods) // 12))
    bars = []
    for i, period in enumerate(table.periods):
        y = float(baseline)
        segments = []
        for g, group in enumerate(table.groups):
            value = table.count(period, group)
            if value:
                height = value / top * inner_h
                y -= height
                segments.append(VolumeSegment(group, colour_of(g), value, round(y, 2),
                                              round(height, 2)))
        bars.append(VolumeBar(period, table.period_total(period),
                              round(LEFT + i * slot + slot * 0.15, 2), round(slot * 0.7, 2),
                              segments, i % every == 0))
    steps = top if top <= 5 else 5
    ticks = [(round(baseline - inner_h * k / steps, 2), round(top * k / steps))
             for k in range(steps + 1)]
    legend = [(group, colour_of(g)) for g, group in enumerate(table.groups)]
    return VolumeChart(WIDTH, HEIGHT, bars, ticks, baseline, LEFT, legend)

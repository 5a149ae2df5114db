"""The reports page's time range and its chart: callbacks per hour or day, drawn
as stacked bars (answered, missed, expired, still open) in inline SVG.

The page reads the figures from ``CallbackMetrics.series`` (the periods'
figures and the table's from the same query, so each bar counts exactly as
the table does); this module only decides the periods and the geometry.  Nothing here knows Flask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ringback.callbacks.metrics import CallbackFigures
from ringback.errors import ValidationError

HOUR = 3600
DAY = 86_400
RANGES = {"24h": ("Last 24 hours", HOUR, 24), "7d": ("Last 7 days", DAY, 7),
          "30d": ("Last 30 days", DAY, 30)}
DEFAULT_RANGE = "7d"
CUSTOM = "custom"
MAX_DAYS = 366
DATE_RULE = "must be a date such as 2027-01-15"


@dataclass(frozen=True)
class Period:
    start: float
    end: float
    label: str


@dataclass(frozen=True)
class ReportRange:
    """``[start, end)`` in epoch seconds, cut into periods of ``step`` seconds."""

    key: str
    start: float
    end: float
    step: int

    @property
    def title(self) -> str:
        if self.key in RANGES:
            return RANGES[self.key][0]
        last = datetime.fromtimestamp(self.end - 1, UTC).date()
        return f"{_day(self.start).isoformat()} to {last.isoformat()}"

    def periods(self) -> list[Period]:
        found = []
        at = self.start
        while at < self.end:
            until = min(at + self.step, self.end)
            found.append(Period(at, until, _label(at, self.step)))
            at += self.step
        return found


def report_range(key: str | None, raw_from: str | None, raw_to: str | None,
                 now: float) -> ReportRange:
    """The range the page asked for; ValidationError names a bad ``from`` or ``to``."""
    key = key or (CUSTOM if raw_from or raw_to else DEFAULT_RANGE)
    if key in RANGES:
        _, step, count = RANGES[key]
        # Whole periods, the last one holding now (it ends in the future).
        first_period = float(math.floor(now / step) * step - (count - 1) * step)
        return ReportRange(key, first_period, first_period + count * step, step)
    errors: dict[str, str] = {}
    first = _date(errors, "from", raw_from)
    last = _date(errors, "to", raw_to)
    if first and last and last < first:
        errors["to"] = "must not be before from"
    elif first and last and (last - first).days >= MAX_DAYS:
        errors["to"] = f"must be at most {MAX_DAYS} days after from"
    if errors or first is None or last is None:
        raise ValidationError(errors or {"range": "must be one of " + ", ".join(RANGES)})
    start = _epoch(first)
    end = _epoch(last + timedelta(days=1))
    step = HOUR if end - start <= 2 * DAY else DAY if end - start <= 92 * DAY else 7 * DAY
    return ReportRange(CUSTOM, start, end, step)


def _date(errors: dict[str, str], name: str, raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        errors[name] = DATE_RULE
        return None


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def _day(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, UTC).date()


def _label(epoch: float, step: int) -> str:
    when = datetime.fromtimestamp(epoch, UTC)
    return when.strftime("%H:%M") if step < DAY else f"{when.day} {when.strftime('%b')}"


# The chart

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 12, 28
SERIES = (  # stacked from the bottom
    ("answered", "Answered"),
    ("missed", "No answer, busy or failed"),
    ("expired", "Expired"),
    ("open", "Waiting or in progress"),
)


@dataclass(frozen=True)
class Segment:
    series: str
    value: int
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    period: Period
    figures: CallbackFigures
    x: float
    width: float
    segments: list[Segment]
    show_label: bool

    @property
    def center(self) -> float:
        return self.x + self.width / 2

    @property
    def title(self) -> str:
        f = self.figures
        wait = (f"; average wait {_minutes(f.average_callback_wait_seconds)}"
                if f.average_callback_wait_seconds is not None else "")
        return (f"{self.period.label}: {f.total_callbacks} callbacks, {f.answered} answered, "
                f"{missed(f)} missed, {f.expired} expired{wait}")


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal grid lines
    baseline: float
    left: int

    @property
    def empty(self) -> bool:
        return not any(b.figures.total_callbacks for b in self.bars)


def missed(f: CallbackFigures) -> int:
    return f.no_answer + f.busy + f.failed


def _parts(f: CallbackFigures) -> dict[str, int]:
    known = f.answered + missed(f) + f.expired
    return {"answered": f.answered, "missed": missed(f), "expired": f.expired,
            "open": max(0, f.total_callbacks - known)}


def _minutes(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _nice_top(value: int) -> int:
    """A round upper end for the axis: 1, 2, 5, 10, 20, 50 ..."""
    if value <= 4:
        return max(value, 1)
    magnitude = 10 ** int(math.log10(value))
    for factor in (1, 2, 5, 10):
        if value <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def build_chart(series: list[tuple[Period, CallbackFigures]]) -> Chart:
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    baseline = TOP + inner_h
    top = _nice_top(max((f.total_callbacks for _, f in series), default=0))
    slot = inner_w / max(1, len(series))
    every = max(1, math.ceil(len(series) / 12))  # about a dozen labels at most
    bars = []
    for i, (period, figures) in enumerate(series):
        y = float(baseline)
        segments = []
        for name, _ in SERIES:
            value = _parts(figures)[name]
            if value:
                height = value / top * inner_h
                y -= height
                segments.append(Segment(name, value, round(y, 2), round(height, 2)))
        bars.append(Bar(period, figures, round(LEFT + i * slot + slot * 0.15, 2),
                        round(slot * 0.7, 2), segments, i % every == 0))
    steps = top if top <= 5 else 5
    ticks = [(round(baseline - inner_h * k / steps, 2), round(top * k / steps))
             for k in range(steps + 1)]
    return Chart(WIDTH, HEIGHT, bars, ticks, baseline, LEFT)

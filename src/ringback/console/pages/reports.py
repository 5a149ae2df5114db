"""The reports page: callback figures for a time range, overall and per number,
with a chart of callbacks per hour or day.

Every figure comes from ``CallbackMetrics``, the same code as
``GET /api/v1/metrics``; the table and the chart's periods come from one
``CallbackMetrics.series``: one query and one look at the queues, however
many periods the range has.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from ringback.console.access import access, area
from ringback.console.context import services
from ringback.console.report_chart import (
    CUSTOM,
    DEFAULT_RANGE,
    RANGES,
    SERIES,
    build_chart,
    missed,
    report_range,
)
from ringback.errors import ValidationError
from ringback.store.models import Permission


def register(bp: Blueprint) -> None:
    @bp.get("/reports")
    @access(area(Permission.REPORTS))
    def reports() -> ResponseReturnValue:
        s = services()
        now = s.clock.now()
        args = request.args
        errors: dict[str, str] = {}
        try:
            chosen = report_range(args.get("range"), args.get("from"), args.get("to"), now)
        except ValidationError as exc:
            errors = exc.errors
            chosen = report_range(DEFAULT_RANGE, None, None, now)
        metrics = s.callback_metrics()
        periods = chosen.periods()
        found = metrics.series([p.start for p in periods] + [chosen.end])
        chart = build_chart(list(zip(periods, found.periods, strict=True)))
        return render_template(
            "console/reports.html", report=found.report, chart=chart, chosen=chosen,
            ranges=RANGES, custom=CUSTOM, series_names=SERIES, missed=missed,
            errors=errors, values={"from": args.get("from", ""), "to": args.get("to", "")},
        ), 400 if errors else 200

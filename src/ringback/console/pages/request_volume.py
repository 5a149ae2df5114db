"""Insight → Request volume: requests per day, week or month by type, channel, queue,
problem category or agent, as a chart, a table and a CSV download.

Needs the Requests permission (the agents who log requests see their
volume); the figures come from ``ringback.service_requests.volume``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue

from ringback.console.access import access, area
from ringback.console.context import services
from ringback.console.volume_chart import build_volume_chart
from ringback.errors import ValidationError
from ringback.service_requests.volume import DIMENSIONS, PERIODS, volume_query
from ringback.store.models import Permission

REQUESTS = area(Permission.REQUESTS)
LABELS = {"period": "Per", "by": "By", "from": "From", "to": "To", "tz": "Time zone"}


def register(bp: Blueprint) -> None:
    @bp.get("/reports/request-volume")
    @access(REQUESTS)
    def request_volume() -> ResponseReturnValue:
        s = services()
        today = datetime.fromtimestamp(s.clock.now(), UTC).date()
        args = {k: request.args.get(k) for k in ("period", "by", "from", "to", "tz")}
        errors: dict[str, str] = {}
        try:
            query = volume_query(args, today)
        except ValidationError as exc:
            errors = exc.errors
            query = volume_query({}, today)
        table = s.request_volume.table(query)
        if request.args.get("format") == "csv" and not errors:
            return Response(table.csv(), mimetype="text/csv", headers={
                "Content-Disposition": "attachment; filename=request-volume.csv"})
        values = {k: (v or "") for k, v in args.items()}
        values.update({"from": values["from"] or query.first.isoformat(),
                       "to": values["to"] or query.last.isoformat(),
                       "tz": values["tz"] or query.zone})
        return render_template("console/request_volume.html", table=table, query=query,
                               chart=build_volume_chart(table), errors=errors, labels=LABELS,
                               values=values, periods=PERIODS, dimensions=DIMENSIONS), \
            422 if errors else 200

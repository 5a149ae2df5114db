"""docs/grafana-ringback.json queries only metrics that a scrape really has."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

DASHBOARD = Path(__file__).parents[2] / "docs" / "grafana-ringback.json"
METRIC = re.compile(r"\bringback_[a-z_]+\b")


def queried() -> set[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert exprs, "the dashboard has no queries"
    return {name for e in exprs for name in METRIC.findall(e)}


def test_every_metric_the_dashboard_queries_is_scraped(client, services):
    services.queue.configure("sales", services.queue.settings("sales"))
    text = client.get("/metrics").get_data(as_text=True)
    exposed = {sample_name
               for family in text_string_to_metric_families(text)
               for sample_name in _sample_names(family)}
    missing = queried() - exposed
    assert not missing, f"the dashboard queries metrics /metrics does not have: {missing}"


def _sample_names(family) -> set[str]:
    """The names a family's samples have, whether or not it has samples yet."""
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}
    return {family.name + s for s in suffixes.get(family.type, [""])} | \
        {s.name for s in family.samples}

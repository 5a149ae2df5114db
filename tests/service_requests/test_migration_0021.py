"""Migration 0021_service_requests: the three tables as the models declare them, after
0020_work_orders, and its downgrade."""

from __future__ import annotations

import sqlalchemy as sa

from ringback.store.db import make_engine
from ringback.store.service_requests import (
    ServiceRequest,
    ServiceRequestArticle,
    ServiceRequestHistory,
)
from tests.migrations import assert_table_as_declared, migrate
from tests.tickets.test_migration_0014 import empty_url  # noqa: F401 (fixture)

MODELS = (ServiceRequest, ServiceRequestArticle, ServiceRequestHistory)


def test_the_migration_makes_the_models_tables_and_takes_them_away(empty_url):  # noqa: F811
    engine = make_engine(empty_url)
    try:
        migrate(empty_url, engine, "0021_service_requests")
        for model in MODELS:
            assert_table_as_declared(engine, model.__table__)
        migrate(empty_url, engine, "0021_service_requests", down="0020_work_orders")
        left = set(sa.inspect(engine).get_table_names())
        assert not left & {m.__table__.name for m in MODELS}
        assert {"work_orders", "kb_articles"} <= left
    finally:
        engine.dispose()

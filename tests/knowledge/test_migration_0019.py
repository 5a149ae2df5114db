"""Migration 0019_knowledge_base: the tables the models declare, the search index of
the database's kind, and the downgrade to 0018."""

from __future__ import annotations

import sqlalchemy as sa

from ringback.store.db import make_engine
from ringback.store.knowledge import KbArticle, KbArticleVersion
from tests.migrations import migrate
from tests.tickets.test_migration_0014 import empty_url  # noqa: F401 (fixture)


def test_the_migration_makes_the_models_tables_and_index_and_takes_them_away(
        empty_url):  # noqa: F811
    engine = make_engine(empty_url)
    try:
        migrate(empty_url, engine, "0019_knowledge_base")
        found = sa.inspect(engine)
        for model in (KbArticle, KbArticleVersion):
            table = model.__table__
            columns = {c["name"]: c["nullable"] for c in found.get_columns(table.name)}
            columns.pop("search_vector", None)
            assert columns == {c.name: c.nullable for c in table.columns}
        assert [u["column_names"] for u in found.get_unique_constraints("kb_article_versions")
                ] == [["article_id", "version"]]
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO kb_articles (kind, title, body, phone_numbers, keywords, version, "
                "usage_count, archived, created_at, updated_at) VALUES ('phone_numbers', "
                "'Emergency', '', '[{\"label\": \"Police\", \"number\": \"110\"}]', '', 1, 0, "
                ":no, :now, :now)"), {"no": False, "now": "2026-01-01 00:00:00+00"})
        if engine.dialect.name == "postgresql":
            assert "ix_kb_articles_search_vector" in {
                ix["name"] for ix in found.get_indexes("kb_articles")}
            match = "SELECT count(*) FROM kb_articles WHERE search_vector @@ " \
                    "plainto_tsquery('english', 'police')"
        else:
            match = "SELECT count(*) FROM kb_articles_fts WHERE kb_articles_fts MATCH 'police'"
        with engine.connect() as conn:
            assert conn.scalar(sa.text(match)) == 1

        migrate(empty_url, engine, "0019_knowledge_base", down="0018_customer_calls")
        names = sa.inspect(engine).get_table_names()
        assert not {"kb_articles", "kb_article_versions", "kb_articles_fts"} & set(names)
    finally:
        engine.dispose()

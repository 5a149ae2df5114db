"""The call-centre part of ``ringback demo-data``: knowledge-base articles and a
problem-code tree of a public-works call centre, so the request pages work at
once. Both are idempotent: a second run adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from ringback.clock import Clock
from ringback.knowledge import KnowledgeBase
from ringback.knowledge.demo import demo_articles
from ringback.store.db import Database
from ringback.store.knowledge import KbArticle
from ringback.work_orders import ProblemCodes
from ringback.work_orders.demo import demo_problem_codes


def seed_call_centre(db: Database, clock: Clock) -> str:
    """Add the demo articles and problem codes; the words say what was added."""
    before = _articles(db)
    demo_articles(KnowledgeBase(db, clock), None)
    added_articles = _articles(db) - before
    added_codes = demo_problem_codes(ProblemCodes(db))
    if not added_articles and not added_codes:
        return "the demo knowledge base and problem codes are there already; nothing was changed"
    return (f"demo call centre added: {added_articles} knowledge-base articles, "
            f"{added_codes} problem codes")


def _articles(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(KbArticle)) or 0

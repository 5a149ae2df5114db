"""Durable records of the knowledge base: articles and every version of them.

``kb_articles`` holds the current text of each article; every save also writes
a row to ``kb_article_versions``, so earlier wordings stay readable. The search
index is not a model: on PostgreSQL it is the generated ``search_vector``
column with its GIN index, on SQLite the FTS5 table ``kb_articles_fts`` kept in
step by triggers; both are made by migration 0019_knowledge_base and read by
``ringback.knowledge.search``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ringback.store.models import Base, utcnow

MAX_TITLE = 200
MAX_KEYWORDS = 500
MAX_URL = 2000


class ArticleKind(str, enum.Enum):
    """What an article gives the agent to hand on to the caller."""

    SCRIPT = "script"
    PHONE_NUMBERS = "phone_numbers"
    EXTERNAL_URL = "external_url"
    ARTICLE_LINK = "article_link"


class KbArticle(Base):
    """One article as it reads now."""

    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    body: Mapped[str] = mapped_column(Text, default="")
    # [{"label": "Police", "number": "+4930110"}], numbers in E.164.
    phone_numbers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    url: Mapped[str | None] = mapped_column(String(MAX_URL), nullable=True)
    linked_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_articles.id"), nullable=True, index=True)
    keywords: Mapped[str] = mapped_column(String(MAX_KEYWORDS), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class KbArticleVersion(Base):
    """One saved wording of an article; version 1 is how it was created."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version",
                                       name="uq_kb_article_versions_article_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    body: Mapped[str] = mapped_column(Text, default="")
    phone_numbers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    url: Mapped[str | None] = mapped_column(String(MAX_URL), nullable=True)
    linked_article_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    keywords: Mapped[str] = mapped_column(String(MAX_KEYWORDS), default="")
    edited_by: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    edited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


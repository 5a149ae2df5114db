"""The knowledge base: articles agents read out to callers, found by full-text search."""

from ringback.knowledge.base import (
    ArticleHit,
    ArticleRecord,
    KnowledgeBase,
    PhoneEntry,
    VersionRecord,
)
from ringback.store.knowledge import ArticleKind

__all__ = ["ArticleHit", "ArticleKind", "ArticleRecord", "KnowledgeBase", "PhoneEntry",
           "VersionRecord"]

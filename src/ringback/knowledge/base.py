"""The knowledge base: articles agents read to callers, their versions and use.

Supervisors (the Knowledge base permission) write articles; every save keeps
the wording before it as a numbered version. Agents find articles by
full-text search (``ringback.knowledge.search``) and see how often each was
used; the service-requests module counts a use with ``record_use`` inside its
own transaction, so a request and its counts are saved together or not at all.

A link article points at another article that is not itself a link, and an
article others link to stays a kind they can link to, so following a link
always ends after one step and no chain or cycle can form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased

from ringback.clock import Clock
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.knowledge.search import parse as parse_query
from ringback.knowledge.search import ranked_ids, snippet, words_of
from ringback.knowledge.validation import article_fields
from ringback.parsing import row_id
from ringback.store.db import Database
from ringback.store.knowledge import ArticleKind, KbArticle, KbArticleVersion
from ringback.store.models import Agent

CONTENT = ("kind", "title", "body", "phone_numbers", "url", "linked_article_id", "keywords")
MAX_SEARCH = 50


@dataclass(frozen=True)
class PhoneEntry:
    label: str
    number: str  # E.164, or a short service number such as 112


@dataclass(frozen=True)
class ArticleRecord:
    """An article as it reads now; ``linked_title`` names a link's target."""

    id: int
    kind: ArticleKind
    title: str
    body: str
    phone_numbers: tuple[PhoneEntry, ...]
    url: str | None
    linked_article_id: int | None
    linked_title: str | None
    keywords: str
    version: int
    usage_count: int
    archived: bool
    created_by: int | None
    updated_by: int | None
    updated_by_name: str | None
    created_at: datetime
    updated_at: datetime

    def content(self) -> dict[str, Any]:
        """The fields an update may change, as ``article_fields`` reads them."""
        return {"kind": self.kind.value, "title": self.title, "body": self.body,
                "phone_numbers": [{"label": p.label, "number": p.number}
                                  for p in self.phone_numbers],
                "url": self.url, "linked_article_id": self.linked_article_id,
                "keywords": self.keywords}


@dataclass(frozen=True)
class VersionRecord:
    """One saved wording of an article."""

    article_id: int
    version: int
    kind: ArticleKind
    title: str
    body: str
    phone_numbers: tuple[PhoneEntry, ...]
    url: str | None
    linked_article_id: int | None
    keywords: str
    edited_by: int | None
    edited_by_name: str | None
    edited_at: datetime


@dataclass(frozen=True)
class ArticleHit:
    """A search result: enough to list it and choose it."""

    id: int
    title: str
    kind: ArticleKind
    snippet: str
    usage_count: int
    rank: float


class KnowledgeBase:
    """Create, change, version, archive, find and count the use of articles."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- reading ---------------------------------------------------------------

    def get(self, article_id: int | str) -> ArticleRecord:
        with self._db.session() as session:
            return _record(session, _article(session, article_id))

    def resolve(self, article_id: int | str) -> ArticleRecord:
        """The article to read out: a link's target, any other article itself."""
        with self._db.session() as session:
            article = _article(session, article_id)
            if article.kind == ArticleKind.ARTICLE_LINK and article.linked_article_id:
                article = _article(session, article.linked_article_id)
            return _record(session, article)

    def versions(self, article_id: int | str) -> list[VersionRecord]:
        """Every saved wording, newest first."""
        with self._db.session() as session:
            article = _article(session, article_id)
            rows = session.execute(
                select(KbArticleVersion, Agent.name)
                .outerjoin(Agent, Agent.id == KbArticleVersion.edited_by)
                .where(KbArticleVersion.article_id == article.id)
                .order_by(KbArticleVersion.version.desc()))
            return [_version(row, name) for row, name in rows]

    def version(self, article_id: int | str, number: int | str) -> VersionRecord:
        with self._db.session() as session:
            article = _article(session, article_id)
            found = session.execute(
                select(KbArticleVersion, Agent.name)
                .outerjoin(Agent, Agent.id == KbArticleVersion.edited_by)
                .where(KbArticleVersion.article_id == article.id,
                       KbArticleVersion.version == row_id(number))).first()
            if found is None:
                raise NotFound("article version", f"{article.id} v{number}")
            return _version(found[0], found[1])

    def link_targets(self, but: int | None = None) -> list[tuple[int, str]]:
        """(id, title) of every article a link may point to, by title: in use, not a
        link itself, not ``but`` (the article being edited)."""
        with self._db.session() as session:
            return [(i, t) for i, t in session.execute(
                select(KbArticle.id, KbArticle.title)
                .where(KbArticle.archived.is_(False),
                       KbArticle.kind != ArticleKind.ARTICLE_LINK.value,
                       KbArticle.id != (but or 0))
                .order_by(KbArticle.title, KbArticle.id))]

    def search(self, q: str, limit: int = 10) -> list[ArticleHit]:
        """Unarchived articles matching ``q``, most relevant first (equal ranks: the
        most used first). An empty ``q`` lists the most used articles."""
        limit = max(1, min(int(limit), MAX_SEARCH))
        words = words_of(parse_query(q or ""))
        with self._db.session() as session:
            if not (q or "").strip():
                ranked = [(a, 0.0) for a in session.scalars(
                    select(KbArticle.id).where(KbArticle.archived.is_(False))
                    .order_by(KbArticle.usage_count.desc(), KbArticle.title, KbArticle.id)
                    .limit(limit))]
            else:
                ranked = ranked_ids(session, q, limit) \
                    or ranked_ids(session, q, limit, any_word=True)
            if not ranked:
                return []
            target = aliased(KbArticle)
            rows = {a.id: (a, t) for a, t in session.execute(
                select(KbArticle, target.title)
                .outerjoin(target, target.id == KbArticle.linked_article_id)
                .where(KbArticle.id.in_([i for i, _ in ranked])))}
            return [_hit(*rows[i], rank, words) for i, rank in ranked if i in rows]

    # -- writing ---------------------------------------------------------------

    def create(self, fields: Mapping[str, Any], by_agent_id: int | None) -> ArticleRecord:
        checked = article_fields(fields)
        now = self._now()
        with self._db.session() as session:
            _check_link(session, checked, None)
            article = KbArticle(**checked, version=1, usage_count=0, archived=False,
                                created_by=by_agent_id, updated_by=by_agent_id,
                                created_at=now, updated_at=now)
            session.add(article)
            session.flush()
            session.add(_snapshot(article, by_agent_id, now))
            session.flush()
            return _record(session, article)

    def update(self, article_id: int | str, fields: Mapping[str, Any],
               by_agent_id: int | None) -> ArticleRecord:
        """A new version of the article; the one before stays in ``versions``. Saving
        the same content again makes no version."""
        now = self._now()
        with self._db.session() as session:
            article = _locked(session, article_id)
            current = {name: getattr(article, name) for name in CONTENT}
            checked = article_fields(fields, current)
            if all(checked[name] == current[name] for name in CONTENT):
                return _record(session, article)
            _check_link(session, checked, article)
            for name in CONTENT:
                setattr(article, name, checked[name])
            article.version += 1
            article.updated_by = by_agent_id
            article.updated_at = now
            session.add(_snapshot(article, by_agent_id, now))
            session.flush()
            return _record(session, article)

    def archive(self, article_id: int | str, archived: bool = True) -> ArticleRecord:
        """Take an article out of search (or put it back); it stays readable by id, so
        requests that used it still show it. One that others link to stays in use."""
        with self._db.session() as session:
            article = _locked(session, article_id)
            if archived:
                linking = _linking_titles(session, article.id)
                if linking:
                    raise Conflict(f"other articles link to this one ({', '.join(linking)}); "
                                   "change or archive them first")
            article.archived = archived
            session.flush()
            return _record(session, article)

    def record_use(self, article_ids: Sequence[int], session: Session | None = None) -> None:
        """Count one use of each article named (once each, however often named), in
        ``session`` when the caller has one open, else in a unit of work of its own.
        An id that names no article is a NotFound, so the caller's work rolls back."""
        ids = sorted({int(i) for i in article_ids})
        if not ids:
            return
        if session is None:
            with self._db.session() as own:
                self._count(own, ids)
        else:
            self._count(session, ids)

    @staticmethod
    def _count(session: Session, ids: list[int]) -> None:
        done = session.execute(update(KbArticle).where(KbArticle.id.in_(ids))
                               .values(usage_count=KbArticle.usage_count + 1)
                               .execution_options(synchronize_session=False))
        if done.rowcount != len(ids):  # type: ignore[attr-defined]
            known = set(session.scalars(select(KbArticle.id).where(KbArticle.id.in_(ids))))
            raise NotFound("article", next(i for i in ids if i not in known))

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.now(), UTC)


def _article(session: Session, article_id: int | str) -> KbArticle:
    pk = row_id(article_id)
    article = session.get(KbArticle, pk) if pk is not None else None
    if article is None:
        raise NotFound("article", article_id)
    return article


def _locked(session: Session, article_id: int | str) -> KbArticle:
    """The article's row, locked for this unit of work, so two editors saving at once
    make two versions one after the other rather than two of one number."""
    pk = row_id(article_id)
    if pk is not None:
        # SQLite: take the write lock before reading (it reads outside a transaction).
        session.execute(update(KbArticle).where(KbArticle.id == pk).values(id=KbArticle.id))
    article = session.scalar(select(KbArticle).where(KbArticle.id == pk).with_for_update()) \
        if pk is not None else None
    if article is None:
        raise NotFound("article", article_id)
    return article


def _linking_titles(session: Session, article_id: int) -> list[str]:
    return list(session.scalars(select(KbArticle.title)
                                .where(KbArticle.linked_article_id == article_id,
                                       KbArticle.archived.is_(False))
                                .order_by(KbArticle.title)))


def _check_link(session: Session, fields: Mapping[str, Any], article: KbArticle | None) -> None:
    """A link names another article in use that is not a link; an article others
    link to cannot become a link itself."""
    if article is not None and fields["kind"] == ArticleKind.ARTICLE_LINK:
        linking = _linking_titles(session, article.id)
        if linking:
            raise ValidationError({"kind": "other articles link to this one ("
                                           f"{', '.join(linking)}), so it cannot become a "
                                           "link itself"})
    target_id = fields.get("linked_article_id")
    if target_id is None:
        return
    if article is not None and target_id == article.id:
        raise ValidationError({"linked_article_id": "must name another article, not this "
                                                    "one"})
    target = session.get(KbArticle, target_id)
    if target is None:
        raise ValidationError({"linked_article_id": "must name an existing article"})
    if target.kind == ArticleKind.ARTICLE_LINK:
        raise ValidationError({"linked_article_id": "must name an article with content, not "
                                                    "another link (links are one step)"})
    if target.archived:
        raise ValidationError({"linked_article_id": "must name an article in use, not an "
                                                    "archived one"})


def _snapshot(article: KbArticle, by: int | None, now: datetime) -> KbArticleVersion:
    return KbArticleVersion(article_id=article.id, version=article.version,
                            **{name: getattr(article, name) for name in CONTENT},
                            edited_by=by, edited_at=now)


def _phones(raw: object) -> tuple[PhoneEntry, ...]:
    return tuple(PhoneEntry(str(p["label"]), str(p["number"]))
                 for p in (raw or []) if isinstance(p, Mapping))  # type: ignore[attr-defined]


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _record(session: Session, article: KbArticle) -> ArticleRecord:
    linked = session.get(KbArticle, article.linked_article_id) \
        if article.linked_article_id else None
    editor = session.scalar(select(Agent.name).where(Agent.id == article.updated_by)) \
        if article.updated_by else None
    return ArticleRecord(
        id=article.id, kind=ArticleKind(article.kind), title=article.title, body=article.body,
        phone_numbers=_phones(article.phone_numbers), url=article.url,
        linked_article_id=article.linked_article_id,
        linked_title=linked.title if linked else None, keywords=article.keywords,
        version=article.version, usage_count=article.usage_count, archived=article.archived,
        created_by=article.created_by, updated_by=article.updated_by,
        updated_by_name=editor, created_at=_utc(article.created_at),
        updated_at=_utc(article.updated_at))


def _version(row: KbArticleVersion, name: str | None) -> VersionRecord:
    return VersionRecord(
        article_id=row.article_id, version=row.version, kind=ArticleKind(row.kind),
        title=row.title, body=row.body, phone_numbers=_phones(row.phone_numbers), url=row.url,
        linked_article_id=row.linked_article_id, keywords=row.keywords, edited_by=row.edited_by,
        edited_by_name=name, edited_at=_utc(row.edited_at))


def _hit(article: KbArticle, linked_title: str | None, rank: float, words: list[str]
         ) -> ArticleHit:
    kind = ArticleKind(article.kind)
    if kind is ArticleKind.ARTICLE_LINK:
        text = f"See: {linked_title}" if linked_title else ""
    elif kind is ArticleKind.PHONE_NUMBERS:
        text = article.body or ", ".join(p.get("label", "") for p in article.phone_numbers)
    elif kind is ArticleKind.EXTERNAL_URL:
        text = article.body or (article.url or "")
    else:
        text = article.body
    return ArticleHit(id=article.id, title=article.title, kind=kind,
                      snippet=snippet(text, words), usage_count=article.usage_count,
                      rank=round(rank, 6))

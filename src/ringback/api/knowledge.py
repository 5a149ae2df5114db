"""/api/v1/kb/articles: the knowledge base.

Reading (search, one article, its versions) needs the requests permission;
writing needs knowledge_base. ``GET /kb/articles?q=...`` searches (an empty
``q`` lists the most used articles), ``limit`` 1-50, default 10. ``PATCH``
changes the fields given and makes a new version; ``archived`` (true or
false) takes an article out of search or puts it back.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from ringback.api.auth import current_principal, requires
from ringback.errors import ValidationError
from ringback.knowledge import ArticleHit, ArticleRecord, KnowledgeBase, VersionRecord
from ringback.knowledge.base import MAX_SEARCH
from ringback.parsing import whole_number
from ringback.store.models import Permission


def register(bp: Blueprint) -> None:
    from ringback.api import json_body, services

    def kb() -> KnowledgeBase:
        return services().knowledge

    @bp.get("/kb/articles")
    @requires(Permission.REQUESTS)
    def search_articles() -> ResponseReturnValue:
        errors: dict[str, str] = {}
        limit = whole_number(errors, "limit", request.args.get("limit"), default=10,
                             minimum=1, maximum=MAX_SEARCH)
        if errors:
            raise ValidationError(errors)
        hits = kb().search(request.args.get("q", ""), limit)
        return jsonify({"articles": [hit_json(h) for h in hits]})

    @bp.post("/kb/articles")
    @requires(Permission.KNOWLEDGE_BASE)
    def create_article() -> ResponseReturnValue:
        made = kb().create(json_body(), current_principal().agent_id)
        return jsonify(article_json(made)), 201

    @bp.get("/kb/articles/<id:article_id>")
    @requires(Permission.REQUESTS)
    def get_article(article_id: int) -> ResponseReturnValue:
        return jsonify(article_json(kb().get(article_id)))

    @bp.patch("/kb/articles/<id:article_id>")
    @requires(Permission.KNOWLEDGE_BASE)
    def update_article(article_id: int) -> ResponseReturnValue:
        body = dict(json_body())
        archived = body.pop("archived", None)
        if archived is not None and not isinstance(archived, bool):
            raise ValidationError({"archived": "must be true or false"})
        record = kb().get(article_id)
        if body:
            record = kb().update(article_id, body, current_principal().agent_id)
        if archived is not None and archived != record.archived:
            record = kb().archive(article_id, archived)
        return jsonify(article_json(record))

    @bp.get("/kb/articles/<id:article_id>/versions")
    @requires(Permission.REQUESTS)
    def article_versions(article_id: int) -> ResponseReturnValue:
        return jsonify({"versions": [version_json(v) for v in kb().versions(article_id)]})

    @bp.get("/kb/articles/<id:article_id>/versions/<id:version>")
    @requires(Permission.REQUESTS)
    def article_version(article_id: int, version: int) -> ResponseReturnValue:
        return jsonify(version_json(kb().version(article_id, version)))


def _phones(record: ArticleRecord | VersionRecord) -> list[dict[str, str]]:
    return [{"label": p.label, "number": p.number} for p in record.phone_numbers]


def article_json(a: ArticleRecord) -> dict[str, Any]:
    return {"id": a.id, "kind": a.kind.value, "title": a.title, "body": a.body,
            "phone_numbers": _phones(a), "url": a.url,
            "linked_article": ({"id": a.linked_article_id, "title": a.linked_title}
                               if a.linked_article_id else None),
            "keywords": a.keywords, "version": a.version, "usage_count": a.usage_count,
            "archived": a.archived, "created_by": a.created_by, "updated_by": a.updated_by,
            "created_at": a.created_at.isoformat(), "updated_at": a.updated_at.isoformat()}


def version_json(v: VersionRecord) -> dict[str, Any]:
    return {"article_id": v.article_id, "version": v.version, "kind": v.kind.value,
            "title": v.title, "body": v.body, "phone_numbers": _phones(v), "url": v.url,
            "linked_article_id": v.linked_article_id, "keywords": v.keywords,
            "edited_by": v.edited_by, "edited_at": v.edited_at.isoformat()}


def hit_json(h: ArticleHit) -> dict[str, Any]:
    return {"id": h.id, "title": h.title, "kind": h.kind.value, "snippet": h.snippet,
            "usage_count": h.usage_count, "rank": h.rank}

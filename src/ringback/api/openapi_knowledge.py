"""The knowledge-base part of the OpenAPI document of /api/v1 (``api/knowledge.py``
writes these shapes: ``article_json``, ``version_json``, ``hit_json``)."""

from __future__ import annotations

from typing import Any

from ringback.api.openapi_ops import op, path_param, query
from ringback.api.openapi_schemas import TIME

_READ = "requests"
_WRITE = "knowledge_base"
_KINDS = ["script", "phone_numbers", "external_url", "article_link"]
_ARTICLE_ID = path_param("article_id", "the article's id", "integer")
_PHONES = {"type": "array", "maxItems": 20, "items": {
    "type": "object", "properties": {
        "label": {"type": "string", "maxLength": 100},
        "number": {"type": "string", "description": "E.164, or a short service number "
                                                    "such as 112"}},
    "required": ["label", "number"]}}
_NULL_ID = {"type": ["integer", "null"]}
_CONTENT: dict[str, Any] = {
    "kind": {"enum": _KINDS}, "title": {"type": "string"}, "body": {"type": "string"},
    "phone_numbers": _PHONES, "url": {"type": ["string", "null"]},
    "keywords": {"type": "string"},
}

KB_SCHEMAS: dict[str, Any] = {
    "Article": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, **_CONTENT,
                       "linked_article": {"oneOf": [{"type": "null"}, {
                           "type": "object", "properties": {
                               "id": {"type": "integer"}, "title": {"type": ["string", "null"]}},
                           "required": ["id", "title"]}]},
                       "version": {"type": "integer"}, "usage_count": {"type": "integer"},
                       "archived": {"type": "boolean"}, "created_by": _NULL_ID,
                       "updated_by": _NULL_ID, "created_at": TIME, "updated_at": TIME},
        "required": ["id", "kind", "title", "body", "phone_numbers", "url", "linked_article",
                     "keywords", "version", "usage_count", "archived", "created_at",
                     "updated_at"],
    },
    "ArticleChange": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "kind": {"enum": _KINDS}, "title": {"type": "string", "maxLength": 200},
            "body": {"type": "string", "maxLength": 20000,
                     "description": "the script (required for a script)"},
            "phone_numbers": _PHONES | {"description": "phone_numbers: 1 to 20"},
            "url": {"type": ["string", "null"], "maxLength": 2000,
                    "description": "external_url: an http or https address"},
            "linked_article_id": {"type": ["integer", "null"], "minimum": 1,
                                  "description": "article_link: another article, not a link"},
            "keywords": {"type": "string", "maxLength": 500},
            "region": {"type": "string",
                       "description": "two-letter country of numbers written nationally"},
            "archived": {"type": "boolean", "description": "PATCH only: out of search or back"},
        },
        "description": "POST needs kind, title and the kind's own field; PATCH changes the "
                       "fields given and makes a new version.",
    },
    "ArticleVersion": {
        "type": "object",
        "properties": {"article_id": {"type": "integer"}, "version": {"type": "integer"},
                       **_CONTENT, "linked_article_id": _NULL_ID, "edited_by": _NULL_ID,
                       "edited_at": TIME},
        "required": ["article_id", "version", "kind", "title", "body", "phone_numbers", "url",
                     "linked_article_id", "keywords", "edited_by", "edited_at"],
    },
    "ArticleVersions": {
        "type": "object",
        "properties": {"versions": {"type": "array",
                                    "items": {"$ref": "#/components/schemas/ArticleVersion"}}},
        "required": ["versions"],
    },
    "ArticleHits": {
        "type": "object",
        "properties": {"articles": {"type": "array", "items": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
                           "kind": {"enum": _KINDS}, "snippet": {"type": "string"},
                           "usage_count": {"type": "integer"}, "rank": {"type": "number"}},
            "required": ["id", "title", "kind", "snippet", "usage_count", "rank"]}}},
        "required": ["articles"],
    },
}

KB_PATHS: dict[str, Any] = {
    "/kb/articles": {
        "get": op("searchArticles", "Search the knowledge base, most relevant first",
                  ("200", "The articles found", "ArticleHits"), permission=_READ,
                  params=[query("q", "words (all needed), \"a phrase\", -word (not), "
                                     "a or b; empty: the most used articles"),
                          query("limit", "most articles", type="integer", minimum=1,
                                maximum=50, default=10)]),
        "post": op("createArticle", "Write an article", ("201", "The article", "Article"),
                   permission=_WRITE, body="ArticleChange"),
    },
    "/kb/articles/{article_id}": {
        "get": op("getArticle", "One article as it reads now",
                  ("200", "The article", "Article"), permission=_READ, params=[_ARTICLE_ID]),
        "patch": op("updateArticle", "Change an article (a new version) or archive it",
                    ("200", "The article", "Article"), permission=_WRITE,
                    params=[_ARTICLE_ID], body="ArticleChange", conflict=True),
    },
    "/kb/articles/{article_id}/versions": {
        "get": op("listArticleVersions", "Every version of an article, newest first",
                  ("200", "The versions", "ArticleVersions"), permission=_READ,
                  params=[_ARTICLE_ID]),
    },
    "/kb/articles/{article_id}/versions/{version}": {
        "get": op("getArticleVersion", "One version of an article",
                  ("200", "The version", "ArticleVersion"), permission=_READ,
                  params=[_ARTICLE_ID, path_param("version", "the version number",
                                                  "integer")]),
    },
}

"""Full-text search over the articles: one interface, each database's own engine.

PostgreSQL ranks with ``ts_rank_cd`` over the generated ``search_vector``
(title weight A, keywords B, body and phone labels C); SQLite with FTS5's
``bm25`` over ``kb_articles_fts`` with the same order of column weights. Both
stem English words (PostgreSQL's ``english`` configuration, FTS5's porter
tokenizer), so "collections" finds "collection".

Queries are written as on a web search engine: words must all appear, "a
quoted phrase" must appear as written, ``-word`` must not appear, ``or``
between words accepts either. When every word is required and no article has
them all, the search asks again for any of them, so a caller's own words
("my old fridge needs collecting") still find the appliance pickup script.
Archived articles are never found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

TERM = re.compile(r'(-?)"([^"]*)"|(-?)([^\s"]+)')
WORD = re.compile(r"\w+")
# FTS5's bm25 weights per column (title, keywords, body): the same order as
# PostgreSQL's A, B, C defaults (1.0, 0.4, 0.2).
BM25_WEIGHTS = (10.0, 4.0, 2.0)


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase (its words), maybe negated, maybe an alternative
    to the term before it (``or``)."""

    words: tuple[str, ...]
    negated: bool = False
    alternative: bool = False


def parse(query: str) -> list[Term]:
    """The terms of a web-search-style query; punctuation inside words is dropped."""
    terms: list[Term] = []
    alternative = False
    for match in TERM.finditer(query):
        negated = bool(match.group(1) or match.group(3))
        raw = match.group(2) if match.group(2) is not None else match.group(4)
        if match.group(4) is not None and raw.lower() == "or" and not negated:
            alternative = bool(terms)
            continue
        words = tuple(w.lower() for w in WORD.findall(raw))
        if words:
            terms.append(Term(words, negated, alternative and not negated))
        alternative = False
    return terms


def words_of(terms: list[Term]) -> list[str]:
    """The words the query looks for (not the negated ones), each once."""
    seen: list[str] = []
    for term in terms:
        if not term.negated:
            seen.extend(w for w in term.words if w not in seen)
    return seen


def ranked_ids(session: Session, query: str, limit: int, *, any_word: bool = False
               ) -> list[tuple[int, float]]:
    """(article id, rank) of the unarchived articles matching, best first; a higher
    rank is a better match on either database."""
    terms = parse(query)
    if not any(not t.negated for t in terms):
        return []
    if any_word:
        terms = [Term((w,), alternative=i > 0) for i, w in enumerate(words_of(terms))]
    if session.get_bind().dialect.name == "postgresql":
        return _postgresql(session, terms, limit)
    return _sqlite(session, terms, limit)


def _groups(terms: list[Term]) -> tuple[list[list[Term]], list[Term]]:
    """The required groups (any term of a group will do) and the terms refused."""
    groups: list[list[Term]] = []
    refused: list[Term] = []
    for term in terms:
        if term.negated:
            refused.append(term)
        elif term.alternative and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
    return groups, refused


def _postgresql(session: Session, terms: list[Term], limit: int) -> list[tuple[int, float]]:
    params: dict[str, Any] = {"limit": limit}

    def phrase(term: Term) -> str:
        name = f"t{len(params)}"
        params[name] = " ".join(term.words)
        return f"phraseto_tsquery('english', :{name})"

    groups, refused = _groups(terms)
    parts = ["(" + " || ".join(phrase(t) for t in group) + ")" for group in groups]
    parts += [f"!!{phrase(t)}" for t in refused]
    # Stop words ("the", "how") give empty tsqueries, which the operators drop.
    sql = ("SELECT a.id, ts_rank_cd(a.search_vector, s.q) AS rank "
           f"FROM kb_articles a, (SELECT {' && '.join(parts)} AS q) AS s "
           "WHERE NOT a.archived AND a.search_vector @@ s.q "
           "ORDER BY rank DESC, a.usage_count DESC, a.id LIMIT :limit")
    return [(row[0], float(row[1])) for row in session.execute(text(sql), params)]


def _sqlite(session: Session, terms: list[Term], limit: int) -> list[tuple[int, float]]:
    groups, refused = _groups(terms)

    def phrase(term: Term) -> str:
        return '"' + " ".join(term.words) + '"'

    match = " AND ".join("(" + " OR ".join(phrase(t) for t in group) + ")"
                         for group in groups)
    if refused:
        match = f"({match}) NOT ({' OR '.join(phrase(t) for t in refused)})"
    title, keywords, body = BM25_WEIGHTS
    sql = (f"SELECT a.id, -bm25(kb_articles_fts, {title}, {keywords}, {body}) AS rank "
           "FROM kb_articles_fts JOIN kb_articles a ON a.id = kb_articles_fts.rowid "
           "WHERE kb_articles_fts MATCH :match AND NOT a.archived "
           "ORDER BY rank DESC, a.usage_count DESC, a.id LIMIT :limit")
    return [(row[0], float(row[1]))
            for row in session.execute(text(sql), {"match": match, "limit": limit})]


def snippet(body: str, words: list[str], width: int = 160) -> str:
    """The part of ``body`` around the first word searched for (any ending), else its
    start; cut at word boundaries, with an ellipsis where text was left out."""
    flat = " ".join(body.split())
    if len(flat) <= width:
        return flat
    lower = flat.lower()
    at = -1
    for word in words:
        stem = word[:max(4, len(word) - 3)]
        found = re.search(r"\b" + re.escape(stem), lower)
        if found and (at < 0 or found.start() < at):
            at = found.start()
    start = max(0, at - width // 3) if at > 0 else 0
    if start:
        start = flat.rfind(" ", 0, start) + 1
    end = start + width
    if end < len(flat):
        end = flat.rfind(" ", start, end) if flat.rfind(" ", start, end) > start else end
    return ("… " if start else "") + flat[start:end].strip() + (" …" if end < len(flat) else "")

"""The demo articles: one of each kind, the pickup script found first for a caller's
words, and a second run adds nothing."""

from __future__ import annotations

from ringback.knowledge import ArticleKind
from ringback.knowledge.demo import APPLIANCE_PICKUP, demo_articles


def test_the_demo_articles_cover_every_kind_and_are_made_once(kb, editor_id):
    made = demo_articles(kb, editor_id)
    assert len(made) == 6
    assert {a.kind for a in made.values()} == set(ArticleKind)
    assert kb.search("my fridge needs collecting")[0].title in (
        APPLIANCE_PICKUP, "Fridge or freezer collection")
    assert kb.search("appliance pickup")[0].title == APPLIANCE_PICKUP
    link = made["Fridge or freezer collection"]
    assert kb.resolve(link.id).title == APPLIANCE_PICKUP
    again = demo_articles(kb, editor_id)
    assert {a.id for a in again.values()} == {a.id for a in made.values()}
    assert len(kb.search("", limit=50)) == 6

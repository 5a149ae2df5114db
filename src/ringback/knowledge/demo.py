"""Demo articles of a public-works call centre, for ``ringback demo-data`` and the
browser journey (which reads out the "Appliance pickup" script)."""

from __future__ import annotations

from ringback.knowledge.base import ArticleRecord, KnowledgeBase

APPLIANCE_PICKUP = "Appliance pickup"


def demo_articles(kb: KnowledgeBase, by_agent_id: int | None) -> dict[str, ArticleRecord]:
    """Six articles of every kind, by title; an article of the same title already
    there is left as it is, so running the demo twice adds nothing."""
    made: dict[str, ArticleRecord] = {}

    def add(fields: dict[str, object]) -> ArticleRecord:
        title = str(fields["title"])
        existing = next((h for h in kb.search(f'"{title}"', limit=50) if h.title == title),
                        None)
        made[title] = kb.get(existing.id) if existing else kb.create(fields, by_agent_id)
        return made[title]

    pickup = add({
        "kind": "script", "title": APPLIANCE_PICKUP,
        "keywords": "fridge freezer washing machine dishwasher cooker bulky item collection",
        "body": (
            "Large household appliances (fridges, freezers, washing machines, dishwashers, "
            "cookers) are collected separately from the household bins.\n\n"
            "1. Ask what the items are and how many: up to three per collection.\n"
            "2. Confirm the address and that the items will be at the kerb by 7 am on the "
            "collection day, doors removed from fridges and freezers.\n"
            "3. Tell the caller the collection is free for households and comes within "
            "ten working days; the crew does not enter the property.\n"
            "4. Log an action request with the problem code \"Appliance pickup\" and the "
            "address, so a work order is created for the bulky-item crew."),
    })
    add({
        "kind": "script", "title": "Missed household collection",
        "keywords": "bin not emptied missed bin rubbish refuse recycling",
        "body": (
            "Sorry the bin was missed. Ask which bin (general waste, recycling, garden "
            "waste) and whether it was at the kerb by 7 am on the collection day.\n"
            "If it was out in time, log an action request with the address: the crew "
            "returns within two working days. If it was put out late, the next "
            "collection is on the usual day; extra bags beside the bin are taken then."),
    })
    add({
        "kind": "phone_numbers", "title": "Emergency numbers",
        "keywords": "police fire ambulance gas leak water burst",
        "body": "For danger to life, always 112 first. Read out the number that fits.",
        "phone_numbers": [{"label": "Fire and ambulance", "number": "112"},
                          {"label": "Police", "number": "110"},
                          {"label": "Gas leak (24 hours)", "number": "+49 30 787272"},
                          {"label": "Burst water main (24 hours)", "number": "+49 30 86440"}],
    })
    add({
        "kind": "external_url", "title": "Waste calendar",
        "keywords": "collection dates schedule holiday bin days",
        "body": "The collection days of every street, with holiday changes; callers can "
                "subscribe to reminders there.",
        "url": "https://www.example.org/waste-calendar",
    })
    add({
        "kind": "script", "title": "Street light out",
        "keywords": "lamp dark street lighting pole",
        "body": ("Ask for the street and the number painted on the pole (or the nearest "
                 "house number). Log an action request with that location; repairs take "
                 "up to five working days, a whole dark street is fixed the same night."),
    })
    add({
        "kind": "article_link", "title": "Fridge or freezer collection",
        "keywords": "fridge freezer",
        "body": "Fridges and freezers are appliances: use the appliance pickup script.",
        "linked_article_id": pickup.id,
    })
    return made

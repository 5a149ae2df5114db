"""Search ranking against a fixture of 200 articles: the expected first hit for ten
queries. It runs on the session's database, so CI's first pass checks SQLite's
FTS5 and its second (DATABASE_URL) PostgreSQL's full-text search.

The fixture is built once for the module on a database of its own making (it
empties the knowledge-base tables first), so the tests here do not use the
per-test ``db`` fixture, which would empty it again.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, func, select

from ringback.clock import ManualClock
from ringback.knowledge import KnowledgeBase
from ringback.store.db import Database
from ringback.store.knowledge import KbArticle, KbArticleVersion

# The articles the queries are about, and near misses sharing some of their words.
ARTICLES = [
    ("script", "Appliance pickup", "Bulky appliances such as fridges, freezers and washers "
     "are collected from the kerb on request. Book a pickup date; the crew takes up to "
     "three items.", "washing machine fridge freezer bulky item"),
    ("script", "Bulky waste pickup", "Furniture and mattresses are picked up twice a year. "
     "An appliance is not bulky waste: see the appliance article.", "sofa mattress"),
    ("script", "Appliance repair advice", "We do not repair appliances. Pickup is not "
     "offered for repairs; give the caller the list of repair cafés.", "repair"),
    ("script", "Missed household collection", "When a bin was not emptied on its day, log "
     "the address; the crew returns within two working days.", "bin not emptied"),
    ("script", "Collection days", "Household waste is collected weekly. If the caller "
     "missed putting the bin out, the next round is the following week.", "schedule"),
    ("phone_numbers", "Emergency numbers", "Read out the number that fits the emergency.",
     "urgent"),
    ("external_url", "Waste calendar", "The calendar of collection dates for every street.",
     "dates"),
    ("script", "Calendar of events", "Public events in the parks; not about waste.", ""),
    ("script", "Refrigerant removal", "Cooling gas is removed before scrapping.",
     "fridge"),
    ("script", "Pothole repair", "Potholes on public roads are repaired within a week of "
     "the report.", "road damage"),
    ("script", "Street light out", "A street light that stays dark: note the pole number "
     "painted on it.", "lamp"),
    ("script", "Light rail works", "Works on the light rail close the street at night.",
     "tram"),
    ("script", "Dark street at night", "If a whole street is dark, the light sensor may "
     "have failed.", ""),
    ("script", "Graffiti removal", "Graffiti on public walls is removed within five days.",
     "paint spray"),
    ("script", "Graffiti on bridges", "Graffiti on a bridge or underpass: graffiti there "
     "needs a lifting platform, so the bridge team handles it.", "graffiti underpass"),
    ("script", "Fire hydrant leaking", "Water running from a hydrant: send the water crew.",
     "water"),
    ("script", "Park sprinklers", "Sprinklers in the parks run at night.", "irrigation"),
    ("script", "Bus shelter repairs", "Broken glass at a bus shelter near the tram stop is "
     "replaced within a day.", "glass"),
]
LINKS = {"Emergency numbers": [{"label": "Police", "number": "110"},
                               {"label": "Fire and ambulance", "number": "112"}]}
URLS = {"Waste calendar": "https://example.com/waste-calendar"}
QUERIES = [
    ("appliance pickup", "Appliance pickup"),
    ("missed collection", "Missed household collection"),
    ("police", "Emergency numbers"),
    ("waste calendar", "Waste calendar"),
    ("tram", "Light rail works"),
    ("potholes", "Pothole repair"),
    ('"street light"', "Street light out"),
    ("graffiti -bridge", "Graffiti removal"),
    ("hydrant or sprinkler leaking", "Fire hydrant leaking"),
    ("my old washing machine is broken, can you take it away", "Appliance pickup"),
]
FILLER = ("permit parking meter tree pruning noise complaint recycling paper compost "
          "playground bench sewer drain flooding snow gritting dog fouling abandoned "
          "vehicle market stall cemetery library licence fee invoice council tax pavement "
          "crossing signage fountain allotment hedge cutting leaves weeds litter").split()
# Words of the queries that also turn up in one filler article in ten, as noise.
NOISE = "collection appliance street pickup light calendar waste repair".split()


def _filler(rng: random.Random, n: int) -> list[tuple[str, str, str, str]]:
    rows = []
    for i in range(n):
        title = " ".join(rng.sample(FILLER, 3)).capitalize() + f" {i}"
        words = [rng.choice(FILLER) for _ in range(rng.randint(20, 60))]
        if i % 10 == 0:
            words.insert(rng.randrange(len(words)), NOISE[i // 10 % len(NOISE)])
        keywords = " ".join(rng.sample(FILLER, 2))
        rows.append(("script", title, " ".join(words) + ".", keywords))
    return rows


@pytest.fixture(scope="module")
def fixture_db(database_url: str) -> Iterator[Database]:
    from ringback.store.migrate import load_models

    load_models()
    db = Database.from_url(database_url)
    with db.engine.begin() as conn:
        conn.execute(delete(KbArticleVersion))
        conn.execute(delete(KbArticle))
    rows = ARTICLES + _filler(random.Random(13), 200 - len(ARTICLES))
    with db.session() as session:
        session.add_all(KbArticle(kind=kind, title=title, body=body, keywords=keywords,
                                  phone_numbers=LINKS.get(title, []), url=URLS.get(title),
                                  version=1, usage_count=0, archived=False)
                        for kind, title, body, keywords in rows)
    try:
        yield db
    finally:
        with db.engine.begin() as conn:
            conn.execute(delete(KbArticle))
        db.dispose()


@pytest.fixture(scope="module")
def kb(fixture_db: Database) -> KnowledgeBase:
    return KnowledgeBase(fixture_db, ManualClock())


def test_the_fixture_holds_200_articles_with_the_query_words_as_noise(kb, fixture_db):
    with fixture_db.session() as session:
        assert session.scalar(select(func.count()).select_from(KbArticle)) == 200
    found = {h.title for h in kb.search("appliance", limit=50)}
    assert {"Appliance pickup", "Appliance repair advice"} < found and len(found) > 4


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_the_expected_article_comes_first(kb, query, expected):
    hits = kb.search(query)
    assert hits, f"nothing found for {query!r}"
    assert hits[0].title == expected, [h.title for h in hits[:5]]


def test_a_refused_word_leaves_out_every_article_with_it(kb):
    titles = [h.title for h in kb.search("graffiti -bridge")]
    assert "Graffiti on bridges" not in titles
    assert "Graffiti on bridges" in [h.title for h in kb.search("graffiti")]


def test_a_phrase_needs_its_words_side_by_side(kb):
    titles = {h.title for h in kb.search('"street light"', limit=50)}
    assert "Street light out" in titles
    assert "Dark street at night" not in titles and "Light rail works" not in titles

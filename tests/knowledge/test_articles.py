"""Articles of each kind, the rules each kind keeps, links between articles,
versions and usage counts, on the session's database (SQLite or PostgreSQL)."""

from __future__ import annotations

import pytest

from ringback.errors import Conflict, NotFound, ValidationError
from ringback.knowledge import ArticleKind, PhoneEntry
from tests.knowledge.conftest import SCRIPT


def refused(call, *args) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        call(*args)
    return caught.value.errors


def test_a_script_needs_its_text_and_a_title(kb, editor_id):
    errors = refused(kb.create, {"kind": "script", "title": " ", "body": ""}, editor_id)
    assert set(errors) == {"title", "body"}
    assert "script" in errors["body"]
    made = kb.create(SCRIPT, editor_id)
    assert (made.kind, made.title, made.version, made.usage_count) == (
        ArticleKind.SCRIPT, "Appliance pickup", 1, 0)
    assert made.updated_by_name == "Eda Editor"


def test_an_unknown_kind_or_field_is_named(kb):
    errors = refused(kb.create, {"kind": "faq", "title": "x", "colour": "red"}, None)
    assert set(errors) == {"kind", "colour"}


def test_phone_numbers_are_stored_in_e164_and_short_numbers_as_dialled(kb):
    made = kb.create({"kind": "phone_numbers", "title": "Emergency numbers",
                      "phone_numbers": [{"label": "Police", "number": "110"},
                                        {"label": "Town hall", "number": "030 90 2123 456"}],
                      "region": "DE"}, None)
    assert made.phone_numbers == (PhoneEntry("Police", "110"),
                                  PhoneEntry("Town hall", "+4930902123456"))


def test_a_phone_numbers_article_needs_a_number_with_a_label(kb):
    errors = refused(kb.create, {"kind": "phone_numbers", "title": "Numbers",
                                 "phone_numbers": []}, None)
    assert set(errors) == {"phone_numbers"}
    errors = refused(kb.create, {"kind": "phone_numbers", "title": "Numbers",
                                 "phone_numbers": [{"label": "", "number": "+49 30 1234567"},
                                                   {"label": "Depot", "number": "12ab"}]}, None)
    assert set(errors) == {"phone_numbers[0].label", "phone_numbers[1].number"}


@pytest.mark.parametrize("url", [None, "", "ftp://example.com/x", "calendar.example.com",
                                 "https://", "https://example.com/a b"])
def test_an_external_url_needs_a_web_address(kb, url):
    errors = refused(kb.create, {"kind": "external_url", "title": "Waste calendar",
                                 "url": url}, None)
    assert set(errors) == {"url"}


def test_fields_of_another_kind_are_refused(kb):
    errors = refused(kb.create, {**SCRIPT, "url": "https://example.com"}, None)
    assert set(errors) == {"url"}


def test_a_link_follows_to_its_target(kb):
    target = kb.create(SCRIPT, None)
    link = kb.create({"kind": "article_link", "title": "Fridge collection",
                      "linked_article_id": target.id}, None)
    assert link.linked_title == "Appliance pickup"
    assert kb.resolve(link.id).id == target.id
    assert kb.resolve(target.id).id == target.id


def test_a_link_must_name_another_existing_article_that_is_not_a_link(kb):
    target = kb.create(SCRIPT, None)
    link = kb.create({"kind": "article_link", "title": "A", "linked_article_id": target.id},
                     None)
    assert set(refused(kb.create, {"kind": "article_link", "title": "B"}, None)) \
        == {"linked_article_id"}
    assert "existing" in refused(kb.create, {"kind": "article_link", "title": "B",
                                             "linked_article_id": 999_999}, None
                                 )["linked_article_id"]
    assert "link" in refused(kb.create, {"kind": "article_link", "title": "B",
                                         "linked_article_id": link.id}, None
                             )["linked_article_id"]
    assert "this one" in refused(kb.update, link.id, {"linked_article_id": link.id}, None
                                 )["linked_article_id"]


def test_no_cycle_can_form_an_article_linked_to_stays_content(kb):
    target = kb.create(SCRIPT, None)
    link = kb.create({"kind": "article_link", "title": "A", "linked_article_id": target.id},
                     None)
    errors = refused(kb.update, target.id, {"kind": "article_link",
                                            "linked_article_id": link.id}, None)
    assert set(errors) == {"kind"}
    assert kb.get(target.id).kind is ArticleKind.SCRIPT
    with pytest.raises(Conflict):
        kb.archive(target.id)


def test_an_update_keeps_the_version_before(kb, editor_id, clock):
    made = kb.create(SCRIPT, None)
    clock.advance(60)
    changed = kb.update(made.id, {"body": "Appliances go on the next bulky-item round."},
                        editor_id)
    assert changed.version == 2 and changed.updated_by_name == "Eda Editor"
    versions = kb.versions(made.id)
    assert [(v.version, v.body) for v in versions] == [
        (2, "Appliances go on the next bulky-item round."), (1, SCRIPT["body"])]
    assert versions[0].edited_by_name == "Eda Editor" and versions[1].edited_by is None
    assert kb.version(made.id, 1).body == SCRIPT["body"]
    with pytest.raises(NotFound):
        kb.version(made.id, 3)
    assert kb.update(made.id, {"body": changed.body}, editor_id).version == 2


def test_changing_the_kind_empties_the_old_kinds_fields(kb):
    made = kb.create({"kind": "external_url", "title": "Waste calendar",
                      "url": "https://example.com/calendar"}, None)
    changed = kb.update(made.id, {"kind": "script", "body": "Read the dates out."}, None)
    assert (changed.kind, changed.url) == (ArticleKind.SCRIPT, None)
    assert kb.version(made.id, 1).url == "https://example.com/calendar"


def test_a_refused_update_changes_nothing(kb):
    made = kb.create(SCRIPT, None)
    refused(kb.update, made.id, {"body": ""}, None)
    assert kb.get(made.id).body == SCRIPT["body"]
    assert len(kb.versions(made.id)) == 1


def test_usage_is_counted_once_per_article_and_in_the_callers_transaction(kb, db):
    one = kb.create(SCRIPT, None)
    two = kb.create({**SCRIPT, "title": "Missed collection"}, None)
    kb.record_use([one.id, one.id, two.id])
    assert (kb.get(one.id).usage_count, kb.get(two.id).usage_count) == (1, 1)
    with pytest.raises(RuntimeError), db.session() as session:
        kb.record_use([one.id], session=session)
        raise RuntimeError("the request failed to save")
    assert kb.get(one.id).usage_count == 1
    with db.session() as session:
        kb.record_use([one.id], session=session)
    assert kb.get(one.id).usage_count == 2
    with pytest.raises(NotFound):
        kb.record_use([two.id, 999_999])
    assert kb.get(two.id).usage_count == 1


def test_archived_articles_are_not_found_but_stay_readable(kb):
    made = kb.create(SCRIPT, None)
    assert [h.id for h in kb.search("appliance")] == [made.id]
    kb.archive(made.id)
    assert kb.search("appliance") == []
    assert kb.get(made.id).archived
    kb.archive(made.id, archived=False)
    assert [h.id for h in kb.search("appliance")] == [made.id]
    with pytest.raises(NotFound):
        kb.get("abc")


def test_of_two_equally_good_matches_the_more_used_comes_first(kb):
    one = kb.create(SCRIPT, None)
    two = kb.create(SCRIPT, None)  # the same words: the same rank
    before = kb.search("fridge")
    assert before[0].rank == before[1].rank
    other = two.id if before[0].id == one.id else one.id
    kb.record_use([other])
    hits = kb.search("fridge")
    assert (hits[0].id, hits[0].usage_count) == (other, 1)

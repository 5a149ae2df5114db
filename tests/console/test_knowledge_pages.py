"""Work → Knowledge base in the console: ranked search with use counts, an article
shown by its kind, versions; editors write and change articles, with the form's
problems in red naming the fields; agents without Requests get a 403."""

from __future__ import annotations

import pytest

from tests.console.conftest import csrf_from, form_post, signed_in
from tests.knowledge.conftest import SCRIPT


@pytest.fixture
def editor(app, services, people):
    agent = people.agent("eda@example.com", permissions=["requests", "knowledge_base"],
                         password=None)
    return signed_in(app, services, agent)


@pytest.fixture
def reader(app, services, people):
    return signed_in(app, services, people.agent("rob@example.com", permissions=["requests"],
                                                 password=None))


def test_an_agent_finds_the_script_ranked_with_its_use_and_reads_it(reader, services):
    kb = services.knowledge
    script = kb.create(SCRIPT, None)
    kb.create({"kind": "script", "title": "Bulky waste", "body": "A fridge is an appliance."},
              None)
    kb.record_use([script.id, script.id + 1])
    kb.record_use([script.id])
    page = reader.get("/console/knowledge?q=fridge").get_data(as_text=True)
    assert page.index("Appliance pickup") < page.index("Bulky waste")
    assert "used 2 times" in page and "used 1 time</span>" in page
    assert "New article" not in page
    shown = reader.get(f"/console/knowledge/{script.id}").get_data(as_text=True)
    assert SCRIPT["body"] in shown and "Call script" in shown and "Edit" not in shown
    assert reader.get("/console/knowledge/new").status_code == 403


def test_numbers_are_tel_links_and_a_link_shows_its_target(reader, services):
    kb = services.knowledge
    numbers = kb.create({"kind": "phone_numbers", "title": "Emergency numbers",
                         "phone_numbers": [{"label": "Town hall", "number": "+49309021234"}]},
                        None)
    link = kb.create({"kind": "article_link", "title": "Who to call",
                      "linked_article_id": numbers.id}, None)
    page = reader.get(f"/console/knowledge/{link.id}").get_data(as_text=True)
    assert 'href="tel:+49309021234"' in page and "+49 30 9021234" in page
    assert f'href="/console/knowledge/{numbers.id}"' in page


def test_an_editor_writes_an_article_and_a_change_keeps_the_old_version(editor, services):
    answer = form_post(editor, "/console/knowledge/new", kind="phone_numbers",
                       title="Emergency numbers",
                       phone_numbers="Police: 110\nTown hall: +49 30 9021234")
    assert answer.status_code == 302
    made = services.knowledge.search("police")[0]
    assert [(p.label, p.number) for p in services.knowledge.get(made.id).phone_numbers] == [
        ("Police", "110"), ("Town hall", "+49309021234")]
    page = f"/console/knowledge/{made.id}/edit"
    assert "Police: 110" in editor.get(page).get_data(as_text=True)
    answer = form_post(editor, page, kind="phone_numbers", title="Emergency and town hall",
                       phone_numbers="Police: 110")
    assert answer.status_code == 302
    versions = editor.get(f"/console/knowledge/{made.id}/versions").get_data(as_text=True)
    assert "Version 2 (current)" in versions and "Version 1" in versions
    assert "Emergency numbers" in versions and "Eda" in versions


def test_the_forms_problems_name_the_fields_and_nothing_is_saved(editor, services):
    answer = form_post(editor, "/console/knowledge/new", kind="phone_numbers", title="",
                       phone_numbers="Police: 110\nDepot 12ab")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'role="alert"' in page and '<a href="#title">Title</a>' in page
    assert "line 2: the label" in page
    answer = form_post(editor, "/console/knowledge/new", kind="article_link", title="Loop")
    assert '<a href="#linked_article_id">Linked article</a>' in answer.get_data(as_text=True)
    assert services.knowledge.search("") == []


def test_archiving_an_article_others_link_to_is_refused_in_a_banner(editor, services):
    kb = services.knowledge
    target = kb.create(SCRIPT, None)
    kb.create({"kind": "article_link", "title": "Fridge", "linked_article_id": target.id},
              None)
    page = editor.get(f"/console/knowledge/{target.id}").get_data(as_text=True)
    answer = editor.post(f"/console/knowledge/{target.id}/archive",
                         data={"csrf_token": csrf_from(page)})
    assert answer.status_code == 409
    assert 'role="alert"' in answer.get_data(as_text=True)
    assert "Fridge" in answer.get_data(as_text=True)
    assert not kb.get(target.id).archived


def test_without_the_requests_permission_every_page_is_refused(app, services, people):
    kb = services.knowledge
    article = kb.create(SCRIPT, None)
    client = signed_in(app, services, people.agent("t@example.com", permissions=["tickets"],
                                                   password=None))
    for path in ("/console/knowledge", f"/console/knowledge/{article.id}",
                 f"/console/knowledge/{article.id}/versions",
                 f"/console/knowledge/{article.id}/edit"):
        assert client.get(path).status_code == 403, path

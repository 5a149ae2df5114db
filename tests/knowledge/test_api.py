"""/api/v1/kb/articles: reading needs requests, writing knowledge_base; 422 names the
field; versions and archiving through the API."""

from __future__ import annotations

from tests.customers.conftest import agent_headers
from tests.knowledge.conftest import SCRIPT


def test_an_editor_writes_and_an_agent_reads_and_searches(client, owner_headers):
    editor = agent_headers(client, owner_headers, ["requests", "knowledge_base"])
    made = client.post("/api/v1/kb/articles", json=SCRIPT, headers=editor)
    assert made.status_code == 201, made.get_json()
    article = made.get_json()
    assert (article["kind"], article["version"], article["usage_count"]) == ("script", 1, 0)
    assert article["created_by"] is not None

    reader = client.post("/api/v1/agents", json={"email": "r@x.io", "name": "R",
                                                 "permissions": ["requests"]},
                         headers=owner_headers).get_json()
    token = client.post(f"/api/v1/agents/{reader['id']}/token",
                        headers=owner_headers).get_json()["token"]
    reading = {"Authorization": f"Bearer {token}"}
    found = client.get("/api/v1/kb/articles?q=fridge", headers=reading).get_json()
    assert [a["id"] for a in found["articles"]] == [article["id"]]
    assert client.get(f"/api/v1/kb/articles/{article['id']}", headers=reading).status_code \
        == 200
    assert client.post("/api/v1/kb/articles", json=SCRIPT, headers=reading).status_code == 403
    assert client.patch(f"/api/v1/kb/articles/{article['id']}", json={"title": "x"},
                        headers=reading).status_code == 403


def test_invalid_input_is_a_422_naming_the_fields(client, owner_headers):
    answer = client.post("/api/v1/kb/articles", json={"kind": "external_url", "title": "",
                                                      "url": "nope"}, headers=owner_headers)
    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {"title", "url"}
    answer = client.get("/api/v1/kb/articles?limit=500", headers=owner_headers)
    assert answer.status_code == 422 and set(answer.get_json()["errors"]) == {"limit"}
    made = client.post("/api/v1/kb/articles", json=SCRIPT, headers=owner_headers).get_json()
    answer = client.post("/api/v1/kb/articles", json={
        "kind": "article_link", "title": "Loop", "linked_article_id": made["id"] + 1000},
        headers=owner_headers)
    assert answer.status_code == 422 and set(answer.get_json()["errors"]) == {
        "linked_article_id"}
    answer = client.patch(f"/api/v1/kb/articles/{made['id']}", json={"archived": "yes"},
                          headers=owner_headers)
    assert answer.status_code == 422 and set(answer.get_json()["errors"]) == {"archived"}


def test_a_change_is_a_new_version_and_archiving_hides_it_from_search(client, owner_headers):
    made = client.post("/api/v1/kb/articles", json=SCRIPT, headers=owner_headers).get_json()
    url = f"/api/v1/kb/articles/{made['id']}"
    changed = client.patch(url, json={"title": "Appliance and bulky pickup"},
                           headers=owner_headers).get_json()
    assert changed["version"] == 2
    versions = client.get(f"{url}/versions", headers=owner_headers).get_json()["versions"]
    assert [(v["version"], v["title"]) for v in versions] == [
        (2, "Appliance and bulky pickup"), (1, "Appliance pickup")]
    assert client.get(f"{url}/versions/1", headers=owner_headers).get_json()["title"] \
        == "Appliance pickup"
    assert client.get(f"{url}/versions/9", headers=owner_headers).status_code == 404
    assert client.patch(url, json={"archived": True},
                        headers=owner_headers).get_json()["archived"] is True
    assert client.get("/api/v1/kb/articles?q=pickup",
                      headers=owner_headers).get_json()["articles"] == []
    link = client.post("/api/v1/kb/articles", json={
        "kind": "article_link", "title": "Fridge", "linked_article_id": made["id"]},
        headers=owner_headers)
    assert link.status_code == 422 and "archived" in link.get_json()["errors"][
        "linked_article_id"]

from tests.conftest import OWNER_TOKEN


def test_no_token_is_401_with_a_json_error(client):
    response = client.get("/api/v1/agents")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in response.get_json()["error"]


def test_a_wrong_token_is_401(client):
    response = client.get("/api/v1/agents", headers={"Authorization": "Bearer nope-nope-nope"})
    assert response.status_code == 401


def test_the_owner_token_may_do_everything(client, owner_headers):
    response = client.post(
        "/api/v1/agents", json={"email": "Ana@Example.com", "name": "Ana"}, headers=owner_headers
    )
    assert response.status_code == 201
    assert response.get_json()["email"] == "ana@example.com"
    listed = client.get("/api/v1/agents", headers=owner_headers).get_json()["agents"]
    assert [a["email"] for a in listed] == ["ana@example.com"]


def test_invalid_input_is_422_naming_each_field(client, owner_headers):
    response = client.post(
        "/api/v1/agents",
        json={"email": "not-an-address", "role": "boss", "permissions": ["flying"]},
        headers=owner_headers,
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"email", "name", "role", "permissions"}
    assert "e-mail address" in errors["email"]


def test_a_body_that_is_not_json_is_422(client, owner_headers):
    response = client.post("/api/v1/agents", data="hello", headers=owner_headers)
    assert response.status_code == 422
    assert "body" in response.get_json()["errors"]


def test_a_duplicate_keeps_the_stored_agent(client, owner_headers):
    client.post("/api/v1/agents", json={"email": "a@x.io", "name": "First"},
                headers=owner_headers)
    again = client.post("/api/v1/agents", json={"email": "a@x.io", "name": "Second"},
                        headers=owner_headers)
    assert again.status_code == 422
    agents = client.get("/api/v1/agents", headers=owner_headers).get_json()["agents"]
    assert [a["name"] for a in agents] == ["First"]


def test_unknown_ids_are_404(client, owner_headers):
    assert client.get("/api/v1/agents/999", headers=owner_headers).status_code == 404
    response = client.get("/api/v1/no-such-thing", headers=owner_headers)
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_an_agent_without_permission_gets_403(client, owner_headers):
    agent = client.post("/api/v1/agents", json={"email": "b@x.io", "name": "B"},
                        headers=owner_headers).get_json()
    token = client.post(f"/api/v1/agents/{agent['id']}/token",
                        headers=owner_headers).get_json()["token"]
    response = client.get("/api/v1/agents", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert "agents permission" in response.get_json()["error"]


def test_an_agent_with_the_permission_may(client, owner_headers):
    agent = client.post(
        "/api/v1/agents",
        json={"email": "c@x.io", "name": "C", "permissions": ["agents"]},
        headers=owner_headers,
    ).get_json()
    token = client.post(f"/api/v1/agents/{agent['id']}/token",
                        headers=owner_headers).get_json()["token"]
    assert token != OWNER_TOKEN
    response = client.get("/api/v1/agents", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_an_unexpected_failure_is_a_500_without_a_stack_trace(app, client, owner_headers):
    # Dropping the table makes the directory fail the way a broken database would.
    from sqlalchemy import text

    with app.extensions["ringback"].db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE agents RENAME TO agents_away"))
    try:
        response = client.get("/api/v1/agents", headers={"Authorization": "Bearer rbk_x"})
        assert response.status_code == 500
        assert response.get_json() == {"error": "internal error; the event was logged"}
    finally:
        with app.extensions["ringback"].db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE agents_away RENAME TO agents"))


def _agent_with_token(client, owner_headers, **fields):
    agent = client.post("/api/v1/agents", json=fields, headers=owner_headers).get_json()
    token = client.post(f"/api/v1/agents/{agent['id']}/token",
                        headers=owner_headers).get_json()["token"]
    return agent, {"Authorization": f"Bearer {token}"}


def test_a_custom_agent_cannot_climb_through_the_api(client, owner_headers):
    _, manager = _agent_with_token(client, owner_headers, email="m@x.io", name="M",
                                   permissions=["agents"])
    made_admin = client.post("/api/v1/agents", json={"email": "e@x.io", "name": "E",
                                                     "role": "admin"}, headers=manager)
    assert made_admin.status_code == 403
    stronger = client.post("/api/v1/agents", json={"email": "s@x.io", "name": "S",
                                                   "permissions": ["numbers"]},
                           headers=owner_headers).get_json()
    borrowed = client.post(f"/api/v1/agents/{stronger['id']}/token", headers=manager)
    assert borrowed.status_code == 403
    emails = [a["email"] for a in
              client.get("/api/v1/agents", headers=owner_headers).get_json()["agents"]]
    assert "e@x.io" not in emails

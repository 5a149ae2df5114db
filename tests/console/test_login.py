"""Log-in, sessions, lock-out, CSRF and the server-side permission checks."""

from __future__ import annotations

from dataclasses import replace

from ringback.console.sessions import IDLE_SECONDS
from tests.console.conftest import (
    AGENT_PASSWORD,
    OWNER_EMAIL,
    OWNER_PASSWORD,
    csrf_from,
    form_post,
    log_in,
    session_cookie,
)


def test_logging_in_sets_a_session_cookie_with_only_the_session_token(app, owner):
    client = app.test_client()
    response = log_in(client, OWNER_EMAIL, OWNER_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"
    cookies = [c for c in response.headers.getlist("Set-Cookie")
               if c.startswith("ringback_session=")]
    assert len(cookies) == 1
    flags = cookies[0].lower()
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" in flags  # PUBLIC_BASE_URL is https in the test settings
    assert len(session_cookie(client)) >= 40
    assert client.get("/console/").status_code == 200


def test_the_cookie_is_not_secure_when_served_over_plain_http(app, services, owner):
    from dataclasses import replace

    from ringback.app import create_app

    settings = services.settings.with_changes(public_base_url="http://127.0.0.1:5000")
    plain = create_app(settings, replace(services, settings=settings))
    response = log_in(plain.test_client(), OWNER_EMAIL, OWNER_PASSWORD)
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("ringback_session="))
    assert "secure" not in cookie.lower()


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(app, owner):
    client = app.test_client()
    wrong = log_in(client, OWNER_EMAIL, "not-the-password")
    unknown = log_in(client, "nobody@example.com", OWNER_PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "The e-mail or the password is wrong." in wrong.get_data(as_text=True)
    assert "The e-mail or the password is wrong." in unknown.get_data(as_text=True)
    assert session_cookie(client) is None


def test_the_session_id_changes_at_log_in_and_the_old_one_stops_working(app, owner):
    client = app.test_client()
    log_in(client, OWNER_EMAIL, OWNER_PASSWORD)
    first = session_cookie(client)
    # Logging in again from a signed-in browser (a second tab's log-in form).
    form_post(client, "/console/account", "/console/login",
              email=OWNER_EMAIL, password=OWNER_PASSWORD)
    second = session_cookie(client)
    assert first and second and first != second
    stale = app.test_client()
    stale.set_cookie("ringback_session", first)
    assert stale.get("/console/agents").status_code == 302  # back to log-in


def test_a_session_planted_before_log_in_is_not_adopted(app, owner):
    client = app.test_client()
    client.set_cookie("ringback_session", "attacker-chosen-session-id-0123456789")
    log_in(client, OWNER_EMAIL, OWNER_PASSWORD)
    assert session_cookie(client) != "attacker-chosen-session-id-0123456789"


def test_logging_out_ends_the_session_on_the_server(app, owner_client):
    token = session_cookie(owner_client)
    response = form_post(owner_client, "/console/", "/console/logout")
    assert response.status_code == 302
    replay = app.test_client()
    replay.set_cookie("ringback_session", token)
    assert replay.get("/console/").status_code == 302


def test_an_ended_session_no_longer_works(app, owner, session_store):
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, OWNER_EMAIL, OWNER_PASSWORD)
    log_in(phone, OWNER_EMAIL, OWNER_PASSWORD)
    sessions = session_store.for_agent(owner.id)
    assert len(sessions) == 2
    phone_session = max(sessions, key=lambda s: s.id)
    page = laptop.get("/console/account").get_data(as_text=True)
    assert page.count("<tr>") == 3  # header and two sessions
    ended = laptop.post(f"/console/account/sessions/{phone_session.id}/end",
                        data={"csrf_token": csrf_from(page)})
    assert ended.status_code == 302
    assert phone.get("/console/account").status_code == 302
    assert laptop.get("/console/account").status_code == 200


def test_agents_cannot_end_other_agents_sessions(app, owner, people, session_store):
    people.agent("ana@example.com")
    ana = app.test_client()
    log_in(ana, "ana@example.com", AGENT_PASSWORD)
    owner_client = app.test_client()
    log_in(owner_client, OWNER_EMAIL, OWNER_PASSWORD)
    owner_session = session_store.for_agent(owner.id)[0]
    page = ana.get("/console/account").get_data(as_text=True)
    refused = ana.post(f"/console/account/sessions/{owner_session.id}/end",
                       data={"csrf_token": csrf_from(page)})
    # Ana's own page comes back (her session lives on), and it still lists only hers.
    assert refused.status_code == 302
    assert refused.headers["Location"] == "/console/account"
    assert session_cookie(ana) and ana.get("/console/account").status_code == 200
    assert [s.id for s in session_store.for_agent(owner.id)] == [owner_session.id]
    assert owner_client.get("/console/account").status_code == 200


def test_an_idle_session_expires(app, owner_client, clock):
    assert owner_client.get("/console/").status_code == 200
    clock.advance(IDLE_SECONDS + 1)
    assert owner_client.get("/console/").status_code == 302


def test_five_wrong_passwords_lock_the_address_at_that_client_even_for_the_right_one(
        app, owner, clock):
    client = app.test_client()
    for attempt in range(4):
        assert log_in(client, OWNER_EMAIL, f"wrong-password-{attempt}").status_code == 401
    fifth = log_in(client, OWNER_EMAIL, "wrong-password-4")
    assert fifth.status_code == 429
    assert "Too many failed log-ins" in fifth.get_data(as_text=True)
    right = log_in(client, OWNER_EMAIL, OWNER_PASSWORD)
    assert right.status_code == 429
    assert "Try again in 15 minutes" in right.get_data(as_text=True)
    assert session_cookie(client) is None
    clock.advance(15 * 60 + 1)
    assert log_in(client, OWNER_EMAIL, OWNER_PASSWORD).status_code == 302


def from_address(app, address: str):
    """A browser at ``address``, as the web server sees its peer."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_an_attacker_cannot_lock_the_owner_out_from_another_address(app, owner):
    """Issue 17: 5 bad tries from anywhere locked the owner out for 15 minutes."""
    attacker = from_address(app, "203.0.113.9")
    for attempt in range(12):
        assert log_in(attacker, OWNER_EMAIL, f"guess-{attempt}").status_code in (401, 429)
    assert log_in(attacker, OWNER_EMAIL, OWNER_PASSWORD).status_code == 429
    rightful = from_address(app, "198.51.100.7")
    assert log_in(rightful, OWNER_EMAIL, OWNER_PASSWORD).status_code == 302
    assert session_cookie(rightful)


def test_sprayed_addresses_from_one_client_are_slowed_down_exponentially(app, owner, clock):
    """Issue 17: 30 sprayed e-mail addresses were never throttled."""
    sprayer = from_address(app, "203.0.113.9")
    statuses = [log_in(sprayer, f"user{n}@example.com", "spring-2026!").status_code
                for n in range(10)]
    assert statuses == [401] * 9 + [429]
    delay = 1
    for n in range(10, 15):
        # Until the delay has passed, a guess is not even looked at.
        clock.advance(delay - 0.5)
        too_soon = log_in(sprayer, OWNER_EMAIL, OWNER_PASSWORD)
        assert too_soon.status_code == 429
        assert "from your network" in too_soon.get_data(as_text=True)
        clock.advance(0.5)
        wrong = log_in(sprayer, f"user{n}@example.com", "spring-2026!")
        delay *= 2
        assert wrong.status_code == 429
        assert f"Try again in {delay} seconds" in wrong.get_data(as_text=True)
        assert wrong.headers["Retry-After"] == str(delay)
    assert delay == 32
    # Someone else, elsewhere, is not slowed down by it.
    assert log_in(from_address(app, "198.51.100.7"), OWNER_EMAIL, OWNER_PASSWORD
                  ).status_code == 302


def test_the_log_in_throttle_is_shared_by_several_web_processes(app, settings, services, owner):
    from ringback.app import create_app

    second_process = create_app(settings, services)
    first, second = from_address(app, "203.0.113.9"), from_address(second_process, "203.0.113.9")
    for attempt in range(5):
        web = first if attempt % 2 else second
        log_in(web, OWNER_EMAIL, f"guess-{attempt}")
    assert log_in(first, OWNER_EMAIL, OWNER_PASSWORD).status_code == 429
    assert log_in(second, OWNER_EMAIL, OWNER_PASSWORD).status_code == 429


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(app, settings, services, owner):
    from ringback.app import create_app

    spoofer = from_address(app, "203.0.113.9")
    for n in range(10):
        log_in(spoofer, f"user{n}@example.com", "guess-password")
    spoofed = spoofer.post("/console/login", headers={"X-Forwarded-For": "198.51.100.1"},
                           data={"csrf_token": csrf_from(spoofer.get("/console/login")
                                                         .get_data(as_text=True)),
                                 "email": OWNER_EMAIL, "password": OWNER_PASSWORD})
    assert spoofed.status_code == 429

    behind_proxy = settings.with_changes(trusted_proxies=1)
    proxied_app = create_app(behind_proxy, replace(services, settings=behind_proxy))
    proxy = from_address(proxied_app, "10.0.0.2")
    for n in range(10):
        html = proxy.get("/console/login").get_data(as_text=True)
        proxy.post("/console/login", headers={"X-Forwarded-For": "203.0.113.50"},
                   data={"csrf_token": csrf_from(html), "email": f"user{n}@example.com",
                         "password": "guess-password"})
    html = proxy.get("/console/login").get_data(as_text=True)
    other_client = proxy.post(
        "/console/login", headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.7"},
        data={"csrf_token": csrf_from(html), "email": OWNER_EMAIL, "password": OWNER_PASSWORD})
    assert other_client.status_code == 302


def test_login_next_with_cr_lf_redirects_home_with_one_session(app, owner, session_store):
    """Issue 17.6: a next holding CR/LF gave a 500 and left an orphan session row."""
    client = app.test_client()
    html = client.get("/console/login").get_data(as_text=True)
    response = client.post("/console/login", data={
        "csrf_token": csrf_from(html), "email": OWNER_EMAIL, "password": OWNER_PASSWORD,
        "next": "/console\r\nX: 1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"
    assert "X" not in response.headers
    sessions = session_store.for_agent(owner.id)
    assert len(sessions) == 1
    assert client.get("/console/").status_code == 200
    signed_in = client.get("/console/login?next=/console%0d%0aX:%201")
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/console/"


def test_login_next_must_be_a_console_path(app, owner):
    from ringback.console.auth import safe_next

    with app.test_request_context():
        assert safe_next("/console/agents?page=2") == "/console/agents?page=2"
        assert safe_next("/console") == "/console"
        for bad in ("/consolex", "/console/\\evil.example.com", "https://evil.example.com/console",
                    "/console/a\tb", "//evil.example.com/console", None, ""):
            assert safe_next(bad) == "/console/", bad


def test_a_log_in_form_without_its_csrf_token_is_rejected(app, owner):
    client = app.test_client()
    client.get("/console/login")
    response = client.post("/console/login",
                           data={"email": OWNER_EMAIL, "password": OWNER_PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert session_cookie(client) is None


def test_a_form_with_another_sessions_token_is_rejected(app, owner, owner_client, people):
    other = app.test_client()
    log_in(other, OWNER_EMAIL, OWNER_PASSWORD)
    foreign_token = csrf_from(other.get("/console/agents/new").get_data(as_text=True))
    response = owner_client.post("/console/agents/new", data={
        "csrf_token": foreign_token, "name": "Eve", "email": "eve@example.com",
        "role": "admin", "confirm_password": OWNER_PASSWORD,
    })
    assert response.status_code == 400
    assert people.directory.by_email("eve@example.com") is None


def test_a_json_post_needs_the_token_in_a_header(app, owner_client):
    page = owner_client.get("/console/account").get_data(as_text=True)
    bare = owner_client.post("/console/account/sessions/end-others")
    assert bare.status_code == 400
    with_header = owner_client.post("/console/account/sessions/end-others",
                                    headers={"X-CSRF-Token": csrf_from(page)})
    assert with_header.status_code == 302


def test_anonymous_visitors_are_sent_to_log_in_and_back(app, owner):
    client = app.test_client()
    response = client.get("/console/agents?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login?next=/console/agents%3Fpage%3D2"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    after = client.post("/console/login", data={
        "csrf_token": csrf_from(html), "email": OWNER_EMAIL, "password": OWNER_PASSWORD,
        "next": "/console/agents?page=2",
    })
    assert after.headers["Location"] == "/console/agents?page=2"


def test_log_in_never_redirects_to_another_site(app, owner):
    client = app.test_client()
    html = client.get("/console/login").get_data(as_text=True)
    after = client.post("/console/login", data={
        "csrf_token": csrf_from(html), "email": OWNER_EMAIL, "password": OWNER_PASSWORD,
        "next": "//evil.example.com/console",
    })
    assert after.headers["Location"] == "/console/"


def test_a_custom_agent_without_the_area_gets_the_403_page(app, owner, people):
    people.agent("ana@example.com", permissions=["live_queue", "callbacks"])
    client = app.test_client()
    log_in(client, "ana@example.com", AGENT_PASSWORD)
    for path in ("/console/agents", "/console/agents/new", f"/console/agents/{owner.id}",
                 "/console/settings", "/console/audit", "/console/outbox"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "No access" in response.get_data(as_text=True)
    assert client.get("/console/account").status_code == 200
    home = client.get("/console/").get_data(as_text=True)
    assert 'href="/console/agents"' not in home


def test_posts_are_checked_on_the_server_too(app, owner, people):
    people.agent("ana@example.com", permissions=["callbacks"])
    client = app.test_client()
    log_in(client, "ana@example.com", AGENT_PASSWORD)
    token = csrf_from(client.get("/console/account").get_data(as_text=True))
    response = client.post("/console/agents/new", data={
        "csrf_token": token, "name": "Eve", "email": "eve@example.com", "role": "admin",
        "confirm_password": AGENT_PASSWORD,
    })
    assert response.status_code == 403
    assert people.directory.by_email("eve@example.com") is None
    settings = client.post("/console/settings", data={
        "csrf_token": token, "resource_availability": "working_hours"})
    assert settings.status_code == 403


def test_every_console_page_declares_an_access_rule(app):
    from ringback.console.access import rule_of

    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("console.")}
    assert "console.agents" in endpoints
    undeclared = sorted(e for e in endpoints - {"console.static"}
                        if rule_of(app.view_functions[e]) is None)
    assert undeclared == []


def test_console_pages_send_security_headers(owner_client):
    response = owner_client.get("/console/agents")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_script_calls_get_json_errors_instead_of_pages(app, owner, people):
    client = app.test_client()
    json_accept = {"Accept": "application/json"}
    anonymous = client.get("/console/agents", headers=json_accept)
    assert anonymous.status_code == 401
    assert anonymous.get_json() == {"error": "log in to the console first"}
    people.agent("ana@example.com", permissions=["callbacks"])
    log_in(client, "ana@example.com", AGENT_PASSWORD)
    forbidden = client.get("/console/agents", headers=json_accept)
    assert forbidden.status_code == 403
    assert forbidden.get_json() == {"error": "this page needs the Agents permission"}
    page = client.get("/console/").get_data(as_text=True)
    assert '<meta name="csrf-token" content="' in page
    no_token = client.post("/console/account/sessions/end-others", json={})
    assert no_token.status_code == 400 and "X-CSRF-Token" in no_token.get_json()["error"]

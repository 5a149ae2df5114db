"""The invitation flow end to end: outbox mail, link, password, log-in."""

from __future__ import annotations

import re

from ringback.console.invitations import VALID_SECONDS
from ringback.console.mail import Outbox
from tests.console.conftest import OWNER_PASSWORD, csrf_from, form_post, log_in, session_cookie

LINK = re.compile(r"https://ringback\.example\.com(/console/invitations/[\w-]+)")


def invite(owner_client, email="ana@example.com", **extra):
    response = form_post(owner_client, "/console/agents/new", name="Ana", email=email,
                         role="custom", permissions=["callbacks"],
                         confirm_password=OWNER_PASSWORD, **extra)
    assert response.status_code == 302, response.get_data(as_text=True)


def link_in_outbox(owner_client, index: int = 0) -> str:
    """Read the invitation as an admin would: from the console's outbox pages."""
    listing = owner_client.get("/console/outbox").get_data(as_text=True)
    mail_ids = re.findall(r'href="/console/outbox/([\w-]+)"', listing)
    mail = owner_client.get(f"/console/outbox/{mail_ids[index]}").get_data(as_text=True)
    assert "Your ringback account" in mail and "ana@example.com" in mail
    return LINK.search(mail).group(1)


def test_an_invited_agent_sets_a_password_through_the_outbox_link_and_logs_in(
        app, owner_client, services):
    invite(owner_client)
    [mail] = Outbox.of(services.settings).all()
    assert mail.to == "ana@example.com"
    assert mail.sender == "ringback@ringback.example.com"
    assert "Hello Ana" in mail.body and "Olivia Owner added you" in mail.body
    path = link_in_outbox(owner_client)

    browser = app.test_client()
    page = browser.get(path)
    assert page.status_code == 200
    assert "Choose the password for" in page.get_data(as_text=True)
    done = browser.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                    "password": "ana-new-password", "repeat": "ana-new-password"})
    assert done.status_code == 302
    assert done.headers["Location"] == "/console/login?notice=password_set&email=ana@example.com"
    login_page = browser.get(done.headers["Location"]).get_data(as_text=True)
    assert "Your password is set." in login_page and 'value="ana@example.com"' in login_page
    assert log_in(browser, "ana@example.com", "ana-new-password").status_code == 302
    assert session_cookie(browser)
    assert "Hello, Ana" in browser.get("/console/").get_data(as_text=True)


def test_an_invitation_link_works_only_once(app, owner_client):
    invite(owner_client)
    path = link_in_outbox(owner_client)
    browser = app.test_client()
    form_post(browser, path, password="first-password-1", repeat="first-password-1")
    again = browser.get(path)
    assert again.status_code == 410
    assert "This link no longer works" in again.get_data(as_text=True)
    token = csrf_from(browser.get("/console/login").get_data(as_text=True))
    replay = browser.post(path, data={"csrf_token": token, "password": "second-password",
                                      "repeat": "second-password"})
    assert replay.status_code == 410
    assert log_in(browser, "ana@example.com", "first-password-1").status_code == 302


def test_an_invitation_link_expires(app, owner_client, clock):
    invite(owner_client)
    path = link_in_outbox(owner_client)
    clock.advance(VALID_SECONDS + 1)
    assert app.test_client().get(path).status_code == 410


def test_a_bad_password_keeps_the_link_usable(app, owner_client):
    invite(owner_client)
    path = link_in_outbox(owner_client)
    browser = app.test_client()
    short = form_post(browser, path, password="short", repeat="short")
    assert short.status_code == 422
    assert "Must be from 10 to 200 characters long." in short.get_data(as_text=True)
    differ = form_post(browser, path, password="long-password-1", repeat="long-password-2")
    assert differ.status_code == 422
    ok = form_post(browser, path, password="long-password-1", repeat="long-password-1")
    assert ok.status_code == 302


def test_a_new_invitation_replaces_the_old_link(app, owner_client, people):
    invite(owner_client)
    old = link_in_outbox(owner_client)
    ana = people.directory.by_email("ana@example.com")
    response = form_post(owner_client, f"/console/agents/{ana.id}",
                         f"/console/agents/{ana.id}/invite", confirm_password=OWNER_PASSWORD)
    assert response.status_code == 302
    new = link_in_outbox(owner_client, index=0)
    assert new != old
    assert app.test_client().get(old).status_code == 410
    assert app.test_client().get(new).status_code == 200


def test_an_unknown_link_is_gone(app):
    assert app.test_client().get("/console/invitations/made-up-token").status_code == 410


def test_without_smtp_the_outbox_is_in_the_menu(owner_client):
    assert 'href="/console/outbox"' in owner_client.get("/console/").get_data(as_text=True)

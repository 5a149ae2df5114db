"""The invitation flow end to end: outbox mail, link, password, log-in.

The mail's link carries its token after ``#``, which a browser never sends:
the page's script posts it (or the agent pastes the link), and the server
answers with the password form bound to a short-lived form token.  A test
client, like a mail scanner, sees only what a request would carry.
"""

from __future__ import annotations

import re

from ringback.console.invitations import FORM_SECONDS, VALID_SECONDS
from ringback.console.mail import Outbox
from tests.console.conftest import OWNER_PASSWORD, csrf_from, form_post, log_in, session_cookie

LINK = re.compile(r"https://ringback\.example\.com/console/invitation#([\w-]+)")
OPEN_PAGE = "/console/invitation"


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


def open_link(browser, token: str):
    """What the page's script does: post the token from the fragment."""
    return form_post(browser, OPEN_PAGE, token=token)


def form_token_from(html: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found, "the page has no password form"
    return found.group(1)


def set_password(browser, token: str, password: str, repeat: str | None = None):
    """Open the link, then submit the password form it answers with."""
    opened = open_link(browser, token)
    assert opened.status_code == 200, opened.get_data(as_text=True)
    html = opened.get_data(as_text=True)
    return browser.post(f"{OPEN_PAGE}/password", data={
        "csrf_token": csrf_from(html), "form_token": form_token_from(html),
        "password": password, "repeat": password if repeat is None else repeat})


def test_an_invited_agent_sets_a_password_through_the_outbox_link_and_logs_in(
        app, owner_client, services):
    invite(owner_client)
    [mail] = Outbox.of(services.settings).all()
    assert mail.to == "ana@example.com"
    assert mail.sender == "ringback@ringback.example.com"
    assert "Hello Ana" in mail.body and "Olivia Owner added you" in mail.body
    token = link_in_outbox(owner_client)

    browser = app.test_client()
    page = open_link(browser, token)
    assert page.status_code == 200
    assert "Choose the password for" in page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    done = browser.post(f"{OPEN_PAGE}/password", data={
        "csrf_token": csrf_from(html), "form_token": form_token_from(html),
        "password": "ana-new-password", "repeat": "ana-new-password"})
    assert done.status_code == 302
    assert done.headers["Location"] == "/console/login?notice=password_set&email=ana@example.com"
    login_page = browser.get(done.headers["Location"]).get_data(as_text=True)
    assert "Your password is set." in login_page and 'value="ana@example.com"' in login_page
    assert log_in(browser, "ana@example.com", "ana-new-password").status_code == 302
    assert session_cookie(browser)
    assert "Hello, Ana" in browser.get("/console/").get_data(as_text=True)


def test_invitation_link_keeps_its_token_out_of_every_request_line(app, owner_client):
    """Issue 17.1: the token sat in the path, so the access log held working links."""
    invite(owner_client)
    token = link_in_outbox(owner_client)
    browser = app.test_client()
    paths: list[str] = []
    for response in (browser.get(OPEN_PAGE), open_link(browser, token)):
        paths.append(response.request.full_path)
    html = open_link(browser, token).get_data(as_text=True)
    form_token = form_token_from(html)
    assert token not in html and token not in form_token
    assert all(token not in path for path in paths)


def test_a_mail_scanner_opening_the_link_neither_uses_nor_sees_it(app, owner_client):
    invite(owner_client)
    token = link_in_outbox(owner_client)
    scanner = app.test_client()
    for _ in range(3):  # what a GET of the mail's link sends: no fragment
        seen = scanner.get(OPEN_PAGE)
        assert seen.status_code == 200
        text = seen.get_data(as_text=True)
        assert "Ana" not in text and "ana@example.com" not in text
        assert 'name="token"' in text  # the no-script fallback: paste the link
    assert set_password(app.test_client(), token, "ana-new-password").status_code == 302


def test_pasting_the_whole_link_opens_the_password_form(app, owner_client):
    invite(owner_client)
    token = link_in_outbox(owner_client)
    browser = app.test_client()
    pasted = form_post(browser, OPEN_PAGE,
                       token=f" https://ringback.example.com/console/invitation#{token} ")
    assert pasted.status_code == 200
    assert "Choose the password for" in pasted.get_data(as_text=True)


def test_invitation_password_form_works_only_in_the_browser_that_opened_the_link(
        app, owner_client):
    invite(owner_client)
    token = link_in_outbox(owner_client)
    html = open_link(app.test_client(), token).get_data(as_text=True)
    other = app.test_client()
    csrf = csrf_from(other.get(OPEN_PAGE).get_data(as_text=True))
    stolen = other.post(f"{OPEN_PAGE}/password", data={
        "csrf_token": csrf, "form_token": form_token_from(html),
        "password": "eve-password-1", "repeat": "eve-password-1"})
    assert stolen.status_code == 410
    assert log_in(app.test_client(), "ana@example.com", "eve-password-1").status_code == 401


def test_invitation_password_form_expires_but_the_link_still_works(app, owner_client, clock):
    invite(owner_client)
    token = link_in_outbox(owner_client)
    browser = app.test_client()
    html = open_link(browser, token).get_data(as_text=True)
    clock.advance(FORM_SECONDS + 1)
    late = browser.post(f"{OPEN_PAGE}/password", data={
        "csrf_token": csrf_from(html), "form_token": form_token_from(html),
        "password": "ana-new-password", "repeat": "ana-new-password"})
    assert late.status_code == 410
    assert "Open the link from your e-mail again" in late.get_data(as_text=True)
    assert set_password(browser, token, "ana-new-password").status_code == 302


def test_an_invitation_link_works_only_once(app, owner_client):
    invite(owner_client)
    token = link_in_outbox(owner_client)
    browser = app.test_client()
    opened = open_link(browser, token).get_data(as_text=True)
    assert set_password(browser, token, "first-password-1").status_code == 302
    again = open_link(browser, token)
    assert again.status_code == 410
    assert "This link no longer works" in again.get_data(as_text=True)
    replay = browser.post(f"{OPEN_PAGE}/password", data={
        "csrf_token": csrf_from(browser.get(OPEN_PAGE).get_data(as_text=True)),
        "form_token": form_token_from(opened),
        "password": "second-password", "repeat": "second-password"})
    assert replay.status_code == 410
    assert log_in(browser, "ana@example.com", "first-password-1").status_code == 302


def test_an_invitation_link_expires(app, owner_client, clock):
    invite(owner_client)
    token = link_in_outbox(owner_client)
    clock.advance(VALID_SECONDS + 1)
    assert open_link(app.test_client(), token).status_code == 410


def test_a_bad_password_keeps_the_link_usable(app, owner_client):
    invite(owner_client)
    token = link_in_outbox(owner_client)
    browser = app.test_client()
    short = set_password(browser, token, "short")
    assert short.status_code == 422
    page = short.get_data(as_text=True)
    assert "Must be from 10 to 200 characters long." in page
    differ = browser.post(f"{OPEN_PAGE}/password", data={
        "csrf_token": csrf_from(page), "form_token": form_token_from(page),
        "password": "long-password-1", "repeat": "long-password-2"})
    assert differ.status_code == 422
    page = differ.get_data(as_text=True)
    ok = browser.post(f"{OPEN_PAGE}/password", data={
        "csrf_token": csrf_from(page), "form_token": form_token_from(page),
        "password": "long-password-1", "repeat": "long-password-1"})
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
    assert open_link(app.test_client(), old).status_code == 410
    assert open_link(app.test_client(), new).status_code == 200


def test_an_unknown_link_is_gone(app):
    assert open_link(app.test_client(), "made-up-token").status_code == 410


def test_old_style_invitation_links_show_a_clear_page_and_change_nothing(
        app, owner_client, people, services):
    """Links of mails sent before the fragment (token in the path) were in access logs."""
    invite(owner_client)
    token = link_in_outbox(owner_client)
    browser = app.test_client()
    old = browser.get(f"/console/invitations/{token}")
    assert old.status_code == 410
    text = old.get_data(as_text=True)
    assert "ask an admin" in text.lower() and "Ana" not in text
    csrf = csrf_from(browser.get(OPEN_PAGE).get_data(as_text=True))
    posted = browser.post(f"/console/invitations/{token}", data={
        "csrf_token": csrf, "password": "eve-password-1", "repeat": "eve-password-1"})
    assert posted.status_code == 410
    assert people.directory.by_email("ana@example.com").password_hash is None


def test_without_smtp_the_outbox_is_in_the_menu(owner_client):
    assert 'href="/console/outbox"' in owner_client.get("/console/").get_data(as_text=True)


def test_invitations_pending_before_the_upgrade_are_retired(tmp_path):
    """Migration 0006: old links' tokens are in access logs; pending ones expire."""
    from datetime import UTC, datetime, timedelta

    from alembic import command

    from ringback.agents import AgentDirectory, token_digest
    from ringback.store.console import Invitation, as_utc
    from ringback.store.db import Database
    from ringback.store.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path / 'before.sqlite3'}"
    command.upgrade(alembic_config(url), "0004_console")
    db = Database.from_url(url)
    try:
        ana = AgentDirectory(db).create({"email": "ana@example.com", "name": "Ana"})
        now = datetime.now(UTC)
        with db.session() as session:
            session.add_all([
                Invitation(token_hash=token_digest("pending"), agent_id=ana.id,
                           created_at=now, expires_at=now + timedelta(days=7)),
                Invitation(token_hash=token_digest("used"), agent_id=ana.id, created_at=now,
                           expires_at=now + timedelta(days=7), used_at=now),
            ])
        upgrade(url)
        with db.session() as session:
            rows = {i.token_hash: i for i in session.query(Invitation)}
        assert as_utc(rows[token_digest("pending")].expires_at) <= datetime.now(UTC)
        assert rows[token_digest("pending")].used_at is None
        assert as_utc(rows[token_digest("used")].expires_at) > datetime.now(UTC)
    finally:
        db.dispose()

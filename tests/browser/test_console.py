"""The console in a real browser: log-in, the 403 page, the invitation flow."""

from __future__ import annotations

import re

import pytest

from ringback.agents import AgentDirectory
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

OWNER_EMAIL = "olivia@example.com"
OWNER_PASSWORD = "owner-password-1"
AGENT_PASSWORD = "agent-password-1"


@pytest.fixture
def directory(live_server) -> AgentDirectory:
    directory = AgentDirectory(live_server.services.db)
    directory.create_owner(OWNER_EMAIL, "Olivia Owner", OWNER_PASSWORD)
    return directory


def log_in(page, live_server, email: str, password: str) -> None:
    page.goto(live_server.at("/console/login"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_the_owner_logs_in_and_opens_the_agents_page(page, live_server, directory):
    for email, name, perms in [("ana@example.com", "Ana Alves", ["live_queue", "callbacks"]),
                               ("ben@example.com", "Ben Berg", ["reports"])]:
        agent = directory.create({"email": email, "name": name, "permissions": perms})
        directory.set_password(agent.id, AGENT_PASSWORD)
    directory.create({"email": "cleo@example.com", "name": "Cleo Chen", "role": "admin"})

    page.goto(live_server.at("/console/"))
    assert page.url == live_server.at("/console/login?next=/console/")
    screenshot(page, "login")
    page.get_by_label("E-mail address").fill(OWNER_EMAIL)
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Hello, Olivia Owner").wait_for()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agents").click()
    page.get_by_role("heading", name="Agents").wait_for()
    rows = page.locator("tbody tr")
    assert rows.count() == 4
    assert page.get_by_text("4 of 50 agents").is_visible()
    screenshot(page, "agents")
    cookie = next(c for c in page.context.cookies() if c["name"] == "ringback_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"


def test_a_wrong_password_shows_an_error_in_the_page(page, live_server, directory):
    log_in(page, live_server, OWNER_EMAIL, "not-the-password")
    assert page.get_by_role("alert").inner_text() == "The e-mail or the password is wrong."


def test_a_custom_agent_without_the_agents_permission_gets_the_403_page(
        page, live_server, directory):
    ana = directory.create({"email": "ana@example.com", "name": "Ana Alves",
                            "permissions": ["live_queue", "callbacks"]})
    directory.set_password(ana.id, AGENT_PASSWORD)
    log_in(page, live_server, "ana@example.com", AGENT_PASSWORD)
    page.get_by_role("heading", name="Hello, Ana Alves").wait_for()
    assert page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Agents").count() == 0

    response = page.goto(live_server.at("/console/agents"))
    assert response.status == 403
    assert page.get_by_role("heading", name="No access").is_visible()
    assert "needs the Agents permission" in page.locator("main").inner_text()


def test_an_invited_agent_sets_a_password_from_the_outbox_and_logs_in(
        page, live_server, directory):
    log_in(page, live_server, OWNER_EMAIL, OWNER_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agents").click()
    page.get_by_role("link", name="Add agent").click()
    page.get_by_label("Name").fill("Dana Diaz")
    page.get_by_label("E-mail address").fill("dana@example.com")

    admin = page.get_by_role("radio", name=re.compile("^Admin"))
    areas = page.get_by_role("group", name="Areas")
    admin.check()
    assert page.get_by_role("checkbox", name="Callbacks").is_disabled()  # admins hold all
    page.get_by_role("radio", name=re.compile(r"^Agent\b")).check()
    areas.get_by_role("checkbox", name="Callbacks").check()
    areas.get_by_role("checkbox", name="Live queue").check()
    page.get_by_label("Your password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Add and send invitation").click()
    page.get_by_role("status").filter(has_text="an invitation went to dana@example.com").wait_for()

    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_role("link", name="Outbox", exact=True).click()
    page.get_by_role("link", name="Your ringback account").click()
    link = page.locator('.mail-body a[href*="/console/invitation#"]')
    invitation_url = link.get_attribute("href")
    assert invitation_url.startswith(live_server.at("/console/invitation#"))
    token = invitation_url.partition("#")[2]

    page.get_by_role("button", name="Log out").click()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url + (request.post_data or "")))
    page.goto(invitation_url)
    # The page's script posts the token from the fragment and drops it from the address bar.
    page.get_by_role("heading", name="Welcome, Dana Diaz").wait_for()
    assert "#" not in page.url
    assert [u for u in requested if token in u and "token=" not in u] == []
    assert any("token=" + token in u for u in requested)  # in a POST body only
    page.get_by_label("New password", exact=True).fill("dana-password-1")
    page.get_by_label("New password again").fill("dana-password-1")
    page.get_by_role("button", name="Set password").click()
    page.get_by_text("Your password is set.").wait_for()
    assert page.get_by_label("E-mail address").input_value() == "dana@example.com"
    page.get_by_label("Password").fill("dana-password-1")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Hello, Dana Diaz").wait_for()
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Agents").count() == 0
    page.goto(invitation_url)
    page.get_by_role("heading", name="This link no longer works").wait_for()


def test_an_invitation_opens_without_javascript_by_pasting_the_link(
        browser, live_server, directory):
    from ringback.console.invitations import Invitations
    from ringback.console.mail import Mailer

    s = live_server.services
    ana = directory.create({"email": "ana@example.com", "name": "Ana Alves",
                            "permissions": ["callbacks"]})
    link = Invitations(s.db, s.clock, Mailer(s.settings, s.redis, s.clock),
                       s.settings.public_base_url, s.settings.secret_key).invite(
        ana, invited_by=None)
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(link)
        assert page.get_by_role("heading", name="Choose your password").is_visible()
        page.get_by_label("Your invitation link").fill(link)
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("heading", name="Welcome, Ana Alves").wait_for()
        page.get_by_label("New password", exact=True).fill("ana-password-12")
        page.get_by_label("New password again").fill("ana-password-12")
        page.get_by_role("button", name="Set password").click()
        page.get_by_text("Your password is set.").wait_for()
    finally:
        context.close()
    assert directory.check_password("ana@example.com", "ana-password-12") is not None

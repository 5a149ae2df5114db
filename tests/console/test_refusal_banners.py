"""Refusals on the live board come as red banners in the agent's words (issue 14's
defect 2): no state names such as logged_out, no ids, no "endpoint"."""

from __future__ import annotations

import html

import pytest

from ringback.console.refusals import IN_STATE, SET_PHONE, refusal_words
from ringback.errors import Conflict, ValidationError
from ringback.numbers import NumberDirectory
from tests.console.test_live_board import BUSINESS, QUEUE, join, post_on_board, with_phone


@pytest.mark.parametrize(("refusal", "words"), [
    (Conflict("agent 2 cannot take a call while logged_out"),
     "You are Away: go Available to take calls."),
    (Conflict("agent 2 cannot take a call while busy"), "You are on a call: finish it first."),
    (Conflict("agent 7 is busy; finish that first"), "You are on a call: finish it first."),
    (ValidationError({"endpoint": "the agent needs an endpoint (phone number, SIP URI or "
                                  "client:identity)"}), SET_PHONE),
    (ValidationError({"agent": "has no phone endpoint to ring; set one first"}), SET_PHONE),
    (Conflict("support:a3 is already with an agent"), "Another agent has this caller already."),
    (Conflict("offer support:a3 is no longer yours"),
     "This caller is no longer offered to you: the offer ended or went to another agent."),
])
def test_each_refusal_is_said_in_the_agents_words(refusal, words):
    said = refusal_words(refusal)
    assert said == words
    for internal in ("logged_out", "endpoint", "support:a3", "agent 2", "agent 7", "client:"):
        assert internal not in said


def test_every_state_that_stands_in_the_way_has_words():
    for state, words in IN_STATE.items():
        assert "_" not in words and words.endswith("."), state


def test_calling_a_callback_while_away_is_a_red_banner_that_says_go_available(
        owner_client, services, owner):
    NumberDirectory(services.db, services.redis).put(BUSINESS, {"queue_id": QUEUE})
    with_phone(services, owner)
    entry = join(services, "+4930555123", callback=True)
    response = post_on_board(owner_client,
                             f"/console/live/callbacks/{QUEUE}:{entry.entry_id}/call")
    assert response.status_code == 302
    page = html.unescape(owner_client.get("/console/live").get_data(as_text=True))
    banner = page.split('<div class="alert" role="alert">')[1].split("</div>")[0]
    assert banner == IN_STATE["logged_out"]
    assert 'class="notice" role="status">' not in page  # no green banner for a refusal


def test_an_offer_that_rang_out_is_not_labelled_declined_by_you(owner_client, services, owner):
    """Issue 14's defect 3: only a decline says "declined by you"."""
    NumberDirectory(services.db, services.redis).put(BUSINESS, {"queue_id": QUEUE})
    owner = with_phone(services, owner)
    services.routing.presence.set(owner.id, "available", [QUEUE])
    entry = join(services, "+4930555123")
    services.routing.router.route(QUEUE)
    offered = services.queue.get(QUEUE, entry.entry_id)
    assert offered.offered_to == str(owner.id)
    services.clock.advance(120)
    assert services.queue.offer_timed_out(QUEUE, entry.entry_id, str(owner.id))
    after = services.queue.get(QUEUE, entry.entry_id)
    assert str(owner.id) in after.declined_by and str(owner.id) in after.timed_out_for
    row = owner_client.get("/console/live/board").get_data(as_text=True).split(
        f'data-ref="{QUEUE}:{entry.entry_id}"')[1].split("</tr>")[0]
    assert "declined by you" not in row and "not answered by you" in row
    # Passed on afterwards, it is declined: the label says so.
    assert services.queue.decline(QUEUE, entry.entry_id, str(owner.id))
    row = owner_client.get("/console/live/board").get_data(as_text=True).split(
        f'data-ref="{QUEUE}:{entry.entry_id}"')[1].split("</tr>")[0]
    assert "declined by you" in row
    assert services.queue.get(QUEUE, entry.entry_id).timed_out_for == ()

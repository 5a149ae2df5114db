"""Holding in the queue: what the caller hears, round after round."""

from __future__ import annotations

from ringback.ivr.prompts import PromptKey
from tests.e2e.conftest import BUSINESS, CALLER, QUEUE, heard_after, text

AHEAD = "+4915198765432"


def test_position_and_wait_are_announced_on_joining_and_then_at_the_configured_interval(
    configure, phone, services, clock
):
    configure(announce_every_seconds=120, hold_music_url="https://cdn.example/hold.mp3")
    ahead = phone.dial(BUSINESS, AHEAD)
    call = phone.dial(BUSINESS, CALLER)
    assert call.said()[:4] == [text(PromptKey.WELCOME), text(PromptKey.HOLD),
                               "You are number 2 in the queue.",
                               "The estimated waiting time is about 6 minutes."]
    assert call.heard[-1].kind == "play" and call.heard[-1].text == "https://cdn.example/hold.mp3"

    clock.advance(119)
    before = len(call.heard)
    call.press(None)  # the music ended: the next round, no announcement yet
    assert heard_after(call, before) == [text(PromptKey.CALLBACK_OFFER)]

    ahead.hang_up()
    clock.advance(1)
    before = len(call.heard)
    call.press(None)
    assert heard_after(call, before) == [
        text(PromptKey.HOLD), text(PromptKey.POSITION_NEXT),
        "The estimated waiting time is about 3 minutes.", text(PromptKey.CALLBACK_OFFER)]
    assert [e.call_sid for e in services.queue.entries(QUEUE)] == [call.call_sid]


def test_announced_once_when_the_number_wants_no_repetition(configure, phone, clock, client,
                                                            owner_headers):
    configure(announce_every_seconds=None, max_wait_seconds=None)
    # Neither the number nor the queue sends the caller away within the hour.
    assert client.put(f"/api/v1/queues/{QUEUE}", json={"max_wait_seconds": 7200},
                      headers=owner_headers).status_code == 200
    call = phone.dial(BUSINESS, CALLER)
    assert text(PromptKey.POSITION_NEXT) in call.said()
    clock.advance(3600 - 1)
    before = len(call.heard)
    call.press(None)
    assert heard_after(call, before) == [text(PromptKey.CALLBACK_OFFER)]

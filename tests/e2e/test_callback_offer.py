"""The callback offer in the hold loop, through the running app: 1, 2 and 3."""

from __future__ import annotations

from ringback.callbacks.service import entry_ref
from ringback.ivr.prompts import PromptKey
from ringback.queue.models import EntryKind, EntryState, EventType
from ringback.scheduler.deadlines import DeadlineKind
from ringback.terminal_phone import TerminalPhone
from tests.e2e.conftest import BUSINESS, CALLER, QUEUE, event_types, heard_after, text

OTHER_CALLER = "+4915198765432"
LATER_CALLER = "+4917612345678"


def test_option_1_turns_the_caller_into_a_callback_to_the_calling_number_at_the_same_place(
    configure, phone, services, clock
):
    configure()
    ahead = phone.dial(BUSINESS, OTHER_CALLER)
    call = phone.dial(BUSINESS, CALLER)
    behind = phone.dial(BUSINESS, LATER_CALLER)
    assert text(PromptKey.WELCOME) in call.said()
    assert text(PromptKey.CALLBACK_OFFER) in call.said()
    assert "You are number 2 in the queue." in call.said()
    clock.advance(30)

    before = len(call.heard)
    call.press("1")

    assert call.ended
    assert heard_after(call, before) == [text(PromptKey.CALLBACK_CONFIRMATION)]
    assert [h.kind for h in call.heard[-2:]] == ["say", "hangup"]
    entries = services.queue.entries(QUEUE)
    assert [e.call_sid for e in entries] == [ahead.call_sid, call.call_sid, behind.call_sid]
    converted = entries[1]
    assert converted.kind is EntryKind.CALLBACK
    assert converted.state is EntryState.WAITING
    assert converted.callback_number == CALLER
    assert services.queue.position(QUEUE, converted.entry_id) == 2
    # The call ended after the confirmation: a callback is not abandoned.
    assert event_types(services).count(EventType.ABANDONED) == 0
    assert event_types(services).count(EventType.CONVERTED) == 1
    ref = entry_ref(QUEUE, converted.entry_id)
    assert services.deadlines.due_at(DeadlineKind.CALLBACK_EXPIRY, ref) == (
        converted.requested_at + services.settings.callback_expiry_seconds)
    assert services.deadlines.due_at(DeadlineKind.QUEUE_MAX_WAIT, ref) is None


def test_option_2_with_a_valid_number_reads_it_back_and_calls_back_there(
    configure, phone, services
):
    configure()
    call = phone.dial(BUSINESS, CALLER)
    call.press("2")
    assert call.said()[-1] == text(PromptKey.ENTER_NUMBER)
    assert call.waiting_for is not None and call.waiting_for.finish_on_key == "#"

    call.press("030 1234 5678#".replace(" ", ""))
    assert call.said()[-1] == text(PromptKey.READ_BACK, digits="0 3 0, 1 2 3 4 5 6 7 8")
    before = len(call.heard)
    call.press("1")

    assert call.ended
    assert heard_after(call, before) == [text(PromptKey.CALLBACK_CONFIRMATION)]
    (entry,) = services.queue.entries(QUEUE)
    assert entry.kind is EntryKind.CALLBACK
    assert entry.callback_number == "+493012345678"
    assert entry.caller == CALLER


def test_option_2_rejects_an_invalid_then_a_premium_number_saying_why_then_takes_a_valid_one(
    configure, phone, services
):
    configure()
    call = phone.dial(BUSINESS, CALLER)
    call.press("2")

    call.press("0301#")
    assert call.said()[-2:] == [text(PromptKey.NUMBER_INVALID), text(PromptKey.ENTER_NUMBER)]
    call.press("09001234567#")
    assert call.said()[-2:] == [text(PromptKey.NUMBER_PREMIUM_OR_SHARED_COST),
                                text(PromptKey.ENTER_NUMBER)]
    assert services.queue.entries(QUEUE)[0].kind is EntryKind.LIVE

    call.press("015112345678#")
    assert call.said()[-1] == text(PromptKey.READ_BACK, digits="0 1 5 1 1, 2 3 4 5 6 7 8")
    call.press("1")

    assert call.ended
    (entry,) = services.queue.entries(QUEUE)
    assert (entry.kind, entry.callback_number) == (EntryKind.CALLBACK, "+4915112345678")


def test_three_wrong_numbers_put_the_caller_back_in_the_queue_at_the_same_place(
    configure, phone, services
):
    configure()
    ahead = phone.dial(BUSINESS, OTHER_CALLER)
    call = phone.dial(BUSINESS, CALLER)
    call.press("2")
    call.press("12#")
    assert call.said()[-2] == text(PromptKey.NUMBER_UNPARSEABLE)
    call.press("09001234567#")
    assert call.said()[-2] == text(PromptKey.NUMBER_PREMIUM_OR_SHARED_COST)
    before = len(call.heard)
    call.press("0043664123456#")  # Austria: not an allowed country of this number

    spoken = heard_after(call, before)
    assert spoken[0] == text(PromptKey.NUMBER_ATTEMPTS_EXHAUSTED)
    assert text(PromptKey.CALLBACK_OFFER) in spoken  # back in the hold loop
    assert not call.ended
    entries = services.queue.entries(QUEUE)
    assert [e.call_sid for e in entries] == [ahead.call_sid, call.call_sid]
    assert entries[1].kind is EntryKind.LIVE


def test_option_3_keeps_the_caller_waiting_at_the_same_place(configure, phone, services):
    configure()
    ahead = phone.dial(BUSINESS, OTHER_CALLER)
    call = phone.dial(BUSINESS, CALLER)
    before = len(call.heard)
    call.press("3")

    spoken = heard_after(call, before)
    assert spoken[0] == text(PromptKey.KEEP_WAITING)
    assert text(PromptKey.CALLBACK_OFFER) in spoken
    assert not call.ended and call.waiting_for is not None
    entries = services.queue.entries(QUEUE)
    assert [(e.call_sid, e.kind) for e in entries] == [
        (ahead.call_sid, EntryKind.LIVE), (call.call_sid, EntryKind.LIVE)]
    assert EventType.CONVERTED not in event_types(services)


def test_a_digital_line_never_hears_the_callback_offer(configure, server, settings, services):
    configure(line_type="digital")
    # A hold loop without the offer has nothing to press: the caller holds for a
    # few rounds, then the phone gives up and the call ends.
    phone = TerminalPhone(server.url, auth_token=settings.webhook_auth_token,
                          public_url=settings.public_base_url, max_requests=6)
    call = phone.dial(BUSINESS, CALLER)

    assert call.ended
    assert text(PromptKey.HOLD) in call.said()
    assert "You are next in the queue." in call.said()
    assert text(PromptKey.CALLBACK_OFFER) not in call.said()
    assert not [h for h in call.heard if h.kind == "gather"]
    assert [h.kind for h in call.heard].count("play") == 4  # four hold rounds
    assert event_types(services) == [EventType.JOINED, EventType.ABANDONED]


def test_option_2_refuses_personal_satellite_and_own_numbers_with_a_reprompt(
    configure, phone, services
):
    configure(callback={"allowed_countries": ["DE", "GB"]})
    configure("+4940123456")  # a second line of the same business
    call = phone.dial(BUSINESS, CALLER)
    call.press("2")

    call.press("0044 7012 345678#".replace(" ", ""))  # +44 70: a UK personal number
    assert call.said()[-2:] == [text(PromptKey.NUMBER_PERSONAL_OR_UAN),
                                text(PromptKey.ENTER_NUMBER)]
    call.press("00881612345678#")  # a satellite phone
    assert call.said()[-2:] == [text(PromptKey.NUMBER_SATELLITE_OR_GLOBAL),
                                text(PromptKey.ENTER_NUMBER)]
    before = len(call.heard)
    call.press("040123456#")  # the business's other line
    assert heard_after(call, before)[0] == text(PromptKey.NUMBER_ATTEMPTS_EXHAUSTED)
    assert services.queue.entries(QUEUE)[0].kind is EntryKind.LIVE


def test_option_1_from_a_business_number_asks_for_another_number(configure, phone, services):
    configure()
    configure("+4940123456")
    call = phone.dial(BUSINESS, "+4940123456")  # a caller id spoofed to our own line
    call.press("1")
    assert call.said()[-2:] == [text(PromptKey.CALLER_NUMBER_UNUSABLE),
                                text(PromptKey.ENTER_NUMBER)]
    assert services.queue.entries(QUEUE)[0].kind is EntryKind.LIVE


def test_a_fourth_callback_to_one_number_within_the_hour_is_refused_and_the_caller_holds(
    configure, phone, services
):
    configure()
    for _ in range(3):  # one number asks three times (they merge into one callback)
        first = phone.dial(BUSINESS, CALLER)
        first.press("1")
        assert first.ended
    call = phone.dial(BUSINESS, CALLER)
    before = len(call.heard)
    call.press("1")

    spoken = heard_after(call, before)
    assert spoken[0] == text(PromptKey.CALLBACK_LIMIT_REACHED)
    assert text(PromptKey.CALLBACK_OFFER) in spoken  # back in the hold loop
    assert not call.ended
    waiting = services.queue.entry_for_call(QUEUE, call.call_sid)
    assert waiting is not None and waiting.kind is EntryKind.LIVE

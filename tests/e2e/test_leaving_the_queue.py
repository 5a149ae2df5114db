"""How a caller leaves the queue: hanging up, max wait, the scheduler's redirect,
a voicemail; and webhooks that Twilio delivers twice."""

from __future__ import annotations

from ringback.callbacks.service import entry_ref
from ringback.ivr.prompts import PromptKey
from ringback.ivr.urls import Route, UrlBuilder
from ringback.queue.models import EntryKind, EventType
from ringback.redis_keys import CallKeys
from ringback.scheduler.deadlines import DeadlineKind
from ringback.terminal_phone import HANGUP, TerminalPhone, Transport
from ringback.tickets import BuiltinTicketSink
from ringback.worker import make_worker
from tests.e2e.conftest import BUSINESS, CALLER, QUEUE, event_types, heard_after, text


def test_a_caller_who_hangs_up_while_waiting_is_abandoned_once_with_position_and_wait(
    configure, phone, services, clock
):
    configure()
    ahead = phone.dial(BUSINESS, "+4915198765432")
    call = phone.dial(BUSINESS, CALLER)
    (_, entry) = services.queue.entries(QUEUE)
    ref = entry_ref(QUEUE, entry.entry_id)
    assert services.deadlines.due_at(DeadlineKind.QUEUE_MAX_WAIT, ref) == entry.enqueued_at + 900
    clock.advance(42)

    call.press(HANGUP)  # Twilio reports it twice: <Enqueue action> hangup, then the status

    assert call.ended
    assert [e.call_sid for e in services.queue.entries(QUEUE)] == [ahead.call_sid]
    abandoned = [e for e in services.queue.events(QUEUE) if e.type is EventType.ABANDONED]
    assert len(abandoned) == 1
    assert (abandoned[0].entry_id, abandoned[0].position, abandoned[0].wait_seconds) == (
        entry.entry_id, 2, 42.0)
    assert services.deadlines.due_at(DeadlineKind.QUEUE_MAX_WAIT, ref) is None


def test_at_max_wait_a_live_caller_hears_the_overflow_and_leaves_the_queue(
    configure, phone, services, clock
):
    configure(max_wait_seconds=60, overflow={"kind": "message",
                                             "message": {"text": "Please call again tomorrow."}})
    call = phone.dial(BUSINESS, CALLER)
    (entry,) = services.queue.entries(QUEUE)
    clock.advance(30)
    call.press(None)  # another round of holding, still in time
    assert not call.ended and services.queue.size(QUEUE) == 1

    clock.advance(31)
    before = len(call.heard)
    call.press(None)

    assert call.ended
    assert heard_after(call, before) == ["Please call again tomorrow."]
    assert [h.kind for h in call.heard[before:]] == ["leave", "say", "hangup"]
    assert services.queue.size(QUEUE) == 0
    expired = services.queue.events(QUEUE)[-1]
    assert (expired.type, expired.reason, expired.wait_seconds) == (
        EventType.EXPIRED, "max_wait", 61.0)
    assert EventType.ABANDONED not in event_types(services)
    ref = entry_ref(QUEUE, entry.entry_id)
    assert services.deadlines.due_at(DeadlineKind.QUEUE_MAX_WAIT, ref) is None


def test_the_queues_max_wait_applies_when_it_is_shorter_than_the_numbers(
    configure, phone, services, clock, client, owner_headers
):
    assert client.put(f"/api/v1/queues/{QUEUE}", json={"max_wait_seconds": 45},
                      headers=owner_headers).status_code == 200
    configure(max_wait_seconds=None)  # the number sets no limit: the queue's still applies
    call = phone.dial(BUSINESS, CALLER)
    (entry,) = services.queue.entries(QUEUE)
    ref = entry_ref(QUEUE, entry.entry_id)
    assert services.deadlines.due_at(DeadlineKind.QUEUE_MAX_WAIT, ref) == entry.enqueued_at + 45
    clock.advance(44)
    call.press(None)
    assert not call.ended

    clock.advance(1)
    before = len(call.heard)
    call.press(None)

    assert call.ended
    assert heard_after(call, before) == [text(PromptKey.OVERFLOW)]
    expired = services.queue.events(QUEUE)[-1]
    assert (expired.type, expired.reason, expired.wait_seconds) == (
        EventType.EXPIRED, "max_wait", 45.0)


def test_a_caller_who_joined_before_the_max_wait_was_recorded_leaves_at_the_numbers(
    configure, phone, services, clock
):
    configure(max_wait_seconds=60)
    call = phone.dial(BUSINESS, CALLER)
    services.redis.hdel(CallKeys(call.call_sid).record, "w")  # as an older version wrote it
    clock.advance(60)
    before = len(call.heard)
    call.press(None)
    assert call.ended and heard_after(call, before) == [text(PromptKey.OVERFLOW)]


def test_a_callback_stays_in_the_queue_after_the_max_wait(configure, phone, services, clock):
    configure(max_wait_seconds=60)
    call = phone.dial(BUSINESS, CALLER)
    call.press("1")
    clock.advance(3600 - 1)

    (entry,) = services.queue.entries(QUEUE)
    assert (entry.kind, entry.call_sid) == (EntryKind.CALLBACK, call.call_sid)
    ref = entry_ref(QUEUE, entry.entry_id)
    assert services.deadlines.due_at(DeadlineKind.QUEUE_MAX_WAIT, ref) is None
    assert services.deadlines.due_at(DeadlineKind.CALLBACK_EXPIRY, ref) is not None


def test_the_max_wait_job_redirects_a_caller_to_the_overflow_route(
    configure, server, settings, services, clock
):
    configure(max_wait_seconds=60)
    urls = UrlBuilder(settings.public_base_url)
    moved: set[str] = set()

    def redirects(call_sid: str) -> str | None:
        # What Twilio does after the job's REST redirect (telephony), once.
        if clock.now() >= start + 60 and call_sid not in moved:
            moved.add(call_sid)
            return urls(Route.OVERFLOW, {"queue": QUEUE})
        return None

    phone = TerminalPhone(server.url, auth_token=settings.webhook_auth_token,
                          public_url=settings.public_base_url, redirects=redirects)
    start = clock.now()
    call = phone.dial(BUSINESS, CALLER)
    clock.advance(60)
    before = len(call.heard)
    call.press(None)

    assert call.ended
    assert ("redirect", urls(Route.OVERFLOW, {"queue": QUEUE})) in [
        (h.kind, h.text) for h in call.heard]
    assert heard_after(call, before) == [text(PromptKey.OVERFLOW)]
    assert services.queue.size(QUEUE) == 0
    assert services.queue.events(QUEUE)[-1].reason == "max_wait"
    assert event_types(services) == [EventType.JOINED, EventType.EXPIRED]


def test_overflow_to_voicemail_records_and_files_one_ticket(
    configure, phone, server, settings, services, clock
):
    configure(max_wait_seconds=60, overflow={"kind": "voicemail"})
    call = phone.dial(BUSINESS, CALLER)
    clock.advance(60)
    call.press(None)

    assert text(PromptKey.VOICEMAIL) in call.said()
    transport = Transport(server.url, settings.public_base_url, settings.webhook_auth_token)
    recording = {"CallSid": call.call_sid, "From": CALLER, "To": BUSINESS,
                 "RecordingUrl": "https://api.twilio.com/rec/RE123", "RecordingDuration": "17"}
    url = UrlBuilder(settings.public_base_url)(Route.VOICEMAIL, {"queue": QUEUE})
    answers = [transport.post(url, recording) for _ in range(2)]  # delivered twice
    assert {status for status, _ in answers} == {200}
    assert text(PromptKey.VOICEMAIL_SAVED) in answers[0][1]

    make_worker(services, simple=True).work(burst=True)
    tickets = BuiltinTicketSink(services.db).list(subject="Voicemail")
    assert len(tickets) == 1
    assert tickets[0].requester == CALLER
    assert tickets[0].data["recording_url"] == "https://api.twilio.com/rec/RE123"
    assert tickets[0].data["duration_seconds"] == 17


def test_webhooks_delivered_twice_join_once_convert_once_and_abandon_once(
    configure, server, settings, services
):
    configure()
    transport = Transport(server.url, settings.public_base_url, settings.webhook_auth_token)
    urls = UrlBuilder(settings.public_base_url)
    first = {"CallSid": "CA" + "1" * 32, "From": CALLER, "To": BUSINESS}
    second = {"CallSid": "CA" + "2" * 32, "From": "+4915198765432", "To": BUSINESS}
    queued = {"queue": QUEUE}

    for params in (first, first, second, second):
        status, body = transport.post(urls(Route.MENU), params)
        assert status == 200 and "<Enqueue" in body
    assert [e.call_sid for e in services.queue.entries(QUEUE)] == [
        first["CallSid"], second["CallSid"]]

    for _ in range(2):
        transport.post(urls(Route.WAIT, queued), first)
        status, body = transport.post(urls(Route.CALLBACK_CHOICE, queued),
                                      {**first, "Digits": "1"})
        assert status == 200 and "<Leave" in body
        status, body = transport.post(urls(Route.QUEUE_EXIT, queued),
                                      {**first, "QueueResult": "leave"})
        assert text(PromptKey.CALLBACK_CONFIRMATION) in body
        transport.post("https://ringback.example.com/twilio/status",
                       {**first, "CallStatus": "completed"})
    for _ in range(2):
        transport.post(urls(Route.QUEUE_EXIT, queued), {**second, "QueueResult": "hangup"})
        transport.post("https://ringback.example.com/twilio/status",
                       {**second, "CallStatus": "completed"})

    assert event_types(services) == [EventType.JOINED, EventType.JOINED, EventType.CONVERTED,
                                     EventType.ABANDONED]
    (entry,) = services.queue.entries(QUEUE)
    assert (entry.call_sid, entry.kind, entry.callback_number) == (
        first["CallSid"], EntryKind.CALLBACK, CALLER)

"""SimulatedTelephony on a real Redis, and the choice between it and Twilio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from ringback.clock import ManualClock
from ringback.redis_keys import SimKeys
from ringback.settings import Settings
from ringback.telephony import (
    CallNotFound,
    CallNotInProgress,
    CallOutcome,
    CallStatus,
    InvalidNumber,
    SimulatedTelephony,
    Telephony,
    TwilioTelephony,
    build_telephony,
)
from tests.twilio_standin import TwilioStandIn

AGENT = "+493012345678"
BUSINESS = "+493098765432"
TWIML_URL = "https://rb.example.com/twilio/voice/agent-leg?callback=cb-1"
STATUS_URL = "https://rb.example.com/twilio/status?callback=cb-1"


@pytest.fixture
def second_client(redis_client: redis.Redis, redis_url: str) -> Iterator[redis.Redis]:
    """Another connection to the same database, as another process would have."""
    db = redis_client.connection_pool.connection_kwargs.get("db", 0)
    other = redis.Redis.from_url(redis_url, db=db, decode_responses=True)
    try:
        yield other
    finally:
        other.close()


def _place(telephony: SimulatedTelephony, **changes: object):
    args: dict[str, object] = dict(to=AGENT, from_=BUSINESS, url=TWIML_URL,
                                   status_callback=STATUS_URL, idempotency_key="callback:cb-1:1")
    args.update(changes)
    return telephony.place_call(**args)  # type: ignore[arg-type]


def test_a_call_placed_by_one_process_is_seen_and_answered_by_another(
    redis_client: redis.Redis, second_client: redis.Redis, clock: ManualClock
) -> None:
    web = SimulatedTelephony(redis_client, clock)
    phone = SimulatedTelephony(second_client, clock)

    placed = _place(web, timeout=20)
    (seen,) = phone.calls()
    status = phone.set_outcome(placed.sid, CallOutcome.ANSWERED)

    assert placed.sid.startswith("CA") and len(placed.sid) == 34
    assert placed.status is CallStatus.QUEUED
    assert (seen.sid, seen.to, seen.from_, seen.url, seen.status_callback, seen.timeout) == (
        placed.sid, AGENT, BUSINESS, TWIML_URL, STATUS_URL, 20)
    assert seen.status_callback_events == ("initiated", "ringing", "answered", "completed")
    assert status is CallStatus.IN_PROGRESS
    call = web.call(placed.sid)
    assert call is not None and call.status is CallStatus.IN_PROGRESS


def test_the_same_attempt_placed_twice_is_one_call(
    redis_client: redis.Redis, second_client: redis.Redis, clock: ManualClock
) -> None:
    first = _place(SimulatedTelephony(redis_client, clock))
    again = _place(SimulatedTelephony(second_client, clock))
    other = _place(SimulatedTelephony(redis_client, clock), idempotency_key="callback:cb-2:1")

    assert again.sid == first.sid
    assert other.sid != first.sid
    assert [c.sid for c in SimulatedTelephony(redis_client, clock).calls()] == [
        first.sid, other.sid]


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("no-answer", CallStatus.NO_ANSWER), ("busy", CallStatus.BUSY),
     ("failed", CallStatus.FAILED)],
)
def test_a_call_that_did_not_connect_cannot_be_redirected_or_answered(
    redis_client: redis.Redis, clock: ManualClock, outcome: str, status: CallStatus
) -> None:
    telephony = SimulatedTelephony(redis_client, clock)
    placed = _place(telephony)

    assert telephony.set_outcome(placed.sid, outcome) is status
    with pytest.raises(CallNotInProgress):
        telephony.set_outcome(placed.sid, CallOutcome.ANSWERED)
    with pytest.raises(CallNotInProgress):
        telephony.redirect_call(placed.sid, "https://rb.example.com/x")
    telephony.hangup_call(placed.sid)  # ending an ended call is not an error

    call = telephony.call(placed.sid)
    assert call is not None and call.status is status


def test_redirects_hangups_and_dequeues_are_recorded_for_inbound_calls_too(
    redis_client: redis.Redis, clock: ManualClock
) -> None:
    telephony = SimulatedTelephony(redis_client, clock)
    placed = _place(telephony)
    inbound = "CA" + "b" * 32

    clock.advance(5)
    telephony.dequeue_member("QU" + "c" * 32, inbound, "https://rb.example.com/connect")
    telephony.redirect_call(placed.sid, "https://rb.example.com/bridge")
    clock.advance(60)
    telephony.hangup_call(placed.sid)

    kinds = [(e.kind, e.call_sid) for e in telephony.events()]
    assert kinds == [("place", placed.sid), ("dequeue", inbound), ("redirect", placed.sid),
                     ("hangup", placed.sid)]
    (dequeue,) = telephony.events(inbound)
    assert (dequeue.queue_sid, dequeue.url, dequeue.at) == (
        "QU" + "c" * 32, "https://rb.example.com/connect", clock.now() - 60)
    call = telephony.call(placed.sid)
    assert call is not None
    assert (call.url, call.status, call.updated_at) == (
        "https://rb.example.com/bridge", CallStatus.COMPLETED, clock.now())
    assert telephony.call(inbound) is None


def test_outcome_of_an_unknown_call_fails_as_not_found(
    redis_client: redis.Redis, clock: ManualClock
) -> None:
    with pytest.raises(CallNotFound):
        SimulatedTelephony(redis_client, clock).set_outcome("CA" + "d" * 32, "answered")


def test_a_number_twilio_would_refuse_fails_as_invalid(
    redis_client: redis.Redis, clock: ManualClock
) -> None:
    telephony = SimulatedTelephony(redis_client, clock)

    with pytest.raises(InvalidNumber) as raised:
        _place(telephony, to="0301234")

    assert raised.value.code == 21211
    assert telephony.calls() == []


def test_find_calls_returns_the_calls_made_since_the_moment_newest_first(
    redis_client: redis.Redis, clock: ManualClock
) -> None:
    telephony = SimulatedTelephony(redis_client, clock)
    old = _place(telephony, idempotency_key="a")
    clock.advance(30)
    since = clock.now()
    first = _place(telephony, idempotency_key="b")
    clock.advance(1)
    second = _place(telephony, idempotency_key="c")
    _place(telephony, to="client:agent-7", idempotency_key="d")

    found = telephony.find_calls(to=AGENT, from_=BUSINESS, started_after=since)

    assert [c.sid for c in found] == [second.sid, first.sid]
    assert old.sid not in [c.sid for c in found]


def test_every_key_of_the_simulator_lives_under_its_own_hash_tag(
    redis_client: redis.Redis, clock: ManualClock
) -> None:
    telephony = SimulatedTelephony(redis_client, clock)
    placed = _place(telephony)
    telephony.redirect_call(placed.sid, "https://rb.example.com/bridge")

    keys = {k.decode() for k in redis_client.keys("*")}

    assert keys == {SimKeys.calls, SimKeys.events, SimKeys.call(placed.sid),
                    SimKeys.attempt("callback:cb-1:1")}
    assert all(k.startswith("rb:{sim}:") for k in keys)
    assert all(redis_client.ttl(k) > 0 for k in keys)


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"RINGBACK_DATA_DIR": str(tmp_path),
                              "SECRET_KEY": "test-secret-key-0123456789", **env})


def test_without_twilio_credentials_the_simulator_is_used(
    tmp_path: Path, redis_client: redis.Redis, clock: ManualClock
) -> None:
    telephony = build_telephony(_settings(tmp_path), redis_client, clock)

    assert isinstance(telephony, SimulatedTelephony)
    assert isinstance(telephony, Telephony)


def test_with_twilio_credentials_calls_go_to_twilio_api_base_url(
    tmp_path: Path, redis_client: redis.Redis, clock: ManualClock,
    twilio_standin: TwilioStandIn,
) -> None:
    settings = _settings(tmp_path, TWILIO_ACCOUNT_SID=twilio_standin.account_sid,
                         TWILIO_AUTH_TOKEN=twilio_standin.auth_token,
                         TWILIO_API_BASE_URL=twilio_standin.base_url)

    telephony = build_telephony(settings, redis_client, clock)
    assert isinstance(telephony, TwilioTelephony)
    assert isinstance(telephony, Telephony)
    try:
        placed = _place(telephony)  # type: ignore[arg-type]
    finally:
        telephony.close()

    assert [c.sid for c in twilio_standin.calls] == [placed.sid]
    assert redis_client.keys("*") == []

"""TwilioTelephony, the real twilio library, against the contract-checked stand-in."""

from __future__ import annotations

import pytest
from twilio.rest import Client

from ringback.clock import ManualClock
from ringback.telephony import (
    CallNotFound,
    CallNotInProgress,
    CallOutcomeUnknown,
    CallStatus,
    GeoPermissionDenied,
    InvalidNumber,
    RateLimited,
    TelephonyError,
    TwilioTelephony,
)
from ringback.telephony.twilio_rest import RebasedHttpClient
from tests.twilio_standin import TwilioStandIn

AGENT = "+493012345678"
BUSINESS = "+493098765432"
TWIML_URL = "https://rb.example.com/twilio/voice/agent-leg?callback=cb-1"
STATUS_URL = "https://rb.example.com/twilio/status?callback=cb-1"


def _place(telephony: TwilioTelephony, **changes: object):
    args: dict[str, object] = dict(to=AGENT, from_=BUSINESS, url=TWIML_URL,
                                   status_callback=STATUS_URL, idempotency_key="callback:cb-1:1")
    args.update(changes)
    return telephony.place_call(**args)  # type: ignore[arg-type]


def test_place_call_sends_exactly_the_documented_parameters(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn
) -> None:
    placed = _place(twilio_telephony)

    (request,) = twilio_standin.requests_for("CreateCall")
    assert request.path == f"/2010-04-01/Accounts/{twilio_standin.account_sid}/Calls.json"
    assert request.form == {
        "To": [AGENT],
        "From": [BUSINESS],
        "Url": [TWIML_URL],
        "Method": ["POST"],
        "StatusCallback": [STATUS_URL],
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        "StatusCallbackMethod": ["POST"],
        "Timeout": ["30"],
    }
    assert twilio_standin.violations == []
    (call,) = twilio_standin.calls
    assert (placed.sid, placed.status, placed.to, placed.from_) == (
        call.sid, CallStatus.QUEUED, AGENT, BUSINESS)


def test_place_call_passes_timeout_caller_id_and_time_limit(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn
) -> None:
    _place(twilio_telephony, timeout=15, caller_id="+4930555000", time_limit=1800)

    (request,) = twilio_standin.requests_for("CreateCall")
    assert request.form["Timeout"] == ["15"]
    assert request.form["CallerId"] == ["+4930555000"]
    assert request.form["TimeLimit"] == ["1800"]
    assert twilio_standin.violations == []


@pytest.mark.parametrize(
    ("code", "error", "words"),
    [
        (21211, InvalidNumber, "'To' number"),
        (21215, GeoPermissionDenied, "geo permissions"),
    ],
)
def test_refused_number_fails_the_attempt_with_a_clear_reason_and_no_retry(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn, sleeps: list[float],
    code: int, error: type[TelephonyError], words: str,
) -> None:
    twilio_standin.fail_next("CreateCall", status=400, code=code)

    with pytest.raises(error) as raised:
        _place(twilio_telephony)

    assert raised.value.code == code
    assert words in raised.value.reason
    assert raised.value.retryable is False
    assert len(twilio_standin.requests_for("CreateCall")) == 1
    assert twilio_standin.requests_for("ListCall") == []
    assert sleeps == []
    assert twilio_standin.calls == []


def test_number_twilio_itself_refuses_fails_as_invalid_number(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn
) -> None:
    with pytest.raises(InvalidNumber) as raised:
        _place(twilio_telephony, to="0301234")

    assert raised.value.code == 21211
    assert len(twilio_standin.requests_for("CreateCall")) == 1


def test_rate_limited_creation_raises_at_once_without_sleeping(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn, sleeps: list[float]
) -> None:
    # The caller reschedules the attempt: a worker never sits through a 20429 storm.
    twilio_standin.rate_limit_storm("CreateCall", 60)

    with pytest.raises(RateLimited) as raised:
        _place(twilio_telephony)

    assert raised.value.code == 20429
    assert raised.value.retryable is True
    assert len(twilio_standin.requests_for("CreateCall")) == 1
    assert sleeps == []
    assert twilio_standin.calls == []


def test_500_after_creation_is_an_unknown_outcome_and_the_call_reports_itself(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn, sleeps: list[float]
) -> None:
    twilio_standin.fail_next("CreateCall", status=500, after_apply=True)

    with pytest.raises(CallOutcomeUnknown) as raised:
        _place(twilio_telephony)

    assert raised.value.retryable is False
    assert "may have been created" in raised.value.reason
    assert len(twilio_standin.requests_for("CreateCall")) == 1
    assert twilio_standin.requests_for("ListCall") == []  # no guess by To/From/time
    assert sleeps == []
    (call,) = twilio_standin.calls
    (report,) = twilio_standin.pending_status_callbacks()
    assert report.url == STATUS_URL
    assert (report.params["CallSid"], report.params["CallStatus"]) == (call.sid, "initiated")


def test_dropped_connection_after_creation_is_an_unknown_outcome(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn
) -> None:
    twilio_standin.fail_next("CreateCall", drop_connection=True, after_apply=True)

    with pytest.raises(CallOutcomeUnknown):
        _place(twilio_telephony)

    assert len(twilio_standin.calls) == 1
    assert len(twilio_standin.requests_for("CreateCall")) == 1


def test_500_without_creation_is_never_retried_and_nothing_reports_itself(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn
) -> None:
    twilio_standin.fail_next("CreateCall", status=503)

    with pytest.raises(CallOutcomeUnknown):
        _place(twilio_telephony)

    assert [r.status for r in twilio_standin.requests_for("CreateCall")] == [503]
    assert twilio_standin.calls == []
    assert twilio_standin.pending_status_callbacks() == []


def test_redirect_sends_url_and_method_on_the_call(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn
) -> None:
    caller = twilio_standin.add_call(to=BUSINESS, from_="+4917612345678")

    twilio_telephony.redirect_call(caller, "https://rb.example.com/twilio/voice/connect?e=1")

    (request,) = twilio_standin.requests_for("UpdateCall")
    assert request.path.endswith(f"/Calls/{caller}.json")
    assert request.form == {"Url": ["https://rb.example.com/twilio/voice/connect?e=1"],
                            "Method": ["POST"]}
    assert twilio_standin.call(caller).url == "https://rb.example.com/twilio/voice/connect?e=1"
    assert twilio_standin.violations == []


def test_redirect_is_retried_after_a_500(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn, sleeps: list[float]
) -> None:
    caller = twilio_standin.add_call(to=BUSINESS, from_="+4917612345678")
    twilio_standin.fail_next("UpdateCall", status=500, after_apply=True)

    twilio_telephony.redirect_call(caller, "https://rb.example.com/twilio/voice/connect")

    assert [r.status for r in twilio_standin.requests_for("UpdateCall")] == [500, 200]
    assert sleeps == [1.0]


def test_redirect_of_a_caller_who_hung_up_fails_as_not_in_progress(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn
) -> None:
    caller = twilio_standin.add_call(to=BUSINESS, from_="+4917612345678", status="completed")

    with pytest.raises(CallNotInProgress) as raised:
        twilio_telephony.redirect_call(caller, "https://rb.example.com/twilio/voice/connect")

    assert raised.value.code == 21220
    assert len(twilio_standin.requests_for("UpdateCall")) == 1


def test_hangup_sends_status_completed(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn
) -> None:
    caller = twilio_standin.add_call(to=BUSINESS, from_="+4917612345678")

    twilio_telephony.hangup_call(caller)

    (request,) = twilio_standin.requests_for("UpdateCall")
    assert request.form == {"Status": ["completed"]}
    assert twilio_standin.call(caller).status == "completed"


def test_hangup_of_a_call_that_already_ended_is_not_an_error(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn
) -> None:
    caller = twilio_standin.add_call(to=BUSINESS, from_="+4917612345678", status="completed")

    twilio_telephony.hangup_call(caller)

    assert [r.status for r in twilio_standin.requests_for("UpdateCall")] == [400]


def test_dequeue_member_sends_url_and_method_and_leaves_the_queue(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn
) -> None:
    queue = twilio_standin.add_queue("support")
    first = twilio_standin.add_call(to=BUSINESS, from_="+4917612345678")
    second = twilio_standin.add_call(to=BUSINESS, from_="+4917600000000")
    twilio_standin.enqueue(queue, first)
    twilio_standin.enqueue(queue, second)

    twilio_telephony.dequeue_member(queue, second, "https://rb.example.com/twilio/voice/connect")

    (request,) = twilio_standin.requests_for("UpdateMember")
    assert request.path.endswith(f"/Queues/{queue}/Members/{second}.json")
    assert request.form == {"Url": ["https://rb.example.com/twilio/voice/connect"],
                            "Method": ["POST"]}
    assert twilio_standin.queue_members(queue) == [first]
    assert twilio_standin.violations == []


def test_dequeue_of_a_call_not_in_the_queue_fails_as_not_found(
    twilio_telephony: TwilioTelephony, twilio_standin: TwilioStandIn
) -> None:
    queue = twilio_standin.add_queue("support")

    with pytest.raises(CallNotFound) as raised:
        twilio_telephony.dequeue_member(queue, "CA" + "a" * 32, "https://rb.example.com/x")

    assert raised.value.code == 20404


def test_find_calls_returns_the_calls_made_since_the_moment(
    twilio_standin: TwilioStandIn, clock: ManualClock, sleeps: list[float]
) -> None:
    telephony = TwilioTelephony(twilio_standin.account_sid, twilio_standin.auth_token,
                                twilio_standin.base_url, sleep=sleeps.append, clock=clock,
                                lookup_limit=2)
    try:
        old = _place(telephony)
        clock.advance(30)
        since = clock.now()
        newer = [_place(telephony, idempotency_key=f"k{i}") for i in range(2)]
        _place(telephony, to="+4940111222", idempotency_key="other")

        found = telephony.find_calls(to=AGENT, from_=BUSINESS, started_after=since)
    finally:
        telephony.close()

    assert {c.sid for c in found} == {c.sid for c in newer}
    assert old.sid not in {c.sid for c in found}
    assert found[0].created_at is not None and found[0].created_at >= since
    assert twilio_standin.violations == []


def test_wrong_credentials_fail_clearly_without_retry(
    twilio_standin: TwilioStandIn, sleeps: list[float]
) -> None:
    telephony = TwilioTelephony(twilio_standin.account_sid, "not-the-token",
                                twilio_standin.base_url, sleep=sleeps.append)
    try:
        with pytest.raises(TelephonyError) as raised:
            _place(telephony)
    finally:
        telephony.close()

    assert raised.value.code == 20003
    assert "credentials" in raised.value.reason
    assert sleeps == []


def test_api_base_url_replaces_scheme_and_host_and_keeps_path_and_query() -> None:
    client = RebasedHttpClient("http://127.0.0.1:8099/twilio/")

    rebased = client.rebase("https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json?Page=1")

    assert rebased == "http://127.0.0.1:8099/twilio/2010-04-01/Accounts/AC1/Calls.json?Page=1"


def test_every_request_of_the_library_goes_to_the_base_url_even_the_next_pages(
    twilio_standin: TwilioStandIn,
) -> None:
    http = RebasedHttpClient(twilio_standin.base_url)
    client = Client(twilio_standin.account_sid, twilio_standin.auth_token, http_client=http)
    for i in range(5):
        client.calls.create(to=AGENT, from_=BUSINESS, url=f"{TWIML_URL}&n={i}")

    listed = client.calls.list(to=AGENT, page_size=2)
    http.session.close()

    assert len(listed) == 5
    assert [r.query.get("Page") for r in twilio_standin.requests_for("ListCall")] == [
        None, ["1"], ["2"]]
    assert twilio_standin.violations == []


def test_api_base_url_must_be_an_http_url() -> None:
    with pytest.raises(ValueError, match="api_base_url"):
        RebasedHttpClient("127.0.0.1:8099")

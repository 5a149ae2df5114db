"""Counters and histograms recorded where things happen: the sweeper, the worker,
Twilio's REST adapter; read back through /metrics."""

from __future__ import annotations

import pytest

from ringback.scheduler.deadlines import DeadlineKind, Deadlines
from ringback.scheduler.sweeper import Sweeper
from ringback.telephony.errors import CallOutcomeUnknown, TelephonyError
from ringback.telephony.twilio_rest import TwilioTelephony
from ringback.worker import make_worker
from tests.observability.conftest import value

EXPIRY = DeadlineKind.CALLBACK_EXPIRY
OFFER = DeadlineKind.OFFER_TIMEOUT
HANDLERS = {EXPIRY: "tests.scheduler.jobs.record", OFFER: "tests.scheduler.jobs.fail"}


def test_deadline_lateness_and_jobs_are_recorded_by_kind_and_outcome(scrape, services, clock):
    deadlines = Deadlines(services.redis, services.clock)
    now = clock.now()
    deadlines.schedule(EXPIRY, "q1:1", now - 7)
    deadlines.schedule(EXPIRY, "q1:2", now)
    deadlines.schedule(OFFER, "q1:3", now - 2)
    before = scrape()
    assert Sweeper(services.redis, clock, deadlines, HANDLERS, retries=0).sweep_once() == 3
    assert value(scrape(), "ringback_job_backlog") == 2  # one batch job per kind
    make_worker(services, simple=True).work(burst=True)
    after = scrape()

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    late = "ringback_deadline_lateness_seconds"
    assert delta(f"{late}_count", kind=EXPIRY.value) == 2
    assert delta(f"{late}_sum", kind=EXPIRY.value) == pytest.approx(7)
    assert delta(f"{late}_bucket", kind=EXPIRY.value, le="0.1") == 1
    assert delta(f"{late}_count", kind=OFFER.value) == 1
    assert delta("ringback_jobs_total", job="record", outcome="ok") == 2
    assert delta("ringback_jobs_total", job="fail", outcome="failed") == 1
    assert delta("ringback_job_lateness_seconds_count", job="record") == 2
    assert value(after, "ringback_job_backlog") == 0


def test_twilio_rest_errors_are_counted_by_code_and_status(scrape, twilio_standin):
    def place(telephony: TwilioTelephony) -> None:
        telephony.place_call(to="+493012345678", from_="+493098765432",
                             url="https://rb.example.com/twilio/voice/agent-leg?callback=cb-1",
                             status_callback="https://rb.example.com/twilio/status?callback=cb-1",
                             idempotency_key="callback:cb-1:1")

    before = scrape()
    twilio_standin.fail_next("CreateCall", status=503)
    right = TwilioTelephony(twilio_standin.account_sid, twilio_standin.auth_token,
                            twilio_standin.base_url, sleep=lambda _s: None)
    wrong = TwilioTelephony(twilio_standin.account_sid, "not-the-token",
                            twilio_standin.base_url, sleep=lambda _s: None)
    try:
        with pytest.raises(CallOutcomeUnknown):
            place(right)
        place(right)  # the stand-in answers again
        with pytest.raises(TelephonyError):
            place(wrong)
    finally:
        right.close()
        wrong.close()
    after = scrape()

    def delta(code: str, status: str) -> float:
        name = "ringback_twilio_api_errors_total"
        return value(after, name, code=code, status=status) - \
            value(before, name, code=code, status=status)

    assert (delta("20500", "503"), delta("20003", "401")) == (1, 1)

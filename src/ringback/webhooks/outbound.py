"""Twilio's webhooks of an outbound callback call (agent first, then the customer).

``register(bp)`` adds the routes to the webhooks blueprint, whose signature
check and "never a 500" fallback they share.  Every route is quick: it reads
the callback's queue entry from Redis or enqueues an rq job, nothing more.

- ``connect``: the agent answered; a whisper names the callback (in the
  account's language, like every sentence agents hear), then
  ``<Dial callerId=business number>`` rings the customer;
- ``dial-done``: the ``<Dial action>``; how the customer's leg ended
  (DialCallStatus, DialCallDuration) becomes the attempt's outcome;
- ``status``: the agent's leg; every event (``initiated`` first) notes the
  call's sid for its attempt, and a call the attempt did not know yet is
  handed to the ``adopt_call`` job: that is how a call is known after Twilio
  answered its creation with an error; ending without being answered fails
  the attempt, ending after it yields to the dial result;
- ``customer-status``: the customer picked up (connected, live).
"""

from __future__ import annotations

import logging

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from twilio.twiml.voice_response import Dial, VoiceResponse

from ringback.callbacks.outcome import AGENT_HUNG_UP, AGENT_LEG_STATUS, DIAL_STATUS
from ringback.callbacks.records import ref_of_attempt
from ringback.callbacks.service import parse_entry_ref
from ringback.callbacks.urls import (
    AGENT_STATUS_PATH,
    ATTEMPT_PARAM,
    CONNECT_PATH,
    CUSTOMER_STATUS_PATH,
    DIAL_DONE_PATH,
    OutboundUrls,
)
from ringback.ivr.prompts import PromptKey, Prompts, agent_prompts
from ringback.ivr.speech import say
from ringback.ivr.twiml import hangup, say_and_hang_up
from ringback.parsing import ascii_whole
from ringback.queue.models import Entry, EntryState
from ringback.store.callbacks import AttemptOutcome
from ringback.webhooks.context import services
from ringback.webhooks.fallback import twiml_response

log = logging.getLogger(__name__)

CUSTOMER_RING_SECONDS = 30


def connect_twiml(prompts: Prompts, entry: Entry, urls: OutboundUrls, attempt_key: str) -> str:
    """The whisper to the agent, then the customer dialled from the business number."""
    response = VoiceResponse()
    say(response, prompts, prompts.text(PromptKey.CALLBACK_WHISPER, queue=entry.queue_id))
    dial = Dial(caller_id=entry.dialled, action=urls.dial_done(attempt_key), method="POST",
                timeout=CUSTOMER_RING_SECONDS)
    dial.number(entry.callback_number, status_callback=urls.customer_status(attempt_key),
                status_callback_event="answered", status_callback_method="POST")
    response.append(dial)
    return str(response)


def gone_twiml(prompts: Prompts) -> str:
    return say_and_hang_up(prompts, PromptKey.CALLBACK_GONE)


def _accepted_for(entry: Entry, attempt_key: str) -> bool:
    """The entry is still held by the acceptance this attempt was placed for."""
    ms = ascii_whole(attempt_key.rpartition("@")[2])
    return (entry.state == EntryState.ACCEPTED and entry.accepted_at is not None
            and ms is not None and round(entry.accepted_at * 1000) == ms)


def register(bp: Blueprint) -> None:
    def attempt() -> str | None:
        key = request.args.get(ATTEMPT_PARAM, "")
        queue_id, entry_id = parse_entry_ref(ref_of_attempt(key))
        return key if queue_id and entry_id and "@" in key else None

    @bp.post(CONNECT_PATH)
    def callback_connect() -> ResponseReturnValue:
        key, s = attempt(), services()
        entry = s.queue.get(*parse_entry_ref(ref_of_attempt(key))) if key else None
        prompts = agent_prompts(s.numbers.current_default_language())
        if key is None or entry is None or not _accepted_for(entry, key):
            log.info("outbound callback %r: nothing to connect", key)
            return twiml_response(gone_twiml(prompts))
        return twiml_response(connect_twiml(prompts, entry, s.outbound_urls, key))

    @bp.post(DIAL_DONE_PATH)
    def callback_dial_done() -> ResponseReturnValue:
        key, s = attempt(), services()
        status = request.form.get("DialCallStatus", "").lower()
        if key is None or status not in DIAL_STATUS:
            log.warning("outbound callback %r: unexpected DialCallStatus %r", key, status)
            return twiml_response(hangup())
        outcome, reason = DIAL_STATUS[status]
        seconds = ascii_whole(request.form.get("DialCallDuration"), max_digits=6)
        handle = float(seconds) if seconds is not None else None
        if outcome is not AttemptOutcome.CONNECTED:
            handle = None
        elif handle is None:
            handle = 0.0
        s.dial_results.note(key, status)
        s.callback_jobs.finish_attempt(key, outcome.value, reason, handle, source="dial")
        return twiml_response(hangup())

    @bp.post(AGENT_STATUS_PATH)
    def callback_agent_status() -> ResponseReturnValue:
        key, s = attempt(), services()
        status = request.form.get("CallStatus", "").lower()
        call_sid = request.form.get("CallSid", "")
        if key is not None and call_sid and s.dial_results.note_call(key, call_sid):
            s.callback_jobs.adopt_call(key, call_sid)  # a call the attempt did not know
        if key is not None and status in AGENT_LEG_STATUS:
            s.callback_jobs.finish_attempt(
                key, AttemptOutcome.FAILED.value, AGENT_LEG_STATUS[status], None, source="agent")
        elif key is not None and status == "completed":
            s.callback_jobs.finish_attempt(
                key, AttemptOutcome.FAILED.value, AGENT_HUNG_UP, None, source="agent",
                fallback=True)
        return twiml_response(str(VoiceResponse()))

    @bp.post(CUSTOMER_STATUS_PATH)
    def callback_customer_status() -> ResponseReturnValue:
        key, s = attempt(), services()
        if key is not None and request.form.get("CallStatus", "").lower() == "in-progress":
            s.callback_jobs.mark_answered(key)
        return twiml_response(str(VoiceResponse()))

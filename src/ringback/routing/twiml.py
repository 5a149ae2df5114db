"""TwiML of a live caller's connection to an agent: pure functions, no I/O.

- ``connect``: for the caller's call, a ``<Dial>`` of the agent's endpoint
  (``<Number>``, ``<Sip>`` or ``<Client>``), the caller's number as caller id,
  ringing for the rest of the offer time; the noun's ``url`` is the whisper;
- ``whisper``: for the agent, before the two are bridged: queue, intent and
  the caller's wait so far; ``gone`` when the offer is over. Both speak the
  ``Prompts`` the handler picks for agents (the account's language);
- ``requeue``: back into Twilio's ``<Enqueue>`` (the hold loop of the
  journey), after "please continue to hold" in the caller's language.
"""

from __future__ import annotations

import re

from twilio.twiml.voice_response import Dial, VoiceResponse

from ringback.ivr.prompts import PromptKey, Prompts
from ringback.ivr.speech import say, say_prompt
from ringback.ivr.state import CallState
from ringback.ivr.twiml import say_and_hang_up
from ringback.ivr.urls import Route, Urls
from ringback.queue.models import Entry, Intent
from ringback.routing.endpoints import Endpoint, EndpointKind
from ringback.routing.urls import AgentUrls, OfferTag

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_INTENT_WORDS = {Intent.BOOKING: PromptKey.INTENT_BOOKING, Intent.TICKET: PromptKey.INTENT_TICKET,
                 Intent.PROBLEM: PromptKey.INTENT_PROBLEM}


def connect(entry: Entry, endpoint: Endpoint, urls: AgentUrls, tag: OfferTag,
            ring_seconds: int) -> str:
    response = VoiceResponse()
    caller_id = entry.caller if _E164.fullmatch(entry.caller) else None
    dial = Dial(caller_id=caller_id, timeout=ring_seconds, action=urls.dial_done(tag),
                method="POST")
    leg = {"url": urls.whisper(tag), "method": "POST", "status_callback": urls.leg_status(tag),
           "status_callback_event": "completed", "status_callback_method": "POST"}
    if endpoint.kind is EndpointKind.PHONE:
        dial.number(endpoint.address, **leg)
    elif endpoint.kind is EndpointKind.SIP:
        dial.sip(endpoint.address, **leg)
    else:
        dial.client(endpoint.address, **leg)
    response.append(dial)
    return str(response)


def whisper(prompts: Prompts, entry: Entry, now: float) -> str:
    response = VoiceResponse()
    say(response, prompts, whisper_text(prompts, entry, now))
    return str(response)


def whisper_text(prompts: Prompts, entry: Entry, now: float) -> str:
    """What the agent hears: queue, intent (booking, ticket or problem, none for general) and
    the caller's wait so far, e.g. "..., booking, waiting 2 minutes 5 seconds"."""
    duration = prompts.duration(now - entry.enqueued_at)
    word = _INTENT_WORDS.get(entry.intent)
    if word is None:
        return prompts.text(PromptKey.AGENT_WHISPER, queue=entry.queue_id, duration=duration)
    return prompts.text(PromptKey.AGENT_WHISPER_INTENT, queue=entry.queue_id,
                        intent=prompts.text(word), duration=duration)


def gone(prompts: Prompts) -> str:
    return say_and_hang_up(prompts, PromptKey.CALLER_GONE)


def requeue(prompts: Prompts, urls: Urls, queue_id: str) -> str:
    response = VoiceResponse()
    say_prompt(response, prompts, PromptKey.KEEP_WAITING)
    params = CallState(queue=queue_id).to_params()
    response.enqueue(queue_id, action=urls(Route.QUEUE_EXIT, params), method="POST",
                     wait_url=urls(Route.WAIT, params), wait_url_method="POST")
    return str(response)


def empty() -> str:
    return str(VoiceResponse())

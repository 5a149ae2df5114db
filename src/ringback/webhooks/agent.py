"""Twilio's webhooks of a live caller's connection to an agent.

``register(bp)`` adds the routes to the webhooks blueprint, whose signature
check and "never a 500" fallback they share.  Each is quick Redis work (the
router's jobs do the talking to Twilio):

- ``connect``: the caller's call, redirected here when an agent is rung:
  ``<Dial>`` the agent's endpoint, or back to holding when the offer is over;
- ``whisper``: the agent picked up: the acceptance; the agent hears queue,
  intent and wait in the account's language, then the two are bridged (or
  "no longer waiting");
- ``dial-done``: the ``<Dial action>``: finish the call (wrap-up follows), or
  the agent missed it and the caller goes back to holding at the same place;
- ``leg-status``: the agent leg's completed status, in case the action was lost;
- ``requeue``: where the job moves a caller whose agent's offer timed out.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from ringback.calls.request import FINAL_CALL_STATUSES
from ringback.ivr.config_rules import QUEUE_ID
from ringback.ivr.prompts import agent_prompts, prompts_for
from ringback.ivr.twiml import hangup
from ringback.parsing import ascii_whole
from ringback.routing import twiml
from ringback.routing.live import DialEnd
from ringback.routing.urls import (
    CONNECT_PATH,
    DIAL_DONE_PATH,
    LEG_STATUS_PATH,
    MAX_RING_SECONDS,
    REQUEUE_PATH,
    WHISPER_PATH,
    OfferTag,
)
from ringback.webhooks.context import services
from ringback.webhooks.fallback import twiml_response


def _seconds(raw: str | None) -> float | None:
    seconds = ascii_whole(raw, max_digits=6)
    return float(seconds) if seconds is not None else None


def register(bp: Blueprint) -> None:
    def requeue_answer(queue_id: str | None) -> Response:
        """Back into Twilio's queue, in the language of the number the caller dialled."""
        s = services()
        cfg = s.numbers.find(request.form.get("To", ""))  # refreshes the account default too
        prompts = prompts_for(cfg.language if cfg else None, s.numbers.default_language)
        queue = queue_id if queue_id and QUEUE_ID.fullmatch(queue_id) else \
            (cfg.queue_id if cfg else None)
        if not queue:
            return twiml_response(hangup())
        return twiml_response(twiml.requeue(prompts, s.ivr_urls, queue))

    @bp.post(CONNECT_PATH)
    def agent_connect() -> ResponseReturnValue:
        tag = OfferTag.from_params(request.args)
        ring = ascii_whole(request.args.get("ring"), max_digits=4)
        s = services()
        plan = s.routing.live.dial_plan(tag, request.args.get("to", ""),
                                        min(ring, MAX_RING_SECONDS)) \
            if tag is not None and ring is not None else None
        if plan is None or tag is None:
            return requeue_answer(request.args.get("queue"))
        return twiml_response(twiml.connect(plan.entry, plan.endpoint, s.routing.urls, tag,
                                            plan.ring_seconds))

    @bp.post(WHISPER_PATH)
    def agent_whisper() -> ResponseReturnValue:
        tag = OfferTag.from_params(request.args)
        s = services()
        entry = s.routing.live.answered(tag) if tag is not None else None
        prompts = agent_prompts(s.numbers.current_default_language())
        if entry is None:
            return twiml_response(twiml.gone(prompts))
        return twiml_response(twiml.whisper(prompts, entry, s.clock.now()))

    @bp.post(DIAL_DONE_PATH)
    def agent_dial_done() -> ResponseReturnValue:
        tag = OfferTag.from_params(request.args)
        caller_gone = request.form.get("CallStatus", "").lower() in FINAL_CALL_STATUSES
        if tag is None:
            return twiml_response(hangup())
        end = services().routing.live.dial_ended(
            tag, request.form.get("DialCallStatus", "").lower(),
            _seconds(request.form.get("DialCallDuration")), caller_gone)
        if end is DialEnd.HANG_UP or caller_gone:
            return twiml_response(hangup())
        return requeue_answer(tag.queue_id)

    @bp.post(LEG_STATUS_PATH)
    def agent_leg_status() -> ResponseReturnValue:
        tag = OfferTag.from_params(request.args)
        if tag is not None and request.form.get("CallStatus", "").lower() == "completed":
            services().routing.live.finish(tag, _seconds(request.form.get("CallDuration")))
        return twiml_response(twiml.empty())

    @bp.post(REQUEUE_PATH)
    def agent_requeue() -> ResponseReturnValue:
        return requeue_answer(request.args.get("queue"))

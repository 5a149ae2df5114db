"""TwiML played while the caller is inside Twilio's queue.

These documents answer the ``<Enqueue waitUrl>`` and the ``<Gather>`` actions
started from it. Twilio runs them in the queue, where only ``<Play>``,
``<Say>``, ``<Pause>``, ``<Gather>``, ``<Redirect>``, ``<Leave>`` and
``<Hangup>`` are allowed, so nothing here uses any other verb:

- When a wait document ends, Twilio requests the waitUrl again (with its
  ``QueuePosition`` / ``QueueTime`` parameters): that is the hold loop.
- Going back to waiting from the callback dialog is a ``<Redirect>`` to the
  wait route.
- Leaving for good is ``<Leave/>``: Twilio then requests the ``<Enqueue
  action>`` (``QueueResult=leave``), and that answer runs outside the queue,
  where the confirmation greeting or the overflow (even ``<Record>``) can play.
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ringback.ivr.callback_number import RejectReason
from ringback.ivr.config import NumberConfig
from ringback.ivr.prompts import PromptKey, Prompts
from ringback.ivr.speech import say, say_prompt, speak
from ringback.ivr.state import CallState
from ringback.ivr.urls import Route, Urls

# Twilio's own default hold music (what <Enqueue> plays without a waitUrl).
TWILIO_HOLD_MUSIC = "http://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3"
HOLD_GATHER_TIMEOUT_SECONDS = 2
NUMBER_TIMEOUT_SECONDS = 10
CONFIRM_TIMEOUT_SECONDS = 6


def wait_loop(
    cfg: NumberConfig,
    prompts: Prompts,
    urls: Urls,
    *,
    queue_id: str,
    position: int | None,
    estimated_wait_seconds: float | None,
    announce: bool,
    offer_callback: bool,
) -> str:
    """One round of holding: when ``announce`` is due, the hold greeting, the
    position and the estimated wait; then the callback offer (only where the
    number offers callbacks, never on a digital line); then hold music.

    With the offer, everything sits in a ``<Gather>`` so a key works at any
    moment, music included.
    """
    response = VoiceResponse()
    node = response
    offer = offer_callback and cfg.offers_callback
    if offer:
        node = response.gather(
            num_digits=1,
            timeout=HOLD_GATHER_TIMEOUT_SECONDS,
            action=urls(Route.CALLBACK_CHOICE, CallState(queue=queue_id).to_params()),
            method="POST",
        )
    if announce:
        speak(node, prompts, cfg.greetings.hold, PromptKey.HOLD)
        if position is not None and position > 0:
            say(node, prompts, prompts.position(position))
        if estimated_wait_seconds is not None and estimated_wait_seconds >= 0:
            say(node, prompts, prompts.estimated_wait(estimated_wait_seconds))
    if offer:
        speak(node, prompts, cfg.greetings.callback_offer, PromptKey.CALLBACK_OFFER)
    node.play(cfg.hold_music_url or TWILIO_HOLD_MUSIC)
    return str(response)


def enter_number(
    cfg: NumberConfig,
    prompts: Prompts,
    urls: Urls,
    state: CallState,
    reason: RejectReason | None = None,
) -> str:
    """Ask for the callback number, ended by ``#``; after a rejected one, first
    say what was wrong with it."""
    response = VoiceResponse()
    if reason is not None:
        say(response, prompts, prompts.rejection(reason))
    _number_gather(response, prompts, urls, state)
    return str(response)


def caller_number_rejected(
    cfg: NumberConfig, prompts: Prompts, urls: Urls, state: CallState
) -> str:
    """Option 1 when the calling number cannot be called back (withheld, premium,
    another country): say so and ask for another number."""
    response = VoiceResponse()
    say_prompt(response, prompts, PromptKey.CALLER_NUMBER_UNUSABLE)
    _number_gather(response, prompts, urls, state)
    return str(response)


def _number_gather(response: VoiceResponse, prompts: Prompts, urls: Urls, state: CallState) -> None:
    action = urls(Route.CALLBACK_NUMBER, state.to_params())
    gather = response.gather(
        finish_on_key="#", timeout=NUMBER_TIMEOUT_SECONDS, action=action, method="POST"
    )
    say_prompt(gather, prompts, PromptKey.ENTER_NUMBER)
    # Nothing keyed at all: the action still hears about it (as "not understood").
    response.redirect(action, method="POST")


def read_back(cfg: NumberConfig, prompts: Prompts, urls: Urls, state: CallState) -> str:
    """Read ``state.number`` back digit by digit: 1 confirms, 2 re-enters."""
    if not state.number:
        raise ValueError("read_back needs the number to read back in the call state")
    response = VoiceResponse()
    action = urls(Route.CALLBACK_CONFIRM, state.to_params())
    gather = response.gather(
        num_digits=1, timeout=CONFIRM_TIMEOUT_SECONDS, action=action, method="POST"
    )
    say(gather, prompts, prompts.read_back(state.number, cfg.region))
    response.redirect(action, method="POST")
    return str(response)


def back_to_queue(
    prompts: Prompts, urls: Urls, state: CallState, *, after_failed_number: bool = False
) -> str:
    """Back to holding, at the same place (the Redis entry never moved)."""
    key = PromptKey.NUMBER_ATTEMPTS_EXHAUSTED if after_failed_number else PromptKey.KEEP_WAITING
    return _say_and_wait(prompts, urls, state, key)


def callback_limit_reached(prompts: Prompts, urls: Urls, state: CallState) -> str:
    """The callback would go over an hourly limit (``ringback.callbacks.limits``):
    say so; the caller keeps waiting at the same place."""
    return _say_and_wait(prompts, urls, state, PromptKey.CALLBACK_LIMIT_REACHED)


def _say_and_wait(prompts: Prompts, urls: Urls, state: CallState, key: PromptKey) -> str:
    response = VoiceResponse()
    say_prompt(response, prompts, key)
    response.redirect(urls(Route.WAIT, CallState(queue=state.queue).to_params()), method="POST")
    return str(response)


def leave_queue() -> str:
    """Leave Twilio's queue; the ``<Enqueue action>`` answer says what comes next
    (the callback confirmation, or the overflow)."""
    response = VoiceResponse()
    response.leave()
    return str(response)

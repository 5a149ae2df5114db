"""The simulator plays a callback's call to its end, as Twilio would.

Without Twilio credentials nobody's phone rings, yet the callback flow waits
for the call's status callbacks (``initiated`` first) and for the result of
its ``<Dial>``.  The player sends them: signed, to the app's own webhooks,
from the worker, one step per ``SIM_CALL`` deadline (so time lives in Redis
and the scheduler drives it; any worker may take any step).

The agent's leg (the call placed) is initiated, rings and answers after
``RINGBACK_SIMULATOR_ANSWER_SECONDS``; its TwiML (the whisper, then
``<Dial><Number>`` of the customer) is fetched from the call's ``url``.  The
customer's leg ends as ``RINGBACK_SIMULATOR_OUTCOME`` says after as many
seconds again: ``answered`` (the ``<Number>``'s status callback hears
``in-progress``, the two talk ``TALK_SECONDS``, then the ``<Dial action>``
hears ``completed`` with its duration), or ``no-answer``, ``busy``,
``failed`` (the ``<Dial action>`` hears it).  The agent's leg then reports
``completed`` with its duration.

Each step names the stage it expects in its deadline's ref
(``<call sid>/<stage>``) and does nothing when the call is elsewhere, so a
step run twice (an rq retry) moves the call once; the webhooks it sent are
idempotent on the app's side.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import redis

from ringback.clock import Clock
from ringback.scheduler.deadlines import DeadlineKind, Deadlines
from ringback.settings import Settings
from ringback.telephony.base import CallStatus
from ringback.telephony.simulated import SimCall, SimulatedTelephony

log = logging.getLogger(__name__)

TALK_SECONDS = 5
ACCOUNT_SID = "AC" + "0" * 32  # the simulator's stand-in account


class Stage(str, Enum):
    """Where the player is with one call."""

    PLACED = "placed"  # next: initiated, ringing
    RINGING = "ringing"  # next: the agent answers; the customer is dialled
    DIALLING = "dialling"  # next: the customer answers (or not)
    TALKING = "talking"  # next: the customer's leg ends, then the agent's
    ENDED = "ended"


class Outcome(str, Enum):
    ANSWERED = "answered"
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    FAILED = "failed"


@dataclass(frozen=True)
class PlayRules:
    """How the simulator plays calls (from the settings)."""

    outcome: Outcome
    answer_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> PlayRules | None:
        """None when the calls are played by hand (``manual``, for tests)."""
        if settings.simulator_outcome == "manual":
            return None
        return cls(Outcome(settings.simulator_outcome), settings.simulator_answer_seconds)


def step_ref(call_sid: str, stage: Stage) -> str:
    return f"{call_sid}/{stage.value}"


def schedule_step(deadlines: Deadlines, call_sid: str, stage: Stage, at: float) -> None:
    deadlines.schedule(DeadlineKind.SIM_CALL, step_ref(call_sid, stage), at)


def start_playing(redis_client: redis.Redis, clock: Clock) -> Callable[[str], None]:
    """The simulator's ``on_placed``: the call's first step is due now."""
    deadlines = Deadlines(redis_client, clock)

    def placed(call_sid: str) -> None:
        schedule_step(deadlines, call_sid, Stage.PLACED, clock.now())

    return placed


class Player:
    """Takes one step of a simulated call: posts its webhooks, schedules the next."""

    def __init__(self, settings: Settings, telephony: SimulatedTelephony, deadlines: Deadlines,
                 clock: Clock, rules: PlayRules) -> None:
        from ringback.startup import local_url
        from ringback.terminal_phone.transport import Transport

        self._telephony = telephony
        self._deadlines = deadlines
        self._clock = clock
        self._rules = rules
        self._transport = Transport(local_url(settings), settings.public_base_url,
                                    settings.webhook_auth_token)

    def step(self, ref: str) -> Stage | None:
        """Take the step ``ref`` names; returns the call's stage after it, or None."""
        sid, _, expected = ref.rpartition("/")
        call = self._telephony.call(sid)
        raw = self._telephony.play_stage(sid)
        stage = Stage(raw) if raw is not None else None
        if call is None or stage is None or stage.value != expected:
            return stage
        if call.status.is_final:  # ringback hung it up: Twilio reports the end
            return self._end(call, CallStatus.COMPLETED)
        if stage is Stage.PLACED:
            return self._ring(call)
        if stage is Stage.RINGING:
            return self._answer(call)
        if stage is Stage.DIALLING:
            return self._customer(call)
        if stage is Stage.TALKING:
            return self._hang_up(call)
        return stage

    def _ring(self, call: SimCall) -> Stage:
        self._status(call, "initiated")
        self._status(call, "ringing")
        self._next(call, Stage.RINGING, self._rules.answer_seconds)
        self._telephony.advance(call.sid, Stage.RINGING.value, status=CallStatus.RINGING)
        return Stage.RINGING

    def _answer(self, call: SimCall) -> Stage:
        self._status(call, "in-progress", CallDuration="0")
        _code, twiml = self._transport.post(call.url, self._params(call, "in-progress"))
        dial = _dial_of(twiml)
        if dial is None:  # nothing to connect: the TwiML hangs up
            return self._end(call, CallStatus.COMPLETED)
        action, customer_callback = dial
        self._next(call, Stage.DIALLING, self._rules.answer_seconds)
        self._telephony.advance(call.sid, Stage.DIALLING.value, status=CallStatus.IN_PROGRESS,
                                dial_action=action, customer_callback=customer_callback,
                                answered_at=repr(self._clock.now()))
        return Stage.DIALLING

    def _customer(self, call: SimCall) -> Stage:
        fields = self._telephony.play_fields(call.sid)
        outcome = self._rules.outcome
        if outcome is Outcome.ANSWERED:
            if fields.get("customer_callback"):
                self._transport.post(fields["customer_callback"],
                                     self._params(call, "in-progress"))
            self._next(call, Stage.TALKING, TALK_SECONDS)
            self._telephony.advance(call.sid, Stage.TALKING.value,
                                    talking_at=repr(self._clock.now()))
            return Stage.TALKING
        self._dial_result(call, fields, outcome.value, 0)
        return self._end(call, CallStatus.COMPLETED)

    def _hang_up(self, call: SimCall) -> Stage:
        fields = self._telephony.play_fields(call.sid)
        talked = self._clock.now() - float(fields.get("talking_at", self._clock.now()))
        self._dial_result(call, fields, "completed", max(0, round(talked)))
        return self._end(call, CallStatus.COMPLETED)

    def _dial_result(self, call: SimCall, fields: dict[str, str], status: str,
                     seconds: int) -> None:
        if fields.get("dial_action"):
            self._transport.post(fields["dial_action"], {
                **self._params(call, "in-progress"), "DialCallStatus": status,
                "DialCallDuration": str(seconds)})

    def _end(self, call: SimCall, status: CallStatus) -> Stage:
        lasted = max(0, round(self._clock.now() - call.created_at))
        self._status(call, status.value, CallDuration=str(lasted))
        self._telephony.advance(call.sid, Stage.ENDED.value, status=status)
        return Stage.ENDED

    def _next(self, call: SimCall, stage: Stage, seconds: float) -> None:
        """Schedule the next step before the call moves, so a worker that dies in
        between leaves a step that finds the call where it was (and its retry redoes it)."""
        schedule_step(self._deadlines, call.sid, stage, self._clock.now() + seconds)

    def _status(self, call: SimCall, status: str, **extra: str) -> None:
        code, body = self._transport.post(call.status_callback,
                                          {**self._params(call, status), **extra})
        if code >= 400:
            log.warning("simulated call %s: status %s answered %d: %s", call.sid, status, code,
                        body[:200])

    def _params(self, call: SimCall, status: str) -> dict[str, str]:
        return {"CallSid": call.sid, "AccountSid": ACCOUNT_SID, "From": call.from_,
                "To": call.to, "Direction": "outbound-api", "CallStatus": status,
                "ApiVersion": "2010-04-01"}


def _dial_of(twiml: str) -> tuple[str, str] | None:
    """The ``<Dial action>`` and its ``<Number statusCallback>`` in a TwiML document."""
    try:
        root = ET.fromstring(twiml)
    except ET.ParseError:
        return None
    dial = root.find("Dial")
    if dial is None:
        return None
    number = dial.find("Number")
    callback = number.get("statusCallback", "") if number is not None else ""
    return dial.get("action", ""), callback


def play_call(ref: str, due_at: float) -> str | None:
    """The ``SIM_CALL`` deadline's job: one step of a simulated call."""
    from ringback.worker import job_services

    s = job_services()
    rules = PlayRules.from_settings(s.settings)
    if rules is None or not isinstance(s.telephony, SimulatedTelephony):
        return None
    stage = Player(s.settings, s.telephony, s.deadlines, s.clock, rules).step(ref)
    return stage.value if stage is not None else None

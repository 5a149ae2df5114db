"""The booking self-service: a caller with an upcoming appointment, who chose a
menu key with the booking intent, hears it and may keep it (1), cancel it (2)
or speak to someone (3) before joining the queue.

The decision and its TwiML live together here because the menu is small;
what an appointment is and how one is cancelled is the booking bridge's
(``ringback.booking_bridge.self_service``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from twilio.twiml.voice_response import VoiceResponse

from ringback.ivr.flow import MENU_REPROMPTS
from ringback.ivr.prompts import PromptKey, Prompts
from ringback.ivr.speech import say, say_prompt
from ringback.ivr.state import CallState
from ringback.ivr.urls import Route, Urls

APPOINTMENT_TIMEOUT_SECONDS = 6


@dataclass(frozen=True)
class Appointment:
    """What the caller hears about their next appointment; ``starts`` is local time."""

    booking_id: int
    service: str
    location: str
    starts: datetime


class Appointments(Protocol):
    """The booking bridge as the IVR sees it."""

    def next_for(self, caller: str | None) -> Appointment | None:
        """The caller's next upcoming appointment, found by their number."""

    def cancel(self, booking_id: int, caller: str | None) -> bool:
        """Cancel the caller's own appointment (and mail it); False when it is not theirs
        or no longer booked."""


class NoAppointments:
    """Without the booking bridge nobody has an appointment."""

    def next_for(self, caller: str | None) -> Appointment | None:
        return None

    def cancel(self, booking_id: int, caller: str | None) -> bool:
        return False


@dataclass(frozen=True)
class Keep:
    pass


@dataclass(frozen=True)
class Cancel:
    booking_id: int


@dataclass(frozen=True)
class SpeakToSomeone:
    pass


@dataclass(frozen=True)
class AskAgain:
    state: CallState


AppointmentDecision = Keep | Cancel | SpeakToSomeone | AskAgain


def decide(digits: str | None, state: CallState) -> AppointmentDecision:
    """1 keeps, 2 cancels, 3 connects; nothing or another key asks again, and after
    ``MENU_REPROMPTS`` misses the caller is put through to someone."""
    key = (digits or "").strip()
    if key == "1":
        return Keep()
    if key == "2" and state.booking is not None:
        return Cancel(state.booking)
    if key == "3" or state.menu_attempt >= MENU_REPROMPTS:
        return SpeakToSomeone()
    return AskAgain(state.evolve(menu_attempt=state.menu_attempt + 1))


def offer(prompts: Prompts, urls: Urls, appointment: Appointment, state: CallState) -> str:
    """Read the appointment and ask for 1, 2 or 3."""
    response = VoiceResponse()
    action = urls(Route.APPOINTMENT, state.evolve(booking=appointment.booking_id).to_params())
    gather = response.gather(num_digits=1, timeout=APPOINTMENT_TIMEOUT_SECONDS, action=action,
                             method="POST")
    say(gather, prompts, prompts.text(
        PromptKey.APPOINTMENT_NEXT, service=appointment.service, location=appointment.location,
        day=prompts.spoken_day(appointment.starts.date()),
        time=appointment.starts.strftime("%H:%M")))
    # <Gather> does not call its action when nothing was pressed; this does.
    response.redirect(action, method="POST")
    return str(response)


def closing(prompts: Prompts, key: PromptKey) -> str:
    """Kept or cancelled: say so, goodbye, hang up."""
    response = VoiceResponse()
    say_prompt(response, prompts, key)
    say_prompt(response, prompts, PromptKey.GOODBYE)
    response.hangup()
    return str(response)

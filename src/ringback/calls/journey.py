"""The caller's journey through an inbound call, one method per Twilio webhook.

Each method takes a ``CallRequest``, does the call's side effect in Redis
(join the queue, announce, turn the entry into a callback, abandon, overflow)
and returns the TwiML document the caller hears next, built by
``ringback.ivr``. Nothing here knows Flask: the webhooks blueprint only parses
the request and hands the answer back to Twilio.

Every method is safe to run twice for the same request (Twilio retries):
joining is idempotent per call sid, converting to the same number is a
no-op, and abandoning an entry that is gone does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ringback.callbacks.limits import CallbackLimitReached
from ringback.callbacks.service import CallbackService, entry_ref
from ringback.calls.departures import Departures
from ringback.calls.index import CallIndex, CallRecord, QueueExit
from ringback.calls.request import ENTRY_PARAM, CallRequest
from ringback.calls.voicemail import Voicemail, VoicemailJobs
from ringback.clock import Clock
from ringback.errors import Conflict, NotFound
from ringback.ivr import appointment, flow, twiml, twiml_queue
from ringback.ivr.appointment import Appointments, NoAppointments
from ringback.ivr.callback_number import CallbackNumberRejected
from ringback.ivr.config import NumberConfig
from ringback.ivr.flow import QueueResult
from ringback.ivr.prompts import PromptKey, Prompts, prompts_for
from ringback.ivr.state import CallState
from ringback.ivr.urls import Route, Urls
from ringback.numbers import NumberDirectory
from ringback.queue.models import Entry, EntryKind, EntryState, Intent, NewEntry, QueueFull
from ringback.queue.service import QueueService
from ringback.redis_keys import queue_keys
from ringback.scheduler.deadlines import DeadlineKind, Deadlines

log = logging.getLogger(__name__)

# Hold-loop documents kept per (number configuration, language, queue, offer): a few
# per number.
MAX_CACHED_ROUNDS = 1000


@dataclass(frozen=True)
class Line:
    """The number that was dialled: its configuration and the prompts in its language."""

    cfg: NumberConfig
    prompts: Prompts


@dataclass(frozen=True)
class Waiting:
    """Where the caller's queue entry is, if it still exists."""

    queue_id: str
    entry: Entry | None
    record: CallRecord


class CallJourney:
    def __init__(
        self,
        *,
        redis: Any,
        numbers: NumberDirectory,
        queue: QueueService,
        callbacks: CallbackService,
        deadlines: Deadlines,
        calls: CallIndex,
        voicemails: VoicemailJobs,
        clock: Clock,
        urls: Urls,
        route: Callable[[str], object] | None = None,
        appointments: Appointments | None = None,
        call_event: Callable[..., object] | None = None,
    ) -> None:
        self._redis = redis
        self._numbers = numbers
        self._rounds: dict[tuple[NumberConfig, str, str, bool], str] = {}
        self._queue = queue
        self._callbacks = callbacks
        self._deadlines = deadlines
        self._calls = calls
        self._voicemails = voicemails
        self._clock = clock
        self._urls = urls
        # The router (ringback.routing): offers the queue's head to a free agent at once.
        self._route = route or (lambda _queue_id: None)
        # The booking bridge's self-service for callers with an upcoming appointment.
        self._appointments = appointments or NoAppointments()
        # Told of each caller who joins a queue or hangs up waiting (the CTI webhook).
        self._call_event = call_event or (lambda _event, _entry, **_kw: None)
        self._departures = Departures(queue=queue, deadlines=deadlines, calls=calls,
                                      route=self._route, call_event=self._call_event)

    # Outside the queue ---------------------------------------------------

    def incoming(self, req: CallRequest) -> str:
        line = self._line(req)
        if line is None:
            return self._unknown_number()
        return twiml.welcome_and_menu(line.cfg, line.prompts, self._urls)

    def menu(self, req: CallRequest) -> str:
        line = self._line(req)
        if line is None:
            return self._unknown_number()
        cfg, prompts = line.cfg, line.prompts
        match flow.decide_menu(cfg, req.digits, req.state):
            case flow.JoinQueue(queue_id, intent, default_route):
                if intent is Intent.BOOKING and not default_route:
                    upcoming = self._appointment_of(req.caller)
                    if upcoming is not None:
                        return appointment.offer(prompts, self._urls, upcoming,
                                                 CallState(queue=queue_id))
                return self._enqueue(req, line, queue_id, intent, default_route=default_route)
            case flow.PlayMessage(message, state):
                return twiml.menu_message(cfg, prompts, self._urls, message, state)
            case flow.RepeatMenu(problem, state):
                return twiml.menu_retry(cfg, prompts, self._urls, state, problem)
        raise AssertionError("decide_menu gave an unknown decision")  # pragma: no cover

    def appointment_answer(self, req: CallRequest) -> str:
        """The caller's answer to the booking self-service (``ringback.ivr.appointment``)."""
        line = self._line(req)
        if line is None:
            return self._unknown_number()
        queue_id = req.state.queue or line.cfg.queue_id
        match appointment.decide(req.digits, req.state):
            case appointment.Keep():
                return appointment.closing(line.prompts, PromptKey.APPOINTMENT_KEPT)
            case appointment.Cancel(booking_id):
                if self._appointments.cancel(booking_id, req.caller):
                    return appointment.closing(line.prompts, PromptKey.APPOINTMENT_CANCELLED)
                return self._enqueue(req, line, queue_id, Intent.BOOKING,
                                     preface=PromptKey.APPOINTMENT_GONE)
            case appointment.AskAgain(state):
                upcoming = self._appointment_of(req.caller)
                if upcoming is not None:
                    return appointment.offer(line.prompts, self._urls, upcoming, state)
        return self._enqueue(req, line, queue_id, Intent.BOOKING)

    def _appointment_of(self, caller: str | None) -> appointment.Appointment | None:
        """The caller's next appointment; the booking bridge failing never keeps a
        caller from the queue."""
        try:
            return self._appointments.next_for(caller)
        except Exception:
            log.exception("the booking self-service could not read the caller's appointments")
            return None

    def _enqueue(self, req: CallRequest, line: Line, queue_id: str, intent: Intent, *,
                 default_route: bool = False, preface: PromptKey | None = None) -> str:
        """Join the Redis queue and hand Twilio the ``<Enqueue>``; a full queue overflows."""
        cfg, prompts = line.cfg, line.prompts
        try:
            entry = self._join(req, line, queue_id, NewEntry(
                call_sid=req.call_sid, caller=req.caller, language=prompts.language,
                intent=intent, dialled=req.dialled))
        except QueueFull:
            log.warning("queue %s is full; call %s overflows", queue_id, req.call_sid)
            self._calls.left(req.call_sid, QueueExit.OVERFLOW)
            return twiml.overflow(cfg, prompts, self._urls, queue_id)
        return twiml.enqueue(cfg, prompts, self._wait_urls(entry.entry_id), queue_id,
                             default_route=default_route, preface=preface)

    def _join(self, req: CallRequest, line: Line, queue_id: str, new: NewEntry) -> Entry:
        entry = self._queue.join(queue_id, new)
        max_wait = flow.max_wait_seconds(line.cfg, self._queue.settings(queue_id).max_wait_seconds)
        # From the entry's own enqueue time, so a repeated join keeps the due time.
        leave_at = entry.enqueued_at + max_wait \
            if max_wait is not None and entry.kind is EntryKind.LIVE else None
        self._calls.joined(req.call_sid, queue_id, entry.entry_id, leave_at)
        if leave_at is not None:
            self._deadlines.schedule(DeadlineKind.QUEUE_MAX_WAIT,
                                     entry_ref(queue_id, entry.entry_id), leave_at)
        self._route_after_join(queue_id, entry)
        self._call_event("newCall", entry)
        return entry

    def _route_after_join(self, queue_id: str, entry: Entry) -> None:
        """Offer the queue's head at once. The join stands on its own: a routing error
        is logged, and the caller waits in the queue all the same (the next routing
        event offers the entry: another join, an agent who becomes free, an offer's
        timeout); an apology would hang up on an entry left behind."""
        try:
            self._route(queue_id)
        except Exception:
            log.exception("routing of queue %s after the join of %s failed; the caller waits",
                          queue_id, entry.entry_id)

    def _wait_urls(self, entry_id: str) -> Urls:
        """Our URLs, with the caller's entry named in the waitUrl (Twilio signs it), so
        each round of the hold loop reads the entry in the same round trip."""
        urls = self._urls

        def build(route: Route, params: Mapping[str, str] | None = None) -> str:
            if route is Route.WAIT:
                params = {**(params or {}), ENTRY_PARAM: entry_id}
            return urls(route, params)

        return build

    # Inside the queue ----------------------------------------------------

    def wait(self, req: CallRequest) -> str:
        """One round of the hold loop; at max wait a live caller leaves to the overflow.

        Twilio asks for this again and again while a caller holds, so it costs
        one Redis round trip: the number's cache version, the call record and
        the entry named in the waitUrl. A round without announcement is the
        same document for every caller of a queue and is built once.
        """
        pipe = self._redis.pipeline(transaction=False)
        self._numbers.read_version(pipe)
        self._calls.read(pipe, req.call_sid)
        named = req.state.queue is not None and req.entry_id is not None
        if named:
            _read_entry(pipe, str(req.state.queue), str(req.entry_id))
        version, raw_record, *raw_entry = pipe.execute()
        cfg = self._numbers.find(req.dialled, version=version)
        if cfg is None:
            return self._unknown_number()
        line = self._line_of(cfg)
        record = CallIndex.record_of(raw_record)
        entry = _entry_of(str(req.state.queue), str(req.entry_id), raw_entry[0]) if named \
            else None
        if named and record.entry_id in (None, req.entry_id) and (
                entry is None or entry.call_sid == req.call_sid):
            waiting = Waiting(str(req.state.queue), entry, record)
        else:
            waiting = self._waiting(req, cfg, record)
        entry, queue_id = waiting.entry, waiting.queue_id
        if entry is None:
            if waiting.record.outcome is not QueueExit.CALLBACK:
                # Expired by the scheduler, removed by an admin, or never joined.
                self._calls.left(req.call_sid, QueueExit.OVERFLOW)
            return twiml_queue.leave_queue()
        if entry.kind is EntryKind.CALLBACK:
            return twiml_queue.leave_queue()
        now = self._clock.now()
        if entry.state is EntryState.WAITING and _max_wait_over(cfg, waiting.record, entry, now):
            self._departures.overflow(req.call_sid, queue_id, entry)
            return twiml_queue.leave_queue()
        offer = entry.state is EntryState.WAITING
        last = waiting.record.announced_at
        if entry.state is EntryState.ACCEPTED or not flow.announcement_due(
            cfg, None if last is None else now - last
        ):
            return self._hold_round(line, queue_id, offer)
        self._calls.announced(req.call_sid, now)
        return twiml_queue.wait_loop(
            cfg, line.prompts, self._urls, queue_id=queue_id,
            position=self._queue.position(queue_id, entry.entry_id),
            estimated_wait_seconds=self._queue.estimated_wait(queue_id, entry.entry_id),
            announce=True, offer_callback=offer,
        )

    def _hold_round(self, line: Line, queue_id: str, offer: bool) -> str:
        """The round without announcement, built once per key. The key names the
        language spoken, not only the number's configuration: a number without a
        language of its own follows the account default, which an admin may change."""
        key = (line.cfg, line.prompts.language, queue_id, offer)
        document = self._rounds.get(key)
        if document is None:
            document = twiml_queue.wait_loop(
                line.cfg, line.prompts, self._urls, queue_id=queue_id, position=None,
                estimated_wait_seconds=None, announce=False, offer_callback=offer)
            if len(self._rounds) >= MAX_CACHED_ROUNDS:
                self._rounds.clear()
            self._rounds[key] = document
        return document

    def callback_choice(self, req: CallRequest) -> str:
        line = self._line(req)
        if line is None:
            return self._unknown_number()
        cfg, prompts = line.cfg, line.prompts
        state = self._in_queue_state(req, cfg)
        match flow.decide_callback_choice(cfg, req.digits):
            case flow.CallbackChoice.SAME_NUMBER:
                try:
                    number = flow.caller_callback_number(cfg, req.caller,
                                                          self._numbers.own_numbers())
                except CallbackNumberRejected:
                    return twiml_queue.caller_number_rejected(cfg, prompts, self._urls, state)
                return self._become_callback(req, line, state, number)
            case flow.CallbackChoice.OTHER_NUMBER:
                return twiml_queue.enter_number(cfg, prompts, self._urls, state)
            case _:
                return twiml_queue.back_to_queue(prompts, self._urls, state)

    def callback_number(self, req: CallRequest) -> str:
        line = self._line(req)
        if line is None:
            return self._unknown_number()
        state = self._in_queue_state(req, line.cfg)
        return self._number_dialog(req, line, flow.decide_callback_number(
            line.cfg, req.digits, state, self._numbers.own_numbers()))

    def callback_confirm(self, req: CallRequest) -> str:
        line = self._line(req)
        if line is None:
            return self._unknown_number()
        state = self._in_queue_state(req, line.cfg)
        return self._number_dialog(req, line, flow.decide_confirmation(
            line.cfg, req.digits, state, self._numbers.own_numbers()))

    def _number_dialog(self, req: CallRequest, line: Line, decision: flow.ConfirmDecision) -> str:
        cfg, prompts, urls = line.cfg, line.prompts, self._urls
        match decision:
            case flow.Confirmed(number, state):
                return self._become_callback(req, line, state, number)
            case flow.ReadBack(_, state):
                return twiml_queue.read_back(cfg, prompts, urls, state)
            case flow.AskForNumber(reason, state):
                return twiml_queue.enter_number(cfg, prompts, urls, state, reason)
            case flow.BackToQueue(state, after_failed_number):
                return twiml_queue.back_to_queue(prompts, urls, state,
                                                 after_failed_number=after_failed_number)
        raise AssertionError("unknown callback-number decision")  # pragma: no cover

    def _become_callback(self, req: CallRequest, line: Line, state: CallState,
                         number: str) -> str:
        """Convert the entry at its place (expiry scheduled), then ``<Leave>`` for the
        confirmation. An entry an agent already holds stays a live call."""
        waiting = self._waiting(req, line.cfg)
        if waiting.entry is None:
            return self.wait(req)  # gone meanwhile: the hold loop says what happens
        queue_id, entry_id = waiting.queue_id, waiting.entry.entry_id
        try:
            entry = self._callbacks.request(queue_id, entry_id, number)
        except CallbackLimitReached as reached:
            log.warning("call %s: no callback to %s: %s", req.call_sid, number, reached)
            return twiml_queue.callback_limit_reached(line.prompts, self._urls, state)
        except Conflict:
            return twiml_queue.back_to_queue(line.prompts, self._urls, state)
        except NotFound:
            return self.wait(req)
        self._deadlines.cancel(DeadlineKind.QUEUE_MAX_WAIT, entry_ref(queue_id, entry_id))
        self._calls.left(req.call_sid, QueueExit.CALLBACK, entry.entry_id)
        log.info("call %s became callback %s:%s to %s", req.call_sid, queue_id,
                 entry.entry_id, number)
        return twiml_queue.leave_queue()

    # Leaving the queue ---------------------------------------------------

    def queue_exit(self, req: CallRequest) -> str:
        """The ``<Enqueue action>``: why the caller left Twilio's queue decides the answer."""
        result = QueueResult.parse(req.queue_result)
        line = self._line(req)
        record = self._calls.get(req.call_sid)
        if result is QueueResult.HANGUP:
            self._departures.abandon(req.call_sid)
            return twiml.hangup()
        if result in (QueueResult.BRIDGED, QueueResult.BRIDGING_IN_PROCESS,
                      QueueResult.REDIRECTED):
            log.info("call %s left the queue: %s", req.call_sid, result.value)
            return twiml.hangup()
        prompts = line.prompts if line else self._default_prompts()
        if result is QueueResult.LEAVE:
            if record.outcome is QueueExit.CALLBACK:
                return twiml.confirmation_and_hangup(line.cfg, prompts) if line else \
                    twiml.goodbye(prompts)
            if record.outcome is not QueueExit.OVERFLOW:
                # Left for no reason we gave: nobody can serve it.
                self._departures.abandon(req.call_sid)
                return twiml.goodbye(prompts)
        else:  # queue-full, error, system-error: the caller cannot wait here
            log.warning("call %s left the queue with %s", req.call_sid, result.value)
            queue_id = record.queue_id or req.state.queue or ""
            self._departures.overflow(req.call_sid, queue_id, None, reason=f"twilio_{result.value}")
            if result is not QueueResult.QUEUE_FULL:
                return twiml.fallback_sorry(prompts)
        if line is None:
            return twiml.goodbye(prompts)
        queue_id = record.queue_id or req.state.queue or line.cfg.queue_id
        return twiml.overflow(line.cfg, prompts, self._urls, queue_id)

    def overflow(self, req: CallRequest) -> str:
        """Where the max-wait job redirects a live caller: the entry expires, the
        number's overflow plays (a message, or a voicemail recording)."""
        line = self._line(req)
        waiting = self._waiting(req, line.cfg if line else None)
        if waiting.record.outcome is QueueExit.CALLBACK:
            return twiml.confirmation_and_hangup(line.cfg, line.prompts) if line else \
                twiml.goodbye(self._default_prompts())
        self._departures.overflow(req.call_sid, waiting.queue_id, waiting.entry)
        if line is None:
            return self._unknown_number()
        return twiml.overflow(line.cfg, line.prompts, self._urls, waiting.queue_id)

    def voicemail(self, req: CallRequest) -> str:
        """``<Record action>``: the recording becomes a ticket in an rq job."""
        line = self._line(req)
        prompts = line.prompts if line else self._default_prompts()
        if req.recording_url is None:
            return twiml.goodbye(prompts)
        queue_id = req.state.queue or (line.cfg.queue_id if line else "")
        self._voicemails.enqueue(Voicemail(
            call_sid=req.call_sid, caller=req.caller, dialled=req.dialled, queue_id=queue_id,
            recording_url=req.recording_url, duration_seconds=req.recording_seconds))
        return twiml.voicemail_saved(prompts)

    def status(self, req: CallRequest) -> None:
        """The number's status callback: a call that ended while waiting is abandoned."""
        if req.call_is_over:
            self._departures.abandon(req.call_sid)

    def sorry(self, dialled: str | None) -> str:
        """The apology for an unexpected error, without any I/O: in the number's
        language when this process has seen the number, else the account default."""
        cfg = self._numbers.cached(dialled or "")
        try:
            prompts = prompts_for(cfg.language if cfg else None, self._numbers.default_language)
        except Exception:  # the apology itself must never fail
            return twiml.fallback_sorry()
        return twiml.fallback_sorry(prompts)

    def keep_holding(self, dialled: str | None, waited_seconds: int | None) -> str:
        """A round of hold music without any I/O, for a caller on hold while Redis is
        out of reach: the next round tries again. In the number's language and music
        when this process has seen the number, else (or once the caller waited the
        number's max wait, by Twilio's ``QueueTime``) the apology."""
        cfg = self._numbers.cached(dialled or "")
        if cfg is None or (waited_seconds is not None
                           and flow.max_wait_reached(cfg, waited_seconds)):
            return self.sorry(dialled)
        try:
            prompts = prompts_for(cfg.language, self._numbers.default_language)
            return twiml_queue.wait_loop(
                cfg, prompts, self._urls, queue_id=cfg.queue_id, position=None,
                estimated_wait_seconds=None, announce=False, offer_callback=False)
        except Exception:  # the fallback itself must never fail
            return self.sorry(dialled)

    # Helpers ---------------------------------------------------------------

    def _line(self, req: CallRequest) -> Line | None:
        cfg = self._numbers.find(req.dialled)
        return None if cfg is None else self._line_of(cfg)

    def _line_of(self, cfg: NumberConfig) -> Line:
        return Line(cfg, prompts_for(cfg.language, self._numbers.default_language))

    def _default_prompts(self) -> Prompts:
        return prompts_for(None, self._numbers.default_language)

    def _unknown_number(self) -> str:
        return twiml.unknown_number(self._default_prompts())

    def _in_queue_state(self, req: CallRequest, cfg: NumberConfig) -> CallState:
        return req.state if req.state.queue else req.state.evolve(queue=cfg.queue_id)

    def _waiting(self, req: CallRequest, cfg: NumberConfig | None,
                 record: CallRecord | None = None) -> Waiting:
        record = record or self._calls.get(req.call_sid)
        queue_id = record.queue_id or req.state.queue or (cfg.queue_id if cfg else "")
        entry = None
        if record.queue_id and record.entry_id:
            entry = self._queue.get(record.queue_id, record.entry_id)
        elif queue_id:
            entry = self._queue.entry_for_call(queue_id, req.call_sid)
        return Waiting(queue_id, entry, record)


def _max_wait_over(cfg: NumberConfig, record: CallRecord, entry: Entry, now: float) -> bool:
    """Whether the caller's max wait ran out: as the join recorded it (the number's
    or the queue's limit, the shorter), else (joined before it was recorded) the number's."""
    if record.leave_at is not None:
        return now >= record.leave_at
    return flow.max_wait_reached(cfg, now - entry.enqueued_at)


# An entry read inside our own pipeline, the way the queue engine offers it
# (``QueueKeys.entries``): a round of the hold loop costs a single round trip.


def _read_entry(pipeline: Any, queue_id: str, entry_id: str) -> None:
    pipeline.hget(queue_keys(queue_id).entries, entry_id)


def _entry_of(queue_id: str, entry_id: str, raw: bytes | None) -> Entry | None:
    return Entry.from_record(queue_id, entry_id, raw) if raw else None

"""A customer user's call timeline: the calls agents took from their numbers and
the callbacks they asked for, newest first, the same for every agent.

Taken calls are written when an agent takes a live call or a callback
(``record_taken``, called by the offer service); callbacks come from the
callback records, matched by the number called back or the number that
called, so a callback's expiry ticket and attempts land on the right person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ringback.agents import AgentDirectory
from ringback.callbacks.service import entry_ref
from ringback.clock import Clock
from ringback.customers.phones import caller_e164
from ringback.errors import NotFound
from ringback.queue.models import Entry
from ringback.store.callbacks import Callback
from ringback.store.customer_calls import CustomerCall
from ringback.store.db import Database

MAX_ITEMS = 50


@dataclass(frozen=True)
class TimelineItem:
    """One line of the timeline, in words agents read."""

    at: datetime
    number: str
    what: str  # "Live call taken", "Callback asked for", ...
    queue_id: str
    detail: str  # who took it, how the callback ended, its ticket


class CallTimeline:
    def __init__(self, db: Database, clock: Clock, agents: AgentDirectory) -> None:
        self._db = db
        self._clock = clock
        self._agents = agents

    def record_live(self, entry: Entry) -> None:
        """A live caller an agent answered (``LiveCalls.answered``)."""
        taker = entry.accepted_by or ""
        agent_id = int(taker) if taker.isascii() and taker.isdigit() else None
        try:
            name = self._agents.get(agent_id).name if agent_id is not None else ""
        except NotFound:
            name = ""
        self.record_taken(number=entry.caller, call_ref=entry_ref(
            entry.queue_id, entry.entry_id), kind=entry.kind.value, queue_id=entry.queue_id,
            intent=entry.intent.value, agent_id=agent_id, agent_name=name)

    def record_taken(self, *, number: str, call_ref: str, kind: str, queue_id: str,
                     intent: str, agent_id: int | None, agent_name: str) -> bool:
        """Keep that an agent took this call; taking it again (a retried request) keeps
        one row. False when the number cannot be read (withheld)."""
        e164 = caller_e164(number)
        if e164 is None:
            return False
        try:
            with self._db.session() as session:
                if session.scalar(select(CustomerCall.id).where(
                        CustomerCall.call_ref == call_ref,
                        CustomerCall.agent_id == agent_id)) is not None:
                    return True
                session.add(CustomerCall(
                    e164=e164, call_ref=call_ref, kind=kind, queue_id=queue_id, intent=intent,
                    agent_id=agent_id, agent_name=agent_name,
                    taken_at=datetime.fromtimestamp(self._clock.now(), UTC)))
        except IntegrityError:  # the same take recorded at the same moment elsewhere
            pass
        return True

    def for_numbers(self, numbers: Sequence[str], limit: int = MAX_ITEMS) -> list[TimelineItem]:
        """Everything on these numbers (a customer user's phones, in E.164)."""
        if not numbers:
            return []
        with self._db.session() as session:
            taken = session.scalars(
                select(CustomerCall).where(CustomerCall.e164.in_(numbers))
                .order_by(CustomerCall.taken_at.desc()).limit(limit)).all()
            callbacks = session.scalars(
                select(Callback).where(or_(Callback.callback_number.in_(numbers),
                                           Callback.caller.in_(numbers)))
                .order_by(Callback.requested_at.desc()).limit(limit)).all()
        items = [_taken(row) for row in taken] + [_callback(row) for row in callbacks]
        items.sort(key=lambda item: item.at, reverse=True)
        return items[:limit]


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _taken(row: CustomerCall) -> TimelineItem:
    what = "Callback taken" if row.kind == "callback" else "Live call taken"
    topic = {"booking": ", about an appointment", "ticket": ", about a request"}.get(
        row.intent, "")
    return TimelineItem(_aware(row.taken_at), row.e164, what, row.queue_id,
                        f"by {row.agent_name or 'an agent'}{topic}")


def _callback(row: Callback) -> TimelineItem:
    ending = (row.outcome or row.state).replace("_", " ")
    detail = f"{ending}" + (f"; ticket {row.ticket_id}" if row.ticket_id else "")
    return TimelineItem(_aware(row.requested_at), row.callback_number, "Callback asked for",
                        row.queue_id, detail)

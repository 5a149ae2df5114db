"""A week of callbacks written through the real services, for the reports tests:
callers join the queue and ask for a callback at set times; then an agent's
attempt ends with an outcome, the callback expires, or it is still waiting."""

from __future__ import annotations

from dataclasses import dataclass

from ringback.callbacks.records import CallbackRecords, attempt_key
from ringback.callbacks.service import entry_ref
from ringback.queue.models import NewEntry
from ringback.store.callbacks import AttemptOutcome

DAY = 86_400
OPEN = "open"
EXPIRED = "expired"


@dataclass(frozen=True)
class Asked:
    days_ago: int
    hour: int
    dialled: str
    end: str  # an AttemptOutcome value, "expired" or "open"
    wait: float = 0.0  # seconds from the request to the agent's call


def write_history(services, queue_id: str, agent_id: int, plan: list[Asked]) -> None:
    """Write ``plan`` (times relative to the clock's day), then put the clock back."""
    clock = services.clock
    now = clock.now()
    today = now - now % DAY
    records = CallbackRecords(services.db, clock)
    for i, asked in enumerate(plan):
        clock.set(today - asked.days_ago * DAY + asked.hour * 3600)
        caller = f"+49151{1000000 + i:07d}"
        joined = services.queue.join(queue_id, NewEntry(
            call_sid=f"CAhistory{i:04d}", caller=caller, dialled=asked.dialled, language="de"))
        entry = services.callbacks.request(queue_id, joined.entry_id, caller)
        ref = entry_ref(queue_id, entry.entry_id)
        records.ensure(entry)
        if asked.end == OPEN:
            continue
        if asked.end == EXPIRED:
            clock.advance(services.settings.callback_expiry_seconds)
            services.queue.expire(queue_id, entry.entry_id, reason="callback_expired")
            records.mark_expired(ref, ticket_id=f"T{i}")
            continue
        clock.advance(asked.wait)
        key = attempt_key(ref, clock.now())
        records.start_attempt(ref, key, agent_id=agent_id, agent_name="Olivia Owner",
                              endpoint="+493012345678", called_at=clock.now())
        services.queue.remove(queue_id, entry.entry_id, reason="called")
        outcome = AttemptOutcome(asked.end)
        clock.advance(30)
        handle = 180.0 if outcome is AttemptOutcome.CONNECTED else None
        records.record_outcome(key, outcome, None if handle else "the customer did not answer",
                               handle)
    clock.set(now)

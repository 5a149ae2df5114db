"""Fixtures of the queue engine's tests: a QueueService on the test Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from ringback.clock import ManualClock
from ringback.queue.models import AgentState, EntryKind, NewEntry, QueueSettings
from ringback.queue.service import QueueService

NewCall = Callable[..., NewEntry]


@pytest.fixture
def queues(redis_client: redis.Redis, clock: ManualClock) -> QueueService:
    """A service with queue "sales" configured (max 5, 20 s offers, 30 s wrap-up)."""
    service = QueueService(redis_client, clock, default_handle_seconds=120.0)
    service.configure(
        "sales",
        QueueSettings(
            max_size=5, max_wait_seconds=600, offer_timeout_seconds=20, wrap_up_seconds=30
        ),
    )
    return service


@pytest.fixture
def call() -> NewCall:
    """Build a live call (or, with callback=..., a callback request) numbered n."""

    def make(n: int, **fields: object) -> NewEntry:
        callback = fields.pop("callback", None)
        base: dict[str, object] = {
            "call_sid": f"CA{n:032x}",
            "caller": f"+1415555{n:04d}",
            "dialled": "+14155550100",
        }
        if callback:
            base.update(kind=EntryKind.CALLBACK, callback_number=callback)
        base.update(fields)
        return NewEntry(**base)  # type: ignore[arg-type]

    return make


@pytest.fixture
def login(queues: QueueService, clock: ManualClock) -> Callable[..., None]:
    """Log agents in to queues, one second apart so their idle order is known."""

    def make(*agents: str, queues_: tuple[str, ...] = ("sales",)) -> None:
        for agent in agents:
            queues.set_agent_state(agent, AgentState.AVAILABLE, list(queues_))
            clock.advance(1)

    return make

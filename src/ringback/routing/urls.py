"""The webhook URLs that connect a live caller to an agent, and the offer they name.

Each URL carries the offer in its query string (queue, entry, agent and the
offer's deadline in ms): Twilio signs the whole URL, so a request naming
another offer fails the signature check, and a request for an offer that has
since ended is recognised and answered harmlessly.  The routes are served by
``ringback.webhooks.agent``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from ringback.callbacks.service import entry_ref
from ringback.parsing import ascii_whole
from ringback.queue.models import Entry, EntryState, Offer

PREFIX = "/twilio/voice/agent"
CONNECT_PATH = f"{PREFIX}/connect"  # the caller's call: <Dial> the agent
WHISPER_PATH = f"{PREFIX}/whisper"  # the agent answered: whisper, then bridge
DIAL_DONE_PATH = f"{PREFIX}/dial-done"  # <Dial action>: how the agent's leg ended
LEG_STATUS_PATH = f"{PREFIX}/leg-status"  # the agent leg's completed status (a fallback)
REQUEUE_PATH = f"{PREFIX}/requeue"  # back into the queue after a missed offer

MIN_RING_SECONDS = 5  # Twilio's smallest <Dial timeout>
MAX_RING_SECONDS = 600


@dataclass(frozen=True)
class OfferTag:
    """One offer of one entry to one agent.  Its text form ``<agent>@<deadline ms>``
    tells two offers of the same entry apart (the same agent may get it again)."""

    queue_id: str
    entry_id: str
    agent_id: str
    deadline_ms: int

    @classmethod
    def of(cls, offer: Offer) -> OfferTag:
        return cls(offer.queue_id, offer.entry_id, offer.agent_id, round(offer.deadline * 1000))

    @classmethod
    def of_entry(cls, entry: Entry) -> OfferTag | None:
        """The entry's current offer, if it is offered."""
        if entry.state is not EntryState.OFFERED or not entry.offered_to:
            return None
        deadline = round((entry.offer_deadline or 0.0) * 1000)
        return cls(entry.queue_id, entry.entry_id, entry.offered_to, deadline)

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> OfferTag | None:
        queue_id, entry_id = params.get("queue", ""), params.get("entry", "")
        agent_id, deadline = params.get("agent", ""), params.get("offer", "")
        deadline_ms = ascii_whole(deadline)
        if not (queue_id and entry_id and agent_id) or deadline_ms is None:
            return None
        return cls(queue_id, entry_id, agent_id, deadline_ms)

    @property
    def ref(self) -> str:
        return entry_ref(self.queue_id, self.entry_id)

    def matches(self, entry: Entry | None) -> bool:
        """The entry is still offered to this agent, in this offer."""
        return entry is not None and OfferTag.of_entry(entry) == self

    def to_params(self) -> dict[str, str]:
        return {"queue": self.queue_id, "entry": self.entry_id, "agent": self.agent_id,
                "offer": str(self.deadline_ms)}

    def __str__(self) -> str:
        return f"{self.agent_id}@{self.deadline_ms}"


class AgentUrls:
    def __init__(self, base_url: str) -> None:
        self._base = base_url.rstrip("/")

    def _url(self, path: str, params: Mapping[str, str]) -> str:
        return f"{self._base}{path}?{urlencode(sorted(params.items()))}"

    def connect(self, tag: OfferTag, endpoint: str, ring_seconds: int) -> str:
        return self._url(CONNECT_PATH, {**tag.to_params(), "to": endpoint,
                                        "ring": str(ring_seconds)})

    def whisper(self, tag: OfferTag) -> str:
        return self._url(WHISPER_PATH, tag.to_params())

    def dial_done(self, tag: OfferTag) -> str:
        return self._url(DIAL_DONE_PATH, tag.to_params())

    def leg_status(self, tag: OfferTag) -> str:
        return self._url(LEG_STATUS_PATH, tag.to_params())

    def requeue(self, queue_id: str) -> str:
        return self._url(REQUEUE_PATH, {"queue": queue_id})


def ring_seconds(until: float, now: float) -> int:
    """The ``<Dial timeout>`` that ends ringing when the offer ends."""
    return int(min(MAX_RING_SECONDS, max(MIN_RING_SECONDS, round(until - now))))

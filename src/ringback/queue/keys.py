"""Every Redis key of the queue engine, built in one place.

A queue's keys share the hash tag ``{q:<queue_id>}`` and an agent's keys the
tag ``{a:<agent_id>}``, so each Lua script touches one slot and the engine also
runs on Redis Cluster.  No script touches keys of two tags.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from ringback.errors import ValidationError
from ringback.queue.scripts import KEYS_OF

PREFIX = "rb"

# Ids travel inside keys and inside comma-separated lists in Lua: no braces,
# commas or spaces.
_ID = re.compile(r"^[A-Za-z0-9_.:@-]{1,64}$")
ID_RULE = "must be 1-64 characters of letters, digits and _ . : @ -"


def check_id(field: str, value: str) -> str:
    """Return ``value`` when it is usable as an id, else raise ValidationError."""
    if not isinstance(value, str) or not _ID.match(value):
        raise ValidationError({field: ID_RULE})
    return value


@dataclass(frozen=True)
class QueueKeys:
    """The keys of one queue; ``for_script(name)`` gives a script's KEYS.

    - ``rec``: hash, the queue's small records: entries (by entry id), the indexes
      ``s:<call sid>`` and ``c:<callback number>``, settings and counters (``#...``);
      see ``scripts``
    - ``wait``: zset, entries waiting or offered, in queue order (positions)
    - ``ready``: zset, the subset not currently offered (what routing may offer)
    - ``offers``: zset, offered entry id -> offer deadline
    - ``available``: zset, available agents of the queue -> idle since (a mirror)
    - ``staff``: set, logged-in agents of the queue (a mirror)
    - ``versions``: hash, agent -> last presence version mirrored here
    - ``events``: stream, the queue's append-only event log
    """

    queue_id: str
    _by_script: dict[str, list[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        check_id("queue_id", self.queue_id)

    def for_script(self, name: str) -> list[str]:
        """The KEYS a queue script expects (``scripts.KEYS_OF``); do not modify."""
        keys = self._by_script.get(name)
        if keys is None:
            keys = self._by_script[name] = [getattr(self, k) for k in KEYS_OF[name]]
        return keys

    def _key(self, name: str) -> str:
        return f"{PREFIX}:{{q:{self.queue_id}}}:{name}"

    @property
    def rec(self) -> str:
        return self._key("rec")

    @property
    def entries(self) -> str:
        """The hash that holds entries by id (``rec``): ``HGET entries <id>`` plus
        ``Entry.from_record`` reads an entry inside a caller's pipeline."""
        return self.rec

    @property
    def wait(self) -> str:
        return self._key("wait")

    @property
    def ready(self) -> str:
        return self._key("ready")

    @property
    def offers(self) -> str:
        return self._key("offers")

    @property
    def available(self) -> str:
        return self._key("avail")

    @property
    def staff(self) -> str:
        return self._key("staff")

    @property
    def versions(self) -> str:
        return self._key("agv")

    @property
    def events(self) -> str:
        return self._key("events")

    def all(self) -> list[str]:
        """Every key of the queue."""
        return [
            self.rec,
            self.wait,
            self.ready,
            self.offers,
            self.available,
            self.staff,
            self.versions,
            self.events,
        ]


# set: the ids of every queue whose settings were ever configured (``QueueService.configure``).
CONFIGURED_QUEUES = f"{PREFIX}:queues"


@functools.lru_cache(maxsize=4096)
def queue_keys(queue_id: str) -> QueueKeys:
    """The (cached) keys of a queue; raises ValidationError for an unusable id."""
    return QueueKeys(queue_id)


@dataclass(frozen=True)
class AgentKeys:
    """The keys of one agent.

    - ``presence``: hash, the agent's state machine (``presence``, ``agent_scripts``):
      ``s`` state, ``q`` member queues (comma list), ``i`` idle since, ``v`` version,
      ``cq``/``ce`` queue and entry of the current offer or call, ``d`` offer
      deadline, ``w`` wrap-up until, ``t`` away or missed since, ``mq``/``me``/``mr``
      the missed offer's queue, entry and reason
    """

    agent_id: str

    def __post_init__(self) -> None:
        check_id("agent_id", self.agent_id)

    @property
    def presence(self) -> str:
        return f"{PREFIX}:{{a:{self.agent_id}}}:agent"

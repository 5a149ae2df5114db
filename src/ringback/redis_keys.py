"""Every Redis key of ringback, built here and nowhere else.

One template: ``rb:{<tag>}:<name>``.  The hash tag groups the keys that one
Lua script or MULTI/EXEC touches into one Redis Cluster slot; no script
touches keys of two tags.  The families and their tags:

- ``QueueKeys``: one queue, ``{q:<queue_id>}``; ``DialResultKeys``: a callback
  attempt's notes, under its queue's tag
- ``AgentKeys``: one agent, ``{a:<agent_id>}``
- ``DeadlineKeys``: one kind of deadline, ``{dl:<kind>}``
- ``CallKeys``: one call, ``{c:<call sid>}``
- ``CallbackKeys``: ``{cbrec}`` and ``{callback-limits}``, across all queues
- ``SimKeys``: ``{sim}``; ``NumberKeys``: ``{numbers}``; ``LoginKeys``:
  ``{login:<address digest>}``; ``NoticeKeys``: ``{s:<session digest>}``;
  ``SchedulerKeys``: ``{sched}``; ``WorkerKeys``: ``{work}``

``CONFIGURED_QUEUES`` (``rb:queues``) predates the template and keeps its name:
renaming it would forget every configured queue on upgrade.  rq's own keys
(its queues, jobs and registries) are built by rq.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from enum import Enum

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


def _key(tag: str, name: str) -> str:
    """``rb:{<tag>}:<name>``: the one template of every key."""
    return f"{PREFIX}:{{{tag}}}:{name}"


def _plain(value: str) -> str:
    """A str enum's value (``DeadlineKind``, ``LimitKind``), or the str itself."""
    return str(value.value) if isinstance(value, Enum) else value


@dataclass(frozen=True)
class QueueKeys:
    """The keys of one queue (``queue.service``); ``for_script(name)`` gives a script's KEYS.

    - ``rec``: hash, the queue's small records: entries (by entry id), the indexes
      ``s:<call sid>`` and ``c:<callback number>``, settings and counters (``#...``);
      see ``queue.scripts``
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
        return _key(f"q:{self.queue_id}", name)

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
        """Every key of the queue but the per-entry ones."""
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


# set: the ids of every queue whose settings were ever configured (``QueueService.configure``);
# the one key older than the template, kept by name so an upgrade forgets no queue.
CONFIGURED_QUEUES = f"{PREFIX}:queues"


@functools.lru_cache(maxsize=4096)
def queue_keys(queue_id: str) -> QueueKeys:
    """The (cached) keys of a queue; raises ValidationError for an unusable id."""
    return QueueKeys(queue_id)


@dataclass(frozen=True)
class AgentKeys:
    """The keys of one agent.

    - ``presence``: hash, the agent's state machine (``queue.presence``, ``queue.agent_scripts``):
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
        return _key(f"a:{self.agent_id}", "agent")


class DialResultKeys:
    """The notes of one callback attempt (``<entry_id>@<ms>`` of queue ``queue_id``),
    under its queue's hash tag (``callbacks.dial_results``); a day's TTL:

    - ``result``: ``rb:{q:<queue_id>}:cbdial:<entry_id>@<ms>``, string, the
      DialCallStatus reported for the attempt
    - ``call``: ``rb:{q:<queue_id>}:cbcall:<entry_id>@<ms>``, hash, ``sid``: the
      first CallSid a status callback reported for the attempt; ``limited``: how
      many creations Twilio refused with 20429
    """

    @staticmethod
    def result(queue_id: str, attempt: str) -> str:
        return _key(f"q:{queue_id}", f"cbdial:{attempt}")

    @staticmethod
    def call(queue_id: str, attempt: str) -> str:
        return _key(f"q:{queue_id}", f"cbcall:{attempt}")


@dataclass(frozen=True)
class DeadlineKeys:
    """The keys of one kind of deadline (``scheduler.deadlines``), under ``{dl:<kind>}``.

    - ``due``: zset, ref -> due time; scheduled and not claimed yet
    - ``leases``: zset, ref -> lease expiry; claimed by a sweeper, not acked yet
    - ``leased_due``: hash, ref -> due time of the claim its lease belongs to
    - ``done``: zset, "<due>|<ref>" -> when a batch job dealt with it
      (``scheduler.batches``)
    """

    kind: str  # a DeadlineKind

    def _key(self, name: str) -> str:
        return _key(f"dl:{_plain(self.kind)}", name)

    @property
    def due(self) -> str:
        return self._key("due")

    @property
    def leases(self) -> str:
        return self._key("leases")

    @property
    def leased_due(self) -> str:
        return self._key("leased_due")

    @property
    def done(self) -> str:
        return self._key("done")

    @staticmethod
    def done_member(ref: str, due_at: float) -> str:
        return f"{float(due_at)!r}|{ref}"

    def all(self) -> list[str]:
        """The KEYS layout of CLAIM_DUE."""
        return [self.due, self.leases, self.leased_due]


@dataclass(frozen=True)
class CallKeys:
    """The key of one call's record (``calls.index``), under the call's tag ``{c:<sid>}``.

    - ``record``: hash, ``q`` queue id, ``e`` entry id, ``a`` last announcement
      (epoch seconds), ``x`` outcome (``QueueExit``), ``w`` when the max wait
      runs out (epoch seconds)
    """

    call_sid: str

    @property
    def record(self) -> str:
        return _key(f"c:{self.call_sid}", "call")


class CallbackKeys:
    """The keys of callbacks across queues (``callbacks.enqueue``, ``callbacks.limits``).

    - ``unrecorded``: ``rb:{cbrec}:unrecorded``, set of the refs of callbacks
      whose SQL row a job has yet to write
    - ``limit_log(kind, subject)``: ``rb:{callback-limits}:<kind>:<subject>``,
      zset of the callback refs requested within the last hour (score: when), per
      caller, destination number or destination prefix; every log shares one tag
      so one script counts a request in all of them; it expires an hour after
      its last request
    """

    unrecorded = _key("cbrec", "unrecorded")

    @staticmethod
    def limit_log(kind: str, subject: str) -> str:
        return _key("callback-limits", f"{_plain(kind)}:{subject}")


class SimKeys:
    """Every key of the simulator (``telephony.simulated``).  It spans all queues,
    so its keys carry their own tag ``{sim}``, which keeps its script and
    MULTI/EXEC on one Cluster slot:

    - ``calls``: list, call sids in the order placed
    - ``call(sid)``: hash, the call's fields
    - ``attempt(key)``: string, idempotency key -> call sid
    - ``events``: list of JSON, every operation, oldest first
    """

    calls = _key("sim", "calls")
    events = _key("sim", "events")

    @staticmethod
    def call(sid: str) -> str:
        return _key("sim", f"call:{sid}")

    @staticmethod
    def attempt(idempotency_key: str) -> str:
        return _key("sim", f"attempt:{idempotency_key}")


class NumberKeys:
    """The keys of the number directory (``numbers.directory``).

    - ``version``: string, a counter bumped after every change of any number
    """

    version = _key("numbers", "version")


class LoginKeys:
    """The log-in throttle's keys (``console.throttle``), per client address (digests,
    so no address sits in Redis), both under the address's tag so one script reads
    and counts both; hashes of failures, last, until:

    - ``address(digest)``: ``rb:{login:<address digest>}:address``
    - ``account(digest, account)``: ``rb:{login:<address digest>}:account:<e-mail digest>``
    """

    @staticmethod
    def address(address_digest: str) -> str:
        return _key(f"login:{address_digest}", "address")

    @staticmethod
    def account(address_digest: str, account_digest: str) -> str:
        return _key(f"login:{address_digest}", f"account:{account_digest}")


class NoticeKeys:
    """One-shot console notices (``console.notices``).

    - ``notices(digest)``: ``rb:{s:<session digest>}:notices``, list with a short TTL
    """

    @staticmethod
    def notices(session_digest: str) -> str:
        return _key(f"s:{session_digest}", "notices")


class SchedulerKeys:
    """The scheduler processes' keys (``scheduler.heartbeat``, ``scheduler.abandoned``).

    - ``schedulers``: zset, scheduler id -> time of its last beat
    - ``intermediate(queue)``: hash, job id -> when the reaper first saw it stranded
      in the rq queue's intermediate list
    """

    schedulers = _key("sched", "schedulers")

    @staticmethod
    def intermediate(queue_name: str) -> str:
        return _key("sched", f"intermediate:{queue_name}")


class WorkerKeys:
    """The worker processes' keys (``worker.WorkerBeats``).

    - ``workers``: zset, rq worker name -> time of its last beat
    """

    workers = _key("work", "workers")

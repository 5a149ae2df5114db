"""Abandoned rq jobs: jobs whose worker died mid-way (SIGKILL, OOM, a lost host).

Where rq 3.0 leaves them.  A worker takes a job with BLMOVE from the queue
into the queue's intermediate list, files an execution in the queue's
StartedJobRegistry, and only then marks the job STARTED (which also takes it
off the intermediate list).  A worker killed in between strands the job:

- in the started registry, STARTED: rq's failure path (retry, or the
  FailedJobRegistry as an AbandonedJobError) is the hand-back, as when the
  worker dies while the job runs;
- in the started registry but still QUEUED, or only in the intermediate
  list: rq's own clean-up drops the registry entry without re-queuing the
  job, and reaps the intermediate list only in a worker's maintenance, every
  10 minutes, after seeing a job there twice.  Such a job never ran, so it
  goes back to the front of its queue as it was.

When a worker is dead.  Each ringback worker beats every 2 s
(``ringback.worker.WorkerBeats``); an execution whose worker has been
silent for 10 s, or whose rq heartbeat ran out (a worker that never beat),
is abandoned.  A job in the intermediate list with no execution has no
known worker: it is stranded once it has been seen there for
``INTERMEDIATE_GRACE_SECONDS`` (a live worker moves it on in milliseconds).

The scheduler reaps every 15 s under rq's maintenance lock (so a worker's
own clean-up is not doubled), taken for 30 s rather than rq's 15 minutes
(``ringback.worker.MaintenanceLock``, which ringback's workers use too) so a
process killed while cleaning does not stall the next clean-up.  Each
hand-back is checked where the job should now be (the queue, the scheduled
or the failed registry) before it is logged; one that is not there is
logged as an error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from ringback.clock import Clock
from ringback.redis_keys import SchedulerKeys
from ringback.worker import WORK_QUEUES, MaintenanceLock, WorkerBeats

log = logging.getLogger(__name__)

INTERMEDIATE_GRACE_SECONDS = 10.0

HAND_BACK_SCRIPT = """
-- KEYS[1] the queue's list          KEYS[2] its intermediate list
-- KEYS[3] its started registry      KEYS[4] the job's hash
-- KEYS[5] rq's first-seen mark of the job in the intermediate list
-- ARGV[1] job id    ARGV[2] started-registry member, or '' for none
-- ARGV[3] the status of a queued job
-- Puts a job a dead worker took but never started back at the front of its
-- queue, once: only the caller that takes it off where it was stranded does.
-- Returns 1 queued again, 2 was already queued, 0 not stranded (any more),
-- -1 the job no longer exists.
local removed = redis.call('LREM', KEYS[2], 0, ARGV[1])
if ARGV[2] ~= '' then
  removed = removed + redis.call('ZREM', KEYS[3], ARGV[2])
end
redis.call('DEL', KEYS[5])
if removed == 0 then return 0 end
if redis.call('EXISTS', KEYS[4]) == 0 then return -1 end
if redis.call('LPOS', KEYS[1], ARGV[1]) then return 2 end
redis.call('HSET', KEYS[4], 'status', ARGV[3])
redis.call('LPUSH', KEYS[1], ARGV[1])
return 1
"""

class Outcome(str, Enum):
    """Where a handed-back job was found afterwards."""

    QUEUED = "queued again"
    SCHEDULED = "scheduled for a retry"
    FAILED = "failed (no retries left)"
    GONE = "gone (the job was deleted)"
    NOT_HANDED_BACK = "NOT handed back"


@dataclass(frozen=True)
class HandBack:
    job_id: str
    queue: str
    worker: str  # '' when unknown (a job stranded in the intermediate list)
    outcome: Outcome


@dataclass(frozen=True)
class _Execution:
    member: str  # "<job id>:<execution id>", as rq files it
    job_id: str
    worker: str


class AbandonedJobs:
    """Hands jobs of dead workers back to their queue or to rq's failure path.

    Keys (besides rq's own, which rq's objects build): ``SchedulerKeys.intermediate``
    (``redis_keys``), per rq queue a hash of job id -> when the reaper first saw
    it in the queue's intermediate list with no execution.
    """

    def __init__(
        self,
        redis_client: redis.Redis,
        clock: Clock,
        queue_names: Sequence[str] = WORK_QUEUES,
        *,
        intermediate_grace: float = INTERMEDIATE_GRACE_SECONDS,
    ) -> None:
        self._redis = redis_client
        self._clock = clock
        self._queues = [Queue(name, connection=redis_client) for name in queue_names]
        self._beats = WorkerBeats(redis_client, clock)
        self._grace = intermediate_grace
        self._hand_back = redis_client.register_script(HAND_BACK_SCRIPT)

    def abandoned(self) -> list[str]:
        """Ids of started jobs whose worker is dead, as of now."""
        return [e.job_id for queue in self._queues for e in self._dead_executions(queue)]

    def reap(self) -> int:
        """Hand back every abandoned job; returns how many were handed back."""
        return len(self.hand_back())

    def hand_back(self) -> list[HandBack]:
        done: list[HandBack] = []
        for queue in self._queues:
            with MaintenanceLock(self._redis, queue).held() as held:
                if held:
                    done.extend(self._hand_back_started(queue))
                    done.extend(self._hand_back_intermediate(queue))
        self._beats.forget_long_silent()
        for h in done:
            if h.outcome is Outcome.NOT_HANDED_BACK:
                log.error("abandoned job %s of worker %s on %s was NOT handed back: it is in "
                          "neither its queue nor a registry", h.job_id, h.worker or "?", h.queue)
            else:
                log.warning("abandoned job %s of worker %s on %s: %s", h.job_id,
                            h.worker or "? (stranded after taking it)", h.queue, h.outcome.value)
        return done

    def _dead_executions(self, queue: Queue) -> list[_Execution]:
        registry = StartedJobRegistry(queue=queue)
        entries = self._redis.zrange(registry.key, 0, -1, withscores=True)
        if not entries:
            return []
        now = self._clock.now()
        found = []
        for raw, _score in entries:
            member = raw.decode()
            job_id, _, execution_id = member.rpartition(":")
            try:
                worker = Execution.fetch(execution_id, job_id, self._redis).worker_name
            except ValueError:  # its record expired with its heartbeat
                worker = ""
            found.append((_Execution(member, job_id, worker), _score))
        silent = self._beats.silent(sorted({e.worker for e, _ in found if e.worker}))
        return [e for e, score in found if score <= now or e.worker in silent]

    def _hand_back_started(self, queue: Queue) -> list[HandBack]:
        registry = StartedJobRegistry(queue=queue)
        done: list[HandBack] = []
        to_fail: list[tuple[_Execution, Job]] = []
        for execution in self._dead_executions(queue):
            try:
                job = Job.fetch(execution.job_id, connection=self._redis)
            except NoSuchJobError:
                self._redis.zrem(registry.key, execution.member)
                done.append(HandBack(execution.job_id, queue.name, execution.worker,
                                     Outcome.GONE))
                continue
            status = job.get_status(refresh=False)
            if status == JobStatus.STARTED:
                to_fail.append((execution, job))
            elif status == JobStatus.QUEUED:  # taken, never started
                done.append(self._requeue(queue, job.id, execution))
            else:  # finished or failed already: a leftover entry, nothing to hand back
                self._redis.zrem(registry.key, execution.member)
        if to_fail:
            # rq's failure path, for exactly these executions: cleanup() takes
            # those scored up to its cut-off, and theirs is now 0.
            self._redis.zadd(registry.key, {e.member: 0 for e, _ in to_fail}, xx=True)
            registry.cleanup(timestamp=0)
            done.extend(HandBack(job.id, queue.name, e.worker, self._where(queue, job.id))
                        for e, job in to_fail)
        return done

    def _hand_back_intermediate(self, queue: Queue) -> list[HandBack]:
        seen_key = SchedulerKeys.intermediate(queue.name)
        stranded = set(queue.intermediate_queue.get_job_ids())
        if stranded:
            started = {m.decode().rpartition(":")[0] for m in
                       self._redis.zrange(StartedJobRegistry(queue=queue).key, 0, -1)}
            stranded -= started
        seen = {k.decode(): float(v) for k, v in self._redis.hgetall(seen_key).items()}
        gone = [job_id for job_id in seen if job_id not in stranded]
        if gone:
            self._redis.hdel(seen_key, *gone)
        now = self._clock.now()
        new = {job_id: now for job_id in stranded if job_id not in seen}
        if new:
            self._redis.hset(seen_key, mapping=new)
        due = sorted(j for j in stranded if j in seen and seen[j] <= now - self._grace)
        done = []
        for job_id in due:
            self._redis.hdel(seen_key, job_id)
            done.append(self._requeue(queue, job_id, None))
        return done

    def _requeue(self, queue: Queue, job_id: str, execution: _Execution | None) -> HandBack:
        result = self._hand_back(
            keys=[queue.key, queue.intermediate_queue_key, StartedJobRegistry(queue=queue).key,
                  Job.key_for(job_id), queue.intermediate_queue.get_first_seen_key(job_id)],
            args=[job_id, execution.member if execution else "", JobStatus.QUEUED.value],
        )
        worker = execution.worker if execution else ""
        if result == -1:
            return HandBack(job_id, queue.name, worker, Outcome.GONE)
        if execution is not None and result in (1, 2):
            self._forget(execution)
        return HandBack(job_id, queue.name, worker, self._where(queue, job_id))

    def _forget(self, execution: _Execution) -> None:
        """Delete the record of an execution that never ran its job."""
        try:
            record = Execution.fetch(execution.member.rpartition(":")[2], execution.job_id,
                                     self._redis)
            job = Job.fetch(execution.job_id, connection=self._redis)
        except (ValueError, NoSuchJobError):
            return
        with self._redis.pipeline() as pipe:
            record.delete(job=job, pipeline=pipe)
            pipe.execute()

    def _where(self, queue: Queue, job_id: str) -> Outcome:
        """Where the job is now, looked up rather than assumed."""
        try:
            status = Job.fetch(job_id, connection=self._redis).get_status()
        except NoSuchJobError:
            return Outcome.GONE
        waiting = self._redis.lpos(queue.key, job_id) is not None or \
            self._redis.lpos(queue.intermediate_queue_key, job_id) is not None
        if status == JobStatus.QUEUED and waiting:
            return Outcome.QUEUED
        if status == JobStatus.STARTED and any(
                m.decode().rpartition(":")[0] == job_id
                for m in self._redis.zrange(StartedJobRegistry(queue=queue).key, 0, -1)):
            return Outcome.QUEUED  # queued again and already taken by a live worker
        if status == JobStatus.FINISHED:
            return Outcome.QUEUED  # queued again and already run
        if status == JobStatus.SCHEDULED and job_id in ScheduledJobRegistry(queue=queue):
            return Outcome.SCHEDULED
        if status == JobStatus.FAILED and job_id in FailedJobRegistry(queue=queue):
            return Outcome.FAILED
        return Outcome.NOT_HANDED_BACK

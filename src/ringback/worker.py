"""The rq worker of ringback and the services its jobs run with.

Jobs are plain functions enqueued on ``WORK_QUEUES``; they reach the
process's collaborators through ``job_services()``, which the worker binds
before each job.  The binding is the worker process's one wiring point.
"""

from __future__ import annotations

import os

from rq import Queue, SimpleWorker, Worker
from rq.executions import Execution
from rq.job import Job

from ringback.jobs import WORK_QUEUES
from ringback.services import Services

__all__ = ["WORK_QUEUES", "job_services", "make_worker", "queues"]


_bound: Services | None = None
_bound_pid: int | None = None


class JobContextMissing(RuntimeError):
    """A job ran outside a ringback worker."""


def job_services() -> Services:
    if _bound is None:
        raise JobContextMissing("ringback jobs run inside `ringback worker`")
    if _bound_pid != os.getpid():
        # A forked work horse must not share the parent's database connections.
        _bound.db.engine.dispose(close=False)
        _bind(_bound)
    return _bound


def _bind(services: Services) -> None:
    global _bound, _bound_pid
    _bound, _bound_pid = services, os.getpid()


class _BindsServices:
    services: Services

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        _bind(self.services)
        return super().perform_job(job, queue, execution)  # type: ignore[misc]


class RingbackWorker(_BindsServices, Worker):
    """Forks a work horse per job, as rq does by default (``ringback worker --fork``)."""


class RingbackSimpleWorker(_BindsServices, SimpleWorker):
    """Runs jobs in its own process: the default of ``ringback worker``.

    ringback's jobs are short and I/O-bound; forking a horse for each costs
    about 30 ms, more than most jobs take.  A worker killed mid-job leaves the
    job in rq's started registry, where the scheduler's reaper finds it.
    """


def queues(services: Services) -> list[Queue]:
    return [Queue(name, connection=services.redis) for name in WORK_QUEUES]


def make_worker(services: Services, *, simple: bool = False, name: str | None = None) -> Worker:
    cls = RingbackSimpleWorker if simple else RingbackWorker
    worker = cls(queues(services), connection=services.redis, name=name)
    worker.services = services
    return worker  # type: ignore[return-value]


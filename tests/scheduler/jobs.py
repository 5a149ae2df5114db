"""Job functions for the scheduler tests, importable by a real rq worker.

They record what they did in Redis (through the worker's services, as
ringback jobs do) so a test can see which deadlines ran, how often, and in
which process.
"""

from __future__ import annotations

import os

from ringback.worker import job_services

RAN = "test:jobs:ran"
STARTED = "test:jobs:started"
ATTEMPTS = "test:jobs:attempts"
RELEASE = "test:jobs:release"


def record(ref: str, due_at: float) -> str:
    """Note that the deadline ran: "ref|due_at|pid"."""
    entry = f"{ref}|{due_at!r}|{os.getpid()}"
    job_services().redis.rpush(RAN, entry)
    return entry


def hang_on_first_attempt(ref: str, due_at: float) -> str:
    """Block on the first attempt (until killed); later attempts finish at once."""
    r = job_services().redis
    attempt = r.hincrby(ATTEMPTS, ref, 1)
    r.rpush(STARTED, f"{ref}|{attempt}|{os.getpid()}")
    if attempt == 1:
        r.blpop([RELEASE], timeout=60)
    return record(ref, due_at)


def fail(ref: str, due_at: float) -> None:
    job_services().redis.hincrby(ATTEMPTS, ref, 1)
    raise RuntimeError(f"deadline {ref} failed on purpose")


def fail_on_bad(ref: str, due_at: float) -> str:
    """Records every ref but those starting with "bad", which raise."""
    if ref.startswith("bad"):
        fail(ref, due_at)
    return record(ref, due_at)


def hang_on_refs_named_hang(ref: str, due_at: float) -> str:
    """Refs starting with "hang" block on their first attempt; the others just record."""
    if ref.startswith("hang"):
        return hang_on_first_attempt(ref, due_at)
    return record(ref, due_at)

"""The sweeper hands due deadlines to rq, and a real rq worker runs them."""

from __future__ import annotations

import threading

import pytest
import redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry

from ringback.scheduler.batches import BATCH_SIZE, batch_id
from ringback.scheduler.deadlines import Claim, DeadlineKind, Deadlines
from ringback.scheduler.sweeper import Sweeper, job_id
from ringback.worker import WORK_QUEUES, make_worker
from tests.scheduler import jobs

EXPIRY = DeadlineKind.CALLBACK_EXPIRY
OFFER = DeadlineKind.OFFER_TIMEOUT
RECORD = {EXPIRY: "tests.scheduler.jobs.record"}


@pytest.fixture
def deadlines(services) -> Deadlines:
    return Deadlines(services.redis, services.clock, lease_seconds=30)


def sweeper_for(services, deadlines, handlers=None, **options) -> Sweeper:
    return Sweeper(services.redis, services.clock, deadlines, handlers or RECORD, **options)


def run_worker(services) -> None:
    make_worker(services, simple=True).work(burst=True)


def ran(services) -> list[str]:
    return [e.decode().rsplit("|", 1)[0] for e in services.redis.lrange(jobs.RAN, 0, -1)]


def queued(services) -> int:
    return Queue(WORK_QUEUES[0], connection=services.redis).count


def test_a_sweep_enqueues_due_deadlines_that_a_worker_runs(services, deadlines, clock):
    now = clock.now()
    deadlines.schedule(EXPIRY, "q1:1", now - 5)
    deadlines.schedule(EXPIRY, "q1:2", now)
    deadlines.schedule(EXPIRY, "q1:3", now + 60)
    assert sweeper_for(services, deadlines).sweep_once() == 2
    assert queued(services) == 1  # one batch job for both
    assert deadlines.count(EXPIRY) == 1

    run_worker(services)
    assert sorted(ran(services)) == [f"q1:1|{now - 5!r}", f"q1:2|{now!r}"]
    job = Job.fetch(batch_id(EXPIRY, [("q1:1", now - 5), ("q1:2", now)]),
                    connection=services.redis)
    assert job.get_status() == JobStatus.FINISHED
    assert job.func_name == "ringback.scheduler.batches.run_batch"
    assert job.return_value() == {"ran": 2, "skipped": 0, "failed": 0, "given_back": 0}


def test_nothing_is_enqueued_before_it_is_due(services, deadlines, clock):
    deadlines.schedule(EXPIRY, "q1:1", clock.now() + 1)
    assert sweeper_for(services, deadlines).sweep_once() == 0
    assert queued(services) == 0


def test_a_kind_without_a_handler_waits_untouched(services, deadlines, clock):
    deadlines.schedule(OFFER, "agent-7", clock.now())
    assert sweeper_for(services, deadlines).sweep() == 0
    assert deadlines.due_at(OFFER, "agent-7") == clock.now()
    assert queued(services) == 0


def test_job_ids_name_the_kind_the_ref_and_the_due_time():
    claim = Claim(EXPIRY, "q1:7", 1_800_000_000.25)
    assert job_id(claim) == job_id(Claim(EXPIRY, "q1:7", 1_800_000_000.25))
    assert job_id(claim).startswith("deadline-callback_expiry-q1_7-")
    assert job_id(claim).endswith("-1800000000250")
    assert job_id(Claim(EXPIRY, "q1_7", 1_800_000_000.25)) != job_id(claim)
    assert job_id(Claim(EXPIRY, "q1:7", 1_800_000_001.0)) != job_id(claim)


def test_a_deadline_reclaimed_after_a_crash_runs_once(services, deadlines, clock):
    deadlines.schedule(EXPIRY, "q1:7", clock.now())
    crashed = sweeper_for(services, deadlines)
    [claim] = deadlines.claim_due(EXPIRY)
    assert crashed.enqueue(claim) is True
    # ...and the sweeper dies before its ack; its lease runs out.
    clock.advance(deadlines.lease_seconds + 1)
    assert sweeper_for(services, deadlines).sweep_once() == 1
    assert queued(services) == 1
    assert deadlines.count(EXPIRY) == 0
    run_worker(services)
    assert ran(services) == [f"q1:7|{claim.due_at!r}"]


def test_a_crash_before_the_enqueue_loses_nothing(services, deadlines, clock):
    deadlines.schedule(EXPIRY, "q1:7", clock.now())
    deadlines.claim_due(EXPIRY)  # claimed, then the sweeper dies
    assert sweeper_for(services, deadlines).sweep_once() == 0
    clock.advance(deadlines.lease_seconds)
    assert sweeper_for(services, deadlines).sweep_once() == 1
    run_worker(services)
    assert len(ran(services)) == 1


def test_the_same_deadline_again_while_rq_holds_its_job_is_not_run_twice(
    services, deadlines, clock
):
    sweeper = sweeper_for(services, deadlines)
    due = clock.now()
    deadlines.schedule(EXPIRY, "q1:7", due)
    assert sweeper.sweep_once() == 1
    deadlines.schedule(EXPIRY, "q1:7", due)  # the very same kind, ref and due time
    assert sweeper.sweep_once() == 1
    assert queued(services) == 1
    run_worker(services)
    assert len(ran(services)) == 1


def test_two_sweepers_hand_each_deadline_on_exactly_once(services, redis_url, clock):
    total = 600
    setup = Deadlines(services.redis, clock)
    with services.redis.pipeline() as pipe:
        for n in range(total):
            setup.schedule(EXPIRY, f"q:{n}", clock.now() - n % 7, pipeline=pipe)
        pipe.execute()
    counts: list[int] = []
    start = threading.Barrier(2)

    def sweep() -> None:
        client = redis.Redis.from_url(redis_url)
        own = Sweeper(client, clock, Deadlines(client, clock), RECORD)
        start.wait(timeout=10)
        counts.append(sum(own.sweep_once(limit=20) for _ in range(40)))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(counts) == total
    run_worker(services)
    done = ran(services)
    assert len(done) == total
    assert {d.split("|")[0] for d in done} == {f"q:{n}" for n in range(total)}


def test_sweep_works_off_a_backlog_in_one_call(services, deadlines, clock):
    with services.redis.pipeline() as pipe:
        for n in range(2500):
            deadlines.schedule(EXPIRY, f"q:{n}", clock.now(), pipeline=pipe)
        pipe.execute()
    assert sweeper_for(services, deadlines).sweep(limit=1000) == 2500
    assert deadlines.count(EXPIRY) == 0
    # Batches of at most BATCH_SIZE per claim round of 1000: 5 + 5 + 3.
    assert queued(services) == 2 * -(-1000 // BATCH_SIZE) + -(-500 // BATCH_SIZE)


def test_a_failing_handler_is_retried_then_kept_in_the_failed_registry(
    services, deadlines, clock
):
    deadlines.schedule(EXPIRY, "q1:7", clock.now())
    sweeper = sweeper_for(services, deadlines, {EXPIRY: "tests.scheduler.jobs.fail"}, retries=2)
    assert sweeper.sweep_once() == 1
    run_worker(services)
    # The first try in its batch, then two as a job of its own.
    assert services.redis.hget(jobs.ATTEMPTS, "q1:7") == b"3"
    failed = FailedJobRegistry(WORK_QUEUES[0], connection=services.redis)
    assert failed.get_job_ids() == [job_id(Claim(EXPIRY, "q1:7", clock.now()))]


def test_a_handler_must_be_a_dotted_path(services, deadlines):
    with pytest.raises(ValueError, match="dotted path"):
        sweeper_for(services, deadlines, {EXPIRY: "record"})


def test_a_batch_whose_one_item_raises_runs_every_other_item_exactly_once(
    services, deadlines, clock
):
    handlers = {EXPIRY: "tests.scheduler.jobs.fail_on_bad"}
    due = clock.now()
    refs = [f"q:{n}" for n in range(5)] + ["bad:1"] + [f"q:{n}" for n in range(5, 10)]
    for ref in refs:
        deadlines.schedule(EXPIRY, ref, due)
    assert sweeper_for(services, deadlines, handlers, retries=2).sweep_once() == 11
    assert queued(services) == 1
    run_worker(services)
    done = ran(services)
    assert sorted(done) == sorted(f"q:{n}|{due!r}" for n in range(10))
    # The bad item alone was tried again (1 + 2 tries), the batch was not.
    assert services.redis.hget(jobs.ATTEMPTS, "bad:1") == b"3"
    failed = FailedJobRegistry(WORK_QUEUES[0], connection=services.redis)
    assert failed.get_job_ids() == [job_id(Claim(EXPIRY, "bad:1", due))]
    batch = Job.fetch(batch_id(EXPIRY, [(r, due) for r in sorted(refs)]),  # claimed in order
                      connection=services.redis)
    assert batch.get_status() == JobStatus.FINISHED
    assert batch.return_value() == {"ran": 10, "skipped": 0, "failed": 1, "given_back": 0}


def test_a_batch_run_again_skips_the_items_that_already_ran(services, deadlines, clock):
    due = clock.now()
    for n in range(3):
        deadlines.schedule(EXPIRY, f"q:{n}", due)
    sweeper_for(services, deadlines).sweep_once()
    run_worker(services)
    batch = Job.fetch(batch_id(EXPIRY, [(f"q:{n}", due) for n in range(3)]),
                      connection=services.redis)
    # Back in the queue, as rq's retry puts it when the worker running it died.
    Queue(WORK_QUEUES[0], connection=services.redis).enqueue_job(batch)
    run_worker(services)
    assert len(ran(services)) == 3
    assert batch.return_value() == {"ran": 0, "skipped": 3, "failed": 0, "given_back": 0}


def test_a_deadline_reclaimed_from_a_batch_that_ran_is_not_run_again(
    services, deadlines, clock
):
    due = clock.now()
    deadlines.schedule(EXPIRY, "q:1", due)
    deadlines.schedule(EXPIRY, "q:2", due)
    crashed = sweeper_for(services, deadlines)
    claims = deadlines.claim_due(EXPIRY)
    crashed.hand_on(claims)  # ...and it dies before its ack
    run_worker(services)
    clock.advance(deadlines.lease_seconds + 1)
    assert sweeper_for(services, deadlines).sweep_once() == 2  # reclaimed, one job each
    run_worker(services)
    assert sorted(ran(services)) == [f"q:1|{due!r}", f"q:2|{due!r}"]


def test_a_deadline_scheduled_anew_at_the_same_time_after_it_ran_runs_again(
    services, deadlines, clock
):
    sweeper = sweeper_for(services, deadlines, batch_size=1)
    due = clock.now()
    deadlines.schedule(EXPIRY, "q:1", due)
    deadlines.schedule(EXPIRY, "q:2", due)
    sweeper.sweep_once()
    run_worker(services)
    deadlines.schedule(EXPIRY, "q:1", due)  # e.g. an agent offered again, clock unchanged
    Queue(WORK_QUEUES[0], connection=services.redis).enqueue_job(  # q:2's batch again
        Job.fetch(batch_id(EXPIRY, [("q:2", due)]), connection=services.redis))
    sweeper.sweep_once()
    run_worker(services)
    assert sorted(ran(services)) == [f"q:1|{due!r}"] * 2 + [f"q:2|{due!r}"]

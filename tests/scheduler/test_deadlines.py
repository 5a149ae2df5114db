"""Deadlines in a real Redis, driven by a ManualClock: no sleeping."""

from __future__ import annotations

import threading

import pytest
import redis

from ringback.clock import ManualClock
from ringback.embedded_redis import EmbeddedRedis
from ringback.errors import ValidationError
from ringback.redis_keys import DeadlineKeys
from ringback.scheduler.deadlines import Claim, DeadlineKind, Deadlines

EXPIRY = DeadlineKind.CALLBACK_EXPIRY
OFFER = DeadlineKind.OFFER_TIMEOUT


@pytest.fixture
def deadlines(redis_client, clock) -> Deadlines:
    return Deadlines(redis_client, clock, lease_seconds=30)


def refs(claims: list[Claim]) -> list[str]:
    return [c.ref for c in claims]


def test_a_deadline_is_not_claimed_before_it_is_due(deadlines, clock):
    deadlines.schedule(EXPIRY, "q1:7", clock.now() + 3600)
    assert deadlines.claim_due(EXPIRY) == []
    clock.advance(3599.9)
    assert deadlines.claim_due(EXPIRY) == []
    clock.advance(0.1)
    assert deadlines.claim_due(EXPIRY) == [Claim(EXPIRY, "q1:7", clock.now())]


def test_only_what_is_due_is_claimed_oldest_first(deadlines, clock):
    now = clock.now()
    deadlines.schedule(EXPIRY, "late", now + 1)
    deadlines.schedule(EXPIRY, "on-time", now)
    deadlines.schedule(EXPIRY, "overdue", now - 10)
    assert refs(deadlines.claim_due(EXPIRY)) == ["overdue", "on-time"]
    assert deadlines.claim_due(EXPIRY) == []
    clock.advance(1)
    assert refs(deadlines.claim_due(EXPIRY)) == ["late"]


def test_rescheduling_moves_the_deadline(deadlines, clock):
    now = clock.now()
    deadlines.schedule(EXPIRY, "q1:7", now + 10)
    deadlines.schedule(EXPIRY, "q1:7", now + 60)
    assert deadlines.due_at(EXPIRY, "q1:7") == now + 60
    clock.advance(10)
    assert deadlines.claim_due(EXPIRY) == []
    clock.advance(50)
    assert deadlines.claim_due(EXPIRY) == [Claim(EXPIRY, "q1:7", now + 60)]


def test_a_cancelled_deadline_is_never_claimed(deadlines, clock):
    deadlines.schedule(EXPIRY, "q1:7", clock.now() + 5)
    deadlines.cancel(EXPIRY, "q1:7")
    deadlines.cancel(EXPIRY, "never-scheduled")
    clock.advance(3600)
    assert deadlines.claim_due(EXPIRY) == []
    assert deadlines.due_at(EXPIRY, "q1:7") is None


def test_kinds_are_kept_apart(deadlines, clock):
    deadlines.schedule(EXPIRY, "7", clock.now())
    deadlines.schedule(OFFER, "7", clock.now() + 15)
    assert refs(deadlines.claim_due(OFFER)) == []
    assert refs(deadlines.claim_due(EXPIRY)) == ["7"]
    assert deadlines.due_at(OFFER, "7") == clock.now() + 15


def test_the_limit_caps_a_claim_and_the_rest_waits(deadlines, clock):
    for n in range(10):
        deadlines.schedule(EXPIRY, f"e{n}", clock.now() - 10 + n)
    assert refs(deadlines.claim_due(EXPIRY, limit=4)) == ["e0", "e1", "e2", "e3"]
    assert refs(deadlines.claim_due(EXPIRY, limit=4)) == ["e4", "e5", "e6", "e7"]
    assert refs(deadlines.claim_due(EXPIRY, limit=4)) == ["e8", "e9"]


def test_fractional_due_times_come_back_exactly(deadlines, clock):
    due = clock.now() + 0.123456789
    deadlines.schedule(EXPIRY, "q:1", due)
    clock.advance(1)
    [claim] = deadlines.claim_due(EXPIRY)
    assert claim.due_at == due


def test_two_schedulers_claim_disjoint_sets_that_cover_everything(redis_url, redis_client, clock):
    total = 3000
    setup = Deadlines(redis_client, clock)
    with redis_client.pipeline() as pipe:
        for n in range(total):
            setup.schedule(EXPIRY, f"q:{n}", clock.now() - n % 50, pipeline=pipe)
        pipe.execute()
    claimed: dict[str, list[str]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def sweep(name: str) -> None:
        own = Deadlines(redis.Redis.from_url(redis_url), clock)
        start.wait(timeout=10)
        while batch := own.claim_due(EXPIRY, limit=25):
            claimed[name].extend(refs(batch))

    threads = [threading.Thread(target=sweep, args=(n,)) for n in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    a, b = set(claimed["a"]), set(claimed["b"])
    assert len(claimed["a"]) + len(claimed["b"]) == total
    assert a.isdisjoint(b)
    assert a | b == {f"q:{n}" for n in range(total)}
    assert a and b, "both schedulers should have taken part"


def test_a_lease_that_runs_out_is_reclaimed_with_its_due_time(redis_client, clock):
    first = Deadlines(redis_client, clock, lease_seconds=30)
    second = Deadlines(redis_client, clock, lease_seconds=30)
    due = clock.now() - 1
    first.schedule(EXPIRY, "q1:7", due)
    [claim] = first.claim_due(EXPIRY)
    assert claim == Claim(EXPIRY, "q1:7", due)
    assert not claim.reclaimed
    # The first scheduler dies here without acking.
    clock.advance(29)
    assert second.claim_due(EXPIRY) == []
    assert second.due_at(EXPIRY, "q1:7") == due
    clock.advance(1)
    [again] = second.claim_due(EXPIRY)
    assert again == Claim(EXPIRY, "q1:7", due)
    assert again.reclaimed
    assert second.claim_due(EXPIRY) == []


def test_an_acked_claim_is_gone_for_good(deadlines, clock):
    deadlines.schedule(EXPIRY, "q1:7", clock.now())
    [claim] = deadlines.claim_due(EXPIRY)
    deadlines.ack(claim)
    clock.advance(3600)
    assert deadlines.claim_due(EXPIRY) == []
    assert deadlines.due_at(EXPIRY, "q1:7") is None
    assert deadlines.count(EXPIRY) == 0


def test_ack_keeps_a_deadline_rescheduled_after_its_claim(deadlines, clock):
    deadlines.schedule(EXPIRY, "q1:7", clock.now())
    [claim] = deadlines.claim_due(EXPIRY)
    deadlines.schedule(EXPIRY, "q1:7", clock.now() + 60)
    deadlines.ack(claim)
    assert deadlines.due_at(EXPIRY, "q1:7") == clock.now() + 60
    clock.advance(60)
    assert refs(deadlines.claim_due(EXPIRY)) == ["q1:7"]


def test_a_late_ack_does_not_end_the_lease_of_a_newer_claim(redis_client, clock):
    deadlines = Deadlines(redis_client, clock, lease_seconds=30)
    deadlines.schedule(EXPIRY, "q1:7", clock.now())
    [old] = deadlines.claim_due(EXPIRY)
    clock.advance(5)
    deadlines.schedule(EXPIRY, "q1:7", clock.now())
    [new] = deadlines.claim_due(EXPIRY)
    deadlines.ack(old)
    # The newer claimer dies: its lease must still bring the deadline back.
    clock.advance(31)
    assert deadlines.claim_due(EXPIRY) == [new]


def test_a_rescheduled_claim_is_not_reclaimed_at_its_old_time(deadlines, clock):
    deadlines.schedule(EXPIRY, "q1:7", clock.now())
    deadlines.claim_due(EXPIRY)
    deadlines.schedule(EXPIRY, "q1:7", clock.now() + 600)
    clock.advance(31)
    assert deadlines.claim_due(EXPIRY) == []


def test_cancelling_a_claimed_deadline_stops_its_reclaim(deadlines, clock):
    deadlines.schedule(EXPIRY, "q1:7", clock.now())
    deadlines.claim_due(EXPIRY)
    deadlines.cancel(EXPIRY, "q1:7")
    clock.advance(31)
    assert deadlines.claim_due(EXPIRY) == []


def test_writes_in_a_callers_pipeline_land_with_it(deadlines, redis_client, clock):
    with redis_client.pipeline() as pipe:
        deadlines.schedule(EXPIRY, "q1:7", clock.now(), pipeline=pipe)
        pipe.set("other-write", "1")
        assert deadlines.due_at(EXPIRY, "q1:7") is None
        pipe.execute()
    assert deadlines.due_at(EXPIRY, "q1:7") == clock.now()
    [claim] = deadlines.claim_due(EXPIRY)
    with redis_client.pipeline() as pipe:
        deadlines.ack(claim, pipeline=pipe)
        assert deadlines.count(EXPIRY) == 1
        pipe.execute()
    assert deadlines.count(EXPIRY) == 0
    deadlines.schedule(EXPIRY, "q1:8", clock.now())
    with redis_client.pipeline() as pipe:
        deadlines.cancel(EXPIRY, "q1:8", pipeline=pipe)
        pipe.execute()
    assert deadlines.due_at(EXPIRY, "q1:8") is None


def test_every_key_of_a_kind_shares_its_hash_tag(deadlines, redis_client, clock):
    deadlines.schedule(OFFER, "a", clock.now())
    deadlines.schedule(OFFER, "b", clock.now())
    deadlines.claim_due(OFFER, limit=1)
    keys = {k.decode() for k in redis_client.keys("*")}
    assert keys == set(DeadlineKeys(OFFER).all())
    assert all("{dl:offer_timeout}" in k for k in keys)


def test_bad_input_is_refused(deadlines, clock):
    with pytest.raises(ValidationError) as caught:
        deadlines.schedule(EXPIRY, "", clock.now())
    assert set(caught.value.errors) == {"ref"}
    with pytest.raises(ValidationError) as caught:
        deadlines.schedule(EXPIRY, "q:1", float("nan"))
    assert set(caught.value.errors) == {"due_at"}
    with pytest.raises(ValueError):
        deadlines.schedule("no_such_kind", "q:1", clock.now())  # type: ignore[arg-type]


def test_a_deadline_survives_a_redis_restart(tmp_path):
    server = EmbeddedRedis(tmp_path)
    server.start()
    clock = ManualClock()
    try:
        client = redis.Redis.from_url(server.url)
        deadlines = Deadlines(client, clock, lease_seconds=30)
        deadlines.schedule(EXPIRY, "q1:waiting", clock.now() + 3600)
        deadlines.schedule(OFFER, "q1:claimed", clock.now())
        assert refs(deadlines.claim_due(OFFER)) == ["q1:claimed"]
        client.close()
        server.stop()
        assert not server.is_running()

        server.start()
        client = redis.Redis.from_url(server.url)
        deadlines = Deadlines(client, clock, lease_seconds=30)
        clock.advance(3600)
        assert deadlines.claim_due(EXPIRY) == [
            Claim(EXPIRY, "q1:waiting", clock.now())
        ]
        # The claim taken before the restart was never acked: it comes back.
        assert refs(deadlines.claim_due(OFFER)) == ["q1:claimed"]
        client.close()
    finally:
        server.stop()

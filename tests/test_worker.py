"""The ringback worker's liveness beats and its short-lived maintenance lock."""

from rq import Queue

from ringback.redis_keys import WorkerKeys
from ringback.worker import (
    MAINTENANCE_LOCK_SECONDS,
    WORK_QUEUES,
    MaintenanceLock,
    WorkerBeats,
    make_worker,
)


def test_the_maintenance_lock_expires_soon_and_is_released_only_by_its_holder(redis_client):
    queue = Queue(WORK_QUEUES[0], connection=redis_client)
    lock = MaintenanceLock(redis_client, queue)
    with lock.held() as held:
        assert held
        assert 0 < redis_client.ttl(queue.registry_cleaning_key) <= MAINTENANCE_LOCK_SECONDS
        with MaintenanceLock(redis_client, queue).held() as second:
            assert not second  # one cleaner at a time, across processes
        # The lock ran out and another process took it: leaving must not free theirs.
        redis_client.set(queue.registry_cleaning_key, "theirs")
    assert redis_client.get(queue.registry_cleaning_key) == b"theirs"
    redis_client.delete(queue.registry_cleaning_key)
    with lock.held() as held:
        assert held
    assert not redis_client.exists(queue.registry_cleaning_key)


def test_a_worker_leaves_the_beats_when_it_stops_and_one_silent_for_10_s_is_dead(
    services, clock
):
    worker = make_worker(services, simple=True)
    worker.work(burst=True)  # takes rq's maintenance lock our way and leaves it free
    queue = Queue(WORK_QUEUES[0], connection=services.redis)
    assert not services.redis.exists(queue.registry_cleaning_key)
    assert services.redis.zscore(WorkerKeys.workers, worker.name) is None

    beats = WorkerBeats(services.redis, clock)
    beats.beat(worker.name)
    assert beats.silent([worker.name, "never-beat"]) == set()
    clock.advance(11)
    assert beats.silent([worker.name, "never-beat"]) == {worker.name}

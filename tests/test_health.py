import redis

from ringback.embedded_redis import EmbeddedRedis
from ringback.health import HealthCheck
from ringback.scheduler.heartbeat import SchedulerHeartbeat
from ringback.worker import make_worker


def test_health_is_503_without_worker_and_scheduler(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["components"]["redis"] == {"status": "up"}
    assert body["components"]["database"] == {"status": "up"}
    assert body["components"]["workers"] == {"status": "down", "count": 0}
    assert body["components"]["scheduler"] == {"status": "down", "count": 0}


def test_health_is_200_when_every_part_is_up(client, services):
    worker = make_worker(services, simple=True)
    worker.register_birth()
    SchedulerHeartbeat(services.redis, services.clock).beat("sched-1")
    try:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.get_json()["status"] == "up"
    finally:
        worker.register_death()


def test_a_silent_scheduler_counts_as_down(services, clock):
    heartbeat = SchedulerHeartbeat(services.redis, clock, ttl=30)
    heartbeat.beat("old")
    clock.advance(31)
    heartbeat.beat("new")
    assert heartbeat.alive() == ["new"]


def test_health_is_503_when_redis_stops(tmp_path, db, clock):
    server = EmbeddedRedis(tmp_path)
    server.start()
    client = redis.Redis.from_url(server.url, socket_timeout=1)
    check = HealthCheck(client, db, clock)
    SchedulerHeartbeat(client, clock).beat("s")
    assert check.run().components["redis"] == {"status": "up"}
    server.stop()
    health = check.run()
    assert not health.ok
    assert health.components["redis"]["status"] == "down"
    assert health.components["database"] == {"status": "up"}
    assert health.components["workers"]["status"] == "unknown"


def test_health_errors_name_no_socket_path_or_host(tmp_path, clock, caplog):
    """/healthz is unauthenticated: a failure says which part is down, not where it lives."""
    from ringback.store.db import Database

    server = EmbeddedRedis(tmp_path)
    server.start()
    socket_redis = redis.Redis.from_url(server.url, socket_timeout=1)
    server.stop()
    tcp_redis = redis.Redis(host="127.0.0.1", port=1, socket_timeout=1)
    db = Database.from_url("postgresql+psycopg://ringback:secret@127.0.0.1:1/ringback"
                           "?connect_timeout=2")
    try:
        for client in (socket_redis, tcp_redis):
            health = HealthCheck(client, db, clock).run()
            shown = str(health.to_json())
            assert health.components["redis"]["status"] == "down"
            assert health.components["database"]["status"] == "down"
            for secret in (str(tmp_path), "redis.sock", "127.0.0.1", "ringback:secret",
                           "secret", ":1", "port"):
                assert secret not in shown, shown
            assert "Redis" in health.components["redis"]["error"]
            assert "database" in health.components["database"]["error"]
        # The operator still finds the detail in the log.
        assert any("127.0.0.1" in r.getMessage() for r in caplog.records)
    finally:
        db.dispose()

import redis

from ringback.embedded_redis import EmbeddedRedis


def test_embedded_redis_keeps_values_across_a_restart(tmp_path):
    server = EmbeddedRedis(tmp_path)
    assert server.start() is True
    redis.Redis.from_url(server.url).set("kept", "yes")
    server.stop()
    assert not server.is_running()

    again = EmbeddedRedis(tmp_path)
    again.start()
    try:
        client = redis.Redis.from_url(again.url)
        assert client.get("kept") == b"yes"
        assert client.info("persistence")["aof_enabled"] == 1
    finally:
        again.stop()


def test_start_is_a_no_op_when_a_server_already_answers(tmp_path):
    first = EmbeddedRedis(tmp_path)
    first.start()
    try:
        assert EmbeddedRedis(tmp_path).start() is False
    finally:
        first.stop()

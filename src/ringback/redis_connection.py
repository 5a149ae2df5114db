"""How every ringback process reaches Redis: REDIS_URL, or the embedded server."""

from __future__ import annotations

import redis

from ringback.embedded_redis import EmbeddedRedis
from ringback.settings import Settings


def redis_url_for(settings: Settings, *, start_embedded: bool = True) -> str:
    """REDIS_URL, or the embedded server's socket (started here if nobody runs it)."""
    if settings.redis_url:
        return settings.redis_url
    embedded = EmbeddedRedis(settings.data_dir)
    if start_embedded and not embedded.is_running():
        embedded.start()
    return embedded.url


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, health_check_interval=30, socket_connect_timeout=5)

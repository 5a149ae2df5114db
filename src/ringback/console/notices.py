"""One-shot notices ("Invitation sent to ...") shown on the page after a form.

They live in Redis under the session, not in a cookie: the console's only
cookie carries the session token and nothing else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import redis

from ringback.redis_keys import NoticeKeys

NOTICE_SECONDS = 300
_ERROR = "\x1ferror\x1f"  # stored before an error's text (a unit separator never typed)


@dataclass(frozen=True)
class Notice:
    """A green notice of what was done, or a red one (``error``) of what was refused."""

    text: str
    error: bool = False

    def __str__(self) -> str:
        return self.text


class Notices:
    """Keys: ``NoticeKeys.notices`` (``redis_keys``), a list with a short TTL."""

    def __init__(self, redis_client: redis.Redis) -> None:
        self._redis = redis_client

    @staticmethod
    def key(session_token: str) -> str:
        tag = hashlib.sha256(session_token.encode()).hexdigest()[:32]
        return NoticeKeys.notices(tag)

    def push(self, session_token: str, text: str, *, error: bool = False) -> None:
        key = self.key(session_token)
        pipe = self._redis.pipeline()
        pipe.rpush(key, ((_ERROR if error else "") + text).encode())
        pipe.expire(key, NOTICE_SECONDS)
        pipe.execute()

    def pop_all(self, session_token: str) -> list[Notice]:
        key = self.key(session_token)
        pipe = self._redis.pipeline()
        pipe.lrange(key, 0, -1)
        pipe.delete(key)
        raw, _ = pipe.execute()
        texts = [item.decode() if isinstance(item, bytes) else str(item) for item in raw]
        return [Notice(text.removeprefix(_ERROR), text.startswith(_ERROR)) for text in texts]

"""The call index: what ringback remembers about a call, for a day."""

from ringback.calls.index import RECORD_TTL_SECONDS, CallIndex, CallRecord, QueueExit
from ringback.redis_keys import CallKeys


def test_a_call_record_keeps_its_fields_and_lives_a_day(redis_client):
    calls = CallIndex(redis_client)
    sid = "CA" + "12" * 16
    assert calls.get(sid) == CallRecord()
    calls.joined(sid, "support", "a1", leave_at=1_800_000_900.25)
    calls.announced(sid, 1_800_000_123.5)
    calls.left(sid, QueueExit.CALLBACK, "a2")

    assert calls.get(sid) == CallRecord("support", "a2", 1_800_000_123.5, QueueExit.CALLBACK,
                                        leave_at=1_800_000_900.25)
    key = CallKeys(sid).record
    assert key == "rb:{c:" + sid + "}:call"
    assert RECORD_TTL_SECONDS - 5 < redis_client.ttl(key) <= RECORD_TTL_SECONDS


def test_an_unknown_outcome_in_redis_reads_as_none(redis_client):
    sid = "CA" + "34" * 16
    redis_client.hset(CallKeys(sid).record, mapping={"q": "support", "x": "teleported"})
    assert CallIndex(redis_client).get(sid) == CallRecord("support", None, None, None)

"""The log-in throttle's rules on a real Redis, timed by a moved clock."""

from __future__ import annotations

import threading

from ringback.console.throttle import Limit, LoginThrottle, client_address, client_key

HERE, THERE = "203.0.113.9", "198.51.100.7"


def fail(throttle: LoginThrottle, email: str, address: str = HERE):
    attempt = throttle.attempt(email, address)
    assert attempt.refused is None, attempt
    return attempt.if_wrong


def test_the_fifth_failure_locks_the_pair_until_the_clock_moves_on(redis_client, clock):
    throttle = LoginThrottle(redis_client, clock)
    for _ in range(4):
        assert fail(throttle, "Ana@Example.com") is None
    locked = fail(throttle, "ana@example.com")
    assert locked is not None and locked.limit is Limit.ACCOUNT
    assert locked.wait_text(clock.now()) == "15 minutes"
    assert throttle.attempt("ANA@example.com", HERE).refused == locked
    assert throttle.attempt("ana@example.com", THERE).refused is None  # elsewhere: no lock
    assert throttle.attempt("bo@example.com", HERE).refused is None  # another e-mail address
    clock.advance(15 * 60 - 1)
    assert throttle.attempt("ana@example.com", HERE).refused is not None
    clock.advance(1)
    again = fail(throttle, "ana@example.com")  # the sixth: twice as long
    assert again is not None and again.wait_text(clock.now()) == "30 minutes"


def test_throttle_address_waits_double_from_the_tenth_failure(redis_client, clock):
    throttle = LoginThrottle(redis_client, clock)
    waits = []
    for n in range(16):
        attempt = throttle.attempt(f"user{n}@example.com", HERE)
        assert attempt.refused is None
        waits.append(0 if attempt.if_wrong is None else attempt.if_wrong.until - clock.now())
        if attempt.if_wrong is not None:
            refused = throttle.attempt("someone@example.com", HERE).refused
            assert refused is not None and refused.limit is Limit.ADDRESS
            clock.advance(waits[-1])
    assert waits == [0] * 9 + [1, 2, 4, 8, 16, 32, 64]
    assert LoginThrottle.ADDRESS.delay_after(30) == 15 * 60


def test_throttle_gives_back_a_right_try_and_forgets_the_pair(redis_client, clock):
    throttle = LoginThrottle(redis_client, clock)
    for _ in range(4):
        fail(throttle, "ana@example.com")
    throttle.attempt("ana@example.com", HERE)
    throttle.succeeded("ana@example.com", HERE)
    for _ in range(4):  # the pair starts again from nothing
        assert fail(throttle, "ana@example.com") is None
    # The address kept its 8 wrong tries but not the right one: 2 more are free.
    assert fail(throttle, "bo@example.com") is None
    assert fail(throttle, "cy@example.com").limit is Limit.ADDRESS


def test_throttle_forgets_failures_an_hour_after_the_last(redis_client, clock):
    throttle = LoginThrottle(redis_client, clock)
    for n in range(9):
        fail(throttle, f"user{n}@example.com")
    clock.advance(3600)
    for n in range(9):
        assert fail(throttle, f"other{n}@example.com") is None


def test_throttle_parallel_tries_get_one_chance_per_wait(redis_client, clock):
    throttle = LoginThrottle(redis_client, clock)
    for n in range(10):
        fail(throttle, f"user{n}@example.com")
    clock.advance(1)
    start = threading.Barrier(8)
    allowed = []

    def guess(n: int) -> None:
        start.wait(timeout=30)
        if throttle.attempt(f"burst{n}@example.com", HERE).refused is None:
            allowed.append(n)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(allowed) == 1


def test_throttle_keys_share_the_address_tag_and_hold_neither_address():
    address_key, account_key = LoginThrottle.keys("ana@example.com", HERE)
    tag = address_key[address_key.index("{"): address_key.index("}") + 1]
    assert account_key.startswith(f"rb:{tag}:account:")
    assert "ana" not in account_key and "203" not in address_key


def test_throttle_counts_ipv6_clients_by_their_64_network():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::2")
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:203.0.113.9") == "203.0.113.9"
    assert client_key("not an address") == "not an address"


def test_throttle_believes_forwarded_for_only_from_trusted_proxies():
    assert client_address("10.0.0.2", ["198.51.100.1"], 0) == "10.0.0.2"
    assert client_address("10.0.0.2", ["6.6.6.6, 198.51.100.1"], 1) == "198.51.100.1"
    assert client_address("10.0.0.3", ["6.6.6.6, 198.51.100.1", "10.0.0.2"], 2) == "198.51.100.1"
    assert client_address("10.0.0.2", [], 1) == "10.0.0.2"


def test_throttle_trusted_proxies_setting_is_a_small_whole_number(tmp_path):
    import pytest

    from ringback.settings import Settings, SettingsError

    base = {"RINGBACK_DATA_DIR": str(tmp_path), "SECRET_KEY": "x" * 20}
    assert Settings.from_env(base).trusted_proxies == 0
    assert Settings.from_env({**base, "RINGBACK_TRUSTED_PROXIES": "1"}).trusted_proxies == 1
    for wrong in ("-1", "eleven", "11"):
        with pytest.raises(SettingsError) as caught:
            Settings.from_env({**base, "RINGBACK_TRUSTED_PROXIES": wrong})
        assert str(caught.value).startswith("RINGBACK_TRUSTED_PROXIES must be a whole number")

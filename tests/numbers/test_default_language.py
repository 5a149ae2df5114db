"""The account's default language: the environment's value, overridden from the console,
and followed by every process through the number directory's cache version."""

from __future__ import annotations

import pytest
import redis

from ringback.errors import ValidationError
from ringback.numbers import NumberDirectory
from ringback.redis_keys import NumberKeys
from ringback.store.console import AccountSetting


@pytest.fixture
def redis_client(private_redis_client: redis.Redis) -> redis.Redis:
    """This module counts the server's commands: a server no other test process uses."""
    return private_redis_client


BUSINESS = "+4930123456"
UNKNOWN = "+4930999999"


@pytest.fixture
def directory(services) -> NumberDirectory:
    """This process's directory (the app's one), with one number without a language."""
    services.numbers.put(BUSINESS, {"queue_id": "support"})
    return services.numbers


@pytest.fixture
def other_process(services) -> NumberDirectory:
    """A directory of another process (a worker, a second web process) on the same stores."""
    return NumberDirectory(services.db, services.redis,
                           default_language=services.settings.default_language)


def gets(redis) -> int:
    """How many GETs the Redis server has answered so far."""
    return int(redis.info("commandstats").get("cmdstat_get", {}).get("calls", 0))


def test_without_an_override_the_environment_value_is_the_default(services, directory):
    assert services.settings.default_language == "en"
    assert directory.current_default_language() == "en"
    assert directory.stored_default_language() is None


def test_an_override_replaces_the_environment_value(directory):
    assert directory.set_default_language("de") is True

    assert directory.current_default_language() == "de"
    assert directory.stored_default_language() == "de"
    assert directory.environment_default_language == "en"


def test_clearing_the_override_returns_to_the_environment_value(services):
    french_env = NumberDirectory(services.db, services.redis, default_language="fr")
    french_env.set_default_language("de")
    assert french_env.current_default_language() == "de"

    assert french_env.set_default_language(None) is True

    assert french_env.current_default_language() == "fr"
    assert french_env.stored_default_language() is None
    with services.db.session() as session:
        assert session.get(AccountSetting, "default_language") is None


def test_another_process_sees_the_change_at_its_next_find(directory, other_process):
    assert other_process.find(BUSINESS) is not None
    assert other_process.default_language == "en"

    directory.set_default_language("de")

    assert other_process.default_language == "en"  # no I/O: what it last saw
    config = other_process.find(BUSINESS)
    assert config is not None and config.language is None
    assert other_process.default_language == "de"


def test_a_find_of_an_unknown_number_refreshes_the_default_too(directory, other_process):
    other_process.find(BUSINESS)
    directory.set_default_language("fr")

    assert other_process.find(UNKNOWN) is None
    assert other_process.default_language == "fr"
    assert other_process.find("not a number") is None
    directory.set_default_language("de")
    assert other_process.find("not a number") is None
    assert other_process.default_language == "de"


def test_the_hold_loops_find_with_its_own_version_picks_it_up_without_a_get(
    services, directory, other_process
):
    def hold_round() -> None:
        pipe = services.redis.pipeline(transaction=False)
        other_process.read_version(pipe)
        (version,) = pipe.execute()
        before = gets(services.redis)
        assert other_process.find(BUSINESS, version=version) is not None
        assert gets(services.redis) == before  # the version came with the round's pipeline

    hold_round()
    assert other_process.default_language == "en"
    directory.set_default_language("de")

    hold_round()

    assert other_process.default_language == "de"


def test_current_default_language_reads_the_version_for_callers_that_do_not_find(
    directory, other_process
):
    assert other_process.current_default_language() == "en"
    directory.set_default_language("fr")

    assert other_process.current_default_language() == "fr"
    assert other_process.default_language == "fr"


def test_a_language_without_shipped_prompts_is_refused_and_nothing_is_stored(
    services, directory
):
    version = services.redis.get(NumberKeys().version)
    with pytest.raises(ValidationError) as refused:
        directory.set_default_language("es")

    assert refused.value.errors == {
        "default_language": "must be one of de, en, fr, or empty for the environment's value"}
    assert directory.stored_default_language() is None
    assert services.redis.get(NumberKeys().version) == version


def test_setting_the_same_language_again_changes_nothing(services, directory):
    directory.set_default_language("de")
    version = services.redis.get(NumberKeys().version)

    assert directory.set_default_language("de") is False
    assert services.redis.get(NumberKeys().version) == version
    assert directory.set_default_language("") is True  # "" clears, like None
    assert directory.set_default_language(None) is False


def test_a_stored_language_no_longer_shipped_gives_way_to_the_environment(services, directory):
    with services.db.session() as session:
        session.add(AccountSetting(key="default_language", value="xx"))
    services.redis.incr(NumberKeys().version)

    assert directory.stored_default_language() == "xx"
    assert directory.current_default_language() == "en"


def test_the_numbers_api_reports_the_default_set_by_another_process(
    client, owner_headers, services, directory
):
    assert client.get("/api/v1/numbers", headers=owner_headers).get_json()[
        "default_language"] == "en"
    NumberDirectory(services.db, services.redis).set_default_language("fr")

    listed = client.get("/api/v1/numbers", headers=owner_headers).get_json()

    assert listed["default_language"] == "fr"

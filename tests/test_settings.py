import subprocess
import sys

import pytest

from ringback.settings import Settings, SettingsError


def env(tmp_path, **values):
    return {"RINGBACK_DATA_DIR": str(tmp_path), **values}


def test_defaults_use_the_embedded_engines(tmp_path):
    settings = Settings.from_env(env(tmp_path))
    assert settings.uses_embedded_redis
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'ringback.sqlite3'}"
    assert settings.callback_expiry_seconds == 3600
    assert settings.public_base_url == "http://127.0.0.1:5000"
    assert (settings.simulator_outcome, settings.simulator_answer_seconds) == ("answered", 3)


@pytest.mark.parametrize(
    ("variable", "value", "rule"),
    [
        ("REDIS_URL", "localhost:6379", "must be a URL starting with redis://"),
        ("REDIS_URL", "redis://:6379", "must name a host"),
        ("REDIS_URL", "redis://localhost:sixty", "must have a numeric port"),
        ("REDIS_URL", "localhost:26379/rb", "redis+sentinel://"),
        ("REDIS_URL", "redis+sentinel://sentinel:26379", "must name the master's service"),
        ("RINGBACK_CALLBACK_EXPIRY_SECONDS", "an hour", "must be a whole number"),
        ("RINGBACK_CALLBACK_EXPIRY_SECONDS", "5", "of at least 60"),
        ("PUBLIC_BASE_URL", "ringback.example.com", "must be a URL starting with http://"),
        ("DATABASE_URL", "mysql://x@localhost/db", "must be a postgresql:// or sqlite:// URL"),
        ("TWILIO_ACCOUNT_SID", "XY123", "must be AC followed by 32 hex digits"),
        ("RINGBACK_API_TOKEN", "short", "at least 16 characters"),
        ("RINGBACK_METRICS_TOKEN", "short", "at least 16 characters"),
        ("RINGBACK_SIMULATOR_OUTCOME", "maybe",
         "must be one of answered, no-answer, busy, failed, manual, not 'maybe'"),
        ("RINGBACK_SIMULATOR_ANSWER_SECONDS", "soon", "must be a whole number from 0 to 600"),
        ("RINGBACK_SIMULATOR_ANSWER_SECONDS", "601", "must be a whole number from 0 to 600"),
    ],
)
def test_a_wrong_value_names_the_variable_and_the_rule(tmp_path, variable, value, rule):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env(tmp_path, **{variable: value}))
    assert caught.value.variable == variable
    assert rule in str(caught.value)


def test_postgres_urls_get_the_psycopg_driver(tmp_path):
    settings = Settings.from_env(env(tmp_path, DATABASE_URL="postgresql://u@db.example/rb"))
    assert settings.database_url == "postgresql+psycopg://u@db.example/rb"


def test_a_generated_secret_key_is_shared_by_every_process(tmp_path):
    first = Settings.from_env(env(tmp_path)).secret_key
    assert Settings.from_env(env(tmp_path)).secret_key == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_the_program_stops_with_status_2_and_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "ringback", "check"],
        env=env(tmp_path, RINGBACK_CALLBACK_EXPIRY_SECONDS="soon", PATH="/usr/bin:/bin"),
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "ringback: RINGBACK_CALLBACK_EXPIRY_SECONDS must be a whole number of at least 60, "
        "not 'soon'"
    ]


def test_callback_limits_default_to_5_per_caller_3_per_number_10_per_prefix(tmp_path):
    settings = Settings.from_env(env(tmp_path))
    assert (settings.callback_limit_per_caller, settings.callback_limit_per_number,
            settings.callback_limit_per_prefix) == (5, 3, 10)
    off = Settings.from_env(env(tmp_path, RINGBACK_CALLBACK_LIMIT_PER_NUMBER="0"))
    assert off.callback_limit_per_number == 0


@pytest.mark.parametrize("variable", ["RINGBACK_CALLBACK_LIMIT_PER_CALLER",
                                      "RINGBACK_CALLBACK_LIMIT_PER_NUMBER",
                                      "RINGBACK_CALLBACK_LIMIT_PER_PREFIX"])
def test_a_callback_limit_must_be_a_whole_number_of_at_least_0(tmp_path, variable):
    for value in ("-1", "three"):
        with pytest.raises(SettingsError) as caught:
            Settings.from_env(env(tmp_path, **{variable: value}))
        assert caught.value.variable == variable
        assert "must be a whole number of at least 0" in str(caught.value)


def test_sip_domains_are_none_by_default_and_read_as_lower_case_host_names(tmp_path):
    assert Settings.from_env(env(tmp_path)).sip_domains == frozenset()
    settings = Settings.from_env(env(tmp_path, RINGBACK_SIP_DOMAINS=" PBX.example.com, "
                                                                   "sip.example.net,"))
    assert settings.sip_domains == {"pbx.example.com", "sip.example.net"}


@pytest.mark.parametrize("value", ["pbx.example.com:5060", "sip:pbx.example.com",
                                   "pbx example.com", "*.example.com"])
def test_a_sip_domain_must_be_a_host_name(tmp_path, value):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env(tmp_path, RINGBACK_SIP_DOMAINS=value))
    assert caught.value.variable == "RINGBACK_SIP_DOMAINS"
    assert "must be host names separated by commas" in str(caught.value)

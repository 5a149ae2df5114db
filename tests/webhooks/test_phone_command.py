"""`ringback call` at a terminal, against the running app, and the setting it reads."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from ringback.ivr.prompts import PromptKey, load_prompts
from ringback.queue.models import EntryKind
from ringback.settings import Settings, SettingsError
from ringback.webhooks.phone_command import example_caller, run_call
from tests.live_server import LiveServer
from tests.webhooks.conftest import BUSINESS, CALLER

EN = load_prompts("en")


def cli_env(settings, server_url: str) -> dict[str, str]:
    port = str(urlsplit(server_url).port)
    return {**os.environ, "RINGBACK_DATA_DIR": str(settings.data_dir),
            "SECRET_KEY": settings.secret_key, "PUBLIC_BASE_URL": settings.public_base_url,
            "RINGBACK_HOST": "127.0.0.1", "RINGBACK_PORT": port}


def test_ringback_call_with_scripted_keys_asks_for_a_callback(app, settings, services, number):
    number(queue_id="support")
    with LiveServer(app) as server:
        done = subprocess.run(
            [sys.executable, "-m", "ringback", "call", "--to", BUSINESS, "--from", CALLER,
             "--keys", "1"],
            env=cli_env(settings, server.url), capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert f"[say:en-US] {EN.text(PromptKey.WELCOME)}" in lines
    assert "  keys> 1" in lines
    assert lines[-2:] == [f"[say:en-US] {EN.text(PromptKey.CALLBACK_CONFIRMATION)}", "[hangup]"]
    (entry,) = services.queue.entries("support")
    assert (entry.kind, entry.callback_number) == (EntryKind.CALLBACK, CALLER)


def test_typed_keys_silence_and_h_to_hang_up(app, settings, services, number):
    number(queue_id="support")
    typed = io.StringIO("\n3\nh\n")  # silence in the hold loop, keep waiting, hang up
    out = io.StringIO()
    with LiveServer(app) as server:
        own = settings.with_changes(port=urlsplit(server.url).port)
        status = run_call(own, BUSINESS, CALLER, stdin=typed, out=out)

    assert status == 0
    printed = out.getvalue()
    assert f"[say:en-US] {EN.text(PromptKey.KEEP_WAITING)}" in printed
    assert printed.rstrip().endswith("[hangup] caller hung up")
    assert services.queue.size("support") == 0  # hung up while waiting: abandoned


def test_the_default_caller_is_a_mobile_in_the_country_called():
    assert example_caller(BUSINESS).startswith("+491")
    assert example_caller("+33142685300").startswith("+336")


def test_the_account_default_language_is_a_validated_language_code(tmp_path):
    env = {"RINGBACK_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(env).default_language == "en"
    assert Settings.from_env({**env, "RINGBACK_DEFAULT_LANGUAGE": "FR-ch"}).default_language \
        == "fr-CH"
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({**env, "RINGBACK_DEFAULT_LANGUAGE": "french"})
    assert caught.value.variable == "RINGBACK_DEFAULT_LANGUAGE"
    assert "language code" in str(caught.value)

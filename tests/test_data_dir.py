"""The data folder is private: created 0700, its files 0600 (issue 17).

Every check runs with the usual umask 022, under which the files used to come
out 0644, readable by every account on the machine.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ringback.cli import main
from ringback.console.mail import MailMessage, Outbox
from ringback.console.owner import setup_code
from ringback.embedded_redis import EmbeddedRedis
from ringback.settings import Settings


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_folder_and_generated_secret_key_are_private(tmp_path):
    data = tmp_path / "var"
    settings = Settings.from_env({"RINGBACK_DATA_DIR": str(data)})
    assert mode(data) == 0o700
    assert mode(data / "secret_key") == 0o600
    assert (data / "secret_key").read_text().strip() == settings.secret_key


def test_data_folder_owner_setup_code_is_private(tmp_path):
    data = tmp_path / "var"
    code = setup_code(data)
    assert mode(data) == 0o700
    assert mode(data / "owner-setup-code") == 0o600
    assert setup_code(data) == code


def test_data_folder_outbox_mails_are_private(tmp_path):
    outbox = Outbox(tmp_path / "var" / "outbox")
    message = MailMessage("ana@example.com", "Hello", "Hi Ana").build("ringback@example.com", 0)
    mail_id = outbox.write(message, 1_800_000_000)
    assert mode(outbox.folder) == 0o700
    assert mode(outbox.folder / f"{mail_id}.eml") == 0o600


def test_data_folder_sqlite_file_and_its_wal_are_private(tmp_path, monkeypatch):
    data = tmp_path / "var"
    monkeypatch.setenv("RINGBACK_DATA_DIR", str(data))
    monkeypatch.setenv("SECRET_KEY", "x" * 20)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    assert mode(data) == 0o700
    database = data / "ringback.sqlite3"
    assert mode(database) == 0o600
    for companion in (data / "ringback.sqlite3-wal", data / "ringback.sqlite3-shm"):
        if companion.exists():
            assert mode(companion) == 0o600


def test_data_folder_embedded_redis_files_are_private(tmp_path):
    data = tmp_path / "var"
    data.mkdir()
    server = EmbeddedRedis(data)
    server.start()
    try:
        import redis

        client = redis.Redis(unix_socket_path=server.socket_path)
        client.set("kept", "yes")
        client.bgrewriteaof()
        client.close()
    finally:
        server.stop()
    folder = data / "redis"
    assert mode(folder) == 0o700
    created = [p for p in folder.rglob("*") if p.is_file()]
    assert any("appendonly" in p.name for p in created), created
    loose = {str(p.relative_to(folder)): oct(mode(p)) for p in created if mode(p) & 0o077}
    assert loose == {}
    loose_dirs = [p for p in folder.rglob("*") if p.is_dir() and mode(p) & 0o077]
    assert loose_dirs == []


def test_data_folder_already_there_is_left_as_it_is(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    Settings.from_env({"RINGBACK_DATA_DIR": str(shared)})
    assert mode(shared) == 0o755  # someone chose it; only what ringback creates is private
    assert mode(shared / "secret_key") == 0o600

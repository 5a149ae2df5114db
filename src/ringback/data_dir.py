"""The data folder is private to the account that runs ringback.

It holds the SQLite database, the embedded Redis' AOF, the secret key, the
owner's setup code and the outbox's invitation mails: anyone who reads them
can sign in as someone else.  Every folder ringback creates there is 0700 and
every file 0600, whatever the umask.  A folder that already exists is left as
it is: someone chose it, and it may be shared (a home folder, /srv).
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
# For processes that create files of their own there (redis-server).
PRIVATE_UMASK = 0o077


def ensure_private(path: Path) -> Path:
    """The folder, created 0700 (and so are its missing parents) when it is not there."""
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe.parent != probe:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # another process made it first
            pass
    return path


def create_private_file(path: Path, data: bytes) -> bool:
    """Write a new 0600 file; False (and nothing written) when it already exists.

    The first of several processes racing to create it wins, and the others
    read what it wrote.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return True


def sqlite_file(url: str) -> None:
    """Create the file of an ``sqlite:///`` URL 0600 before SQLite does it 0644.

    SQLite gives its -wal and -shm files the database file's mode.  In-memory
    databases, and files whose folder is missing (SQLite reports that), are
    left to SQLite.
    """
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists() or not path.parent.is_dir():
        return
    create_private_file(path, b"")

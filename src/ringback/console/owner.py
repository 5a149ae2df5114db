"""How an installation gets its first owner.

Two ways, both refused once an owner exists:
- ``ringback create-owner --email ... --name ...`` on the server (asks for the
  password, or reads it from standard input with ``--password-stdin``);
- the first-run page /console/setup, which asks for the setup code that only
  someone with access to the server's data folder can read
  (``<data folder>/owner-setup-code``), so a stranger who finds a fresh
  installation first cannot claim it.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ringback.data_dir import create_private_file, ensure_private

if TYPE_CHECKING:
    from ringback.clock import Clock
    from ringback.store.db import Database
    from ringback.store.models import Agent

SETUP_CODE_FILE = "owner-setup-code"


def setup_code(data_dir: Path) -> str:
    """The installation's setup code, written once (readable by its owner only)."""
    path = data_dir / SETUP_CODE_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    ensure_private(data_dir)
    code = "-".join(secrets.token_hex(3) for _ in range(3))
    if not create_private_file(path, (code + "\n").encode()):  # another process was first
        return path.read_text().strip()
    return code


def forget_setup_code(data_dir: Path) -> None:
    (data_dir / SETUP_CODE_FILE).unlink(missing_ok=True)


def create_owner(db: Database, clock: Clock, email: str, name: str, password: str,
                 *, via: str) -> Agent:
    """Create the owner and record it in the audit log."""
    from ringback.agents import AgentDirectory
    from ringback.console.audit import Actor, AuditAction, AuditLog

    agent = AgentDirectory(db).create_owner(email, name, password)
    AuditLog(db, clock).record(
        Actor.of(agent), AuditAction.OWNER_CREATED, target=agent.email, details={"via": via}
    )
    return agent


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password for the owner: ")
    if getpass.getpass("The same password again: ") != first:
        print("ringback: the two passwords differ", file=sys.stderr)
        raise SystemExit(2)
    return first


def cmd_create_owner(args: argparse.Namespace) -> int:
    from ringback.clock import SystemClock
    from ringback.errors import Conflict, ValidationError
    from ringback.settings import Settings, SettingsError
    from ringback.store.db import Database
    from ringback.store.migrate import upgrade

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"ringback: {exc}", file=sys.stderr)
        return 2
    password = _read_password(args.password_stdin)
    ensure_private(settings.data_dir)
    upgrade(settings.effective_database_url)
    db = Database.from_url(settings.effective_database_url)
    try:
        agent = create_owner(db, SystemClock(), args.email, args.name, password,
                             via="command line")
    except ValidationError as exc:
        for field, rule in exc.errors.items():
            print(f"ringback: {field} {rule}", file=sys.stderr)
        return 2
    except Conflict as exc:
        print(f"ringback: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    forget_setup_code(settings.data_dir)
    print(f"ringback: {agent.email} is the owner; log in at {settings.public_base_url}/console/")
    return 0


def add_create_owner_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("create-owner", help="create the owner, who logs in to the console")
    parser.add_argument("--email", required=True, help="the owner's e-mail address (log-in)")
    parser.add_argument("--name", required=True, help="the owner's name as agents see it")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input instead of asking")
    parser.set_defaults(func=cmd_create_owner)

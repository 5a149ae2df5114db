"""What ``ringback serve`` tells a new user at start-up, and where it listens.

``welcome(settings, owner_exists)`` is the one block serve prints once its
parts are started: the console's address, how to get the first owner, whether
calls go to Twilio or to the built-in simulator, and how to try a call.

serve also records where it listens in the data folder (``serve-address.json``)
so ``ringback call`` from another terminal reaches the same ringback without
repeating RINGBACK_PORT or PUBLIC_BASE_URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ringback.settings import Settings

ADDRESS_FILE = "serve-address.json"


@dataclass(frozen=True)
class Address:
    """Where a running ringback answers (``url``) and the URL Twilio signs (``public_url``)."""

    url: str
    public_url: str


def local_url(settings: Settings) -> str:
    """Where the web process listens (RINGBACK_HOST / RINGBACK_PORT), seen from this machine."""
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def own_address(settings: Settings) -> Address:
    return Address(local_url(settings), settings.public_base_url)


def record_address(settings: Settings) -> None:
    """Note where this serve listens, for ``ringback call`` (replaced atomically)."""
    address = own_address(settings)
    path = settings.data_dir / ADDRESS_FILE
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps({"url": address.url, "public_url": address.public_url}))
    partial.replace(path)


def forget_address(data_dir: Path) -> None:
    (data_dir / ADDRESS_FILE).unlink(missing_ok=True)


def recorded_address(data_dir: Path) -> Address | None:
    """The address the serve of this data folder recorded, if one runs."""
    try:
        raw = json.loads((data_dir / ADDRESS_FILE).read_text())
        return Address(str(raw["url"]), str(raw["public_url"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def welcome(settings: Settings, *, owner_exists: bool) -> str:
    """The start-up block: where to go, what is missing and how to try a call."""
    from ringback.console.owner import SETUP_CODE_FILE

    public = settings.public_base_url
    lines = ["", "ringback is running.", f"  Console:  {public}/console/"]
    if owner_exists:
        lines.append("  Owner:    set up; log in at the console.")
    else:
        lines += [
            f"  Owner:    none yet. Open {public}/console/setup",
            f"            and enter the setup code from {settings.data_dir / SETUP_CODE_FILE}",
            "            (or run: ringback create-owner --email ... --name ...).",
        ]
    if settings.has_twilio_credentials:
        lines.append("  Twilio:   credentials set; calls go through Twilio.")
    else:
        lines += [
            "  Twilio:   no credentials (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN);",
            "            calls go to the built-in simulator, nobody's phone rings.",
        ]
        if settings.simulator_outcome != "manual":
            lines += [f"            It plays each callback's call: {settings.simulator_outcome} "
                      f"after {settings.simulator_answer_seconds} s",
                      "            (RINGBACK_SIMULATOR_OUTCOME, "
                      "RINGBACK_SIMULATOR_ANSWER_SECONDS)."]
    lines += [
        "  Try it:   add a phone number in the console, then in another terminal:",
        "            ringback call --to <that number, e.g. +14155550123>",
        "",
    ]
    return "\n".join(lines)


def call_address(settings: Settings, url: str | None, *, address_set: bool,
                 public_set: bool) -> Address:
    """Where ``ringback call`` calls: ``--url`` (signed for PUBLIC_BASE_URL when set, else
    for that URL); else RINGBACK_HOST / RINGBACK_PORT / PUBLIC_BASE_URL when set
    (``address_set``); else the address the serve of this data folder recorded."""
    if url:
        url = url.rstrip("/")
        return Address(url, settings.public_base_url if public_set else url)
    if not address_set:
        recorded = recorded_address(settings.data_dir)
        if recorded is not None:
            return recorded
    return own_address(settings)


def announce(settings: Settings) -> str:
    """Record serve's address and return the welcome block (reads whether an owner exists)."""
    from ringback.agents import AgentDirectory
    from ringback.console.owner import setup_code
    from ringback.store.db import Database

    record_address(settings)
    db = Database.from_url(settings.effective_database_url)
    try:
        owner = AgentDirectory(db).owner_exists()
    finally:
        db.dispose()
    if not owner:
        setup_code(settings.data_dir)  # written now, so the file named below exists
    return welcome(settings, owner_exists=owner)

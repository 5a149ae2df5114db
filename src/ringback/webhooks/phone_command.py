"""``ringback call``: be the caller, at the keyboard, against a running ringback.

The terminal phone signs and posts the webhooks as Twilio would (with the
installation's webhook token, against PUBLIC_BASE_URL), prints every line the
caller hears as it happens and reads keys at each ``<Gather>``: digits, an
empty line for silence, ``h`` to hang up. ``--keys 1,,2`` plays a script
instead (an empty item is silence).

When ringback connects the call to an agent (a ``<Dial>``), the same keyboard
(or script) plays the agent's phone: ``a`` answers, ``n`` lets it ring out,
``b`` is busy; while talking, ``x`` is the agent hanging up, ``h`` the caller.
"""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

import phonenumbers

from ringback.settings import Settings
from ringback.startup import Address, own_address
from ringback.terminal_phone import (
    HANGUP,
    Heard,
    InputWanted,
    PhoneCall,
    Ringing,
    Stop,
    Talking,
    TerminalPhone,
    Transport,
)

DEFAULT_CALLER = "+14155550100"


def example_caller(to: str) -> str:
    """A mobile number in the country of the number called, so option 1 works."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(to))
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    except phonenumbers.NumberParseException:
        example = None
    if example is None:
        return DEFAULT_CALLER
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def keypad(script: str | None, stdin: TextIO, out: TextIO) -> Callable[[Stop], str | None]:
    """Keys for each <Gather> (or agent's move): from the script, else typed."""
    scripted: Iterator[str] | None = iter(script.split(",")) if script is not None else None

    def next_keys(wanted: Stop) -> str | None:
        if scripted is not None:
            keys = next(scripted, HANGUP)
            print(f"  keys> {keys or '(silence)'}", file=out, flush=True)
        else:
            if isinstance(wanted, InputWanted):
                hint = f"{wanted.num_digits} key(s)" if wanted.num_digits else \
                    f"keys ending with {wanted.finish_on_key or 'nothing'}"
                hint += "; empty = silence, h = hang up"
            elif isinstance(wanted, Ringing):
                hint = f"{' '.join(wanted.to)} rings: a = answer, n = no answer, b = busy, " \
                       "h = hang up"
            elif isinstance(wanted, Talking):
                hint = f"talking to {wanted.to}: x = they hang up, h = you hang up"
            else:
                hint = "holding: empty = hold on, h = hang up"
            print(f"  keys ({hint})> ", end="", file=out, flush=True)
            line = stdin.readline()
            keys = HANGUP if line == "" else line.strip()
        if keys.lower() in ("h", HANGUP):
            return HANGUP
        return keys or None

    return next_keys


def act(call: PhoneCall, keys: str | None) -> None:
    """Keys at a <Gather>; at a ringing or connected <Dial> the agent's phone moves."""
    stop = call.waiting_for
    if isinstance(stop, Ringing) and keys in ("a", "n", "b"):
        call.answer() if keys == "a" else call.ring_out("no-answer" if keys == "n" else "busy")
    elif isinstance(stop, Talking) and keys == "x":
        call.far_end_hangs_up()
    elif not isinstance(stop, InputWanted) and keys not in (None, HANGUP):
        call.wait()
    else:
        call.press(keys)


def simulator_redirects(settings: Settings) -> Callable[[str], str | None] | None:
    """Without Twilio, ringback's REST redirects (to an agent, back to holding) are only
    recorded by the simulator; the phone follows each one once, as Twilio would."""
    if settings.has_twilio_credentials:
        return None
    from ringback.clock import SystemClock
    from ringback.embedded_redis import EmbeddedRedis
    from ringback.redis_connection import connect, redis_url_for
    from ringback.telephony import SimulatedTelephony

    if settings.uses_embedded_redis and not EmbeddedRedis(settings.data_dir).is_running():
        return None  # no ringback runs here: nothing will be redirected
    url = redis_url_for(settings, start_embedded=False)
    simulator = SimulatedTelephony(connect(url), SystemClock())
    followed: dict[str, int] = {}

    def redirects(call_sid: str) -> str | None:
        moved = [e.url for e in simulator.events(call_sid) if e.kind == "redirect" and e.url]
        done = followed.get(call_sid, 0)
        if len(moved) <= done:
            return None
        followed[call_sid] = done + 1
        return moved[done]

    return redirects


def run_call(settings: Settings, to: str, from_: str | None, *, keys: str | None = None,
             hold_seconds: float = 0.0, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout,
             redirects: Callable[[str], str | None] | None = None,
             address: Address | None = None) -> int:
    """Place one call; returns 0 when it ran to its end, 1 when ringback misbehaved.

    ``redirects`` tells the phone where ringback moved the call (by default the
    simulator's record, see ``simulator_redirects``); ``address`` where ringback
    answers (by default RINGBACK_HOST / RINGBACK_PORT and PUBLIC_BASE_URL)."""
    caller = from_ or example_caller(to)
    errors: list[Heard] = []

    def heard(item: Heard) -> None:
        print(str(item), file=out, flush=True)
        if item.kind == "error":
            errors.append(item)
        elif item.kind == "play" and hold_seconds:
            time.sleep(hold_seconds)  # music "plays"; a hold loop without keys would race

    address = address or own_address(settings)
    base, public = address.url, address.public_url
    token = settings.webhook_auth_token
    if redirects is None:
        redirects = simulator_redirects(settings)
    phone = TerminalPhone(base, auth_token=token, public_url=public, on_heard=heard,
                          redirects=redirects)
    print(f"calling {to} from {caller} via {base} (signed for {public})", file=out, flush=True)
    next_keys = keypad(keys, stdin, out)
    sid = "CA" + secrets.token_hex(16)
    try:
        call = phone.dial(to, caller, call_sid=sid)
        while not call.ended and call.waiting_for is not None:
            act(call, next_keys(call.waiting_for))
    except KeyboardInterrupt:
        # The interpreter stopped mid-document: tell ringback the call ended, as Twilio would.
        Transport(base, public, token).post(f"{public}/twilio/status", {
            "CallSid": sid, "From": caller, "To": to, "CallStatus": "completed"})
        print("[hangup] caller hung up", file=out, flush=True)
    except OSError as exc:
        print(f"ringback call: cannot reach {base}: {exc}", file=sys.stderr)
        return 1
    return 1 if errors else 0

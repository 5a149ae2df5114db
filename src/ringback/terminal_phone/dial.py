"""The far end of a ``<Dial>``: ringing, answering (the noun's ``url`` TwiML,
e.g. a whisper, plays to it), talking, and the callbacks Twilio makes meanwhile:
the noun's ``statusCallback`` events and the ``<Dial action>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ringback.terminal_phone.call import (
    HANGUP,
    FarEnd,
    Ringing,
    Sent,
    Stop,
    Talking,
    new_call_sid,
)

if TYPE_CHECKING:
    from ringback.terminal_phone.interpreter import CallRun


@dataclass(frozen=True)
class Target:
    """One noun of a ``<Dial>``: its address and the callbacks Twilio would make."""

    address: str
    url: str | None
    status_callback: str | None
    events: tuple[str, ...]


def play_dial(run: CallRun, verb: ET.Element, url: str
              ) -> Generator[Stop, Sent, tuple[str, object] | None]:
    """Play the far end of a <Dial>; None goes on with the next verb, else the
    (outcome, detail) for the interpreter to follow."""
    transport, base, hear = run.transport, run.base, run.hear
    targets = targets_of(verb)
    target = targets[0] if targets else Target("", None, None, ())
    action = verb.get("action")
    action_url = transport.absolute(action, url) if action else None
    dial_sid = new_call_sid()
    far = {**base, "CallSid": dial_sid, "ParentCallSid": run.call.call_sid,
           "From": verb.get("callerId") or base["From"], "To": target.address,
           "Direction": "outbound-dial"}

    def leg(event: str, status: str, duration: int) -> None:
        if target.status_callback and event in target.events:
            transport.post(transport.absolute(target.status_callback, url),
                           {**far, "CallStatus": status, "CallDuration": str(duration)})

    def result(status: str, duration: int, caller_gone: bool = False
               ) -> tuple[str, object] | None:
        if action_url is None:
            return ("hung-up", None) if caller_gone else None
        extra = {"DialCallStatus": status, "DialCallSid": dial_sid,
                 "DialCallDuration": str(duration)}
        if caller_gone:  # Twilio still tells the action; its TwiML is not run
            transport.post(action_url, {**base, "CallStatus": "completed", **extra})
            return ("hung-up", None)
        return ("doc", (run.fetch(action_url, extra), action_url))

    ringing = Ringing(tuple(t.address for t in targets), verb.get("callerId"),
                      int(verb.get("timeout") or 30))
    while True:
        act = yield ringing
        redirect = run.redirected()
        if redirect:  # the call moves on; Twilio drops the ringing leg
            return ("redirected", redirect)
        if act == HANGUP:
            hear("hangup", "caller hung up")
            leg("completed", "canceled", 0)
            return result("canceled", 0, caller_gone=True)
        if isinstance(act, FarEnd) and act.act == "ring-out":
            hear("dial-result", act.status)
            leg("completed", act.status, 0)
            return result(act.status, 0)
        if isinstance(act, FarEnd) and act.act == "answer":
            break
    hear("dial-result", "answered")
    leg("answered", "in-progress", 0)
    if target.url and far_end_hangs_up(
            run.fetch(transport.absolute(target.url, url), {}, far), hear):
        leg("completed", "completed", 0)
        return result("completed", 0)
    since = run.clock()
    talking = Talking(target.address, since)
    while True:
        act = yield talking
        duration = max(0, round(run.clock() - since))
        redirect = run.redirected()
        if redirect:
            leg("completed", "completed", duration)
            return ("redirected", redirect)
        if act == HANGUP:
            hear("hangup", "caller hung up")
            leg("completed", "completed", duration)
            return result("completed", duration, caller_gone=True)
        if isinstance(act, FarEnd) and act.act == "hangup":
            hear("dial-result", "far end hung up")
            leg("completed", "completed", duration)
            return result("completed", duration)


def targets_of(verb: ET.Element) -> list[Target]:
    """The nouns of a <Dial> (Number, Sip, Client), or its bare number."""
    found = []
    for noun in verb:
        if noun.tag not in ("Number", "Sip", "Client"):
            continue
        identity = noun.find("Identity")
        text = (identity.text if identity is not None else noun.text) or ""
        address = f"client:{text.strip()}" if noun.tag == "Client" else text.strip()
        callback = noun.get("statusCallback")
        events = tuple((noun.get("statusCallbackEvent") or "completed").split())
        found.append(Target(address, noun.get("url"), callback, events if callback else ()))
    if not found and (verb.text or "").strip():
        found.append(Target((verb.text or "").strip(), None, None, ()))
    return found


def far_end_hangs_up(doc: ET.Element | None, hear: Callable[..., None]) -> bool:
    """Play the far end's own TwiML (a whisper) to it; True when it hangs up there."""
    if doc is None:
        return True
    for verb in doc:
        if verb.tag == "Say":
            hear("say", verb.text or "", verb.get("language"), far=True)
        elif verb.tag == "Play":
            hear("play", verb.text or "", far=True)
        elif verb.tag == "Pause":
            hear("pause", verb.get("length", "1"), far=True)
        elif verb.tag == "Hangup":
            hear("hangup", far=True)
            return True
    return False

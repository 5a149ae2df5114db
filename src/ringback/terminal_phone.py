"""A terminal phone: plays Twilio's part of a call against a running ringback.

It signs and posts the voice webhooks as Twilio would, follows the TwiML it
gets back (Say, Play, Pause, Gather, Enqueue, Leave, Redirect, Hangup, Dial),
records what the caller hears and takes key presses from a keypad: the
keyboard for ``ringback call``, a script in the end-to-end tests.

The interpreter is a generator that stops whenever the caller must press
something, so a test can let a caller wait, act elsewhere (an agent answers,
the scheduler runs) and then go on with ``PhoneCall.press``.

It also plays the far end of a ``<Dial>`` (an agent's phone, SIP or softphone,
or a customer called back): the call stops at ``Ringing``, and the test or the
keyboard answers (``PhoneCall.answer``: the ``url`` TwiML of the dialled noun,
e.g. a whisper, plays to the far end), lets it ring out (``ring_out``) or hangs
up; once connected the call stops at ``Talking`` until either side hangs up
(``hang_up`` / ``far_end_hangs_up``). The ``<Dial action>`` then hears
DialCallStatus and DialCallDuration (measured with the phone's ``clock``), and
the dialled noun's ``statusCallback`` its answered/completed events.
``pick_up`` answers an outbound call ringback placed (the agent leg of a
callback) and runs its TwiML the same way.
"""

from __future__ import annotations

import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import cast

from twilio.request_validator import RequestValidator

HANGUP = "hangup"
"""Key input that hangs up instead of pressing keys."""


@dataclass(frozen=True)
class Heard:
    """One thing that happened on the line, in order."""

    kind: str  # say, play, pause, gather, enqueue, leave, dial, redirect, hangup, error
    text: str = ""
    language: str | None = None

    def __str__(self) -> str:
        lang = f":{self.language}" if self.language else ""
        return f"[{self.kind}{lang}] {self.text}".rstrip()


@dataclass(frozen=True)
class InputWanted:
    """The call waits at a <Gather> for keys (or silence)."""

    num_digits: int | None
    finish_on_key: str
    in_queue: bool


@dataclass(frozen=True)
class Holding:
    """The caller hears hold music in a queue (only with ``stop_on_hold``): a real
    hold lasts minutes, so the test acts now and then lets the caller go on."""

    music: str


@dataclass(frozen=True)
class Ringing:
    """A ``<Dial>`` rings the far end: ``answer``, ``ring_out`` or ``hang_up``."""

    to: tuple[str, ...]  # "+4930...", "sip:ana@pbx...", "client:ana"
    caller_id: str | None
    timeout: int


@dataclass(frozen=True)
class Talking:
    """Caller and far end are connected until one of them hangs up."""

    to: str
    since: float


Stop = InputWanted | Holding | Ringing | Talking


@dataclass(frozen=True)
class _FarEnd:
    """What the far end of a ``<Dial>`` does: answer, ring out (with a status), hang up."""

    act: str
    status: str = ""


@dataclass(frozen=True)
class _Target:
    """One noun of a ``<Dial>``: its address and the callbacks Twilio would make."""

    address: str
    url: str | None
    status_callback: str | None
    events: tuple[str, ...]


class WebhookFailed(RuntimeError):
    """ringback answered a webhook with something that is not TwiML."""


class Transport:
    """Posts signed webhook requests; the signature uses the public URL."""

    def __init__(self, server_url: str, public_url: str, auth_token: str) -> None:
        self._server = server_url.rstrip("/")
        self._public = public_url.rstrip("/")
        self._validator = RequestValidator(auth_token)

    def absolute(self, url: str, base: str) -> str:
        return urllib.parse.urljoin(base or self._public + "/", url)

    def post(self, public_url: str, params: dict[str, str]) -> tuple[int, str]:
        signature = self._validator.compute_signature(public_url, params)
        target = public_url
        if public_url.startswith(self._public):
            target = self._server + public_url[len(self._public):]
        request = urllib.request.Request(
            target,
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature,
                     "Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")


@dataclass
class PhoneCall:
    """A call in progress; ``heard`` grows as the call goes on."""

    call_sid: str
    heard: list[Heard] = field(default_factory=list)
    far_heard: list[Heard] = field(default_factory=list)  # what the far end of a <Dial> heard
    waiting_for: Stop | None = None
    ended: bool = False
    _steps: Generator[Stop, str | _FarEnd | None, None] | None = None

    def _advance(self, keys: str | _FarEnd | None) -> PhoneCall:
        assert self._steps is not None
        try:
            self.waiting_for = self._steps.send(keys)
        except StopIteration:
            self.waiting_for = None
            self.ended = True
        return self

    def press(self, keys: str | None) -> PhoneCall:
        """Answer the waiting <Gather>: digits, None for silence, HANGUP to hang up.

        At any other stop None goes on waiting (holding, ringing, talking)."""
        if self.ended:
            raise RuntimeError("the call has ended")
        if keys not in (None, HANGUP) and not isinstance(self.waiting_for, InputWanted):
            raise RuntimeError(f"no <Gather> to press keys at: {self.waiting_for}")
        return self._advance(keys)

    def wait(self) -> PhoneCall:
        """Let time pass: silence at a <Gather>, more hold music, more ringing or talking."""
        return self.press(None)

    def answer(self) -> PhoneCall:
        """The far end of the ringing <Dial> picks up."""
        return self._far_end(Ringing, _FarEnd("answer"))

    def ring_out(self, status: str = "no-answer") -> PhoneCall:
        """Nobody picks up before the <Dial> timeout (or ``busy`` / ``failed``)."""
        if status not in ("no-answer", "busy", "failed"):
            raise ValueError("status must be no-answer, busy or failed")
        return self._far_end(Ringing, _FarEnd("ring-out", status))

    def far_end_hangs_up(self) -> PhoneCall:
        """The connected far end hangs up; the caller goes on with the <Dial action>."""
        return self._far_end(Talking, _FarEnd("hangup"))

    def _far_end(self, stop: type, act: _FarEnd) -> PhoneCall:
        if self.ended or not isinstance(self.waiting_for, stop):
            raise RuntimeError(f"the call is not {stop.__name__.lower()}: {self.waiting_for}")
        return self._advance(act)

    def play(self, script: Iterable[str | None]) -> PhoneCall:
        """Answer several <Gather>s in turn, stopping early when the call ends."""
        for keys in script:
            if self.ended:
                break
            self.press(keys)
        return self

    def hang_up(self) -> PhoneCall:
        return self.press(HANGUP) if not self.ended else self

    def said(self) -> list[str]:
        return [h.text for h in self.heard if h.kind == "say"]

    def transcript(self) -> str:
        return "\n".join(str(h) for h in self.heard)


class TerminalPhone:
    """Places calls into ringback the way Twilio would deliver them."""

    def __init__(
        self,
        server_url: str,
        *,
        auth_token: str,
        public_url: str | None = None,
        account_sid: str = "AC" + "0" * 32,
        redirects: Callable[[str], str | None] | None = None,
        on_heard: Callable[[Heard], None] | None = None,
        max_requests: int = 500,
        stop_on_hold: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._transport = Transport(server_url, public_url or server_url, auth_token)
        self._public = (public_url or server_url).rstrip("/")
        self._account_sid = account_sid
        self._redirects = redirects or (lambda _sid: None)
        self._on_heard = on_heard
        self._max_requests = max_requests
        self._stop_on_hold = stop_on_hold
        self._clock = clock

    def dial(self, to: str, from_: str, *, call_sid: str | None = None) -> PhoneCall:
        """Start an inbound call; runs until the caller must press something."""
        call = PhoneCall(call_sid or _new_sid())
        base = self._params(call.call_sid, to, from_, "inbound")
        call._steps = self._run(call, f"{self._public}/twilio/voice", base,
                                {"CallStatus": "ringing"}, f"{self._public}/twilio/status")
        return call._advance(None)

    def pick_up(self, url: str, *, to: str, from_: str, call_sid: str,
                status_callback: str | None = None) -> PhoneCall:
        """Answer an outbound call ringback placed (``url`` is the call's TwiML, e.g. the
        agent leg of a callback); runs until the call must wait for something."""
        call = PhoneCall(call_sid)
        base = self._params(call_sid, to, from_, "outbound-api")
        call._steps = self._run(call, url, base, {}, status_callback)
        return call._advance(None)

    def _params(self, call_sid: str, to: str, from_: str, direction: str) -> dict[str, str]:
        return {"AccountSid": self._account_sid, "CallSid": call_sid, "From": from_,
                "To": to, "Direction": direction, "ApiVersion": "2010-04-01"}

    # The interpreter ------------------------------------------------------

    def _run(self, call: PhoneCall, start_url: str, base: dict[str, str],
             first: dict[str, str], status_url: str | None
             ) -> Generator[Stop, str | _FarEnd | None, None]:
        requests = 0
        transport = self._transport

        def hear(kind: str, text: str = "", language: str | None = None,
                 far: bool = False) -> None:
            item = Heard(kind, text.strip(), language)
            (call.far_heard if far else call.heard).append(item)
            if self._on_heard and not far:
                self._on_heard(item)

        def fetch(url: str, extra: dict[str, str],
                  params: dict[str, str] | None = None) -> ET.Element | None:
            nonlocal requests
            requests += 1
            if requests > self._max_requests:
                hear("error", f"gave up after {self._max_requests} requests")
                return None
            status, body = transport.post(url, {**(params or base), "CallStatus": "in-progress",
                                                **extra})
            if status != 200:
                hear("error", f"HTTP {status} from {url}")
                return None
            try:
                root = ET.fromstring(body)
            except ET.ParseError as exc:
                raise WebhookFailed(f"{url} answered with invalid XML: {exc}") from None
            if root.tag != "Response":
                raise WebhookFailed(f"{url} answered <{root.tag}>, not <Response>")
            return root

        def dial(verb: ET.Element, url: str
                 ) -> Generator[Stop, str | _FarEnd | None, tuple[str, object] | None]:
            """Play the far end of a <Dial>; None goes on with the next verb."""
            targets = _targets(verb)
            target = targets[0] if targets else _Target("", None, None, ())
            action = verb.get("action")
            action_url = transport.absolute(action, url) if action else None
            dial_sid = _new_sid()
            far = {**base, "CallSid": dial_sid, "ParentCallSid": call.call_sid,
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
                return ("doc", (fetch(action_url, extra), action_url))

            ringing = Ringing(tuple(t.address for t in targets), verb.get("callerId"),
                              int(verb.get("timeout") or 30))
            while True:
                act = yield ringing
                redirect = self._redirects(call.call_sid)
                if redirect:  # the call moves on; Twilio drops the ringing leg
                    return ("redirected", redirect)
                if act == HANGUP:
                    hear("hangup", "caller hung up")
                    leg("completed", "canceled", 0)
                    return result("canceled", 0, caller_gone=True)
                if isinstance(act, _FarEnd) and act.act == "ring-out":
                    hear("dial-result", act.status)
                    leg("completed", act.status, 0)
                    return result(act.status, 0)
                if isinstance(act, _FarEnd) and act.act == "answer":
                    break
            hear("dial-result", "answered")
            leg("answered", "in-progress", 0)
            if target.url and _far_end_hangs_up(
                    fetch(transport.absolute(target.url, url), {}, far), hear):
                leg("completed", "completed", 0)
                return result("completed", 0)
            since = self._clock()
            talking = Talking(target.address, since)
            while True:
                act = yield talking
                duration = max(0, round(self._clock() - since))
                redirect = self._redirects(call.call_sid)
                if redirect:
                    leg("completed", "completed", duration)
                    return ("redirected", redirect)
                if act == HANGUP:
                    hear("hangup", "caller hung up")
                    leg("completed", "completed", duration)
                    return result("completed", duration, caller_gone=True)
                if isinstance(act, _FarEnd) and act.act == "hangup":
                    hear("dial-result", "far end hung up")
                    leg("completed", "completed", duration)
                    return result("completed", duration)

        def verbs_of(doc: ET.Element | None, url: str, in_queue: bool
                     ) -> Generator[Stop, str | _FarEnd | None, tuple[str, object]]:
            """Run one document. Returns (outcome, detail) for the caller to follow."""
            if doc is None:
                return ("end", None)
            for verb in list(doc):
                redirect = self._redirects(call.call_sid)
                if redirect:
                    return ("redirected", redirect)
                tag = verb.tag
                if tag == "Say":
                    hear("say", verb.text or "", verb.get("language"))
                elif tag == "Play":
                    hear("play", verb.text or "")
                    if in_queue and self._stop_on_hold:
                        keys = yield Holding(verb.text or "")
                        if keys == HANGUP:
                            hear("hangup", "caller hung up")
                            return ("hangup", None)
                elif tag == "Pause":
                    hear("pause", verb.get("length", "1"))
                elif tag == "Gather":
                    for inner in verb:
                        if inner.tag == "Say":
                            hear("say", inner.text or "", inner.get("language"))
                        elif inner.tag == "Play":
                            hear("play", inner.text or "")
                        elif inner.tag == "Pause":
                            hear("pause", inner.get("length", "1"))
                    num = verb.get("numDigits")
                    wanted = InputWanted(int(num) if num else None,
                                         verb.get("finishOnKey", "#"), in_queue=in_queue)
                    keys = yield wanted
                    if keys == HANGUP:
                        hear("hangup", "caller hung up")
                        return ("hangup", None)
                    redirect = self._redirects(call.call_sid)
                    if redirect:
                        return ("redirected", redirect)
                    if isinstance(keys, str) and keys:
                        digits = keys.rstrip(wanted.finish_on_key) if wanted.finish_on_key \
                            else keys
                        hear("gather", keys)
                        action = transport.absolute(verb.get("action", url), url)
                        return ("goto", (action, {"Digits": digits}))
                    if verb.get("actionOnEmptyResult") == "true":
                        action = transport.absolute(verb.get("action", url), url)
                        return ("goto", (action, {"Digits": ""}))
                elif tag == "Redirect":
                    hear("redirect", verb.text or "")
                    return ("goto", (transport.absolute(verb.text or url, url), {}))
                elif tag == "Hangup":
                    hear("hangup")
                    return ("hangup", None)
                elif tag == "Leave":
                    hear("leave")
                    return ("leave", None)
                elif tag == "Enqueue":
                    hear("enqueue", verb.text or "")
                    return ("enqueue", verb)
                elif tag == "Dial":
                    hear("dial", " ".join(t.strip() for t in verb.itertext() if t.strip()))
                    outcome = yield from dial(verb, url)
                    if outcome is not None:
                        return outcome
                else:
                    hear("error", f"unexpected verb <{tag}>")
            return ("end", None)

        url = start_url
        doc = fetch(url, first)
        queue: ET.Element | None = None  # the <Enqueue> we wait in, if any
        queue_url = url
        wait_rounds = 0
        while True:
            outcome, detail = yield from verbs_of(doc, url, queue is not None)
            if outcome == "enqueue":
                queue, queue_url = cast(ET.Element, detail), url
                wait_rounds = 0
                url = transport.absolute(queue.get("waitUrl", url), url)
                doc = fetch(url, self._queue_params(queue, wait_rounds))
                continue
            if outcome == "goto":
                url, params = cast(tuple[str, dict[str, str]], detail)
                doc = fetch(url, {**params, **self._queue_params(queue, wait_rounds)})
                continue
            if outcome == "doc":
                doc, url = cast(tuple[ET.Element | None, str], detail)
                continue
            if outcome in ("leave", "redirected") and queue is not None:
                result = "leave" if outcome == "leave" else "redirected"
                doc, url = self._leave_queue(fetch, queue, queue_url, result, wait_rounds)
                queue = None
                if outcome == "redirected":
                    url = transport.absolute(str(detail), url)
                    hear("redirect", url)
                    doc = fetch(url, {})
                continue
            if outcome == "redirected":
                url = transport.absolute(str(detail), url)
                hear("redirect", url)
                doc = fetch(url, {})
                continue
            if outcome == "end" and queue is not None and doc is not None:
                wait_rounds += 1  # Twilio asks the waitUrl again when its document ends
                url = transport.absolute(queue.get("waitUrl", queue_url), queue_url)
                doc = fetch(url, self._queue_params(queue, wait_rounds))
                continue
            if outcome == "hangup" and queue is not None:
                self._leave_queue(fetch, queue, queue_url, "hangup", wait_rounds)
            break
        if status_url:
            transport.post(transport.absolute(status_url, start_url),
                           {**base, "CallStatus": "completed", "CallDuration": "0"})

    def _queue_params(self, queue: ET.Element | None, rounds: int) -> dict[str, str]:
        if queue is None:
            return {}
        return {"QueueSid": "QU" + "0" * 32, "QueueTime": str(rounds * 10),
                "QueuePosition": "1", "CurrentQueueSize": "1", "AvgQueueTime": "0"}

    def _leave_queue(self, fetch: Callable[[str, dict[str, str]], ET.Element | None],
                     queue: ET.Element, queue_url: str, result: str, rounds: int
                     ) -> tuple[ET.Element | None, str]:
        action = queue.get("action")
        if not action:
            return None, queue_url
        url = self._transport.absolute(action, queue_url)
        doc = fetch(url, {"QueueResult": result, "QueueSid": "QU" + "0" * 32,
                          "QueueTime": str(rounds * 10)})
        return (None if result == "hangup" else doc), url


def _new_sid() -> str:
    return "CA" + secrets.token_hex(16)


def _targets(verb: ET.Element) -> list[_Target]:
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
        found.append(_Target(address, noun.get("url"), callback, events if callback else ()))
    if not found and (verb.text or "").strip():
        found.append(_Target((verb.text or "").strip(), None, None, ()))
    return found


def _far_end_hangs_up(doc: ET.Element | None,
                      hear: Callable[..., None]) -> bool:
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

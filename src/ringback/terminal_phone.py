"""A terminal phone: plays Twilio's part of a call against a running ringback.

It signs and posts the voice webhooks as Twilio would, follows the TwiML it
gets back (Say, Play, Pause, Gather, Enqueue, Leave, Redirect, Hangup, Dial),
records what the caller hears and takes key presses from a keypad: the
keyboard for ``ringback call``, a script in the end-to-end tests.

The interpreter is a generator that stops whenever the caller must press
something, so a test can let a caller wait, act elsewhere (an agent answers,
the scheduler runs) and then go on with ``PhoneCall.press``.
"""

from __future__ import annotations

import secrets
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
    waiting_for: InputWanted | None = None
    ended: bool = False
    _steps: Generator[InputWanted, str | None, None] | None = None

    def _advance(self, keys: str | None) -> PhoneCall:
        assert self._steps is not None
        try:
            self.waiting_for = self._steps.send(keys)
        except StopIteration:
            self.waiting_for = None
            self.ended = True
        return self

    def press(self, keys: str | None) -> PhoneCall:
        """Answer the waiting <Gather>: digits, None for silence, HANGUP to hang up."""
        if self.ended:
            raise RuntimeError("the call has ended")
        return self._advance(keys)

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
    ) -> None:
        self._transport = Transport(server_url, public_url or server_url, auth_token)
        self._public = (public_url or server_url).rstrip("/")
        self._account_sid = account_sid
        self._redirects = redirects or (lambda _sid: None)
        self._on_heard = on_heard
        self._max_requests = max_requests

    def dial(self, to: str, from_: str, *, call_sid: str | None = None) -> PhoneCall:
        """Start an inbound call; runs until the caller must press something."""
        call = PhoneCall(call_sid or "CA" + secrets.token_hex(16))
        call._steps = self._run(call, to, from_)
        return call._advance(None)

    # The interpreter ------------------------------------------------------

    def _run(self, call: PhoneCall, to: str, from_: str
             ) -> Generator[InputWanted, str | None, None]:
        base = {"AccountSid": self._account_sid, "CallSid": call.call_sid, "From": from_,
                "To": to, "Direction": "inbound", "ApiVersion": "2010-04-01"}
        requests = 0

        def hear(kind: str, text: str = "", language: str | None = None) -> None:
            item = Heard(kind, text.strip(), language)
            call.heard.append(item)
            if self._on_heard:
                self._on_heard(item)

        def fetch(url: str, extra: dict[str, str]) -> ET.Element | None:
            nonlocal requests
            requests += 1
            if requests > self._max_requests:
                hear("error", f"gave up after {self._max_requests} requests")
                return None
            status, body = self._transport.post(url, {**base, "CallStatus": "in-progress",
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

        def verbs_of(doc: ET.Element | None, url: str
                     ) -> Generator[InputWanted, str | None, tuple[str, object]]:
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
                                         verb.get("finishOnKey", "#"), in_queue=False)
                    keys = yield wanted
                    if keys == HANGUP:
                        hear("hangup", "caller hung up")
                        return ("hangup", None)
                    redirect = self._redirects(call.call_sid)
                    if redirect:
                        return ("redirected", redirect)
                    if keys:
                        digits = keys.rstrip(wanted.finish_on_key) if wanted.finish_on_key \
                            else keys
                        hear("gather", keys)
                        action = self._transport.absolute(verb.get("action", url), url)
                        return ("goto", (action, {"Digits": digits}))
                    if verb.get("actionOnEmptyResult") == "true":
                        action = self._transport.absolute(verb.get("action", url), url)
                        return ("goto", (action, {"Digits": ""}))
                elif tag == "Redirect":
                    hear("redirect", verb.text or "")
                    return ("goto", (self._transport.absolute(verb.text or url, url), {}))
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
                    return ("dial", verb)
                else:
                    hear("error", f"unexpected verb <{tag}>")
            return ("end", None)

        url = f"{self._public}/twilio/voice"
        doc = fetch(url, {"CallStatus": "ringing"})
        queue: ET.Element | None = None  # the <Enqueue> we wait in, if any
        queue_url = url
        wait_rounds = 0
        while True:
            outcome, detail = yield from verbs_of(doc, url)
            if outcome == "enqueue":
                queue, queue_url = cast(ET.Element, detail), url
                wait_rounds = 0
                url = self._transport.absolute(queue.get("waitUrl", url), url)
                doc = fetch(url, self._queue_params(queue, wait_rounds))
                continue
            if outcome == "goto":
                url, params = cast(tuple[str, dict[str, str]], detail)
                doc = fetch(url, {**params, **self._queue_params(queue, wait_rounds)})
                continue
            if outcome in ("leave", "redirected") and queue is not None:
                result = "leave" if outcome == "leave" else "redirected"
                doc, url = self._leave_queue(fetch, queue, queue_url, result, wait_rounds)
                queue = None
                if outcome == "redirected":
                    url = self._transport.absolute(str(detail), url)
                    hear("redirect", url)
                    doc = fetch(url, {})
                continue
            if outcome == "redirected":
                url = self._transport.absolute(str(detail), url)
                hear("redirect", url)
                doc = fetch(url, {})
                continue
            if outcome == "end" and queue is not None and doc is not None:
                wait_rounds += 1  # Twilio asks the waitUrl again when its document ends
                url = self._transport.absolute(queue.get("waitUrl", queue_url), queue_url)
                doc = fetch(url, self._queue_params(queue, wait_rounds))
                continue
            if outcome == "hangup" and queue is not None:
                self._leave_queue(fetch, queue, queue_url, "hangup", wait_rounds)
            break
        self._transport.post(f"{self._public}/twilio/status",
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

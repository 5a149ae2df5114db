"""The TwiML of one call, followed request by request, as Twilio would.

``CallRun.run`` is a generator: it yields a stop (``InputWanted``,
``Holding``, ``Ringing``, ``Talking``) whenever the caller or the far end
must act, and is sent what they do. Between stops it posts the webhooks,
records what is heard and follows ``<Enqueue>`` (the waitUrl loop and the
action), ``<Redirect>``, ``<Gather>`` actions and REST redirects.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Generator
from typing import cast

from ringback.terminal_phone.call import (
    HANGUP,
    Heard,
    Holding,
    InputWanted,
    PhoneCall,
    Sent,
    Stop,
)
from ringback.terminal_phone.dial import play_dial
from ringback.terminal_phone.transport import Transport, WebhookFailed

QUEUE_SID = "QU" + "0" * 32


class CallRun:
    """One call's interpreter state: its parameters, request count and hooks."""

    def __init__(self, call: PhoneCall, transport: Transport, base: dict[str, str], *,
                 redirects: Callable[[str], str | None],
                 on_heard: Callable[[Heard], None] | None, max_requests: int,
                 stop_on_hold: bool, clock: Callable[[], float]) -> None:
        self.call = call
        self.transport = transport
        self.base = base
        self.clock = clock
        self._redirects = redirects
        self._on_heard = on_heard
        self._max_requests = max_requests
        self._stop_on_hold = stop_on_hold
        self._requests = 0

    def hear(self, kind: str, text: str = "", language: str | None = None,
             far: bool = False) -> None:
        item = Heard(kind, text.strip(), language)
        (self.call.far_heard if far else self.call.heard).append(item)
        if self._on_heard and not far:
            self._on_heard(item)

    def redirected(self) -> str | None:
        """Where a REST redirect moved the call since we last looked, if anywhere."""
        return self._redirects(self.call.call_sid)

    def fetch(self, url: str, extra: dict[str, str],
              params: dict[str, str] | None = None) -> ET.Element | None:
        """POST the webhook; its TwiML, or None (heard as an error) when it failed."""
        self._requests += 1
        if self._requests > self._max_requests:
            self.hear("error", f"gave up after {self._max_requests} requests")
            return None
        status, body = self.transport.post(url, {**(params or self.base),
                                                 "CallStatus": "in-progress", **extra})
        if status != 200:
            self.hear("error", f"HTTP {status} from {url}")
            return None
        try:
            root = ET.fromstring(body)
        except ET.ParseError as exc:
            raise WebhookFailed(f"{url} answered with invalid XML: {exc}") from None
        if root.tag != "Response":
            raise WebhookFailed(f"{url} answered <{root.tag}>, not <Response>")
        return root

    def run(self, start_url: str, first: dict[str, str], status_url: str | None
            ) -> Generator[Stop, Sent, None]:
        transport = self.transport
        url = start_url
        doc = self.fetch(url, first)
        queue: ET.Element | None = None  # the <Enqueue> we wait in, if any
        queue_url = url
        wait_rounds = 0
        while True:
            outcome, detail = yield from self._verbs_of(doc, url, queue is not None)
            if outcome == "enqueue":
                queue, queue_url = cast(ET.Element, detail), url
                wait_rounds = 0
                url = transport.absolute(queue.get("waitUrl", url), url)
                doc = self.fetch(url, _queue_params(queue, wait_rounds))
                continue
            if outcome == "goto":
                url, params = cast(tuple[str, dict[str, str]], detail)
                doc = self.fetch(url, {**params, **_queue_params(queue, wait_rounds)})
                continue
            if outcome == "doc":
                doc, url = cast(tuple[ET.Element | None, str], detail)
                continue
            if outcome in ("leave", "redirected") and queue is not None:
                result = "leave" if outcome == "leave" else "redirected"
                doc, url = self._leave_queue(queue, queue_url, result, wait_rounds)
                queue = None
                if outcome == "redirected":
                    url = transport.absolute(str(detail), url)
                    self.hear("redirect", url)
                    doc = self.fetch(url, {})
                continue
            if outcome == "redirected":
                url = transport.absolute(str(detail), url)
                self.hear("redirect", url)
                doc = self.fetch(url, {})
                continue
            if outcome == "end" and queue is not None and doc is not None:
                wait_rounds += 1  # Twilio asks the waitUrl again when its document ends
                url = transport.absolute(queue.get("waitUrl", queue_url), queue_url)
                doc = self.fetch(url, _queue_params(queue, wait_rounds))
                continue
            if outcome == "hangup" and queue is not None:
                self._leave_queue(queue, queue_url, "hangup", wait_rounds)
            break
        if status_url:
            transport.post(transport.absolute(status_url, start_url),
                           {**self.base, "CallStatus": "completed", "CallDuration": "0"})

    def _verbs_of(self, doc: ET.Element | None, url: str, in_queue: bool
                  ) -> Generator[Stop, Sent, tuple[str, object]]:
        """Run one document. Returns (outcome, detail) for ``run`` to follow."""
        if doc is None:
            return ("end", None)
        hear, transport = self.hear, self.transport
        for verb in list(doc):
            redirect = self.redirected()
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
                redirect = self.redirected()
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
                outcome = yield from play_dial(self, verb, url)
                if outcome is not None:
                    return outcome
            else:
                hear("error", f"unexpected verb <{tag}>")
        return ("end", None)

    def _leave_queue(self, queue: ET.Element, queue_url: str, result: str, rounds: int
                     ) -> tuple[ET.Element | None, str]:
        """The ``<Enqueue action>`` with its QueueResult; its TwiML unless the caller hung up."""
        action = queue.get("action")
        if not action:
            return None, queue_url
        url = self.transport.absolute(action, queue_url)
        doc = self.fetch(url, {"QueueResult": result, "QueueSid": QUEUE_SID,
                               "QueueTime": str(rounds * 10)})
        return (None if result == "hangup" else doc), url


def _queue_params(queue: ET.Element | None, rounds: int) -> dict[str, str]:
    if queue is None:
        return {}
    return {"QueueSid": QUEUE_SID, "QueueTime": str(rounds * 10),
            "QueuePosition": "1", "CurrentQueueSize": "1", "AvgQueueTime": "0"}

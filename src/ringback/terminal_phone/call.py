"""A call on the terminal phone, and the places it stops for the caller to act."""

from __future__ import annotations

import secrets
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field

HANGUP = "hangup"
"""Key input that hangs up instead of pressing keys."""


def new_call_sid() -> str:
    return "CA" + secrets.token_hex(16)


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
class FarEnd:
    """What the far end of a ``<Dial>`` does: answer, ring out (with a status), hang up."""

    act: str
    status: str = ""


# What the caller or the far end does at a stop: keys (or HANGUP), silence, or a FarEnd act.
Sent = str | FarEnd | None


@dataclass
class PhoneCall:
    """A call in progress; ``heard`` grows as the call goes on."""

    call_sid: str
    heard: list[Heard] = field(default_factory=list)
    far_heard: list[Heard] = field(default_factory=list)  # what the far end of a <Dial> heard
    waiting_for: Stop | None = None
    ended: bool = False
    _steps: Generator[Stop, Sent, None] | None = None

    def start(self, steps: Generator[Stop, Sent, None]) -> PhoneCall:
        """Run ``steps`` (the interpreter) until its first stop."""
        self._steps = steps
        return self._advance(None)

    def _advance(self, keys: Sent) -> PhoneCall:
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
        return self._far_end(Ringing, FarEnd("answer"))

    def ring_out(self, status: str = "no-answer") -> PhoneCall:
        """Nobody picks up before the <Dial> timeout (or ``busy`` / ``failed``)."""
        if status not in ("no-answer", "busy", "failed"):
            raise ValueError("status must be no-answer, busy or failed")
        return self._far_end(Ringing, FarEnd("ring-out", status))

    def far_end_hangs_up(self) -> PhoneCall:
        """The connected far end hangs up; the caller goes on with the <Dial action>."""
        return self._far_end(Talking, FarEnd("hangup"))

    def _far_end(self, stop: type, act: FarEnd) -> PhoneCall:
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

"""What the console says when the engine refuses an agent's action, in the agent's words.

The engine's messages name states and ids for the API and the logs ("agent 2
cannot take a call while logged_out"); an agent reads what to do next ("You
are Away: go Available to take calls"). Nothing here knows Flask.
"""

from __future__ import annotations

import re

from ringback.errors import Conflict, ValidationError

SET_PHONE = ("Set your phone first: enter the number, SIP address or browser phone your "
             "calls should ring in \u201cYour phone\u201d on the Live queue page.")
NAME_QUEUES = "Choose the queues you take calls from, then press Available again."
# What an agent in each state is told when that state stands in the way.
IN_STATE = {
    "logged_out": "You are Away: go Available to take calls.",
    "away": "You are Away: go Available to take calls.",
    "missed": "You let the last call ring out and are Away now: go Available to take calls.",
    "busy": "You are on a call: finish it first.",
    "offered": "A caller is offered to you already: accept or pass it first.",
    "wrap_up": "You are wrapping up your last call: finish it first.",
}
_WHILE = re.compile(r"cannot take a call while (\w+)")
_IS_STATE = re.compile(r"^agent \S+ is (\w+); finish that first")
TAKEN = "Another agent has this caller already."
NO_LONGER_YOURS = "This caller is no longer offered to you: the offer ended or went to " \
                  "another agent."


def refusal_words(exc: Exception) -> str:
    """The agent's words for a refusal of the live board."""
    if isinstance(exc, ValidationError):
        if "endpoint" in exc.errors or "agent" in exc.errors:
            return SET_PHONE
        if any(name.startswith("queues") for name in exc.errors):
            return NAME_QUEUES
        return _sentence("; ".join(exc.errors.values()))
    text = str(exc)
    state = _WHILE.search(text) or _IS_STATE.search(text)
    if state and state.group(1) in IN_STATE:
        return IN_STATE[state.group(1)]
    if isinstance(exc, Conflict):
        if "already with an agent" in text or "already being called" in text \
                or "offered to another agent" in text:
            return TAKEN
        if "no longer yours" in text or "is not offered to agent" in text:
            return NO_LONGER_YOURS
    return _sentence(text)


def _sentence(text: str) -> str:
    return (text[:1].upper() + text[1:]).rstrip(".") + "."

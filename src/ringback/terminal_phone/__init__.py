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

Modules: ``call`` (the call and where it stops), ``transport`` (signed
requests), ``interpreter`` (the TwiML of one call), ``dial`` (the far end of a
``<Dial>``), ``phone`` (``TerminalPhone``, which places and answers calls).
"""

from ringback.terminal_phone.call import (
    HANGUP,
    Heard,
    Holding,
    InputWanted,
    PhoneCall,
    Ringing,
    Stop,
    Talking,
)
from ringback.terminal_phone.phone import TerminalPhone
from ringback.terminal_phone.transport import Transport, WebhookFailed

__all__ = [
    "HANGUP",
    "Heard",
    "Holding",
    "InputWanted",
    "PhoneCall",
    "Ringing",
    "Stop",
    "Talking",
    "TerminalPhone",
    "Transport",
    "WebhookFailed",
]

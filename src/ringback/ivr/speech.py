"""How prompts and greetings become ``<Say>`` and ``<Play>`` verbs.

Shared by the TwiML builders so every sentence is spoken with the voice and
language of its ``Prompts``, and an admin's recording replaces the shipped
sentence wherever one is configured.
"""

from __future__ import annotations

from twilio.twiml import TwiML

from ringback.ivr.config import Greeting
from ringback.ivr.prompts import PromptKey, Prompts


def say(node: TwiML, prompts: Prompts, text: str) -> None:
    node.say(text, voice=prompts.voice, language=prompts.say_language)


def say_prompt(node: TwiML, prompts: Prompts, key: PromptKey) -> None:
    say(node, prompts, prompts.text(key))


def speak(
    node: TwiML, prompts: Prompts, greeting: Greeting | None, default: PromptKey | None
) -> None:
    """The number's own greeting (recording or text), else the shipped prompt ``default``
    (nothing when there is none)."""
    if greeting is not None and greeting.audio_url:
        node.play(greeting.audio_url)
    elif greeting is not None and greeting.text:
        say(node, prompts, greeting.text)
    elif default is not None:
        say_prompt(node, prompts, default)

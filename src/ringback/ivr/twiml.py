"""TwiML for a call outside the queue: answering, the menu, joining the queue,
and what the caller hears after leaving it.

Each function is pure: configuration, prompts, call state and a ``Urls`` in,
a TwiML document out. The documents played while the caller is inside the
queue (``<Enqueue waitUrl>``) are in ``ringback.ivr.twiml_queue``, because
only a few verbs are allowed there.
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ringback.ivr.config import Greeting, NumberConfig, OverflowKind
from ringback.ivr.flow import MenuProblem
from ringback.ivr.prompts import PromptKey, Prompts, PromptsError, prompts_for
from ringback.ivr.speech import say, say_prompt, speak
from ringback.ivr.state import CallState
from ringback.ivr.urls import Route, Urls

MENU_TIMEOUT_SECONDS = 5
VOICEMAIL_MAX_SECONDS = 120
VOICEMAIL_SILENCE_SECONDS = 5
# The last words when even the prompts cannot be loaded.
LAST_RESORT = "We are sorry, a technical problem has occurred. Please try again later. Goodbye."

MENU_PROBLEM_PROMPTS = {
    MenuProblem.NO_INPUT: PromptKey.MENU_NO_INPUT,
    MenuProblem.INVALID: PromptKey.MENU_INVALID,
}


def welcome_and_menu(cfg: NumberConfig, prompts: Prompts, urls: Urls) -> str:
    """Answer a new call: the welcome, then the menu (keys may be pressed at once).

    Without a menu, the welcome is followed by a redirect to the menu route,
    which sends the caller to the number's queue (``flow.decide_menu``).
    """
    response = VoiceResponse()
    if cfg.menu:
        _menu(response, cfg, prompts, urls, CallState(), welcome=True)
    else:
        speak(response, prompts, cfg.greetings.welcome, PromptKey.WELCOME)
        response.redirect(urls(Route.MENU), method="POST")
    return str(response)


def menu_retry(
    cfg: NumberConfig, prompts: Prompts, urls: Urls, state: CallState, problem: MenuProblem
) -> str:
    """Say what was wrong (nothing pressed, or a key not in the menu) and ask again."""
    response = VoiceResponse()
    say_prompt(response, prompts, MENU_PROBLEM_PROMPTS[problem])
    _menu(response, cfg, prompts, urls, state, welcome=False)
    return str(response)


def menu_message(
    cfg: NumberConfig, prompts: Prompts, urls: Urls, message: Greeting | None, state: CallState
) -> str:
    """A menu option that only informs: its message, then the menu again."""
    response = VoiceResponse()
    speak(response, prompts, message, None)
    _menu(response, cfg, prompts, urls, state, welcome=False)
    return str(response)


def _menu(
    response: VoiceResponse,
    cfg: NumberConfig,
    prompts: Prompts,
    urls: Urls,
    state: CallState,
    *,
    welcome: bool,
) -> None:
    action = urls(Route.MENU, state.to_params())
    gather = response.gather(
        num_digits=1, timeout=MENU_TIMEOUT_SECONDS, action=action, method="POST"
    )
    if welcome:
        speak(gather, prompts, cfg.greetings.welcome, PromptKey.WELCOME)
    speak(gather, prompts, cfg.greetings.menu, None)
    # <Gather> does not call its action when nothing was pressed; this does.
    response.redirect(action, method="POST")


def enqueue(
    cfg: NumberConfig, prompts: Prompts, urls: Urls, queue_id: str, *,
    default_route: bool = False, preface: PromptKey | None = None,
) -> str:
    """Put the caller into Twilio's queue named ``queue_id`` (media only: the
    Redis queue decides order). ``default_route`` tells the caller the menu
    gave up and they are being put through; ``preface`` says something else first."""
    response = VoiceResponse()
    if default_route:
        preface = PromptKey.MENU_DEFAULT_ROUTE
    if preface is not None:
        say_prompt(response, prompts, preface)
    params = CallState(queue=queue_id).to_params()
    response.enqueue(
        queue_id,
        action=urls(Route.QUEUE_EXIT, params),
        method="POST",
        wait_url=urls(Route.WAIT, params),
        wait_url_method="POST",
    )
    return str(response)


def confirmation_and_hangup(cfg: NumberConfig, prompts: Prompts) -> str:
    """After ``<Leave>`` for a confirmed callback: the confirmation, then hang up."""
    response = VoiceResponse()
    speak(response, prompts, cfg.greetings.callback_confirmation, PromptKey.CALLBACK_CONFIRMATION)
    response.hangup()
    return str(response)


def overflow(cfg: NumberConfig, prompts: Prompts, urls: Urls, queue_id: str) -> str:
    """After ``<Leave>`` at max wait: a closing message, or a voicemail recording
    whose ``<Record action>`` becomes a ticket."""
    response = VoiceResponse()
    if cfg.overflow.kind is OverflowKind.VOICEMAIL:
        speak(response, prompts, cfg.overflow.message, PromptKey.VOICEMAIL)
        response.record(
            action=urls(Route.VOICEMAIL, CallState(queue=queue_id).to_params()),
            method="POST",
            max_length=VOICEMAIL_MAX_SECONDS,
            timeout=VOICEMAIL_SILENCE_SECONDS,
            finish_on_key="#",
            play_beep=True,
        )
        # Reached only when nothing was recorded: Twilio then skips the action.
        say_prompt(response, prompts, PromptKey.GOODBYE)
    else:
        speak(response, prompts, cfg.overflow.message, PromptKey.OVERFLOW)
    response.hangup()
    return str(response)


def voicemail_saved(prompts: Prompts) -> str:
    return say_and_hang_up(prompts, PromptKey.VOICEMAIL_SAVED)


def goodbye(prompts: Prompts) -> str:
    return say_and_hang_up(prompts, PromptKey.GOODBYE)


def hangup() -> str:
    """For an ``<Enqueue action>`` after the call already ended (bridged, hung up)."""
    response = VoiceResponse()
    response.hangup()
    return str(response)


def unknown_number(prompts: Prompts) -> str:
    """A call to a number ringback has no configuration for."""
    return say_and_hang_up(prompts, PromptKey.UNKNOWN_NUMBER)


def fallback_sorry(prompts: Prompts | None = None) -> str:
    """The answer to any unexpected error: an apology and hang up. Never raises,
    so the web edge can always give Twilio valid TwiML."""
    response = VoiceResponse()
    try:
        chosen = prompts or prompts_for(None, None)
        say_prompt(response, chosen, PromptKey.SORRY)
    except (PromptsError, KeyError, ValueError):
        response = VoiceResponse()
        response.say(LAST_RESORT, language="en-US")
    response.hangup()
    return str(response)


def say_and_hang_up(prompts: Prompts, key: PromptKey) -> str:
    """One prompt, then ``<Hangup>``: also what agents hear when a call is gone."""
    response = VoiceResponse()
    say(response, prompts, prompts.text(key))
    response.hangup()
    return str(response)

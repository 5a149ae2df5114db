"""The collaborators of the callback lifecycle, as one object.

The lifecycle's jobs (dialing, outcomes, expiry) share these;
``Services.callback_parts`` puts them together once per process, and a test
can also build them by hand around a stand-in telephony or ticket sink.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

import phonenumbers

from ringback.agents import AgentDirectory
from ringback.callbacks.records import CallbackRecords
from ringback.callbacks.urls import OutboundUrls
from ringback.clock import Clock
from ringback.errors import ValidationError
from ringback.numbers import NumberDirectory
from ringback.queue.service import QueueService
from ringback.scheduler.deadlines import Deadlines
from ringback.telephony import Telephony
from ringback.tickets import TicketSink

log = logging.getLogger(__name__)

# The countries a business number may call back: its own, until the number's
# configuration says otherwise (see ``allowed_countries_from``).
AllowedCountries = Callable[[str], Iterable[str]]


def home_country(business_number: str) -> tuple[str, ...]:
    """The business number's own country: the IVR's default allow-list."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(business_number))
    except phonenumbers.NumberParseException:
        return ()
    return (region,) if region and region != "ZZ" else ()


def allowed_countries_from(directory: NumberDirectory) -> AllowedCountries:
    """The allow-list of each business number's configuration, else its own country."""

    def allowed(business_number: str) -> Iterable[str]:
        try:
            config = directory.find(business_number)
        except ValidationError:  # a stored configuration the rules no longer accept
            log.warning("number %s: configuration unreadable; its own country only",
                        business_number)
            config = None
        if config is None:
            return home_country(business_number)
        return config.callback.allowed_countries or home_country(business_number)

    return allowed


def configured_queue_ids(numbers: NumberDirectory) -> set[str]:
    """Every queue a configured number sends callers to (its own and its menu's)."""
    found: set[str] = set()
    try:
        configs = numbers.all()
    except ValidationError:
        log.warning("a number's configuration is unreadable; its queues are not listed")
        return found
    for config in configs:
        found.add(config.queue_id)
        found.update(option.queue_id for option in config.menu if option.queue_id)
    return found


@dataclass(frozen=True)
class CallbackParts:
    queue: QueueService
    deadlines: Deadlines
    records: CallbackRecords
    tickets: TicketSink
    telephony: Telephony
    agents: AgentDirectory
    urls: OutboundUrls
    clock: Clock
    allowed_countries: AllowedCountries
    expiry_seconds: int
    # The business's own numbers, never dialled as a callback (NumberDirectory.own_numbers).
    own_numbers: Callable[[], Collection[str]] = frozenset


"""The collaborators of the callback lifecycle, built once from a process's Services.

The lifecycle's jobs (dialing, outcomes, expiry, queue timers) share these;
``CallbackParts.from_services`` is where they are put together, so a test can
also build them by hand around a stand-in telephony or ticket sink.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import phonenumbers

from ringback.agents import AgentDirectory
from ringback.callbacks.records import CallbackRecords
from ringback.callbacks.urls import OutboundUrls
from ringback.clock import Clock
from ringback.errors import ValidationError
from ringback.queue.service import QueueService
from ringback.scheduler.deadlines import Deadlines
from ringback.telephony import Telephony
from ringback.tickets import TicketSink

if TYPE_CHECKING:
    from ringback.services import Services

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


def allowed_countries_from(services: Services) -> AllowedCountries:
    """The allow-list of each business number's configuration, else its own country."""
    directory = services.numbers

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


def configured_queue_ids(services: Services) -> set[str]:
    """Every queue a configured number sends callers to (its own and its menu's)."""
    found: set[str] = set()
    try:
        configs = services.numbers.all()
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

    @classmethod
    def from_services(cls, services: Services) -> CallbackParts:
        return cls(
            queue=services.queue,
            deadlines=services.deadlines,
            records=CallbackRecords(services.db, services.clock),
            tickets=services.tickets,
            telephony=services.telephony,
            agents=services.agents,
            urls=OutboundUrls(services.settings.public_base_url),
            clock=services.clock,
            allowed_countries=allowed_countries_from(services),
            expiry_seconds=services.settings.callback_expiry_seconds,
            own_numbers=services.numbers.own_numbers,
        )

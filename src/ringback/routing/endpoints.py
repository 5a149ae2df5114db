"""Where calls reach an agent: a phone number, a SIP URI or a browser softphone.

An agent's ``endpoint`` (stored as text on the agent) is one of

- ``+4930123456``: an E.164 phone number, valid for its country and never a
  number the toll-fraud guard refuses by its kind (premium-rate, shared-cost,
  personal, UAN, satellite and other non-geographic codes: ringback pays for
  the call to the agent);
- ``sip:user@host``: a SIP URI (``sips:`` too), Twilio's ``<Sip>`` noun;
- ``client:identity``: a Twilio Client identity, the browser softphone that
  logs in with an access token minted by ringback.

``parse_endpoint`` checks one and gives it back in canonical form; bad input
raises ``ValidationError`` naming the field and the rule.  Given the
account's ``EndpointRules`` it also keeps the toll-fraud rules that depend
on the installation: a phone must be in a country the business numbers call
back and must not be a business number; a SIP URI's host must be one of
``RINGBACK_SIP_DOMAINS`` (none set: no SIP endpoints at all).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import Enum

import phonenumbers

from ringback.errors import ValidationError
from ringback.ivr.callback_number import RejectReason, costly_kind

# Twilio Client identities: letters, digits and _ . - @ (no spaces), at most 121 characters.
_IDENTITY = re.compile(r"^[A-Za-z0-9_.@-]{1,121}$")
_SIP_USER = re.compile(r"^[A-Za-z0-9_.!~*'()&=+$,;?/%-]{1,64}$")
_SIP_HOST = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:[0-9]{1,5})?$"
)
MAX_LENGTH = 300  # the agents table's column

RULE = ("must be an E.164 phone number such as +4930123456, a SIP URI such as "
        "sip:ana@pbx.example.com, or a softphone identity such as client:ana")
COSTLY = {
    RejectReason.PREMIUM_OR_SHARED_COST: "a premium-rate or shared-cost number",
    RejectReason.PERSONAL_OR_UAN: "a personal or universal access number",
    RejectReason.SATELLITE_OR_GLOBAL: "a satellite or international service number",
}


@dataclass(frozen=True)
class EndpointRules:
    """The installation's toll-fraud rules for agents' endpoints.

    ``countries``: where an agent's phone may be, the countries the business
    numbers call back (None while no number is configured: nothing rings yet);
    ``own_numbers``: the business numbers, never an agent's phone (the call
    would come back into our own IVR); ``sip_domains``: the hosts a SIP URI
    may name, from ``RINGBACK_SIP_DOMAINS``.
    """

    countries: frozenset[str] | None = None
    own_numbers: frozenset[str] = frozenset()
    sip_domains: frozenset[str] = frozenset()

    @classmethod
    def of(cls, countries: Iterable[str] | None, own_numbers: Collection[str],
           sip_domains: Iterable[str]) -> EndpointRules:
        return cls(None if countries is None else frozenset(c.upper() for c in countries),
                   frozenset(own_numbers), frozenset(d.lower() for d in sip_domains))


class EndpointKind(str, Enum):
    PHONE = "phone"
    SIP = "sip"
    CLIENT = "client"


@dataclass(frozen=True)
class Endpoint:
    """A checked endpoint; ``address`` is what goes into the ``<Dial>`` noun
    (the number, the whole SIP URI, or the bare client identity)."""

    kind: EndpointKind
    address: str

    def __str__(self) -> str:
        return f"client:{self.address}" if self.kind is EndpointKind.CLIENT else self.address

    @property
    def rings_on_offer(self) -> bool:
        """Desk and mobile phones have no other way to show an offer: they ring at
        once. A softphone shows the offer in the console first (accept rings it)."""
        return self.kind is not EndpointKind.CLIENT


def parse_endpoint(value: object, field: str = "endpoint",
                   rules: EndpointRules | None = None) -> Endpoint:
    """The endpoint ``value`` names, canonical; ``ValidationError`` when it is not one,
    or (given ``rules``) when the installation's toll-fraud rules refuse it."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_LENGTH:
        raise ValidationError({field: RULE})
    text = value.strip()
    lower = text.lower()
    if lower.startswith("client:"):
        identity = text[len("client:"):]
        if not _IDENTITY.fullmatch(identity):
            raise ValidationError({field: "a softphone identity (client:...) must be 1-121 "
                                          "letters, digits or _ . - @"})
        return Endpoint(EndpointKind.CLIENT, identity)
    if lower.startswith(("sip:", "sips:")):
        scheme, _, rest = text.partition(":")
        user, at, host = rest.partition("@")
        if not at or not _SIP_USER.fullmatch(user) or not _SIP_HOST.fullmatch(host):
            raise ValidationError({field: "a SIP URI must look like sip:user@host"})
        if rules is not None:
            _sip_domain(host.lower(), rules, field)
        return Endpoint(EndpointKind.SIP, f"{scheme.lower()}:{user}@{host.lower()}")
    if text.startswith("+"):
        return Endpoint(EndpointKind.PHONE, _phone(text, field, rules))
    raise ValidationError({field: RULE})


def _phone(text: str, field: str, rules: EndpointRules | None) -> str:
    try:
        number = phonenumbers.parse(text)
    except phonenumbers.NumberParseException:
        raise ValidationError({field: RULE}) from None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number):
        raise ValidationError({field: f"{text} is not a valid phone number"})
    costly = costly_kind(number)
    if costly is not None:
        raise ValidationError({field: f"must not be {COSTLY[costly]} (toll-fraud guard)"})
    if rules is None:
        return e164
    if e164 in rules.own_numbers:
        raise ValidationError({field: "must not be one of the business's own numbers (the "
                                      "call would come back into the queue)"})
    countries = rules.countries
    if countries is not None and phonenumbers.region_code_for_number(number) not in countries:
        raise ValidationError({field: "must be a phone number in a country the business "
                                      "numbers call back: " + ", ".join(sorted(countries))})
    return e164


def _sip_domain(host: str, rules: EndpointRules, field: str) -> None:
    domain = host.rpartition(":")[0] if ":" in host else host
    if not rules.sip_domains:
        raise ValidationError({field: "SIP addresses are not allowed here: ask your "
                                      "administrator to allow this SIP domain, or use a "
                                      "phone number"})
    if domain not in rules.sip_domains:
        raise ValidationError({field: "a SIP address must be on an allowed SIP domain: "
                                      + ", ".join(sorted(rules.sip_domains))})

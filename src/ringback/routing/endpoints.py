"""Where calls reach an agent: a phone number, a SIP URI or a browser softphone.

An agent's ``endpoint`` (stored as text on the agent) is one of

- ``+4930123456``: an E.164 phone number, valid for its country and never a
  premium-rate or shared-cost number (the toll-fraud guard: ringback pays
  for the call to the agent);
- ``sip:user@host``: a SIP URI (``sips:`` too), Twilio's ``<Sip>`` noun;
- ``client:identity``: a Twilio Client identity, the browser softphone that
  logs in with an access token minted by ringback.

``parse_endpoint`` checks one and gives it back in canonical form; bad input
raises ``ValidationError`` naming the field and the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import phonenumbers

from ringback.errors import ValidationError
from ringback.ivr.callback_number import is_toll_fraud_risk

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


def parse_endpoint(value: object, field: str = "endpoint") -> Endpoint:
    """The endpoint ``value`` names, canonical; ``ValidationError`` when it is not one."""
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
        return Endpoint(EndpointKind.SIP, f"{scheme.lower()}:{user}@{host.lower()}")
    if text.startswith("+"):
        return Endpoint(EndpointKind.PHONE, _phone(text, field))
    raise ValidationError({field: RULE})


def _phone(text: str, field: str) -> str:
    try:
        number = phonenumbers.parse(text)
    except phonenumbers.NumberParseException:
        raise ValidationError({field: RULE}) from None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number):
        raise ValidationError({field: f"{text} is not a valid phone number"})
    if is_toll_fraud_risk(e164):
        raise ValidationError({field: "must not be a premium-rate or shared-cost number "
                                      "(toll-fraud guard)"})
    return e164

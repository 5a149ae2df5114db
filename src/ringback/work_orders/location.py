"""Where the work is: an address and, when known, a point; and how two places
are "the same place" for a problem reported twice.

Two addresses match when their keys are equal: lowercase, punctuation and
repeated spaces removed, common abbreviations written out ("12 Main St." and
"12 main street" are one place).  Two points match within ``NEAR_METRES``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from ringback.errors import ValidationError
from ringback.store.work_orders import MAX_ADDRESS

NEAR_METRES = 100.0
EARTH_RADIUS_METRES = 6_371_000.0

ABBREVIATIONS = {
    "st": "street", "str": "strasse", "rd": "road", "ave": "avenue", "av": "avenue",
    "blvd": "boulevard", "dr": "drive", "ln": "lane", "ct": "court", "pl": "place",
    "sq": "square", "hwy": "highway", "pkwy": "parkway", "cres": "crescent",
    "ter": "terrace", "cl": "close", "mt": "mount", "apt": "apartment",
    "n": "north", "s": "south", "e": "east", "w": "west",
    "ne": "northeast", "nw": "northwest", "se": "southeast", "sw": "southwest",
}
_NOT_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Location:
    """An address as the caller gave it, and its coordinates when the agent has them."""

    address: str
    latitude: float | None = None
    longitude: float | None = None

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def address_key(address: str) -> str:
    """The address reduced to what identifies the place."""
    text = unicodedata.normalize("NFKC", address).casefold().replace("ß", "ss")
    words = _NOT_WORD.sub(" ", text.replace("_", " ")).split()
    return " ".join(ABBREVIATIONS.get(word, word) for word in words)


def checked(location: Location) -> Location:
    """The location with its address trimmed; a ValidationError naming address,
    latitude or longitude when one breaks its rule."""
    errors: dict[str, str] = {}
    address = location.address.strip() if isinstance(location.address, str) else ""
    if not address:
        errors["address"] = "must name the place of the problem"
    elif len(address) > MAX_ADDRESS:
        errors["address"] = f"must be at most {MAX_ADDRESS} characters"
    elif not address_key(address):
        errors["address"] = "must contain letters or digits"
    lat = _coordinate(errors, "latitude", location.latitude, 90)
    lon = _coordinate(errors, "longitude", location.longitude, 180)
    if (lat is None) != (lon is None) and not errors:
        missing = "longitude" if lon is None else "latitude"
        errors[missing] = "must be given with the other coordinate (both or neither)"
    if errors:
        raise ValidationError(errors)
    return Location(address, lat, lon)


def _coordinate(errors: dict[str, str], name: str, value: object, bound: int) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or not -bound <= value <= bound:
        errors[name] = f"must be a number from -{bound} to {bound} (degrees)"
        return None
    return float(value)


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(a)))


def box_around(lat: float, lon: float, metres: float = NEAR_METRES
               ) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) of a box holding every point within ``metres``:
    an indexable first cut before the exact distance."""
    dlat = math.degrees(metres / EARTH_RADIUS_METRES)
    cos = max(math.cos(math.radians(lat)), 1e-6)
    dlon = min(math.degrees(metres / (EARTH_RADIUS_METRES * cos)), 180.0)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon

"""Whole numbers in request input: ASCII digits 0-9, nothing else.

``str.isdigit()`` is true for superscripts ('²'), which ``int()`` then
refuses, and ``int()`` itself reads Arabic-Indic and fullwidth digits,
spaces and underscores ('٣', ' 5', '1_000').  Twilio's parameters, query
strings, path ids and JSON ids are plain ASCII; anything else is not a
number, and the caller's field rule says so.
"""

from __future__ import annotations

# Every id column is an SQL INTEGER; PostgreSQL's holds 1 to 2**31 - 1.
MAX_ROW_ID = 2**31 - 1


def ascii_whole(text: object, *, max_digits: int = 18) -> int | None:
    """The number ``text`` writes in 1 to ``max_digits`` ASCII digits, else None."""
    if not isinstance(text, str) or not 0 < len(text) <= max_digits:
        return None
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def whole_number(
    errors: dict[str, str], name: str, raw: object, *, default: int, minimum: int, maximum: int
) -> int:
    """A count given as a JSON int or as query-string text, within its bounds; else
    ``default``, with the rule recorded under ``name`` in ``errors``."""
    if raw is None or raw == "":
        return default
    if isinstance(raw, int) and not isinstance(raw, bool):
        number: int | None = raw
    else:
        number = ascii_whole(raw)
    if number is None or not minimum <= number <= maximum:
        errors[name] = f"must be a whole number from {minimum} to {maximum}"
        return default
    return number


def row_id(value: object) -> int | None:
    """``value`` as the id of an SQL row (an int or its ASCII digits, 1 to MAX_ROW_ID),
    or None when no row can have it."""
    if isinstance(value, bool):
        return None
    number = value if isinstance(value, int) else ascii_whole(value, max_digits=10)
    if number is None or not 1 <= number <= MAX_ROW_ID:
        return None
    return number

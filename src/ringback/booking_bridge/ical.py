"""iCalendar (RFC 5545) text of bookings, built with the ``icalendar`` package.

One shape serves the mails' ``.ics`` attachments (``notices``: METHOD REQUEST
for a new or moved appointment, CANCEL for a cancelled one, with organizer
and attendee as iTIP asks) and the resources' subscribed feeds (``feed``: no
method).  Times are written in UTC (``...Z``), which every client reads
without a VTIMEZONE; the location's zone is named in the text and as
X-WR-TIMEZONE of a feed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//ringback//bookings//EN"


@dataclass(frozen=True)
class CalendarEvent:
    """One appointment as a VEVENT."""

    uid: str
    starts_at: datetime  # aware
    ends_at: datetime
    summary: str
    location: str = ""
    description: str = ""
    sequence: int = 0
    cancelled: bool = False
    attendee: str | None = None  # the e-mail address of the person the file is for
    attendee_name: str = ""


def booking_uid(booking_id: int, host: str) -> str:
    """The same UID in every mail and feed, so clients update one event."""
    return f"ringback-booking-{booking_id}@{host or 'localhost'}"


def calendar_bytes(events: Sequence[CalendarEvent], *, stamp: datetime,
                   method: str | None = None, organizer: str | None = None,
                   organizer_name: str = "", name: str | None = None,
                   zone: str | None = None, refresh_minutes: int | None = None) -> bytes:
    """A VCALENDAR of ``events``; ``method`` REQUEST, CANCEL (mails) or None (a feed)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    if zone:
        calendar.add("x-wr-timezone", zone)
    if refresh_minutes:
        calendar.add("x-published-ttl", f"PT{refresh_minutes}M")
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", _utc(stamp))
        event.add("dtstart", _utc(item.starts_at))
        event.add("dtend", _utc(item.ends_at))
        event.add("summary", item.summary)
        if item.location:
            event.add("location", item.location)
        if item.description:
            event.add("description", item.description)
        event.add("sequence", item.sequence)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
        if organizer:
            who = vCalAddress(f"mailto:{organizer}")
            if organizer_name:
                who.params["cn"] = vText(organizer_name)
            event.add("organizer", who)
        if item.attendee:
            guest = vCalAddress(f"mailto:{item.attendee}")
            if item.attendee_name:
                guest.params["cn"] = vText(item.attendee_name)
            guest.params["role"] = vText("REQ-PARTICIPANT")
            guest.params["partstat"] = vText("ACCEPTED")
            guest.params["rsvp"] = vText("FALSE")
            event.add("attendee", guest)
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def change_sequence(created_at: datetime | None, updated_at: datetime | None, *,
                    changed: bool) -> int:
    """An event's SEQUENCE, growing with each change of the booking as iTIP asks: 0
    when it is made, then the seconds from its making to its last change (at least 1)."""
    if created_at is None or updated_at is None:
        return 1 if changed else 0
    seconds = int((_utc(updated_at) - _utc(created_at)).total_seconds())
    return max(1, seconds) if changed else max(0, seconds)


def _utc(when: datetime) -> datetime:
    """An aware UTC datetime (SQLite hands back naive ones, which are UTC)."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)

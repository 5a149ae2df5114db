"""Reading TwiML back as XML, the way twilio-python's own tests compare it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

# What Twilio accepts inside a queue (waitUrl documents and their Gather actions).
QUEUE_VERBS = {"Play", "Say", "Pause", "Gather", "Redirect", "Leave", "Hangup"}


def parse(twiml: str) -> ET.Element:
    root = ET.fromstring(twiml)
    assert root.tag == "Response"
    return root


def verbs(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def said(element: ET.Element) -> list[str]:
    """Every <Say> text, nested ones included, in document order."""
    return [say.text or "" for say in element.iter("Say")]


def only_child(element: ET.Element, tag: str) -> ET.Element:
    found = element.findall(tag)
    assert len(found) == 1, f"expected one <{tag}>, found {verbs(element)}"
    return found[0]


def path_and_query(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def assert_queue_verbs_only(twiml: str) -> None:
    used = {element.tag for element in parse(twiml).iter()} - {"Response"}
    assert used <= QUEUE_VERBS, f"not allowed inside a queue: {used - QUEUE_VERBS}"

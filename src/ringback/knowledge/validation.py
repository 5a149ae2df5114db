"""Rules for knowledge-base article input, shared by the API and the console.

An article's fields are checked as a whole, after an update's fields are laid
over the stored ones, because what is required depends on the kind: a script
needs its text, a phone-numbers article at least one number, an external URL
its address, a link the article it points to. Every rule broken is named under
its field at once; unknown fields are refused rather than dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ringback.customers.phones import PhoneNumberRefused, check_region, to_e164
from ringback.errors import ValidationError
from ringback.parsing import row_id
from ringback.store.knowledge import MAX_KEYWORDS, MAX_TITLE, MAX_URL, ArticleKind

FIELDS = ("kind", "title", "body", "phone_numbers", "url", "linked_article_id", "keywords",
          "region")
MAX_BODY = 20_000
MAX_LABEL = 100
MAX_NUMBERS = 20
# Emergency and service numbers (112, 110, 115, 311) have no E.164 form: they are
# dialled as they are, from anywhere in the country.
SHORT_NUMBER = re.compile(r"^[0-9]{3,6}$")
KIND_RULE = ("must be one of script (a call script), phone_numbers (numbers to read out), "
             "external_url (a web page that answers) or article_link (a link to another "
             "article)")
# The fields only one kind has; the others keep them empty.
OWN_FIELD = {"phone_numbers": ArticleKind.PHONE_NUMBERS, "url": ArticleKind.EXTERNAL_URL,
             "linked_article_id": ArticleKind.ARTICLE_LINK}
EMPTY: dict[str, Any] = {"phone_numbers": [], "url": None, "linked_article_id": None}


def article_fields(payload: Mapping[str, Any], current: Mapping[str, Any] | None = None
                   ) -> dict[str, Any]:
    """The article's checked content: ``payload`` laid over ``current`` (an update) or
    alone (a new article). Fields of another kind given in ``payload`` are refused;
    when an update changes the kind, the old kind's own fields are emptied."""
    errors = {str(name): f"is not a field of an article; the fields are {', '.join(FIELDS)}"
              for name in payload if name not in FIELDS}
    merged: dict[str, Any] = dict(current or {})
    kind = _kind(errors, payload.get("kind", merged.get("kind")))
    if kind is not None and current is not None and kind.value != current.get("kind"):
        merged.update(EMPTY)
    merged.update({k: v for k, v in payload.items() if k in FIELDS and k != "region"})
    fields: dict[str, Any] = {"kind": kind.value if kind else None}
    fields["title"] = _text(errors, "title", merged.get("title"), MAX_TITLE, required=True)
    fields["body"] = _text(errors, "body", merged.get("body") or "", MAX_BODY,
                           required=kind is ArticleKind.SCRIPT)
    fields["keywords"] = _text(errors, "keywords", merged.get("keywords") or "", MAX_KEYWORDS,
                               required=False)
    if kind is ArticleKind.SCRIPT and "body" in errors:
        errors["body"] = (f"must hold the script the agent reads out (at most {MAX_BODY} "
                          "characters)")
    for name, own in OWN_FIELD.items():
        if kind is not None and kind is not own and name in payload \
                and payload[name] not in (None, "", []):
            errors[name] = f"belongs to a {own.value} article, not to a {kind.value} one"
    region = None
    try:
        region = check_region(payload.get("region"))
    except PhoneNumberRefused as refused:
        errors["region"] = str(refused)
    fields.update(EMPTY)
    if kind is ArticleKind.PHONE_NUMBERS:
        fields["phone_numbers"] = _numbers(errors, merged.get("phone_numbers"), region)
    elif kind is ArticleKind.EXTERNAL_URL:
        fields["url"] = _url(errors, merged.get("url"))
    elif kind is ArticleKind.ARTICLE_LINK:
        target = row_id(merged.get("linked_article_id"))
        if target is None:
            errors["linked_article_id"] = "must name the article this one links to"
        fields["linked_article_id"] = target
    if errors:
        raise ValidationError(errors)
    return fields


def _kind(errors: dict[str, str], value: object) -> ArticleKind | None:
    try:
        return ArticleKind(value)
    except ValueError:
        errors["kind"] = KIND_RULE
        return None


def _text(errors: dict[str, str], name: str, value: object, max_len: int, *,
          required: bool) -> str:
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_len:
        need = "a non-empty text" if required else "a text"
        errors[name] = f"must be {need} of at most {max_len} characters"
        return ""
    return value.strip()


def _numbers(errors: dict[str, str], value: object, region: str | None
             ) -> list[dict[str, str]]:
    """Each entry as {"label", "number"}, the number in E.164 or a short number."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_NUMBERS:
        errors["phone_numbers"] = (f"must list 1 to {MAX_NUMBERS} numbers, each with a label "
                                   "(who answers) and the number")
        return []
    entries: list[dict[str, str]] = []
    for index, entry in enumerate(value):
        where = f"phone_numbers[{index}]"
        if not isinstance(entry, Mapping):
            errors[where] = "must be an object with a label and a number"
            continue
        label = _text(errors, f"{where}.label", entry.get("label"), MAX_LABEL, required=True)
        number = _number(errors, f"{where}.number", entry.get("number"), region)
        entries.append({"label": label, "number": number})
    return entries


def _number(errors: dict[str, str], name: str, raw: object, region: str | None) -> str:
    if isinstance(raw, str) and SHORT_NUMBER.match(raw.strip()):
        return raw.strip()
    try:
        return to_e164(raw, region)
    except PhoneNumberRefused as refused:
        errors[name] = f"{refused}, or a short service number such as 112"
        return ""


def _url(errors: dict[str, str], value: object) -> str | None:
    rule = f"must be a web address starting with http:// or https:// (at most {MAX_URL} " \
           "characters)"
    if not isinstance(value, str) or len(value.strip()) > MAX_URL:
        errors["url"] = rule
        return None
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname \
            or any(c.isspace() for c in text):
        errors["url"] = rule
        return None
    return text

"""The numbers pages: every business number, and each number's settings as a form.

The form is turned into the payload of ``PUT /api/v1/numbers/<e164>`` and
stored through ``NumberDirectory.put``, so the console keeps exactly the
API's rules and shows its messages next to the fields they name.  Every
change lands in the audit log (``number.created``, ``number.changed``,
``number.removed``).
"""

from __future__ import annotations

from enum import Enum
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.console.access import access, area, require_viewer
from ringback.console.audit import Actor
from ringback.console.context import audit_log, services
from ringback.console.number_form import (
    GREETING_LABELS,
    NumberForm,
    field_label,
    form_of,
    read_form,
    shipped_language_name,
    shipped_prompts,
)
from ringback.console.queue_form import INTENT_LABELS
from ringback.console.web import allow_media_from, notify
from ringback.errors import NotFound, ValidationError
from ringback.ivr.config import GREETING_NAMES, LineType, MenuAction, OverflowKind
from ringback.ivr.prompts import available_languages
from ringback.numbers import NumberDirectory
from ringback.queue.models import Intent
from ringback.store.models import Permission

NUMBERS = area(Permission.NUMBERS)


class NumberAudit(str, Enum):
    """What the audit log says about a number."""

    CREATED = "number.created"
    CHANGED = "number.changed"
    REMOVED = "number.removed"


def register(bp: Blueprint) -> None:
    @bp.get("/numbers")
    @access(NUMBERS)
    def numbers() -> ResponseReturnValue:
        found = _directory()
        return render_template("console/numbers.html", numbers=found.all(),
                               default_language=found.current_default_language())

    @bp.route("/numbers/new", methods=["GET", "POST"])
    @access(NUMBERS)
    def new_number() -> ResponseReturnValue:
        if request.method == "GET":
            return _form_page(NumberForm(), {}, new=True)
        e164 = (request.form.get("e164") or "").strip()
        submitted = read_form(request.form, e164=e164)
        numbers = _directory()
        if _exists(numbers, e164):
            errors = {"e164": "is configured already; open it from the list to change it"}
            return _form_page(submitted.form, errors, new=True), 422
        try:
            config, _ = numbers.put(e164, submitted.payload)
        except ValidationError as exc:
            return _form_page(submitted.form, submitted.field_errors(exc.errors), new=True), 422
        audit_log().record(Actor.of(require_viewer().agent), NumberAudit.CREATED,
                           target=config.e164, details=config.to_json())
        notify(f"{config.e164} is set up; calls to it are answered from now on.")
        return redirect(url_for("console.edit_number", e164=config.e164))

    @bp.route("/numbers/<e164>", methods=["GET", "POST"])
    @access(NUMBERS)
    def edit_number(e164: str) -> ResponseReturnValue:
        numbers = _directory()
        before = numbers.get(e164)  # NotFound: the 404 page
        if request.method == "GET":
            return _form_page(form_of(before), {})
        submitted = read_form(request.form, e164=before.e164)
        try:
            after, _ = numbers.put(before.e164, submitted.payload)
        except ValidationError as exc:
            return _form_page(submitted.form, submitted.field_errors(exc.errors)), 422
        old, new = before.to_json(), after.to_json()
        changed = {key: new[key] for key in new if old.get(key) != new[key]}
        if changed:
            audit_log().record(Actor.of(require_viewer().agent), NumberAudit.CHANGED,
                               target=after.e164, details=changed)
            notify(f"{after.e164} is saved; the next call hears the change.")
        else:
            notify("Nothing changed.")
        return redirect(url_for("console.edit_number", e164=after.e164))

    @bp.post("/numbers/<e164>/remove")
    @access(NUMBERS)
    def remove_number(e164: str) -> ResponseReturnValue:
        numbers = _directory()
        config = numbers.get(e164)
        if request.form.get("confirm") != "yes":
            return _form_page(form_of(config), {},
                              remove_error="Tick the box to confirm the removal"), 422
        numbers.delete(config.e164)
        audit_log().record(Actor.of(require_viewer().agent), NumberAudit.REMOVED,
                           target=config.e164, details={"queue_id": config.queue_id})
        notify(f"{config.e164} is removed; its callers now hear that it is not in service.")
        return redirect(url_for("console.numbers"))


def _directory() -> NumberDirectory:
    return services().numbers


def _exists(numbers: NumberDirectory, e164: str) -> bool:
    try:
        numbers.get(e164)
    except NotFound:
        return False
    return True


def _form_page(form: NumberForm, errors: dict[str, str], *, new: bool = False,
               remove_error: str | None = None) -> str:
    default_language = _directory().current_default_language()
    allow_media_from(_origins(form.audio_urls()))
    return render_template(
        "console/number_form.html", form=form, errors=errors, new=new,
        remove_error=remove_error, greeting_names=GREETING_NAMES,
        greeting_labels=GREETING_LABELS, field_label=field_label, line_types=list(LineType),
        menu_actions=list(MenuAction), intents=list(Intent), intent_labels=INTENT_LABELS,
        overflow_kinds=list(OverflowKind),
        shipped=shipped_prompts(form.language, default_language),
        shipped_language_name=shipped_language_name(form.language, default_language),
        languages=sorted(available_languages()), default_language=default_language,
    )


def _origins(urls: list[str]) -> list[str]:
    """The sites of the recordings the page previews, for the page's CSP."""
    found: dict[str, None] = {}
    for url in urls:
        try:
            parts = urlsplit(url)
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            continue
        if parts.scheme in ("http", "https") and parts.hostname:
            found[f"{parts.scheme}://{parts.hostname}{port}"] = None
    return list(found)

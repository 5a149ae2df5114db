"""The account settings page (owner and admins): booking options and the default language."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.console.access import ADMIN, access, require_viewer
from ringback.console.account_settings import ResourceAvailability
from ringback.console.audit import Actor, AuditAction
from ringback.console.context import account_settings, audit_log, services
from ringback.console.number_form import LANGUAGE_NAMES
from ringback.console.web import notify
from ringback.errors import ValidationError
from ringback.ivr.prompts import available_languages


def register(bp: Blueprint) -> None:
    @bp.route("/settings", methods=["GET", "POST"])
    @access(ADMIN)
    def settings() -> ResponseReturnValue:
        store = account_settings()
        if request.method == "GET":
            return _page(store.current(), {})
        changes = {
            "multiple_slot_selection": request.form.get("multiple_slot_selection") == "on",
            "resource_availability": request.form.get("resource_availability", ""),
            "default_language": request.form.get("default_language", ""),
        }
        system = request.form.get("ticket_system", services().helpdesk_outbox.chosen())
        if system not in services().helpdesk_outbox.configured():
            return _page(store.current(), {"ticket_system": "must be a configured ticket "
                                                           "system"}), 422
        try:
            changed = store.save(changes, services().numbers)
        except ValidationError as exc:
            return _page(store.current(), exc.errors), 422
        if services().helpdesk_outbox.choose(system):
            changed["ticket_system"] = system
        if changed:
            audit_log().record(Actor.of(require_viewer().agent), AuditAction.SETTINGS_CHANGED,
                               target="account settings", details=changed)
            notify("Settings saved.")
        else:
            notify("Nothing changed.")
        return redirect(url_for("console.settings"))


def _page(current: object, errors: dict[str, str]) -> str:
    numbers = services().numbers
    return render_template("console/settings.html", current=current, errors=errors,
                           availability=ResourceAvailability,
                           default_language=numbers.stored_default_language() or "",
                           environment_language=numbers.environment_default_language,
                           languages=[(code, LANGUAGE_NAMES.get(code, code))
                                      for code in sorted(available_languages())],
                           ticket_systems=services().helpdesk_outbox.configured(),
                           ticket_system=services().helpdesk_outbox.chosen(),
                           )

"""The live board: every queue's waiting callers and callbacks, the agents, and the
viewer's own presence switch.

``/console/live`` renders the board; ``/console/live/board`` is the same
board as an HTML fragment, which the page's script fetches again whenever
``/console/live/events`` (server-sent events fed by the queues' event
streams, see ``ringback.console.live_feed``) says a queue moved.  The page's
process holds at most ``CONSOLE_SSE_SLOTS`` streams open at once; other
boards are told to ask again after ``CONSOLE_SSE_POLL_SECONDS``.

The actions are the API's, as the signed-in agent: the presence switch is
``PresenceService.set``; Call and Decline answer an offer made to the agent
through ``OfferService`` (so routing offers the entry on), and act on a
waiting callback through ``CallbackService``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.console.access import (
    SIGNED_IN,
    access,
    area,
    area_label,
    require_viewer,
    viewer,
)
from ringback.console.context import services
from ringback.console.live_board import Board, LiveBoard, board_queue_ids
from ringback.console.live_feed import (
    BLOCK_SECONDS,
    MAX_SECONDS,
    POLL_SECONDS,
    STREAM_SLOTS,
    QueueFeed,
    StreamSlots,
    event_stream,
    parse_since,
)
from ringback.console.refusals import refusal_words
from ringback.console.web import notify
from ringback.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ringback.queue.models import Entry, EntryKind, EntryState, Intent
from ringback.routing.presence import PresenceState
from ringback.store.models import Agent, Permission

LIVE_QUEUE = area(Permission.LIVE_QUEUE)
CALLBACKS = area(Permission.CALLBACKS)
# Pages an action may return to.
BACK_TO = {"live": "console.live_queue", "callbacks": "console.callbacks"}
SWITCHED = {
    PresenceState.AVAILABLE: "You are available",
    PresenceState.OFFERED: "You are available, and a caller is offered to you",
    PresenceState.AWAY: "You are away",
    PresenceState.LOGGED_OUT: "You are logged out",
}


def register(bp: Blueprint) -> None:
    streams = StreamSlots()  # this app's open event streams (one app per process)

    @bp.get("/live")
    @access(LIVE_QUEUE)
    def live_queue() -> ResponseReturnValue:
        board = _board()
        me = board.me
        chosen = set(me.queues) if me and me.queues else set(board.queue_ids)
        return render_template("console/live.html", board=board, chosen_queues=chosen,
                               pop=_screen_pop(board), **_abilities())

    @bp.get("/live/board")
    @access(LIVE_QUEUE)
    def live_board() -> ResponseReturnValue:
        board = _board()
        return render_template("console/_board.html", board=board, pop=_screen_pop(board),
                               **_abilities())

    @bp.get("/live/events")
    @access(LIVE_QUEUE)
    def live_events() -> ResponseReturnValue:
        feed = QueueFeed(services().blocking_redis, _board_queues())  # XREAD BLOCK
        config = current_app.config
        body = event_stream(
            feed,
            since=parse_since(request.args.get("since")),
            slots=streams,
            stream_limit=int(config.get("CONSOLE_SSE_SLOTS", STREAM_SLOTS)),
            block_seconds=float(config.get("CONSOLE_SSE_BLOCK_SECONDS", BLOCK_SECONDS)),
            max_seconds=float(config.get("CONSOLE_SSE_MAX_SECONDS", MAX_SECONDS)),
            poll_seconds=float(config.get("CONSOLE_SSE_POLL_SECONDS", POLL_SECONDS)),
        )
        response = Response(body, mimetype="text/event-stream")
        response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
        return response

    @bp.post("/live/presence")
    @access(SIGNED_IN)  # agents switch themselves, as in the API
    def set_presence() -> ResponseReturnValue:
        me = require_viewer().agent
        queues = request.form.getlist("queues") or None
        try:
            status = services().routing.presence.set(me.id, request.form.get("state"), queues)
        except (ValidationError, Conflict) as exc:
            notify(refusal_words(exc), error=True)
        else:
            where = f" in {', '.join(status.queues)}" if status.queues else ""
            notify(SWITCHED.get(status.state, f"You are {status.state.value}") + where + ".")
        return _back()

    @bp.post("/live/endpoint")
    @access(SIGNED_IN)  # agents set their own phone, as in the API
    def set_endpoint() -> ResponseReturnValue:
        me = require_viewer()
        value = (request.form.get("endpoint") or "").strip() or None
        try:
            agent = services().agents.set_endpoint(me.agent.id, value, by=me.principal)
        except ValidationError as exc:
            notify("Your phone is not changed: " + "; ".join(exc.errors.values()) + ".",
                   error=True)
        else:
            notify(f"Your calls now ring {agent.endpoint}." if agent.endpoint
                   else "Your phone is removed; you cannot take calls until you set one.")
        return _back()

    @bp.post("/live/callbacks/<ref>/call")
    @access(CALLBACKS)
    def call_callback(ref: str) -> ResponseReturnValue:
        me = require_viewer().agent
        try:
            entry = _callback(ref)
            if _offered_to(entry, me):
                services().routing.offers.accept(ref, me.id)
            else:
                services().callbacks.call(ref, me.id, me.endpoint)
        except NotFound:
            notify("This callback is no longer in the queue.", error=True)
        except (ValidationError, Conflict) as exc:
            notify(refusal_words(exc), error=True)
        else:
            notify(f"Calling {entry.callback_number} back: your phone rings first.")
            if entry.intent is Intent.BOOKING and may_book():
                return _booking_view(entry.callback_number, ref)
            if entry.intent is Intent.PROBLEM and may_log_requests():
                return redirect(_request_url(entry.callback_number, ref))
        return _back()

    @bp.post("/live/callbacks/<ref>/decline")
    @access(CALLBACKS)
    def decline_callback(ref: str) -> ResponseReturnValue:
        me = require_viewer().agent
        s = services()
        try:
            entry = _callback(ref)
            s.routing.offers.decline_callback(ref, me.id)
        except NotFound:
            notify("This callback is no longer in the queue.", error=True)
        except Conflict as exc:
            notify(refusal_words(exc), error=True)
        else:
            position = s.queue.position(entry.queue_id, entry.entry_id)
            where = f" at position {position}" if position else ""
            notify(f"Declined. The callback to {entry.callback_number} stays in the "
                   f"queue{where}; other agents get it first.")
        return _back()

    @bp.post("/live/offers/<ref>/accept")
    @access(LIVE_QUEUE)
    def accept_offer(ref: str) -> ResponseReturnValue:
        try:
            _check_offer_area(ref)
            offer = services().routing.offers.accept(ref, require_viewer().agent.id)
        except NotFound:
            notify("This caller is no longer in the queue.", error=True)
        except (Conflict, ValidationError) as exc:
            notify(refusal_words(exc), error=True)
        else:
            notify(f"Your phone rings with {offer.caller or 'the caller'}; answer it to talk.")
            number = offer.callback_number if offer.kind is EntryKind.CALLBACK \
                else offer.caller
            if offer.intent is Intent.BOOKING and may_book():
                return _booking_view(number, ref)
            if offer.intent is Intent.PROBLEM and may_log_requests():
                return redirect(_request_url(number, ref))
            if require_viewer().principal.may(Permission.TICKETS):
                return redirect(url_for("console.caller", phone=number, call=ref))
        return _back()

    @bp.post("/live/offers/<ref>/reject")
    @access(LIVE_QUEUE)
    def reject_offer(ref: str) -> ResponseReturnValue:
        try:
            _check_offer_area(ref)
            services().routing.offers.reject(ref, require_viewer().agent.id)
        except NotFound:
            notify("This caller is no longer in the queue.", error=True)
        except Conflict as exc:
            notify(refusal_words(exc), error=True)
        else:
            notify("Passed on. The caller keeps the place in the queue.")
        return _back()


def _board_queues() -> set[str]:
    return board_queue_ids(services())


def _board() -> Board:
    s = services()
    me = viewer()
    live = LiveBoard(queue=s.queue, agents=s.agents, presence=s.routing.presence,
                     offers=s.routing.offers, clock=s.clock, queue_ids=_board_queues())
    return live.build(me.agent.id if me else None)


def _abilities() -> dict[str, bool]:
    me = viewer()
    return {"may_call": bool(me and me.principal.may(Permission.CALLBACKS))}


def _callback(ref: str) -> Entry:
    return services().callbacks.get(ref)  # NotFound unless a callback in the queue


def _check_offer_area(ref: str) -> None:
    """A callback's offer also needs the callbacks permission, as in the API."""
    entry = services().routing.offers.get(ref)  # NotFound once it left
    if entry.kind is EntryKind.CALLBACK and not require_viewer().principal.may(
            Permission.CALLBACKS):
        raise PermissionDenied(f"this page needs the {area_label(Permission.CALLBACKS)} "
                               "permission")


def _offered_to(entry: Entry, agent: Agent) -> bool:
    return entry.state is EntryState.OFFERED and entry.offered_to == str(agent.id)


@dataclass(frozen=True)
class ScreenPop:
    """Who the call offered to (or taken by) the viewer is, in a few words, and where
    the caller's page is."""

    words: str
    url: str


def _screen_pop(board: Board) -> ScreenPop | None:
    """The caller of the viewer's offer or call: one indexed lookup by number."""
    me = board.me
    viewer_ = viewer()
    if me is None or me.offer is None or viewer_ is None \
            or not viewer_.principal.may(Permission.TICKETS):
        return None
    offer = me.offer
    number = offer.callback_number if offer.kind is EntryKind.CALLBACK else offer.caller
    matches = services().customers.find_by_phone(number) if number else []
    if len(matches) == 1:
        words = f"{matches[0].name} ({matches[0].customer_name})"
    elif matches:
        words = f"{len(matches)} customer users have this number"
    else:
        words = "a number no customer user has"
    if offer.intent is Intent.PROBLEM and may_log_requests():
        return ScreenPop(words, _request_url(number, offer.id))
    return ScreenPop(words, url_for("console.caller", phone=number, call=offer.id))


def may_book() -> bool:
    return require_viewer().principal.may(Permission.BOOKINGS)


def may_log_requests() -> bool:
    return require_viewer().principal.may(Permission.REQUESTS)


def _request_url(number: str | None, ref: str) -> str:
    """A "report a problem" call: the request form, opened on an action request."""
    return url_for("console.new_service_request", phone=number or None, call=ref, type="action")


def _booking_view(number: str, ref: str) -> ResponseReturnValue:
    """A booking call: the agent goes on to the caller's bookings (the booking bridge)."""
    return redirect(url_for("console.booking_for_caller", phone=number, call=ref))


def _back() -> ResponseReturnValue:
    target = BACK_TO.get(request.form.get("back", ""), "console.live_queue")
    return redirect(url_for(target))



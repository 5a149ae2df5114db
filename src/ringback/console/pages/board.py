"""The live board: every queue's waiting callers and callbacks, and the agents.

``/console/live`` renders the board; ``/console/live/board`` is the same
board as an HTML fragment, which the page's script fetches again whenever
``/console/live/events`` (server-sent events fed by the queues' event
streams, see ``ringback.console.live_feed``) says a queue moved.  Call and
Decline act as the signed-in agent through ``CallbackService``, the same
code as the API.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ringback.agents import AgentDirectory
from ringback.console.access import access, area, require_viewer, viewer
from ringback.console.context import services
from ringback.console.live_board import Board, LiveBoard, board_queue_ids
from ringback.console.live_feed import BLOCK_SECONDS, MAX_SECONDS, QueueFeed, event_stream
from ringback.console.web import notify
from ringback.errors import Conflict, NotFound, ValidationError
from ringback.store.models import Permission

LIVE_QUEUE = area(Permission.LIVE_QUEUE)
CALLBACKS = area(Permission.CALLBACKS)
# Pages a Call or Decline may return to.
BACK_TO = {"live": "console.live_queue", "callbacks": "console.callbacks"}


def register(bp: Blueprint) -> None:
    @bp.get("/live")
    @access(LIVE_QUEUE)
    def live_queue() -> ResponseReturnValue:
        return render_template("console/live.html", board=_board(), **_abilities())

    @bp.get("/live/board")
    @access(LIVE_QUEUE)
    def live_board() -> ResponseReturnValue:
        return render_template("console/_board.html", board=_board(), **_abilities())

    @bp.get("/live/events")
    @access(LIVE_QUEUE)
    def live_events() -> ResponseReturnValue:
        s = services()
        feed = QueueFeed(s.redis, _board_queues())
        config = current_app.config
        body = event_stream(
            feed,
            block_seconds=float(config.get("CONSOLE_SSE_BLOCK_SECONDS", BLOCK_SECONDS)),
            max_seconds=float(config.get("CONSOLE_SSE_MAX_SECONDS", MAX_SECONDS)),
        )
        response = Response(body, mimetype="text/event-stream")
        response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
        return response

    @bp.post("/live/callbacks/<ref>/call")
    @access(CALLBACKS)
    def call_callback(ref: str) -> ResponseReturnValue:
        me = require_viewer().agent
        try:
            entry = services().callbacks.call(ref, me.id, me.endpoint)
        except NotFound:
            notify("This callback is no longer in the queue.")
        except ValidationError:
            notify("Your account has no phone to ring. Ask an admin to set your endpoint, "
                   "then press Call again.")
        except Conflict as exc:
            notify(_sentence(str(exc)))
        else:
            notify(f"Calling {entry.callback_number} back: your phone rings first.")
        return _back()

    @bp.post("/live/callbacks/<ref>/decline")
    @access(CALLBACKS)
    def decline_callback(ref: str) -> ResponseReturnValue:
        me = require_viewer().agent
        try:
            entry = services().callbacks.decline(ref, me.id)
        except NotFound:
            notify("This callback is no longer in the queue.")
        except Conflict as exc:
            notify(_sentence(str(exc)))
        else:
            position = services().queue.position(entry.queue_id, entry.entry_id)
            where = f" at position {position}" if position else ""
            notify(f"Declined. The callback to {entry.callback_number} stays in the "
                   f"queue{where}; other agents get it first.")
        return _back()


def _board_queues() -> set[str]:
    return board_queue_ids(services())


def _board() -> Board:
    s = services()
    me = viewer()
    live = LiveBoard(s.queue, AgentDirectory(s.db), s.deadlines, s.clock, _board_queues())
    return live.build(me.agent.id if me else None)


def _abilities() -> dict[str, bool]:
    me = viewer()
    return {"may_call": bool(me and me.principal.may(Permission.CALLBACKS))}


def _back() -> ResponseReturnValue:
    target = BACK_TO.get(request.form.get("back", ""), "console.live_queue")
    return redirect(url_for(target))


def _sentence(text: str) -> str:
    return (text[:1].upper() + text[1:]).rstrip(".") + "."

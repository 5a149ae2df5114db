"""Without Twilio credentials, the simulator plays a callback's call to its end.

A real `ringback serve` (web, worker and scheduler as processes, the embedded
Redis, SQLite) with the default simulator: the agent's Call goes through
initiated, ringing, answered, the customer's leg as configured, and the end,
as the status callbacks Twilio would send, signed, to serve's own webhooks.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from ringback.callbacks.service import entry_ref
from ringback.callbacks.urls import OutboundUrls
from ringback.clock import SystemClock
from ringback.embedded_redis import EmbeddedRedis
from ringback.queue.models import AgentState
from ringback.scheduler.deadlines import DeadlineKind
from ringback.services import Services
from ringback.settings import Settings
from ringback.store.callbacks import AttemptOutcome, CallbackState
from ringback.telephony import SimulatedTelephony
from ringback.telephony.sim_play import Outcome, Player, PlayRules, Stage, start_playing
from tests.callbacks.conftest import QUEUE, Desk
from tests.live_server import LiveServer
from tests.serve_process import Serve, wait_for

pytestmark = pytest.mark.slow

SECRET = "sim-play-secret-key-0123456789"


def served_desk(serve: Serve) -> Iterator[Desk]:
    """The test's own view of serve's Redis and database (the system clock, as serve's)."""
    settings = Settings.from_env({"RINGBACK_DATA_DIR": str(serve.data_dir), "SECRET_KEY": SECRET,
                                  "REDIS_URL": EmbeddedRedis(serve.data_dir).url,
                                  "RINGBACK_SIMULATOR_OUTCOME": "manual"})
    services = Services.from_settings(settings, clock=SystemClock())
    try:
        yield Desk(services, None, settings)
    finally:
        services.close()


@pytest.fixture
def serve_with(tmp_path) -> Iterator[object]:
    started: list[Serve] = []

    def start(**env: str) -> tuple[Serve, Iterator[Desk]]:
        serve = Serve(tmp_path / f"data{len(started)}", env={
            "SECRET_KEY": SECRET, "RINGBACK_SIMULATOR_ANSWER_SECONDS": "1", **env}).start()
        started.append(serve)
        serve.wait_healthy()
        return serve, served_desk(serve)

    yield start
    for serve in started:
        serve.stop()


def call_now(serve_port: int, ref: str, token: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{serve_port}/api/v1/callbacks/{ref}/call", data=b"{}",
        method="POST", headers={"Authorization": f"Bearer {token}",
                                "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{exc.code}: {json.load(exc)}") from None


def ended(desk: Desk, ref: str):
    record = desk.records.get(ref)
    return record if record is not None and record.outcome is not None else None


@pytest.mark.parametrize("outcome", ["answered", "no-answer"])
def test_without_credentials_a_callbacks_call_is_played_to_its_end(serve_with, outcome):
    serve, desks = serve_with(RINGBACK_SIMULATOR_OUTCOME=outcome)
    desk = next(desks)
    try:
        entry = desk.ask()
        ref = entry_ref(QUEUE, entry.entry_id)
        agent_id, token = desk.agent()
        assert call_now(serve.port, ref, token) == 202

        record = wait_for(f"the callback's call to end ({outcome})",
                          lambda: ended(desk, ref), timeout=60)
        sim = desk.services.telephony
        assert isinstance(sim, SimulatedTelephony)
        (call,) = sim.calls()
        kinds = [e.status for e in sim.events(call.sid) if e.kind == "play"]
        presence = wait_for("the agent free again", lambda: (
            p if (p := desk.services.queue.agent(str(agent_id))).state is not AgentState.BUSY
            else None), timeout=30)
        if outcome == "answered":
            assert record.outcome is AttemptOutcome.CONNECTED
            assert wait_for("done", lambda: desk.records.get(ref).state is CallbackState.DONE
                            or None, timeout=30)
            assert kinds == ["ringing", "in-progress", "talking", "completed"]
            assert presence.state in (AgentState.WRAP_UP, AgentState.AVAILABLE)
        else:
            assert record.outcome is AttemptOutcome.NO_ANSWER
            assert record.attempts[-1].reason == "the customer did not answer"
            assert kinds == ["ringing", "in-progress", "completed"]
            assert presence.state is AgentState.AVAILABLE
    finally:
        desks.close()


def test_a_step_run_twice_moves_the_call_once(app, settings, services, clock):
    """The player's steps against the app's own webhooks (a live server), on the test's
    clock: a repeated step (an rq retry) sends nothing more and schedules nothing new."""
    sim = SimulatedTelephony(services.redis, clock,
                             on_placed=start_playing(services.redis, clock))
    urls = OutboundUrls(settings.public_base_url)
    placed = sim.place_call(to="+493012345678", from_="+4930123456",
                            url=urls.connect("sales:a9@1000"),
                            status_callback=urls.agent_status("sales:a9@1000"),
                            idempotency_key="callback:sales:a9@1000")
    first = f"{placed.sid}/placed"
    assert services.deadlines.due_at(DeadlineKind.SIM_CALL, first) == clock.now()

    with LiveServer(app) as server:
        own = settings.with_changes(port=urlsplit(server.url).port)
        player = Player(own, sim, services.deadlines, clock, PlayRules(Outcome.ANSWERED, 3))
        assert player.step(first) is Stage.RINGING
        sent = len(sim.events(placed.sid))
        assert player.step(first) is Stage.RINGING  # again: nothing happens
        assert len(sim.events(placed.sid)) == sent
        ringing = f"{placed.sid}/ringing"
        assert services.deadlines.due_at(DeadlineKind.SIM_CALL, ringing) == clock.now() + 3

        clock.advance(3)
        # The attempt is unknown to the app: its connect TwiML hangs up, the call ends.
        assert player.step(ringing) is Stage.ENDED
    call = sim.call(placed.sid)
    assert call is not None and call.status.value == "completed"

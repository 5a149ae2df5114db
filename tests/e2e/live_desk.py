"""A contact-centre floor for the routing tests: agents, their presence and offers
through the real API, the rq worker, the deadline sweeper, and Twilio's side of
ringback's REST redirects for the terminal phone.

The app is the real one; when it lacks the outbound callback webhooks they are
added the way the callbacks tests do (``tests.callbacks.conftest.build_app``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator

from ringback.agents import AgentDirectory
from ringback.queue.models import QueueEvent
from ringback.scheduler.deadlines import Deadlines
from ringback.scheduler.sweeper import DEFAULT_HANDLERS, Sweeper
from ringback.services import Services
from ringback.telephony import SimulatedTelephony
from ringback.telephony.simulated import SimCall
from ringback.worker import make_worker
from tests.conftest import OWNER_TOKEN

AGENT_PHONE = "+493012345678"  # Berlin, a desk phone
OTHER_AGENT_PHONE = "+493012345679"


def owner() -> dict[str, str]:
    return {"Authorization": f"Bearer {OWNER_TOKEN}"}


@dataclass
class LiveDesk:
    services: Services
    client: Any  # Flask test client of the app under test
    settings: Any
    _followed: dict[str, int] = field(default_factory=dict)

    # People -------------------------------------------------------------

    def agent(self, name: str, endpoint: str | None = AGENT_PHONE,
              permissions: tuple[str, ...] = ("live_queue", "callbacks")) -> tuple[int, str]:
        """An agent with a token; the endpoint set through the API as the agent."""
        agents = AgentDirectory(self.services.db)
        created = agents.create({"email": f"{name.lower()}@example.com", "name": name,
                                 "role": "custom", "permissions": list(permissions)})
        token = agents.issue_token(created.id)
        if endpoint is not None:
            answer = self.client.put(f"/api/v1/agents/{created.id}/endpoint",
                                     json={"endpoint": endpoint}, headers=bearer(token))
            assert answer.status_code == 200, answer.get_json()
        return created.id, token

    def presence(self, agent_id: int, state: str, queues: list[str] | None = None,
                 token: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"state": state}
        if queues is not None:
            body["queues"] = queues
        answer = self.client.post(f"/api/v1/agents/{agent_id}/presence", json=body,
                                  headers=bearer(token) if token else owner())
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()  # type: ignore[no-any-return]

    def state(self, agent_id: int) -> dict[str, Any]:
        answer = self.client.get(f"/api/v1/agents/{agent_id}/presence", headers=owner())
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()  # type: ignore[no-any-return]

    def accept(self, offer_id: str, token: str) -> Any:
        return self.client.post(f"/api/v1/offers/{offer_id}/accept", headers=bearer(token))

    def reject(self, offer_id: str, token: str) -> Any:
        return self.client.post(f"/api/v1/offers/{offer_id}/reject", headers=bearer(token))

    def queue_settings(self, queue_id: str, **settings: Any) -> None:
        answer = self.client.put(f"/api/v1/queues/{queue_id}", json=settings, headers=owner())
        assert answer.status_code == 200, answer.get_json()

    # Machinery ------------------------------------------------------------

    def work(self) -> None:
        """Run every queued job with a real rq worker, in this process."""
        make_worker(self.services, simple=True).work(burst=True)

    def sweep(self) -> int:
        """The scheduler's sweep: due deadlines become jobs."""
        s = self.services
        return Sweeper(s.redis, s.clock, Deadlines(s.redis, s.clock), DEFAULT_HANDLERS).sweep()

    @property
    def sim(self) -> SimulatedTelephony:
        telephony = self.services.telephony
        assert isinstance(telephony, SimulatedTelephony)
        return telephony

    def redirects(self, call_sid: str) -> str | None:
        """What Twilio does after each of ringback's REST redirects of a call: the call
        fetches the new URL, once.  Pass as the terminal phone's ``redirects``."""
        moved = [e.url for e in self.sim.events(call_sid) if e.kind == "redirect" and e.url]
        done = self._followed.get(call_sid, 0)
        if len(moved) > done:
            self._followed[call_sid] = done + 1
            return moved[done]
        return None

    def redirects_of(self, call_sid: str) -> list[str]:
        return [e.url or "" for e in self.sim.events(call_sid) if e.kind == "redirect"]

    def placed_calls(self) -> list[SimCall]:
        return self.sim.calls()

    def events(self, queue_id: str) -> list[QueueEvent]:
        return self.services.queue.events(queue_id)

    def webhook(self, url: str, params: dict[str, str]) -> Any:
        """POST to one of our public URLs as Twilio does: signed."""
        signature = RequestValidator(self.settings.webhook_auth_token).compute_signature(
            url, params)
        parts = urlsplit(url)
        return self.client.post(parts.path + (f"?{parts.query}" if parts.query else ""),
                                data=params, headers={"X-Twilio-Signature": signature})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}

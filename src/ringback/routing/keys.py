"""Every Redis key the routing package owns, built in one place.

- ``rung(queue, entry)``: string under the queue's tag ``{q:<queue_id>}``: the
  offer (``<agent>@<offer deadline in ms>``) whose agent was rung for this
  live caller, so a repeated job never rings the agent twice. A day's TTL.
"""

from __future__ import annotations

from ringback.queue.keys import PREFIX, check_id

RUNG_TTL_SECONDS = 86_400


class RoutingKeys:
    @staticmethod
    def rung(queue_id: str, entry_id: str) -> str:
        return f"{PREFIX}:{{q:{check_id('queue_id', queue_id)}}}:rung:{entry_id}"

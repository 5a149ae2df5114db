"""Two agents lock one ticket at the same moment: exactly one holds it, the other
is told who does; nothing fails with a database error (SQLite and PostgreSQL).

Failed first on SQLite: both agents "won" (SQLite reads outside a transaction
until the first write, so both saw the ticket free)."""

from __future__ import annotations

import threading

from ringback.errors import Conflict
from ringback.store.db import Database
from ringback.tickets.desk import Actor, TicketDesk


def race(desks: list[TicketDesk], ticket_id: str, actors: dict[str, Actor]) -> dict[str, str]:
    """Each actor locks the ticket through its own desk, at the same moment."""
    start = threading.Barrier(len(desks))
    outcomes: dict[str, str] = {}

    def lock(name: str, own: TicketDesk) -> None:
        start.wait()
        try:
            own.lock(ticket_id, actors[name].agent_id, actors[name])
            outcomes[name] = "locked"
        except Conflict:
            outcomes[name] = "conflict"
        except Exception as failed:  # noqa: BLE001 - the test reports any other error
            outcomes[name] = repr(failed)

    threads = [threading.Thread(target=lock, args=(name, own))
               for name, own in zip(actors, desks, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_agents_locking_at_once_one_wins_the_other_gets_a_conflict(services, agents):
    desk = services.ticket_desk
    url = services.db.engine.url.render_as_string(hide_password=False)
    # Each thread has its own engine: two processes, as in production.
    databases = [Database.from_url(url) for _ in range(2)]
    desks = [TicketDesk(db, services.clock, services.queue_slas) for db in databases]
    racers = {"ana": agents["ana"], "ben": agents["ben"]}
    try:
        for round_ in range(5):
            ticket = desk.create({"subject": f"race {round_}", "requester": "+442071838750"},
                                 agents["ana"])
            outcomes = race(desks, ticket.id, racers)
            assert sorted(outcomes.values()) == ["conflict", "locked"], outcomes
            winner = next(n for n, v in outcomes.items() if v == "locked")
            assert desk.get(ticket.id).locked_by_agent_id == agents[winner].agent_id
    finally:
        for db in databases:
            db.dispose()

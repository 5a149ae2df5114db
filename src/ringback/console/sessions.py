"""Server-side log-in sessions of the console.

Each log-in creates a new record with a new random token (the cookie's only
content), so a session id never survives a log-in and any session can be
ended from the agent's account page or by removing the agent.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from ringback.agents import token_digest
from ringback.clock import Clock
from ringback.console.security import new_token
from ringback.store.console import ConsoleSession, as_utc, from_epoch
from ringback.store.db import Database
from ringback.store.models import Agent

# A session ends after this long without a request, and in any case after
# MAX_AGE_SECONDS; last_seen_at is written at most once per TOUCH_SECONDS.
IDLE_SECONDS = 12 * 3600
MAX_AGE_SECONDS = 7 * 24 * 3600
TOUCH_SECONDS = 60


class SessionStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def start(self, agent_id: int, *, user_agent: str = "", ip_address: str = "") -> str:
        """Open a session for the agent; the token to put in the cookie."""
        token = new_token()
        now = from_epoch(self._clock.now())
        with self._db.session() as session:
            session.execute(
                delete(ConsoleSession).where(
                    ConsoleSession.agent_id == agent_id,
                    ConsoleSession.expires_at <= now,
                )
            )
            session.add(ConsoleSession(
                token_hash=token_digest(token),
                agent_id=agent_id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(seconds=MAX_AGE_SECONDS),
                user_agent=user_agent[:300],
                ip_address=ip_address[:64],
            ))
        return token

    def resolve(self, token: str) -> tuple[ConsoleSession, Agent] | None:
        """The live session behind a cookie token and its agent; expired ones end here."""
        if not token:
            return None
        now = from_epoch(self._clock.now())
        with self._db.session() as session:
            row = session.execute(
                select(ConsoleSession, Agent)
                .join(Agent, Agent.id == ConsoleSession.agent_id)
                .where(ConsoleSession.token_hash == token_digest(token))
            ).first()
            if row is None:
                return None
            record, agent = row[0], row[1]
            last_seen = as_utc(record.last_seen_at)
            if now >= as_utc(record.expires_at) or (now - last_seen).total_seconds() >= (
                IDLE_SECONDS
            ):
                session.delete(record)
                return None
            if (now - last_seen).total_seconds() >= TOUCH_SECONDS:
                record.last_seen_at = now
            return record, agent

    def for_agent(self, agent_id: int) -> list[ConsoleSession]:
        """The agent's sessions, the most recently used first."""
        with self._db.session() as session:
            return list(session.scalars(
                select(ConsoleSession)
                .where(ConsoleSession.agent_id == agent_id)
                .order_by(ConsoleSession.last_seen_at.desc(), ConsoleSession.id.desc())
            ))

    def end(self, session_id: int, *, agent_id: int) -> bool:
        """End one of the agent's own sessions; False when there is no such session."""
        with self._db.session() as session:
            result = session.execute(
                delete(ConsoleSession).where(
                    ConsoleSession.id == session_id, ConsoleSession.agent_id == agent_id
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def end_token(self, token: str) -> None:
        """Log out: the session behind this cookie token stops working."""
        with self._db.session() as session:
            session.execute(
                delete(ConsoleSession).where(ConsoleSession.token_hash == token_digest(token))
            )

    def purge_expired(self) -> int:
        """Delete every session past its maximum age or idle too long; how many.

        ``resolve`` ends an expired session when its cookie comes back; this
        ends the ones whose cookie never does (run by the scheduler).
        """
        now = from_epoch(self._clock.now())
        with self._db.session() as session:
            result = session.execute(delete(ConsoleSession).where(
                (ConsoleSession.expires_at <= now)
                | (ConsoleSession.last_seen_at <= now - timedelta(seconds=IDLE_SECONDS))
            ))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def end_others(self, agent_id: int, *, keep_id: int | None) -> int:
        """End every session of the agent except ``keep_id``; how many ended."""
        with self._db.session() as session:
            query = delete(ConsoleSession).where(ConsoleSession.agent_id == agent_id)
            if keep_id is not None:
                query = query.where(ConsoleSession.id != keep_id)
            return int(session.execute(query).rowcount)  # type: ignore[attr-defined]

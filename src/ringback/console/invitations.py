"""Invitations: the one-time link by which a new agent sets a password.

Adding an agent (or re-inviting one who lost a password) mails a link with a
random token; only its digest is stored. The link works once, for
``VALID_SECONDS``, and a newer invitation replaces any older one.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update

from ringback.agents import token_digest
from ringback.clock import Clock
from ringback.console.mail import Mailer, MailMessage
from ringback.console.security import check_new_password, hash_password, new_token
from ringback.errors import Conflict
from ringback.store.console import Invitation, from_epoch
from ringback.store.db import Database
from ringback.store.models import Agent, Role

VALID_SECONDS = 7 * 24 * 3600


class InvitationUnusable(Conflict):
    """The link is unknown, expired or already used."""

    def __init__(self) -> None:
        super().__init__(
            "this invitation link has expired or was already used; "
            "ask an admin to send you a new one"
        )


class Invitations:
    def __init__(self, db: Database, clock: Clock, mailer: Mailer, public_base_url: str) -> None:
        self._db = db
        self._clock = clock
        self._mailer = mailer
        self._base = public_base_url.rstrip("/")

    def invite(self, agent: Agent, *, invited_by: Agent | None) -> str:
        """Mail the agent a fresh link (older links stop working); the link."""
        token = new_token()
        now = from_epoch(self._clock.now())
        with self._db.session() as session:
            session.execute(delete(Invitation).where(
                Invitation.agent_id == agent.id, Invitation.used_at.is_(None)
            ))
            session.add(Invitation(
                token_hash=token_digest(token),
                agent_id=agent.id,
                invited_by=invited_by.id if invited_by else None,
                created_at=now,
                expires_at=now + timedelta(seconds=VALID_SECONDS),
            ))
        link = f"{self._base}/console/invitations/{token}"
        self._mailer.send(invitation_mail(agent, invited_by, link))
        return link

    def agent_for(self, token: str) -> Agent | None:
        """The agent a still usable link belongs to, or None."""
        now = from_epoch(self._clock.now())
        with self._db.session() as session:
            return session.scalar(
                select(Agent)
                .join(Invitation, Invitation.agent_id == Agent.id)
                .where(
                    Invitation.token_hash == token_digest(token),
                    Invitation.used_at.is_(None),
                    Invitation.expires_at > now,
                )
            )

    def accept(self, token: str, password: str, repeat: str) -> Agent:
        """Set the agent's password and use up the link, both or neither."""
        digest = hash_password(check_new_password(password, repeat))
        now = from_epoch(self._clock.now())
        with self._db.session() as session:
            agent_id = session.scalar(
                update(Invitation)
                .where(
                    Invitation.token_hash == token_digest(token),
                    Invitation.used_at.is_(None),
                    Invitation.expires_at > now,
                )
                .values(used_at=now)
                .returning(Invitation.agent_id)
            )
            agent = session.get(Agent, agent_id) if agent_id is not None else None
            if agent is None:
                raise InvitationUnusable()
            agent.password_hash = digest
            return agent

    def pending(self) -> set[int]:
        """Ids of agents with an unused, unexpired invitation."""
        now = from_epoch(self._clock.now())
        with self._db.session() as session:
            return set(session.scalars(select(Invitation.agent_id).where(
                Invitation.used_at.is_(None), Invitation.expires_at > now
            )))


def invitation_mail(agent: Agent, invited_by: Agent | None, link: str) -> MailMessage:
    who = invited_by.name if invited_by else "The owner"
    what = "an admin" if agent.role == Role.ADMIN.value else "an agent"
    days = VALID_SECONDS // 86400
    body = (
        f"Hello {agent.name},\n\n"
        f"{who} added you to ringback as {what}.\n"
        f"Choose your password with this link (it works once, for {days} days):\n\n"
        f"{link}\n\n"
        f"Then log in with your e-mail address, {agent.email}.\n"
    )
    return MailMessage(to=agent.email, subject="Your ringback account", body=body)

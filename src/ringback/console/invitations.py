"""Invitations: the one-time link by which a new agent sets a password.

Adding an agent (or re-inviting one who lost a password) mails a link with a
random token; only its digest is stored.  The token travels after ``#`` in
the link, the part a browser never sends, so no request line (and so no
access log, proxy log or mail scanner's fetch) ever holds it: the page's
script posts it, or the agent pastes the link into the page's form.  In
exchange the server answers with the password form, bound by a signed form
token to that browser and valid for ``FORM_SECONDS``.  The link works until
its password is set, for ``VALID_SECONDS``; a newer invitation replaces any
older one.  Opening it uses nothing up, so a scanner that opens it does no
harm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update

from ringback.agents import token_digest
from ringback.clock import Clock
from ringback.console.mail import Mailer, MailMessage
from ringback.console.security import (
    check_new_password,
    hash_password,
    new_token,
    signature,
    signature_matches,
)
from ringback.errors import Conflict
from ringback.store.console import Invitation, as_utc, from_epoch
from ringback.store.db import Database
from ringback.store.models import Agent, Role

VALID_SECONDS = 7 * 24 * 3600
FORM_SECONDS = 15 * 60
LINK_PATH = "/console/invitation"
_FORM_PURPOSE = "invitation-form"


class InvitationUnusable(Conflict):
    """The link is unknown, expired or already used."""

    def __init__(self) -> None:
        super().__init__(
            "this invitation link has expired or was already used; "
            "ask an admin to send you a new one"
        )


class InvitationFormExpired(Conflict):
    """The password form is older than FORM_SECONDS; the link itself may still work."""

    def __init__(self) -> None:
        super().__init__("this page has expired; open the link from your e-mail again")


@dataclass(frozen=True)
class PasswordForm:
    """The set-password form a link opened: for whom, and its signed form token."""

    agent: Agent
    token: str
    invitation_id: int
    token_hash: str


class Invitations:
    def __init__(self, db: Database, clock: Clock, mailer: Mailer, public_base_url: str,
                 secret_key: str) -> None:
        self._db = db
        self._clock = clock
        self._mailer = mailer
        self._base = public_base_url.rstrip("/")
        self._secret = secret_key

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
        link = f"{self._base}{LINK_PATH}#{token}"
        self._mailer.send(invitation_mail(agent, invited_by, link))
        return link

    def open_link(self, token: str, binding: str) -> PasswordForm:
        """The password form for a usable link's token, for this browser only.

        ``binding`` names the browser (its CSRF binding); nothing is used up.
        """
        now = from_epoch(self._clock.now())
        with self._db.session() as session:
            row = session.execute(
                select(Invitation, Agent)
                .join(Agent, Agent.id == Invitation.agent_id)
                .where(
                    Invitation.token_hash == token_digest(token),
                    Invitation.used_at.is_(None),
                    Invitation.expires_at > now,
                )
            ).first()
        if not token or row is None:
            raise InvitationUnusable()
        invitation, agent = row[0], row[1]
        expires = int(self._clock.now()) + FORM_SECONDS
        message = _form_message(invitation.id, invitation.token_hash, binding, expires)
        form_token = f"{invitation.id}.{expires}.{signature(self._secret, _FORM_PURPOSE, message)}"
        return PasswordForm(agent, form_token, invitation.id, invitation.token_hash)

    def form(self, form_token: str, binding: str) -> PasswordForm:
        """The password form behind a form token from ``open_link``, if still good."""
        try:
            id_text, expires_text, given = form_token.split(".")
            invitation_id, expires = int(id_text), int(expires_text)
        except ValueError:
            raise InvitationUnusable() from None
        now = from_epoch(self._clock.now())
        with self._db.session() as session:
            row = session.execute(
                select(Invitation, Agent)
                .join(Agent, Agent.id == Invitation.agent_id)
                .where(Invitation.id == invitation_id, Invitation.used_at.is_(None))
            ).first()
        if row is None:
            raise InvitationUnusable()
        invitation, agent = row[0], row[1]
        message = _form_message(invitation.id, invitation.token_hash, binding, expires)
        if not signature_matches(self._secret, _FORM_PURPOSE, message, given):
            raise InvitationUnusable()
        if as_utc(invitation.expires_at) <= now:
            raise InvitationUnusable()
        if expires <= self._clock.now():
            raise InvitationFormExpired()
        return PasswordForm(agent, form_token, invitation.id, invitation.token_hash)

    def accept(self, form: PasswordForm, password: str, repeat: str) -> Agent:
        """Set the agent's password and use up the link, both or neither."""
        digest = hash_password(check_new_password(password, repeat))
        now = from_epoch(self._clock.now())
        with self._db.session() as session:
            agent_id = session.scalar(
                update(Invitation)
                .where(
                    Invitation.id == form.invitation_id,
                    Invitation.token_hash == form.token_hash,
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


def link_token(pasted: str) -> str:
    """The token of an invitation link, pasted whole or as its token alone."""
    return pasted.strip().rpartition("#")[2].strip()


def _form_message(invitation_id: int, token_hash: str, binding: str, expires: int) -> str:
    return f"{invitation_id}:{token_hash}:{binding}:{expires}"


def invitation_mail(agent: Agent, invited_by: Agent | None, link: str) -> MailMessage:
    who = invited_by.name if invited_by else "The owner"
    what = "an admin" if agent.role == Role.ADMIN.value else "an agent"
    days = VALID_SECONDS // 86400
    body = (
        f"Hello {agent.name},\n\n"
        f"{who} added you to ringback as {what}.\n"
        f"Choose your password with this link (it works once, for {days} days):\n\n"
        f"{link}\n\n"
        f"If the page asks for your invitation link, copy this whole link into it.\n\n"
        f"Once your password is set, log in with your e-mail address, {agent.email}.\n"
    )
    return MailMessage(to=agent.email, subject="Your ringback account", body=body)

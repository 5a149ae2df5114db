"""The helpdesk outbox: queued rows, their delivery, and retries with backoff.

Filing writes a row (once per key) and asks for a delivery job; the job sends
the row and marks it sent, or keeps it pending with one more attempt, the
error and the time of its next attempt.  The scheduler's sweep
(``jobs.sweep``) enqueues rows whose time has come, so a row whose job was
lost, or whose helpdesk was down, is sent later all the same.

Besides helpdesks, the outbox carries work orders to the work-order webhook
(target ``work_order``, ``ringback.work_orders.webhook``); those rows are
queued inside the work order's own transaction (``add_in``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ringback.clock import Clock
from ringback.helpdesk.clients import CtiWebhook, HelpdeskError, ZendeskClient, ZnunyClient
from ringback.settings import Settings
from ringback.store.console import AccountSetting
from ringback.store.db import Database
from ringback.store.helpdesk_outbox import HelpdeskOutboxRow
from ringback.work_orders import webhook as work_order_webhook

log = logging.getLogger(__name__)

BUILTIN = "builtin"
ZENDESK = "zendesk"
ZNUNY = "znuny"
CTI = "cti"
WORK_ORDER = "work_order"
TICKET_SYSTEMS = (BUILTIN, ZENDESK, ZNUNY)
CHOICE_KEY = "ticket_system"
PENDING = "pending"
SENT = "sent"
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600


def backoff_seconds(attempts: int) -> int:
    """30 s after the first failure, doubling, at most an hour."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)


def configured_systems(settings: Settings) -> list[str]:
    """The ticket systems the environment configures; the built-in store always."""
    systems = [BUILTIN]
    if settings.zendesk_url and settings.zendesk_email and settings.zendesk_token:
        systems.append(ZENDESK)
    if settings.znuny_url and settings.znuny_webservice and settings.znuny_user \
            and settings.znuny_password and settings.znuny_customer_user:
        systems.append(ZNUNY)
    return systems


@dataclass(frozen=True)
class OutboxItem:
    id: int
    target: str
    kind: str
    key: str
    status: str
    attempts: int
    last_error: str | None
    remote_id: str | None
    next_attempt_at: datetime
    created_at: datetime


class HelpdeskOutbox:
    def __init__(self, db: Database, clock: Clock, settings: Settings, *,
                 enqueue: Callable[[int, int], object]) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        # Asks for the delivery job of (row id, attempts so far).
        self._enqueue = enqueue

    # The choice of ticket system (the console's settings page)

    def configured(self) -> list[str]:
        return configured_systems(self._settings)

    def chosen(self) -> str:
        """The chosen ticket system; the built-in store when none or one no longer configured."""
        with self._db.session() as session:
            row = session.get(AccountSetting, CHOICE_KEY)
            value = row.value if row is not None else None
        return value if isinstance(value, str) and value in self.configured() else BUILTIN

    def choose(self, system: str) -> bool:
        """Store the choice (ValueError for one not configured); True when it changed."""
        if system not in self.configured():
            raise ValueError("must be one of the configured ticket systems: "
                             + ", ".join(self.configured()))
        if system == self.chosen():
            return False
        now = self._now()
        with self._db.session() as session:
            row = session.get(AccountSetting, CHOICE_KEY)
            if row is None:
                session.add(AccountSetting(key=CHOICE_KEY, value=system, updated_at=now))
            else:
                row.value = system
                row.updated_at = now
        return True

    # Filing

    def add(self, target: str, kind: str, key: str, payload: Mapping[str, Any], *,
            local_ticket_id: int | None = None) -> int:
        """Queue one row (once per key) and ask for its delivery; the row's id."""
        now = self._now()
        try:
            with self._db.session() as session:
                row = HelpdeskOutboxRow(
                    target=target, kind=kind, key=key, payload=dict(payload),
                    local_ticket_id=local_ticket_id, status=PENDING, attempts=0,
                    next_attempt_at=now, created_at=now, updated_at=now)
                session.add(row)
                session.flush()
                row_id = row.id
        except IntegrityError:
            with self._db.session() as session:
                found = session.scalar(select(HelpdeskOutboxRow.id)
                                       .where(HelpdeskOutboxRow.key == key))
            if found is None:
                raise
            return found
        self._ask(row_id, 0)
        return row_id

    def add_in(self, session: Session, target: str, kind: str, key: str,
               payload: Mapping[str, Any]) -> int:
        """Queue one row in the caller's unit of work; its delivery is asked for once
        that commits, and a rollback takes the row with it.  The row's id."""
        now = self._now()
        row = HelpdeskOutboxRow(target=target, kind=kind, key=key, payload=dict(payload),
                                status=PENDING, attempts=0, next_attempt_at=now,
                                created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        row_id = row.id
        event.listen(session, "after_commit", lambda _session: self._ask(row_id, 0),
                     once=True)
        return row_id

    def ticket_targets(self, local_ticket_id: int) -> list[str]:
        """The helpdesks a built-in ticket was queued for (its comments go there too)."""
        with self._db.session() as session:
            return list(session.scalars(
                select(HelpdeskOutboxRow.target).where(
                    HelpdeskOutboxRow.kind == "ticket",
                    HelpdeskOutboxRow.local_ticket_id == local_ticket_id)
                .order_by(HelpdeskOutboxRow.id)))

    def _ask(self, row_id: int, attempts: int) -> None:
        try:
            self._enqueue(row_id, attempts)
        except Exception:  # Redis away: the row stays due and the sweep asks again
            log.warning("helpdesk outbox row %s: its delivery job could not be enqueued",
                        row_id, exc_info=True)

    # Delivery

    def deliver(self, row_id: int) -> bool:
        """Send one row; True when it is (or was already) sent.  A failure is kept on
        the row (attempts, last error, next attempt) and never raised."""
        with self._db.session() as session:
            row = session.get(HelpdeskOutboxRow, row_id)
            if row is None or row.status == SENT:
                return row is not None
            target, kind, payload = row.target, row.kind, dict(row.payload)
            local_ticket_id, key = row.local_ticket_id, row.key
        try:
            remote_id = self._send(target, kind, payload, local_ticket_id, key)
        except HelpdeskError as exc:
            self._failed(row_id, str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - a bad row or the job's timeout: kept, shown
            log.exception("helpdesk outbox row %s could not be sent", row_id)
            self._failed(row_id, f"{exc.__class__.__name__}: {exc}")
            return False
        with self._db.session() as session:
            row = session.get(HelpdeskOutboxRow, row_id)
            if row is not None:
                row.status = SENT
                if target == WORK_ORDER and kind == "created" and remote_id:
                    work_order_webhook.record_reference(session, payload, remote_id)
                row.remote_id = remote_id
                row.last_error = None
                row.attempts += 1
                row.updated_at = self._now()
        return True

    def _failed(self, row_id: int, error: str) -> None:
        now = self._now()
        with self._db.session() as session:
            row = session.get(HelpdeskOutboxRow, row_id)
            if row is None:
                return
            row.attempts += 1
            row.last_error = error[:2000]
            row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts))
            row.updated_at = now

    def _send(self, target: str, kind: str, payload: dict[str, Any],
              local_ticket_id: int | None, key: str) -> str | None:
        s = self._settings
        if target == WORK_ORDER:
            if not (s.work_order_webhook_url and s.work_order_webhook_secret):
                raise HelpdeskError("the work-order webhook is not configured")
            if kind != "created":
                self._created_first(payload)
            return work_order_webhook.WorkOrderWebhook(
                s.work_order_webhook_url, s.work_order_webhook_secret).post(
                    key, payload)
        if target == CTI:
            if not (s.cti_webhook_url and s.cti_webhook_secret):
                raise HelpdeskError("the CTI webhook is not configured")
            CtiWebhook(s.cti_webhook_url, s.cti_webhook_secret).push(payload)
            return None
        if target == ZENDESK:
            if ZENDESK not in self.configured():
                raise HelpdeskError("Zendesk is not configured")
            zendesk = ZendeskClient(str(s.zendesk_url), str(s.zendesk_email),
                                    str(s.zendesk_token))
            if kind == "ticket":
                return _zendesk_ticket(zendesk, payload)
            zendesk.add_comment(self._remote_ticket(target, local_ticket_id),
                                payload["body"], public=not payload.get("internal", True))
            return None
        if target == ZNUNY:
            if ZNUNY not in self.configured():
                raise HelpdeskError("Znuny is not configured")
            znuny = ZnunyClient(str(s.znuny_url), str(s.znuny_webservice), str(s.znuny_user),
                                str(s.znuny_password))
            if kind == "ticket":
                return _znuny_ticket(znuny, payload, str(s.znuny_customer_user))
            return znuny.ticket_update_article(
                self._remote_ticket(target, local_ticket_id), _znuny_note(payload)) or None
        raise HelpdeskError(f"unknown target {target!r}")

    def _remote_ticket(self, target: str, local_ticket_id: int | None) -> str:
        """The helpdesk's id of the ticket a comment belongs to, once that ticket is sent."""
        with self._db.session() as session:
            remote = session.scalar(
                select(HelpdeskOutboxRow.remote_id).where(
                    HelpdeskOutboxRow.target == target, HelpdeskOutboxRow.kind == "ticket",
                    HelpdeskOutboxRow.local_ticket_id == local_ticket_id,
                    HelpdeskOutboxRow.status == SENT))
        if not remote:
            raise HelpdeskError("waiting for its ticket to reach the helpdesk first")
        return remote

    def _created_first(self, payload: Mapping[str, Any]) -> None:
        """A work order's change waits until its creation reached the webhook."""
        order = payload.get("work_order")
        key = f"work_order:{order.get('id') if isinstance(order, dict) else None}:created"
        with self._db.session() as session:
            status = session.scalar(select(HelpdeskOutboxRow.status)
                                    .where(HelpdeskOutboxRow.key == key))
        if status != SENT:
            raise HelpdeskError("waiting for its work order's creation to reach the "
                                "webhook first")

    # Retries and the console

    def due(self, limit: int = 100) -> list[tuple[int, int]]:
        """(id, attempts) of pending rows whose next attempt is due, oldest first."""
        with self._db.session() as session:
            rows = session.execute(
                select(HelpdeskOutboxRow.id, HelpdeskOutboxRow.attempts)
                .where(HelpdeskOutboxRow.status == PENDING,
                       HelpdeskOutboxRow.next_attempt_at <= self._now())
                .order_by(HelpdeskOutboxRow.next_attempt_at, HelpdeskOutboxRow.id).limit(limit))
            return [(r.id, r.attempts) for r in rows]

    def sweep(self) -> int:
        """Ask for the delivery of every due row; how many."""
        due = self.due()
        for row_id, attempts in due:
            self._ask(row_id, attempts)
        return len(due)

    def retry_now(self, row_id: int) -> bool:
        """Make a pending row due now and ask for its delivery; False when none is pending."""
        with self._db.session() as session:
            row = session.get(HelpdeskOutboxRow, row_id)
            if row is None or row.status != PENDING:
                return False
            row.next_attempt_at = self._now()
            attempts = row.attempts
        self._ask(row_id, attempts)
        return True

    def unsent(self, limit: int = 200) -> list[OutboxItem]:
        """Rows not yet sent (pending, or failed and waiting for their retry), oldest first."""
        with self._db.session() as session:
            rows = session.scalars(select(HelpdeskOutboxRow)
                                   .where(HelpdeskOutboxRow.status == PENDING)
                                   .order_by(HelpdeskOutboxRow.id).limit(limit))
            return [_item(r) for r in rows]

    def get(self, row_id: int) -> OutboxItem | None:
        with self._db.session() as session:
            row = session.get(HelpdeskOutboxRow, row_id)
            return None if row is None else _item(row)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.now(), UTC)


def _item(row: HelpdeskOutboxRow) -> OutboxItem:
    return OutboxItem(row.id, row.target, row.kind, row.key, row.status, row.attempts,
                      row.last_error, row.remote_id, row.next_attempt_at, row.created_at)


def _zendesk_ticket(zendesk: ZendeskClient, payload: Mapping[str, Any]) -> str:
    requester = str(payload["requester"])
    ticket: dict[str, Any] = {
        "subject": payload["subject"],
        "comment": {"body": payload.get("description") or payload["subject"], "public": False},
        "external_id": payload["key"],
        "tags": ["ringback"],
    }
    if requester.startswith("+"):
        users = zendesk.users_by_phone(requester)
        if len(users) == 1 and users[0].get("id") is not None:
            ticket["requester_id"] = users[0]["id"]
        else:
            ticket["requester"] = {"name": requester}
    else:
        ticket["requester"] = {"name": requester, "email": requester}
    return zendesk.create_ticket(ticket, idempotency_key=str(payload["key"]))


def _znuny_ticket(znuny: ZnunyClient, payload: Mapping[str, Any], unknown_caller: str) -> str:
    """TicketCreate for the one customer user who has the caller's number, else for
    ``unknown_caller``: Znuny takes only a customer user's login or an e-mail address
    as ``CustomerUser`` and as an article's ``From``, so a number goes in the body."""
    requester = str(payload["requester"])
    body = str(payload.get("description") or payload["subject"])
    article: dict[str, Any] = {"CommunicationChannel": "Phone", "SenderType": "customer",
                               "IsVisibleForCustomer": 0, "Subject": payload["subject"]}
    if "@" in requester:
        customer = requester
        article["From"] = requester
    else:
        found = znuny.customer_user_search(requester)
        customer = found[0] if len(found) == 1 else unknown_caller
        body = f"{body}\n\nCaller: {requester}"
    article.update({"Body": body, "ContentType": "text/plain; charset=utf8"})
    ticket = {"Title": payload["subject"], "Queue": "Raw", "State": "new",
              "Priority": "3 normal", "CustomerUser": customer}
    return znuny.ticket_create(ticket, article)


def _znuny_note(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {"CommunicationChannel": "Internal", "SenderType": "system",
            "IsVisibleForCustomer": 0 if payload.get("internal", True) else 1,
            "Subject": "Note", "Body": payload["body"],
            "ContentType": "text/plain; charset=utf8"}

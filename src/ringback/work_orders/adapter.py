"""Where work orders go besides ringback's own tables.

``BuiltinAdapter`` (the default) keeps them here only.  ``WebhookAdapter``
also sends each work order, when created and on every state change, to
RINGBACK_WORK_ORDER_WEBHOOK_URL as signed JSON: it queues a row in the
helpdesk outbox inside the work order's own transaction, and the outbox
delivers it with its retries and backoff (``ringback.work_orders.webhook``).
Another external system is one more class with these two methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

from ringback.work_orders.documents import history_document, work_order_document

if TYPE_CHECKING:
    from ringback.helpdesk.outbox import HelpdeskOutbox
    from ringback.work_orders.orders import HistoryEntry, WorkOrderView

WORK_ORDER = "work_order"  # the outbox's target
CREATED = "created"
STATE_CHANGED = "state_changed"


def created_key(work_order_id: int) -> str:
    return f"work_order:{work_order_id}:created"


class WorkOrderAdapter(Protocol):
    """Told of each work order made and each state change, inside its transaction."""

    def created(self, session: Session, order: WorkOrderView) -> None: ...

    def changed(self, session: Session, order: WorkOrderView, change: HistoryEntry) -> None: ...


class BuiltinAdapter:
    """Work orders live in ringback only: nothing to send."""

    def created(self, session: Session, order: WorkOrderView) -> None:
        return None

    def changed(self, session: Session, order: WorkOrderView, change: HistoryEntry) -> None:
        return None


class WebhookAdapter:
    """Each work order and each state change, queued for the signed webhook."""

    def __init__(self, outbox: HelpdeskOutbox) -> None:
        self._outbox = outbox

    def created(self, session: Session, order: WorkOrderView) -> None:
        self._outbox.add_in(session, WORK_ORDER, CREATED, created_key(order.id),
                            {"event": "work_order.created",
                             "work_order": work_order_document(order)})

    def changed(self, session: Session, order: WorkOrderView, change: HistoryEntry) -> None:
        step = len(order.history) - 1  # the created row is step 0
        self._outbox.add_in(session, WORK_ORDER, STATE_CHANGED,
                            f"work_order:{order.id}:state:{step}",
                            {"event": "work_order.state_changed",
                             "change": history_document(change),
                             "work_order": work_order_document(order)})

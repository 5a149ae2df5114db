"""The work-order webhook: each queued work-order event POSTed as JSON, signed
like every ringback webhook (``X-Ringback-Signature: sha256=<HMAC of the body>``).

The helpdesk outbox calls ``send`` for its rows of target ``work_order``.  The
body is the outbox row's payload; ``Idempotency-Key`` is the row's key, so a
receiver can drop a delivery repeated after a lost answer.  A state change is
sent only after its work order's creation was taken, so the receiver never
hears of a work order's change before the work order itself.  When the
receiver answers the creation with JSON ``{"id": ...}`` (or ``"reference"``),
that becomes the work order's external reference.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import requests
from sqlalchemy import update
from sqlalchemy.orm import Session

from ringback.helpdesk.clients import SIGNATURE_HEADER, TIMEOUT_SECONDS, HelpdeskError, sign
from ringback.store.work_orders import WorkOrder

EVENT_HEADER = "X-Ringback-Event"


class WorkOrderWebhook:
    def __init__(self, url: str, secret: str) -> None:
        self._url = url
        self._secret = secret

    def post(self, key: str, payload: Mapping[str, Any]) -> str | None:
        """POST the payload; the receiver's reference for it, if it names one."""
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {"Content-Type": "application/json",
                   SIGNATURE_HEADER: sign(self._secret, body),
                   EVENT_HEADER: str(payload.get("event", "")), "Idempotency-Key": key}
        try:
            response = requests.post(self._url, data=body, headers=headers,
                                     timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise HelpdeskError(f"POST {self._url}: connection failed: "
                                f"{exc.__class__.__name__}: {exc}"[:500]) from exc
        if response.status_code >= 400:
            raise HelpdeskError(f"POST {self._url}: HTTP {response.status_code}: "
                                f"{response.text[:300]}")
        return _reference(response)


def _reference(response: requests.Response) -> str | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    found = answer.get("id", answer.get("reference"))
    return str(found)[:100] if isinstance(found, str | int) and str(found) else None


def record_reference(session: Session, payload: Mapping[str, Any], reference: str) -> None:
    """Keep the receiver's reference on the work order a sent creation names."""
    order = payload.get("work_order")
    order_id = order.get("id") if isinstance(order, dict) else None
    if isinstance(order_id, int):
        session.execute(update(WorkOrder).where(WorkOrder.id == order_id)
                        .values(external_ref=reference)
                        .execution_options(synchronize_session=False))

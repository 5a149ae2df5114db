"""A work order's states, the steps between them and their names for people.

    waiting_approval -> approved | closed (refused or a duplicate)
    approved         -> in_progress | waiting_approval (approval withdrawn) | closed
    in_progress      -> completed | approved (stopped, to be planned again)
    completed        -> closed | in_progress (reopened: the work was not done)
    closed           -> nothing (final)

Open work orders (the ones a new report can join) are the first three.
"""

from __future__ import annotations

from ringback.store.work_orders import WorkOrderState

W = WorkOrderState

STATE_LABELS: dict[WorkOrderState, str] = {
    W.WAITING_APPROVAL: "Waiting for approval",
    W.APPROVED: "Approved",
    W.IN_PROGRESS: "In progress",
    W.COMPLETED: "Completed",
    W.CLOSED: "Closed",
}

NEXT_STATES: dict[WorkOrderState, tuple[WorkOrderState, ...]] = {
    W.WAITING_APPROVAL: (W.APPROVED, W.CLOSED),
    W.APPROVED: (W.IN_PROGRESS, W.WAITING_APPROVAL, W.CLOSED),
    W.IN_PROGRESS: (W.COMPLETED, W.APPROVED),
    W.COMPLETED: (W.CLOSED, W.IN_PROGRESS),
    W.CLOSED: (),
}

OPEN_STATES = (W.WAITING_APPROVAL, W.APPROVED, W.IN_PROGRESS)
FIRST_STATE = W.WAITING_APPROVAL


def state_label(state: str | WorkOrderState) -> str:
    """The state as people name it; an unknown stored value as it is."""
    try:
        return STATE_LABELS[WorkOrderState(state)]
    except ValueError:
        return str(state)


def parse_state(raw: object) -> WorkOrderState | None:
    """A state from its stored name or its label (any case); None when neither."""
    if isinstance(raw, WorkOrderState):
        return raw
    if not isinstance(raw, str):
        return None
    text = raw.strip().lower()
    for state, label in STATE_LABELS.items():
        if text in (state.value, label.lower()):
            return state
    return None

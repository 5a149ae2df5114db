"""Estimated wait: what a caller at a given position can expect, in seconds.

    ahead   = position - available          (callers an idle agent cannot take now)
    waves   = ceil(ahead / max(staffed, 1))  (rounds of calls the staffed agents handle)
    ewt     = waves * average_handle_seconds (0 when ahead <= 0)

``available`` counts agents idle and ready for the queue, ``staffed`` every
logged-in member (available, offered, busy or in wrap-up), and the average is
an exponentially weighted moving average of recent handle times
(``HANDLE_WEIGHT`` for the newest), starting from the service's default.
"""

from __future__ import annotations

import math

# Weight of the newest handle time in the moving average: about the last ten calls count.
HANDLE_WEIGHT = 0.2


def estimated_wait_seconds(
    position: int, available: int, staffed: int, average_handle_seconds: float
) -> int:
    ahead = position - available
    if ahead <= 0:
        return 0
    waves = math.ceil(ahead / max(staffed, 1))
    return int(round(waves * average_handle_seconds))


from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpdesk.standin import HelpdeskStandIn


@pytest.fixture
def standin() -> Iterator[HelpdeskStandIn]:
    server = HelpdeskStandIn()
    yield server
    server.close()

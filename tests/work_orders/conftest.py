from __future__ import annotations

import pytest

from ringback.work_orders import CodeView, ProblemCodes
from ringback.work_orders.codes import codes_of
from ringback.work_orders.demo import demo_problem_codes


@pytest.fixture
def codes(services) -> ProblemCodes:
    demo_problem_codes(services.problem_codes)
    return services.problem_codes


@pytest.fixture
def appliance(codes) -> CodeView:
    (found,) = [c for c in codes_of(codes.tree()) if c.name == "Appliance pickup"]
    return found


@pytest.fixture
def pothole(codes) -> CodeView:
    (found,) = [c for c in codes_of(codes.tree()) if c.name == "Pothole repair"]
    return found

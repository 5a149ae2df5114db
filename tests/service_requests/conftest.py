from __future__ import annotations

from dataclasses import dataclass

import pytest

from ringback.work_orders import CodeView
from ringback.work_orders.codes import codes_of
from ringback.work_orders.demo import demo_problem_codes


@dataclass(frozen=True)
class Desk:
    """A knowledge base, a problem-code tree and one customer user to log requests for."""

    script_id: int
    numbers_id: int
    appliance: CodeView
    pothole: CodeView
    user_id: int
    agent_id: int


@pytest.fixture
def desk(services) -> Desk:
    kb = services.knowledge
    script = kb.create({"kind": "script", "title": "Appliance pickup",
                        "body": "Bulky appliances are collected on request within 5 days."},
                       None)
    numbers = kb.create({"kind": "phone_numbers", "title": "Emergency numbers",
                         "phone_numbers": [{"label": "Fire", "number": "112"}]}, None)
    demo_problem_codes(services.problem_codes)
    found = {c.name: c for c in codes_of(services.problem_codes.tree())}
    customer = services.customers.create_customer({"name": "Silva household"})
    user = services.customers.create_user({"customer_id": customer.id, "name": "Ana Silva",
                                           "phones": ["+4930123456"]})
    agent = services.agents.create({"email": "ben@example.com", "name": "Ben Agent",
                                    "permissions": ["requests"]})
    return Desk(script.id, numbers.id, found["Appliance pickup"], found["Pothole repair"],
                user.id, agent.id)

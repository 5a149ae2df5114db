"""BuiltinTicketSink.update_data: the named fields of a ticket's data change, the rest stay."""

from __future__ import annotations

import pytest

from ringback.errors import NotFound, ValidationError
from ringback.tickets import BuiltinTicketSink


@pytest.fixture
def sink(db, clock) -> BuiltinTicketSink:
    return BuiltinTicketSink(db, clock)


def _ticket(sink: BuiltinTicketSink) -> str:
    return sink.create_ticket(
        idempotency_key="callback:sales:a1", subject="Callback", requester="+4915112345678",
        description="", data={"queue": "sales", "attempts": [{"outcome": None}]},
    ).id


def test_update_data_replaces_the_named_fields_and_keeps_the_others(sink, clock):
    ticket_id = _ticket(sink)
    before = sink.get(ticket_id).updated_at
    clock.advance(60)

    sink.update_data(ticket_id, {"attempts": [{"outcome": "no_answer"}]})

    ticket = sink.get(ticket_id)
    assert ticket.data == {"queue": "sales", "attempts": [{"outcome": "no_answer"}]}
    assert ticket.updated_at > before


def test_update_data_of_an_unknown_ticket_is_not_found_and_bad_data_names_the_field(sink):
    ticket_id = _ticket(sink)
    with pytest.raises(NotFound):
        sink.update_data("999999", {"attempts": []})
    with pytest.raises(ValidationError) as raised:
        sink.update_data(ticket_id, {"attempts": {1, 2}})  # a set is not JSON
    assert "data" in raised.value.errors
    assert sink.get(ticket_id).data["attempts"] == [{"outcome": None}]

"""The built-in ticket store against a real database (SQLite, or DATABASE_URL)."""

from __future__ import annotations

import inspect
import threading

import pytest
from sqlalchemy import func, select

from ringback.errors import NotFound, ValidationError
from ringback.store.tickets import Ticket, TicketComment
from ringback.tickets import BuiltinTicketSink, TicketSink, TicketStatus


@pytest.fixture
def sink(db, clock) -> BuiltinTicketSink:
    return BuiltinTicketSink(db, clock)


def new_ticket(sink: BuiltinTicketSink, key: str = "cb-expired:q1:7", **changes):
    fields = {
        "idempotency_key": key,
        "subject": "Callback",
        "requester": "+44 20 7183 8750",
        "description": "The callback expired after 60 minutes.",
        "data": {"callback_number": "+442071838750", "queue": "sales", "attempts": 0},
    }
    fields.update(changes)
    return sink.create_ticket(**fields)


def count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_the_builtin_store_has_every_ticket_sink_method_with_its_signature():
    """Each TicketSink method exists on the built-in store with the same parameters
    (names, kinds, defaults), so a caller written against the protocol works with it.
    A runtime isinstance check would only see that the names exist."""
    members = [name for name, value in vars(TicketSink).items()
               if callable(value) and not name.startswith("_")]
    assert members, "TicketSink declares no methods"
    for name in members:
        expected = inspect.signature(getattr(TicketSink, name))
        actual = inspect.signature(getattr(BuiltinTicketSink, name))
        assert [(p.name, p.kind, p.default) for p in actual.parameters.values()] == \
            [(p.name, p.kind, p.default) for p in expected.parameters.values()], name


def test_a_new_ticket_is_open_with_its_fields_normalised(sink):
    ref = new_ticket(sink, requester="+44 20 7183 8750")
    assert ref.created
    ticket = sink.get(ref.id)
    assert ticket.status is TicketStatus.OPEN
    assert ticket.requester == "+442071838750"
    assert ticket.subject == "Callback"
    assert ticket.data == {"callback_number": "+442071838750", "queue": "sales", "attempts": 0}
    assert ticket.created_at.tzinfo is not None
    assert ticket.comments == ()


def test_an_email_requester_is_kept_in_lower_case(sink):
    ref = new_ticket(sink, requester="Ana.Silva@Example.COM")
    assert sink.get(ref.id).requester == "ana.silva@example.com"


def test_the_same_key_twice_returns_the_first_ticket_unchanged(sink, db):
    first = new_ticket(sink)
    again = new_ticket(sink, subject="Something else", requester="x@example.com")
    assert again.id == first.id
    assert (first.created, again.created) == (True, False)
    assert sink.get(first.id).subject == "Callback"
    assert count(db, Ticket) == 1


def test_concurrent_creates_with_one_key_make_exactly_one_ticket(sink, db):
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    refs, failures = [], []

    def create() -> None:
        try:
            barrier.wait(timeout=10)
            refs.append(new_ticket(sink, key="race-key"))
        except Exception as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=create) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert failures == []
    assert len({r.id for r in refs}) == 1
    assert sum(r.created for r in refs) == 1
    assert count(db, Ticket) == 1


def test_invalid_input_names_every_field_and_stores_nothing(sink, db):
    with pytest.raises(ValidationError) as caught:
        sink.create_ticket(
            idempotency_key="", subject=" ", requester="0207 183 8750",
            description=5, data={"when": object()},  # type: ignore[arg-type]
        )
    assert set(caught.value.errors) == {
        "idempotency_key", "subject", "requester", "description", "data"
    }
    assert "E.164" in caught.value.errors["requester"]
    assert count(db, Ticket) == 0


def test_an_invalid_phone_number_is_refused(sink):
    with pytest.raises(ValidationError) as caught:
        new_ticket(sink, requester="+44 12")
    assert set(caught.value.errors) == {"requester"}


def test_comments_come_back_oldest_first_with_their_flags(sink, clock):
    ref = new_ticket(sink)
    clock.advance(5)
    sink.add_comment(ref.id, body="Callback attempt: no answer", internal=True, author="ana@x.io")
    clock.advance(5)
    sink.add_comment(ref.id, body="We tried to reach you.", internal=False)
    ticket = sink.get(ref.id)
    assert [(c.body, c.internal, c.author) for c in ticket.comments] == [
        ("Callback attempt: no answer", True, "ana@x.io"),
        ("We tried to reach you.", False, None),
    ]
    assert ticket.updated_at == ticket.comments[-1].created_at > ticket.created_at


def test_a_comment_key_used_twice_adds_one_comment(sink, db):
    ref = new_ticket(sink)
    first = sink.add_comment(ref.id, body="attempt 1", internal=True, idempotency_key="att-1")
    again = sink.add_comment(ref.id, body="attempt 1", internal=True, idempotency_key="att-1")
    assert (again.id, again.ticket_id) == (first.id, ref.id)
    assert (first.created, again.created) == (True, False)
    assert count(db, TicketComment) == 1


def test_concurrent_comments_with_one_key_add_exactly_one(sink, db):
    ref = new_ticket(sink)
    barrier = threading.Barrier(6)
    refs, failures = [], []

    def comment() -> None:
        try:
            barrier.wait(timeout=10)
            refs.append(sink.add_comment(ref.id, body="missed", internal=True,
                                         idempotency_key="missed-1"))
        except Exception as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=comment) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert failures == []
    assert len({r.id for r in refs}) == 1
    assert count(db, TicketComment) == 1


def test_comments_without_a_key_are_all_kept(sink, db):
    ref = new_ticket(sink)
    sink.add_comment(ref.id, body="same", internal=False)
    sink.add_comment(ref.id, body="same", internal=False)
    assert count(db, TicketComment) == 2


def test_a_comment_on_an_unknown_ticket_is_not_found(sink, db):
    with pytest.raises(NotFound):
        sink.add_comment("999", body="hello", internal=False)
    with pytest.raises(NotFound):
        sink.add_comment("not-a-number", body="hello", internal=False)
    assert count(db, TicketComment) == 0


def test_an_invalid_comment_names_its_fields(sink):
    ref = new_ticket(sink)
    with pytest.raises(ValidationError) as caught:
        sink.add_comment(ref.id, body="", internal="yes", idempotency_key="")  # type: ignore[arg-type]
    assert set(caught.value.errors) == {"body", "internal", "idempotency_key"}


def test_get_of_an_unknown_ticket_is_not_found(sink):
    with pytest.raises(NotFound):
        sink.get("12345")


def test_list_is_newest_first_and_filters_combine(sink, clock):
    a = new_ticket(sink, key="a", requester="+442071838750")
    clock.advance(1)
    b = new_ticket(sink, key="b", subject="Information request", requester="+442071838750")
    clock.advance(1)
    c = new_ticket(sink, key="c", requester="bo@example.com")
    assert [t.id for t in sink.list()] == [c.id, b.id, a.id]
    assert [t.id for t in sink.list(subject="Callback")] == [c.id, a.id]
    assert [t.id for t in sink.list(requester="+44 20 7183 8750")] == [b.id, a.id]
    assert [t.id for t in sink.list(subject="Callback", requester="+442071838750")] == [a.id]
    assert sink.list(status=TicketStatus.SOLVED) == []
    assert [t.id for t in sink.list(status="open", limit=2, offset=1)] == [b.id, a.id]
    assert sink.count(subject="Callback") == 2


def test_list_refuses_bad_filters_naming_each(sink):
    with pytest.raises(ValidationError) as caught:
        sink.list(status="closed", requester="nobody", limit=1000, offset=-1)
    assert set(caught.value.errors) == {"status", "requester", "limit", "offset"}
    assert "open, pending, solved" in caught.value.errors["status"]

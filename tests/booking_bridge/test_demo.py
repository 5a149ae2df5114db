"""`ringback demo-data`: the example business, made once; a second run says so."""

from __future__ import annotations

import pytest

from ringback.booking_bridge.catalog import BookingCatalog
from ringback.booking_bridge.demo import seed_demo
from ringback.cli import main
from ringback.customers import CustomerDirectory
from ringback.store.bookings import Booking


def _count_bookings(db) -> int:
    from sqlalchemy import func, select

    with db.session() as session:
        return session.scalar(select(func.count(Booking.id))) or 0


def test_the_demo_business_is_made_once(db, clock):
    first = seed_demo(db, clock)
    assert first.created
    assert (first.locations, first.services, first.resources, first.customers) == (2, 5, 6, 4)
    assert first.bookings == 5 == _count_bookings(db)

    catalog = BookingCatalog(db)
    assert [(x.name, x.time_zone) for x in catalog.locations()] == [
        ("Berlin", "Europe/Berlin"), ("London", "Europe/London")]
    assert len(catalog.services(scope="global")) == 4
    [local] = catalog.services(scope="local")
    assert [s.kind for s in catalog.services()].count("combined") == 1
    assert local.location_id == catalog.locations()[0].id
    for resource in catalog.resources():
        assert resource.hours, resource.name
    customers = CustomerDirectory(db)
    assert customers.list_users({}).total == 3  # the Berlin-only customer is hidden
    berlin = catalog.locations()[0].id
    assert customers.list_users({"location_id": berlin}).total == 4

    second = seed_demo(db, clock)
    assert not second.created
    assert "nothing was changed" in second.summary()
    assert _count_bookings(db) == 5 and len(catalog.locations()) == 2


@pytest.fixture
def cli_env(monkeypatch, settings, database_url):
    monkeypatch.setenv("RINGBACK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", database_url)


def test_the_command_line_adds_it_and_then_says_it_is_there(cli_env, capsys, db):
    assert main(["demo-data"]) == 0
    out = capsys.readouterr().out
    assert "demo business added: 2 locations, 5 services, 6 resources, 4 customers" in out
    assert "demo call centre added: 6 knowledge-base articles, 3 problem codes" in out
    assert main(["demo-data"]) == 0
    again = capsys.readouterr().out
    assert "the demo business is there already" in again
    assert "the demo knowledge base and problem codes are there already" in again
    assert len(BookingCatalog(db).locations()) == 2

"""What the configured numbers add up to for the toll-fraud guard (issue 17): every
business number, and the countries they call back, fresh in every process."""

from __future__ import annotations

from ringback.numbers import NumberDirectory

BERLIN = "+4930123456"
VIENNA = "+43130012345"


def test_lines_are_every_number_and_the_countries_they_call_back(services):
    directory = services.numbers
    assert directory.lines().numbers == frozenset()
    assert directory.lines().countries == frozenset()

    directory.put(BERLIN, {"callback": {"allowed_countries": ["DE", "ch"]}})
    directory.put(VIENNA, {"line_type": "digital"})

    lines = directory.lines()
    assert lines.numbers == {BERLIN, VIENNA}
    assert lines.countries == {"DE", "CH", "AT"}
    assert directory.own_numbers() == {BERLIN, VIENNA}


def test_another_process_sees_a_number_added_or_removed_at_its_next_read(services):
    other = NumberDirectory(services.db, services.redis)
    assert other.own_numbers() == frozenset()  # cached at this version
    services.numbers.put(BERLIN, {})
    assert other.own_numbers() == {BERLIN}
    services.numbers.delete(BERLIN)
    assert other.own_numbers() == frozenset()

"""ringback.parsing: whole numbers in request input are ASCII digits 0-9, nothing else."""

from __future__ import annotations

import pytest

from ringback.parsing import MAX_ROW_ID, ascii_whole, row_id, whole_number

NOT_ASCII_DIGITS = ["\u00b2", "\u0663", "\uff15", "\u096b", " 5", "5 ", "1_0", "-3", "+7",
                    "3.0", "", "0x1f", None, 7, 7.0, b"7"]


@pytest.mark.parametrize("text", NOT_ASCII_DIGITS)
def test_only_ascii_digits_are_a_whole_number(text):
    assert ascii_whole(text) is None


def test_ascii_digits_are_read_within_their_length():
    assert ascii_whole("0") == 0
    assert ascii_whole("007") == 7
    assert ascii_whole("123456", max_digits=6) == 123456
    assert ascii_whole("1234567", max_digits=6) is None
    assert ascii_whole("9" * 19) is None  # 18 digits by default


@pytest.mark.parametrize(("value", "expected"), [
    (1, 1), ("1", 1), (MAX_ROW_ID, MAX_ROW_ID), (str(MAX_ROW_ID), MAX_ROW_ID),
    (MAX_ROW_ID + 1, None), (str(MAX_ROW_ID + 1), None), (0, None), ("0", None), (-1, None),
    (10**30, None), ("9" * 30, None), (True, None), ("\u0663", None), (1.0, None),
])
def test_a_row_id_is_one_to_the_integer_columns_limit(value, expected):
    assert row_id(value) == expected


@pytest.mark.parametrize("raw", ["\u00b2", "\u0663", " 5", "201", "0", "-1", True, 2.0])
def test_a_count_out_of_rule_names_the_field_and_keeps_the_default(raw):
    errors: dict[str, str] = {}
    assert whole_number(errors, "limit", raw, default=50, minimum=1, maximum=200) == 50
    assert errors == {"limit": "must be a whole number from 1 to 200"}


@pytest.mark.parametrize(("raw", "expected"), [(None, 50), ("", 50), ("7", 7), (7, 7),
                                               ("200", 200), ("007", 7)])
def test_a_count_in_rule_is_read(raw, expected):
    errors: dict[str, str] = {}
    assert whole_number(errors, "limit", raw, default=50, minimum=1, maximum=200) == expected
    assert errors == {}

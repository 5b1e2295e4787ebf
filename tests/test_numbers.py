import pytest

from perf_xl.numbers import format_italian, parse_italian_number


@pytest.mark.parametrize("text,value", [
    ("1.082.072", 1082072.0), ("24,29", 24.29), ("-0,71", -0.71), ("-8.848", -8848.0), ("1.200", 1200.0),
    ("1,15", 1.15), ("7", 7.0), ("96,25%", 96.25), (" 100 ", 100.0), ("\u22122", -2.0), ("25,00", 25.0),
])
def test_italian_numbers(text, value):
    assert parse_italian_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "1,2,3", "12.34", "> o = a", "1 = fatto"])
def test_not_numbers(text):
    assert parse_italian_number(text) is None


def test_format_italian():
    assert format_italian(96.25) == "96,25"
    assert format_italian(1082072, 0) == "1.082.072"


def test_number_text_in_english_formats_for_the_message():
    from perf_xl.numbers import parse_number_text

    assert parse_number_text("1,234.56") == pytest.approx(1234.56)
    assert parse_number_text("24.29") == pytest.approx(24.29)
    assert parse_number_text("1.200") == 1200  # Italian first: a dot groups thousands
    assert parse_number_text("circa 5") is None

"""The one numeral parser: outline markers and clause references, Arabic or Chinese."""

import pytest

from index.numerals import chinese_to_int, int_to_chinese, read_number


@pytest.mark.parametrize(("text", "n"), [("一", 1), ("十", 10), ("十七", 17), ("二十一", 21), ("一百零二", 102),
                                         ("两", 2), ("3", 3), ("１２", 12), (" 六 ", 6)])
def test_read_number(text, n):
    assert read_number(text) == n


@pytest.mark.parametrize("text", ["", "十七条", "abc", "3a"])
def test_read_number_refuses_what_is_not_a_number(text):
    with pytest.raises(ValueError):
        read_number(text)


def test_printed_forms_read_back():
    assert all(chinese_to_int(int_to_chinese(n)) == n for n in range(1, 1000))
    assert [int_to_chinese(n) for n in (1, 10, 17, 21, 102, 110)] == ["一", "十", "十七", "二十一", "一百零二", "一百一十"]

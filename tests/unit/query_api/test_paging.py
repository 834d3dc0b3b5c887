"""Cursor paging's pure parts: cursors round-trip, bad limits and cursors are the client's error (400)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from query_api.paging import DEFAULT_LIMIT, MAX_LIMIT, Page, PagingError, decode_cursor, encode_cursor, page_of, reply

ids = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=128)
times = st.datetimes(timezones=st.just(dt.UTC), min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1))


@given(times, ids)
def test_a_cursor_gives_back_its_exact_sort_key(at: dt.datetime, key: str) -> None:
    assert decode_cursor(encode_cursor(at, key)) == (at, key)


@given(st.text(max_size=1200))
def test_any_other_text_is_refused_as_a_cursor_or_decodes_to_a_plausible_key(text: str) -> None:
    try:
        at, key = decode_cursor(text)
    except PagingError:
        return
    assert at.tzinfo is not None and 0 < len(key) <= 128 and "\x00" not in key


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": str(MAX_LIMIT + 1)}, {"limit": "ten"},
                                   {"cursor": "!!"}, {"cursor": encode_cursor(dt.datetime(2026, 1, 1), "naive")}])
def test_bad_limits_and_cursors_are_refused(query: dict[str, str]) -> None:
    with pytest.raises(PagingError):
        page_of(query)


def test_the_default_page_and_the_next_cursor() -> None:
    assert page_of({}) == Page(DEFAULT_LIMIT, None)
    at = dt.datetime(2026, 11, 30, 12, 0, 0, 1, tzinfo=dt.UTC)
    rows = [{"t": at - dt.timedelta(seconds=i), "id": f"r{i}"} for i in range(3)]
    page = Page(2, None)
    assert reply(rows, rows, page, "t", "id") == {"items": rows[:2], "next": encode_cursor(rows[1]["t"], "r1")}
    assert reply(rows[:2], rows[:2], page, "t", "id")["next"] is None

"""Rows the sink writes hold no NUL, which PostgreSQL's text and jsonb refuse: raw in text, escaped in JSON."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from sinks.postgres import storable

texts = st.text(alphabet=st.sampled_from(["a", "\x00", "\\", "u", "0", "é", '"']), max_size=12)


@given(text=texts, items=st.lists(texts, max_size=4), number=st.integers())
def test_nul_becomes_the_replacement_character_in_text_and_in_json(text: str, items: list[str], number: int) -> None:
    row = (text, json.dumps({"items": items, "n": number}), number, None)
    stored = storable(row, frozenset({1}))
    assert stored[0] == text.replace("\x00", "\ufffd")
    assert json.loads(stored[1]) == {"items": [i.replace("\x00", "\ufffd") for i in items], "n": number}
    assert stored[2:] == (number, None)
    assert "\x00" not in stored[0] + stored[1]


def test_a_row_without_nul_is_the_same_object() -> None:
    row = ("Senior Engineer", '["Berlin"]', 3)
    assert storable(row, frozenset({1})) is row


def test_text_that_merely_spells_the_escape_is_kept() -> None:
    assert storable(("C:\\u0000 path",), frozenset()) == ("C:\\u0000 path",)

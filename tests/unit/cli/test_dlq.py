"""The pure parts of `resumeflow dlq`: offsets as typed, payload previews that cannot drive a terminal, the summary,
and personal data elided from what is shown."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli.dlq import Letter, parse_offset, preview, summary
from streams.dead_letters import dead_letter
from streams.errors import UserError
from streams.topic_reader import shown


def test_an_offset_is_partition_colon_offset() -> None:
    assert parse_offset("3:120") == (3, 120)
    for bad in ("3", "3:", ":4", "-1:2", "a:b", "1:2:3"):
        with pytest.raises(UserError):
            parse_offset(bad)


@given(st.binary(max_size=400))
def test_a_preview_is_printable_ascii_on_one_line_and_says_the_size(data: bytes) -> None:
    text = preview(data, limit=100)
    assert text.startswith(f"{len(data)} bytes: ")
    assert all(c in string.printable and c not in "\t\n\r\x0b\x0c" for c in text)


def test_a_preview_shows_escapes_instead_of_obeying_them() -> None:
    assert preview(b"ok \x1b[31m\xff") == "9 bytes: ok \\x1b[31m\\xff"
    assert preview(None) == "no value"


def test_the_summary_counts_letters_by_processor_and_error_type() -> None:
    def letter(processor: str, exc: BaseException, offset: int) -> Letter:
        return Letter("t.dlq", 0, offset, dead_letter(processor, topic="t", partition=0, offset=offset, key=None,
                                                      value=b"x", exc=exc))

    letters = [letter("a", ValueError("x"), 0), letter("a", KeyError("y"), 1), letter("b", ValueError("z"), 2),
               Letter("t.dlq", 0, 3, None, unreadable="DecodeError: ...")]
    result = summary(letters)
    assert result["by_processor"] == {"a": 2, "b": 1}
    assert result["by_error"] == {"ValueError": 2, "KeyError": 1}
    assert result["unreadable"] == 1
    assert result["newest"] <= datetime.now(UTC)


def test_personal_data_is_elided_at_any_depth_unless_asked_for() -> None:
    value = {"profile_json": "{...resume...}", "message": {"subject": "Re: your application",
                                                           "body_text": "Dear Ada"}, "items": [{"body_text": "x"}]}
    out = shown(value)
    assert out["profile_json"] == "<14 characters; --full shows them>"
    assert out["message"]["subject"] == "Re: your application"
    assert "Dear Ada" not in str(out) and out["items"][0]["body_text"].startswith("<1 characters")
    assert shown(value, full=True) == value

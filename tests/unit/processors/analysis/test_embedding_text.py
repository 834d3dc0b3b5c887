"""The text embedded per posting: identity first, the description cut to fit MiniLM's window."""

from __future__ import annotations

from processors.analysis.embedding_text import (
    DESCRIPTION_CHARS,
    embedding_text,
    posting_fingerprint,
    truncate_description,
)

LONG = " ".join(f"Sentence number {i} describes the work." for i in range(200))


def test_title_company_and_locations_come_before_the_description() -> None:
    text = embedding_text("Data  Scientist", "Acme\nInc", ["New York, NY", "Remote"], "We model things.")
    assert text == "Data Scientist at Acme Inc. New York, NY; Remote.\nWe model things."


def test_missing_company_locations_and_description_leave_no_dangling_words() -> None:
    assert embedding_text("Data Scientist", "", [], "") == "Data Scientist."


def test_a_long_description_is_cut_at_a_sentence_end_near_the_limit() -> None:
    cut = truncate_description(LONG)
    assert len(cut) <= DESCRIPTION_CHARS
    assert len(cut) > DESCRIPTION_CHARS - 200
    assert cut.endswith("the work.")
    assert LONG.startswith(cut)


def test_without_a_sentence_end_the_cut_falls_between_words() -> None:
    words = " ".join(["word"] * 400)
    cut = truncate_description(words, 100)
    assert cut.split() == ["word"] * (len(cut.split())) and len(cut) <= 100 and cut.endswith("word")


def test_a_short_description_is_kept_whole() -> None:
    assert truncate_description("  Short.  ") == "Short."


def test_the_fingerprint_ignores_what_the_model_ignores_and_sees_what_it_sees() -> None:
    base = posting_fingerprint("Data Scientist", "Acme", ["NY"], LONG)
    assert posting_fingerprint("DATA scientist", "Acme", ["NY"], LONG.replace(" ", "  ")) == base
    assert posting_fingerprint("Data Scientist", "Acme", ["NY"], LONG + " A new closing line.") == base
    assert posting_fingerprint("Data Scientist", "Acme", ["Chicago"], LONG) != base
    assert posting_fingerprint("Data Scientist", "Acme", ["NY"], "Different. " + LONG) != base

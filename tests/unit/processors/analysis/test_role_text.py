"""Role text: boilerplate dropped, chunks within sections, chunk-by-chunk similarity."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from processors.analysis.role_text import CHUNK_WORDS, role_blocks, role_chunks, text_similarity

COMPANY = ("Our mission is to make data pipelines boring. We are a small team in Berlin and we ship every day. "
           "Acme was founded in 2019.")
ROLE = ("As a Data Engineer at Acme, you will own our streaming platform and its Kafka topics, and you will "
        "mentor two engineers.")
DUTIES = "\n".join(f"- Build and run service number {i} on Kafka and PostgreSQL with the team" for i in range(4))
REQUIREMENTS = "\n".join(f"- You have {i + 3} years of experience with Python and stream processing" for i in range(3))
EEO = ("Acme is an equal opportunity employer. All qualified applicants will receive consideration without "
       "regard to race, color, religion, sex or national origin.")


def posting(*parts: str) -> str:
    return "\n\n".join(parts)


def texts(text: str) -> list[str]:
    return [chunk.text for chunk in role_chunks(text, ["acme"])]


def test_the_company_paragraph_and_the_eeo_footer_are_not_the_role() -> None:
    original = posting(COMPANY, "About the role", ROLE, "What you'll do", DUTIES, "You may be a fit if",
                       REQUIREMENTS)
    chunks = " ".join(texts(original))
    assert "mission" not in chunks and "Kafka topics" in chunks
    republished = posting("About the role", ROLE, "What you'll do", DUTIES, "You may be a fit if", REQUIREMENTS,
                          "About Acme", COMPANY, EEO)
    assert texts(republished) == texts(original)  # the company paragraph moved last, an EEO footer added


def test_sections_in_another_order_give_the_same_chunks() -> None:
    original = posting("About the role", ROLE, "What you'll do", DUTIES, "Requirements", REQUIREMENTS)
    reordered = posting("Requirements", REQUIREMENTS, "About the role", ROLE, "What you'll do", DUTIES)
    assert sorted(texts(original)) == sorted(texts(reordered))


def test_a_benefits_section_is_boilerplate() -> None:
    blocks = [block for _, block in role_blocks(posting("Benefits", "Free lunch and a gym.", "Requirements",
                                                        REQUIREMENTS))]
    assert all("lunch" not in block for block in blocks)


@given(st.lists(st.sampled_from([ROLE, DUTIES, REQUIREMENTS, "A very long sentence " * 60]), min_size=1,
                max_size=6))
def test_chunks_stay_within_the_models_window(parts: list[str]) -> None:
    assert all(chunk.words <= CHUNK_WORDS for chunk in role_chunks(posting(*parts)))


def unit_rows(*rows: list[float]) -> np.ndarray:
    matrix = np.array(rows, dtype=np.float64)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_a_cut_copy_scores_as_high_as_the_part_it_keeps() -> None:
    full = unit_rows([1, 0, 0], [0, 1, 0], [0, 0, 1])
    cut = unit_rows([1, 0, 0])
    assert text_similarity(cut, [40], full, [40, 60, 50]) == 1.0
    assert text_similarity(full, [40, 60, 50], cut, [40]) == 1.0  # whichever side is shorter


def test_reordered_chunks_score_as_the_original() -> None:
    full = unit_rows([1, 0, 0], [0, 1, 0], [0, 0, 1])
    assert text_similarity(full, [30, 30, 30], full[::-1], [30, 30, 30]) == 1.0


def test_unrelated_chunks_score_low_and_no_chunks_score_nothing() -> None:
    a, b = unit_rows([1, 0, 0], [0, 1, 0]), unit_rows([0, 0, 1])
    assert text_similarity(a, [30, 30], b, [30]) == 0.0
    assert text_similarity(a, [30, 30], np.zeros((0, 3)), []) is None

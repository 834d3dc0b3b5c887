"""The adversarial corpus is well-formed: every run resolves against its bullet, every faithful case assembles to
the rewrite it expects, every kind of issue 17 is there in more than one language."""

from __future__ import annotations

from evaluation.truthfulness_corpus import REQUIREMENTS, REWRITES
from processors.generation.rephrase import Piece, assemble
from textkit.grounding import language_of


def test_every_faithful_edit_assembles_to_its_expected_rewrite() -> None:
    for case in REWRITES:
        answer = case.answer(0)
        if case.kind == "faithful paraphrase":
            assert isinstance(answer, dict)
            pieces = [Piece.model_validate(p) for p in answer["bullets"][0]["pieces"]]
            assert assemble(case.source, pieces) == case.expected


def test_every_kind_is_offered_in_several_languages() -> None:
    languages: dict[str, set[str]] = {}
    for case in REWRITES:
        languages.setdefault(case.kind, set()).add(language_of(case.source))
    for kind in ("entity", "title or degree", "number", "skill moved", "not a claim", "faithful paraphrase"):
        assert len(languages[kind]) >= 3, (kind, languages[kind])
    assert {language_of(case.posting.description_text) for case in REQUIREMENTS} == {"en", "de", "fr", "es"}

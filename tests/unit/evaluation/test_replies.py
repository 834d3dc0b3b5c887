"""The replies evaluation: a corpus with a tuning and a held-out part covering every kind in both languages, and
figures computed from the confusion it counts."""

from __future__ import annotations

from collections import Counter

from evaluation.replies import KINDS, Reply, evaluate, load_corpus, overlap, report_lines
from streams.messages import ResponseKind


def test_the_corpus_has_both_parts_every_kind_and_no_reply_twice() -> None:
    corpus = load_corpus()
    assert len({r.id for r in corpus}) == len(corpus)
    assert len({(r.subject, r.body) for r in corpus}) == len(corpus)
    for part in ("tune", "heldout"):
        kinds = Counter(r.kind for r in corpus if r.part == part)
        assert set(kinds) == set(KINDS)
        assert {r.language for r in corpus if r.part == part} == {"en", "de"}


def test_the_held_out_part_is_disjoint_from_the_tuning_part() -> None:
    corpus = load_corpus()
    tune = {r.id for r in corpus if r.part == "tune"}
    heldout = {r.id for r in corpus if r.part == "heldout"}
    assert tune and heldout and not tune & heldout
    assert overlap(corpus) == set()
    # the first held-out part, whose errors were read, is tuning data now
    assert all(r.part == "tune" for r in corpus if r.id.startswith("heldout-"))
    assert len(heldout) >= 40


def test_overlap_finds_a_text_in_both_parts() -> None:
    same = ("Offer", "We are pleased to offer you the role.")
    replies = [Reply("a", "tune", "en", ResponseKind.OFFER, *same),
               Reply("b", "heldout", "en", ResponseKind.OFFER, same[0], " " + same[1].upper()),
               Reply("c", "heldout", "en", ResponseKind.OTHER, "x", "y")]
    assert overlap(replies) == {(same[0].casefold(), same[1].casefold())}


def test_precision_recall_and_errors_come_from_the_classifier() -> None:
    replies = [
        Reply("a", "tune", "en", ResponseKind.REJECTED, "x", "We regret to inform you that you were not selected."),
        Reply("b", "tune", "en", ResponseKind.OFFER, "x", "We regret to inform you that you were not selected."),
        Reply("c", "heldout", "de", ResponseKind.INTERVIEW, "x", "Wir laden Sie zu einem Vorstellungsgespräch ein."),
    ]
    reports = evaluate(replies)
    tune = reports["tune"]
    assert (tune.precision(ResponseKind.REJECTED), tune.recall(ResponseKind.REJECTED)) == (0.5, 1.0)
    assert tune.recall(ResponseKind.OFFER) == 0.0 and tune.precision(ResponseKind.OFFER) is None
    assert reports["heldout"].accuracy == 1.0
    lines = report_lines(reports)
    assert lines[0].startswith("tune: 2 replies, accuracy 0.50")
    assert any(line.startswith("  error: b (en) OFFER read as REJECTED") for line in lines)

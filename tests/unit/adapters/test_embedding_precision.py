"""The embedding precision setting: fp32 unless RESUMEFLOW_EMBEDDING_PRECISION says int8, and int8 vectors stay
close to fp32's (the bundled weights, nothing downloaded)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from adapters.embeddings import MiniLmEmbedder
from streams.settings import Settings


def test_precision_is_fp32_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RESUMEFLOW_EMBEDDING_PRECISION", raising=False)
    assert Settings().embedding_precision == "fp32"
    monkeypatch.setenv("RESUMEFLOW_EMBEDDING_PRECISION", "int8")
    assert Settings().embedding_precision == "int8"


def test_an_unknown_precision_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESUMEFLOW_EMBEDDING_PRECISION", "int4")
    with pytest.raises(ValidationError):
        Settings()
    with pytest.raises(ValueError, match="int4"):
        MiniLmEmbedder.with_precision("int4")  # type: ignore[arg-type]


def test_int8_vectors_are_close_to_fp32_and_still_unit_length() -> None:
    texts = ["Senior Data Scientist at Acme. Remote.\nBuild forecasting models in Python and SQL.",
             "Line cook at a bistro. Paris.\nPrepare sauces and plate dishes during dinner service."]
    fp32 = MiniLmEmbedder.with_precision("fp32").embed(texts)
    int8_embedder = MiniLmEmbedder.with_precision("int8")
    int8 = int8_embedder.embed(texts)
    assert int8_embedder.precision == "int8"
    assert not np.allclose(fp32, int8)  # quantized: not the same computation
    np.testing.assert_allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    assert np.all(np.sum(fp32 * int8, axis=1) > 0.95)
    # what dedup relies on: an unrelated posting stays far in both
    assert float(int8[0] @ int8[1]) < 0.5 and float(fp32[0] @ fp32[1]) < 0.5

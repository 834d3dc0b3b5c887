"""The local artifact store: content-addressed, idempotent, atomic."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from adapters.artifacts import ArtifactStore, LocalArtifactStore, StoredArtifact


def test_an_artifact_is_stored_under_its_sha256(tmp_path):
    data = b"%PDF-1.7 fake"
    digest = hashlib.sha256(data).hexdigest()

    stored = LocalArtifactStore(tmp_path).put(data, suffix=".pdf", content_type="application/pdf")

    path = tmp_path / digest[:2] / f"{digest}.pdf"
    assert stored == StoredArtifact(uri=path.resolve().as_uri(), sha256=digest, size=len(data))
    assert stored.uri.startswith("file://")
    assert path.read_bytes() == data


def test_storing_the_same_bytes_twice_is_idempotent(tmp_path):
    store: ArtifactStore = LocalArtifactStore(tmp_path)

    first = store.put(b"same", suffix=".md", content_type="text/markdown")
    mtime = Path(first.uri.removeprefix("file://")).stat().st_mtime_ns
    second = store.put(b"same", suffix=".md", content_type="text/markdown")

    assert first == second
    assert Path(second.uri.removeprefix("file://")).stat().st_mtime_ns == mtime  # not rewritten
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{first.sha256}.md"]  # no temp files left


def test_different_bytes_get_different_artifacts(tmp_path):
    store = LocalArtifactStore(tmp_path)

    a = store.put(b"a", suffix=".html", content_type="text/html")
    b = store.put(b"b", suffix=".html", content_type="text/html")

    assert a.sha256 != b.sha256 and a.uri != b.uri


def test_a_truncated_file_under_the_final_name_is_repaired(tmp_path):
    store = LocalArtifactStore(tmp_path)
    stored = store.put(b"complete content", suffix=".pdf", content_type="application/pdf")
    path = Path(stored.uri.removeprefix("file://"))
    path.write_bytes(b"compl")

    store.put(b"complete content", suffix=".pdf", content_type="application/pdf")

    assert path.read_bytes() == b"complete content"


@pytest.mark.parametrize("suffix", ["/../../etc/x", "../x", ".pdf/x", "pdf", ". pdf", ".p\x00df"])
def test_a_suffix_cannot_escape_the_store(tmp_path, suffix):
    with pytest.raises(ValueError, match="suffix"):
        LocalArtifactStore(tmp_path).put(b"x", suffix=suffix, content_type="application/octet-stream")

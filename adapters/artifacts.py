"""Rendered artifacts (PDF, HTML, Markdown) stored by content hash.

Addressing by SHA-256 makes `put` idempotent: re-rendering the same résumé (rendering is deterministic) or
replaying an event stores nothing new and returns the same URI, so events can carry the URI safely.
Only the local-filesystem store exists; an S3-compatible store would implement the same protocol.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict

# Suffixes become part of a file name: dots and alphanumerics only (".pdf", ".tar.gz"), so no path escapes.
_SUFFIX = re.compile(r"^(\.[A-Za-z0-9]{1,16}){0,3}$")
_OWNER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")  # a folder name that cannot climb out


class StoredArtifact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    uri: str
    sha256: str
    size: int


class ArtifactStore(Protocol):
    def put(self, data: bytes, *, suffix: str, content_type: str) -> StoredArtifact: ...


class LocalArtifactStore:
    """Files at `root/<sha256[:2]>/<sha256><suffix>`, written atomically (temp file in the same directory,
    fsync, rename), so a reader never sees a partial file. `content_type` is implied by the suffix here and
    not recorded; it is in the protocol for object stores that keep it as metadata.

    Resumes are personal data: each user's artifacts live in the user's own folder (`for_owner`), so a reader
    that serves a user only from that user's folder cannot be pointed at someone else's file."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def for_owner(self, owner: str) -> LocalArtifactStore:
        """The store of one owner's artifacts: `root/<owner>/...`. `owner` must be a plain name (a user id)."""
        if not _OWNER.match(owner):
            raise ValueError(f"an artifact owner must be a plain name, got {owner!r}")
        return LocalArtifactStore(self._root / owner)

    def put(self, data: bytes, *, suffix: str, content_type: str) -> StoredArtifact:
        if not _SUFFIX.match(suffix):
            raise ValueError(f"artifact suffix must look like '.pdf', got {suffix!r}")
        digest = hashlib.sha256(data).hexdigest()
        path = self._root / digest[:2] / f"{digest}{suffix}"
        # Same name means same content; the size check only guards against a file truncated by a crash
        # outside this writer (this writer never leaves partial files under the final name).
        if not (path.is_file() and path.stat().st_size == len(data)):
            self._write_atomically(path, data)
        return StoredArtifact(uri=path.resolve().as_uri(), sha256=digest, size=len(data))

    @staticmethod
    def _write_atomically(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.chmod(tmp_name, 0o644)  # mkstemp creates 0600
            os.replace(tmp_name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise

"""The part of a posting's text that says what the role is, in chunks dedup embeds one by one. Pure (the
embedder is `adapters.embeddings`; this module only cuts text and compares vectors it is given).

Copies of one posting on two boards differ in what surrounds the role: a company paragraph first on one board
and last on another, an equal-opportunity footer, benefits, sections in another order, an aggregator's cut at
500 characters. And every posting of one company shares its company paragraph, so comparing whole texts (or
their first screen, all MiniLM reads) says "same company" rather than "same role". So:

- **boilerplate is dropped**: blocks under a company, benefits or legal heading ("About us", "Benefits",
  "Equal opportunity"), equal-opportunity and privacy text wherever it is, and blocks that speak about the
  company ("we", "our", the company's name) without addressing the candidate or naming the role's work;
- **the rest is cut into chunks** of at most `CHUNK_WORDS` words within one section (a block never joins the
  next section's), so a section moved elsewhere keeps its chunks;
- **two texts are compared chunk by chunk** (`text_similarity`): each chunk of the shorter text against its
  closest chunk of the other, weighted by words. A text that is a cut or a subset of the other scores as high
  as a full copy; a reordered copy scores as the original;
- **and word for word** (`text_overlap`): the share of the shorter text's four-word runs the other has, which
  a copy keeps exactly and a rewritten role at the same company does not.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CHUNK_WORDS = 90  # ~120-150 word pieces: well inside MiniLM's 256
MIN_CHUNK_WORDS = 6  # a lone heading or a one-word bullet says nothing by itself
SHINGLE_WORDS = 4
_HEADING_MAX_WORDS = 9

_COMPANY_HEADING = re.compile(
    r"\b(?:about (?:us|the company|our company|[a-z0-9&.' -]{2,40})$|who we are|our (?:mission|story|values|culture|"
    r"company|team)|why (?:join|work)|life at|what we offer|benefits|perks|compensation|pay (?:range|transparency)|"
    r"salary|equal (?:employment )?opportunit|eeo|diversity|inclusion|accommodation|privacy|disclaimer|"
    r"how to apply|application process|our commitment)\b", re.IGNORECASE)
_ROLE_HEADING = re.compile(
    r"\b(?:about (?:the|this) (?:role|position|job|team|opportunity)|about you|the role|the position|role|"
    r"responsibilit|what you|you will|you'll|requirement|qualifications|skills|experience|a fit|looking for|"
    r"nice to have|bonus|preferred|duties|day to day|impact|mission of the role|who you are|what we need)",
    re.IGNORECASE)
_LEGAL = re.compile(
    r"equal (?:employment )?opportunit|without regard to|regardless of (?:race|age|gender)|race, (?:color|colour)|"
    r"sexual orientation|protected veteran|reasonable accommodation|e-verify|pay transparency|"
    r"privacy (?:notice|policy)|background check|applicants with disabilities|affirmative action|"
    r"recruitment agenc|unsolicited resume|we do not accept|visa sponsorship is not", re.IGNORECASE)
_YOU = re.compile(r"\byou(?:'ll|'re|'ve|r|rs|rself)?\b|\bcandidates?\b|\bthe role\b|\bthis role\b|"
                  r"\bthis position\b|\bresponsib|\brequire|\bexperience (?:with|in)\b|\byears of\b|\bqualif|"
                  r"\blooking for\b|\bseeking\b|\bhiring\b|\bjoin(?:ing)? (?:our|the|us)\b", re.IGNORECASE)
_WE = re.compile(r"\b(?:we|we're|we've|our|ours|us)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Chunk:
    text: str
    words: int


def _blocks(text: str) -> list[str]:
    return [b.strip() for b in re.split(r"\n\s*\n|\n(?=\s*[-•*·]\s)", text) if b.strip()]


def _is_heading(block: str) -> bool:
    words = block.split()
    return (0 < len(words) <= _HEADING_MAX_WORDS and "\n" not in block and not block.rstrip().endswith(".")
            and not block.lstrip().startswith(("-", "•", "*")))


def _speaks_about_the_company(block: str, names: Sequence[str]) -> bool:
    if _YOU.search(block):
        return False
    if _WE.search(block):
        return True
    folded = re.sub(r"[^a-z0-9]", "", block.casefold())
    return any(len(name) >= 3 and name in folded for name in names)


def role_blocks(text: str, company_names: Sequence[str] = ()) -> list[tuple[int, str]]:
    """(section number, block) of the blocks that describe the role, in order."""
    kept: list[tuple[int, str]] = []
    section, boilerplate_section = 0, False
    for block in _blocks(text):
        first_line = block.split("\n", 1)[0]
        if _is_heading(first_line):
            section += 1
            boilerplate_section = bool(_COMPANY_HEADING.search(first_line)) and not _ROLE_HEADING.search(first_line)
            block = block[len(first_line):].strip()
            if not block:
                continue
        if boilerplate_section or _LEGAL.search(block):
            continue
        if _speaks_about_the_company(block, company_names):
            continue
        if "\n" not in block:  # a paragraph (an aggregator's cut is one): its sentences about the company go
            block = " ".join(sentence for sentence in _SENTENCE.split(block)
                             if not _speaks_about_the_company(sentence, company_names)
                             and not _LEGAL.search(sentence))
            if not block:
                continue
        kept.append((section, block))
    return kept


def shingles(chunks: Sequence[Chunk], *, size: int = SHINGLE_WORDS) -> list[int]:
    """The role text's overlapping runs of `size` words (lower case, punctuation dropped), hashed to 63-bit
    ints, sorted and distinct: what `text_overlap` compares. A copy keeps the runs of its original whatever the
    order of sections or where it was cut."""
    words = [w for chunk in chunks for w in re.findall(r"[a-z0-9]+", chunk.text.casefold())]
    hashed = {int.from_bytes(hashlib.blake2b(" ".join(words[i:i + size]).encode(), digest_size=8).digest(), "big")
              >> 1 for i in range(max(0, len(words) - size + 1))}
    return sorted(hashed)


def text_overlap(a: Sequence[int], b: Sequence[int]) -> float | None:
    """The share of the shorter text's word runs that the other text has (containment); None when either has
    none."""
    if not a or not b:
        return None
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return len(set(shorter) & set(longer)) / len(set(shorter))


def role_chunks(text: str, company_names: Sequence[str] = (), *, chunk_words: int = CHUNK_WORDS) -> list[Chunk]:
    """The role's text in chunks of at most `chunk_words` words, never across sections."""
    chunks: list[Chunk] = []
    current: list[str] = []
    current_words, current_section = 0, None

    def flush() -> None:
        nonlocal current, current_words
        if current and current_words >= MIN_CHUNK_WORDS:
            chunks.append(Chunk(" ".join(current), current_words))
        current, current_words = [], 0

    for section, block in role_blocks(text, company_names):
        if section != current_section:
            flush()
            current_section = section
        for sentence in _pieces(block, chunk_words):
            words = len(_WORD.findall(sentence))
            if current_words + words > chunk_words:
                flush()
            current.append(sentence)
            current_words += words
    flush()
    return chunks


def _pieces(block: str, limit: int) -> list[str]:
    """A block as sentences, each at most `limit` words (a run-on sentence is cut between words)."""
    pieces: list[str] = []
    for sentence in _SENTENCE.split(" ".join(block.split())):
        words = sentence.split()
        for start in range(0, len(words), limit):
            pieces.append(" ".join(words[start:start + limit]))
    return [piece for piece in pieces if piece]


def text_similarity(a: np.ndarray, a_words: Sequence[int], b: np.ndarray, b_words: Sequence[int]) -> float | None:
    """How much of the shorter text (by words) the other contains: each of its chunks' cosine to the closest
    chunk of the other, averaged by words. Rows are unit vectors. None when either side has no chunk."""
    if len(a) == 0 or len(b) == 0:
        return None
    if sum(a_words) > sum(b_words):
        a, a_words, b, b_words = b, b_words, a, a_words
    best = np.clip((np.asarray(a, dtype=np.float64) @ np.asarray(b, dtype=np.float64).T).max(axis=1), -1.0, 1.0)
    weights = np.asarray(a_words, dtype=np.float64)
    return float(best @ weights / weights.sum()) if weights.sum() > 0 else float(best.mean())

"""Optional LLM rephrasing of a tailored resume's bullets through the AI gateway — never required, and checkable
by design: the model does not write text, it edits.

Each experience or project bullet goes to the model as its list of words, numbered from 0. For a bullet it
wants to change, the model answers a list of *pieces* in reading order, each one of:

- a run of the bullet's own words, `{"first": i, "last": j}` (copied as written; `"form": "ing" | "past"`
  re-inflects the first of them, so "Moved ..." can follow "by" as "moving ..."), or
- one word of a closed list, `{"word": "by"}`: style words and verbs of doing (`textkit.grounding`), plus a
  comma or a semicolon.

So a rewrite can reorder, condense and lead with a stronger verb, and nothing else. `apply` assembles each
bullet's text from its pieces and refuses an edit that is out of range, uses a word twice, takes a word outside
the closed list, re-inflects something that is not a verb, or leaves a relational word ("to", "at") without
its object. An assembled rewrite keeps the path of the profile line it came from with transform `rephrased`,
and the truthfulness verifier then checks it against that line alone (`truthfulness.py`): the edit format makes
an invented fact impossible to write, the verifier makes one impossible to keep. A refused or rejected rewrite
falls back to the profile's words.

The bullets and the job go to the model as delimited data; the answer is validated by pydantic, with no field
that could do anything but point into the bullets or pick a listed word.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Annotated, Literal

import simplemma
from pydantic import BaseModel, ConfigDict, Field

from adapters.ai_gateway import AiGateway, AiGatewayError, build_messages
from processors.generation.model import Entry, Line, Provenance, ResumeSection, TailoredResume
from streams.messages import BudgetCrossed, JobRequirements
from textkit.grounding import RELATIONAL, closed_words, fold, word_keys

log = logging.getLogger(__name__)
TASK = "tailor_resume"
REPHRASED_KINDS = ("experience", "projects")
MAX_TEXT = 300
PUNCTUATION = (",", ";")
CLOSED_LIST: tuple[str, ...] = (*sorted(closed_words()), *PUNCTUATION)
INSTRUCTION = (
    "Tailor each resume bullet to the job by editing it, never by writing new text. Each bullet is given as a "
    "list of its words, numbered from 0. For each bullet you change, answer its index and a list of pieces in "
    "reading order. A piece is either a run of the bullet's own words, {\"first\": i, \"last\": j}, copied as "
    "written (add \"form\": \"ing\" or \"past\" to re-inflect the first word of the run when it is a verb), or "
    "exactly one word from this closed list, {\"word\": \"...\"}: " + ", ".join(CLOSED_LIST) + ". "
    "Reorder runs so that what the job asks for comes first, leave out words that add nothing for this job, "
    "and lead with a stronger verb from the list where it fits. Use each word of a bullet at most once, never "
    "mix two bullets, and leave out the bullets you would not change."
)


class Piece(BaseModel):
    """A run of the bullet's words (`first`..`last`, inclusive, optionally re-inflected) or one listed `word`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first: Annotated[int, Field(ge=0, le=400)] | None = None
    last: Annotated[int, Field(ge=0, le=400)] | None = None
    form: Literal["ing", "past"] | None = None
    word: Annotated[str, Field(min_length=1, max_length=40)] | None = None


class BulletEdit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    index: Annotated[int, Field(ge=0)]
    pieces: Annotated[list[Piece], Field(min_length=1, max_length=60)]


class Rephrasing(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    bullets: Annotated[list[BulletEdit], Field(max_length=200)]


class EditRefused(ValueError):
    """An edit that does not stay within its bullet's words and the closed list."""


@dataclass(frozen=True, slots=True)
class Offer:
    """What the model offered for one bullet: the assembled `text`, or why the edit was refused (`refused`).
    `as_written` is the text the edit would print without the edit check (for measuring the verifier alone)."""

    path: str
    source: str
    text: str | None
    refused: str | None
    as_written: str


def rephrasable_bullets(resume: TailoredResume) -> list[Line]:
    return [bullet for section in resume.sections if section.kind in REPHRASED_KINDS
            for entry in section.entries for bullet in entry.bullets]


def _job_summary(job: JobRequirements) -> str:
    skills = ", ".join(s.name for s in job.skills)
    return f"{job.title} at {job.company}\nSkills asked for: {skills or 'not stated'}"


def numbered_bullets(bullets: list[Line]) -> str:
    """The bullets as the model sees them: one JSON object a line, with the bullet's words in order."""
    return "\n".join(json.dumps({"index": i, "words": line.text.split()}, ensure_ascii=False)
                     for i, line in enumerate(bullets))


# --- assembling an edit -----------------------------------------------------------------------------------------


def assemble(source: str, pieces: list[Piece]) -> str:
    """The bullet `pieces` make of `source`'s words; raises `EditRefused` for anything outside the format."""
    words = source.split()
    closed = {fold(w) for w in CLOSED_LIST}
    used: set[int] = set()
    out: list[str] = []
    for piece in pieces:
        if piece.word is not None:
            if piece.first is not None or piece.last is not None or piece.form is not None:
                raise EditRefused("a piece is either a run of words or one listed word")
            if fold(piece.word.strip()) not in closed:
                raise EditRefused(f"{piece.word!r} is not in the closed list")
            out.append(piece.word.strip())
            continue
        if piece.first is None or piece.last is None:
            raise EditRefused("a run needs its first and last word")
        if not 0 <= piece.first <= piece.last < len(words):
            raise EditRefused(f"words {piece.first}..{piece.last} are not in the bullet (0..{len(words) - 1})")
        run = set(range(piece.first, piece.last + 1))
        if run & used:
            raise EditRefused("a word of the bullet is used twice")
        used |= run
        copied = words[piece.first:piece.last + 1]
        if piece.last < len(words) - 1:
            copied[-1] = copied[-1].rstrip(",;:.")
            if fold(copied[-1]) in RELATIONAL:
                raise EditRefused(f"{copied[-1]!r} would lose its object")
        if piece.form is not None:
            copied[0] = inflect(copied[0], piece.form)
        if out and piece.first == 0 and (piece.form is not None or fold(copied[0]) in closed):
            copied[0] = copied[0][:1].lower() + copied[0][1:]  # the bullet's first word, now mid-sentence
        out += copied
    return _join(out)


def as_written(source: str, pieces: list[Piece]) -> str:
    """The text an edit would print if nothing checked it: runs clipped to the bullet, words as the model wrote
    them. Only for measurement (`evaluation.truthfulness`): the verifier alone must reject every invented fact."""
    words = source.split()
    out: list[str] = []
    for piece in pieces:
        if piece.word is not None:
            out.append(piece.word.strip())
        elif piece.first is not None and piece.last is not None:
            copied = words[max(piece.first, 0):piece.last + 1]
            if copied and piece.last < len(words) - 1:
                copied[-1] = copied[-1].rstrip(",;:.")
            out += copied
    return _join(out, limit=False)


def _join(words: list[str], *, limit: bool = True) -> str:
    text = ""
    for word in words:
        text += word if word in PUNCTUATION or not text else f" {word}"
    text = text.strip().rstrip(",;:")
    first = text.split(" ", 1)[0] if text else ""
    if first.isalpha() and first.islower():
        text = text[0].upper() + text[1:]
    if limit and len(text) > MAX_TEXT:
        raise EditRefused(f"the rewrite is longer than {MAX_TEXT} characters")
    return text


_IRREGULAR_PAST = {"build": "built", "lead": "led", "write": "wrote", "run": "ran", "grow": "grew", "cut": "cut",
                   "shrink": "shrank", "speed": "sped", "make": "made", "set": "set", "put": "put"}


def inflect(word: str, form: Literal["ing", "past"]) -> str:
    """`word` (a verb of the bullet) as its -ing form or its past; refused when the result is not the same verb."""
    bare = word.strip(",;:.()")
    lower = bare.lower()
    if not lower.isalpha():
        raise EditRefused(f"{word!r} cannot be re-inflected")
    lemma = simplemma.lemmatize(lower, lang="en")
    result = (_IRREGULAR_PAST.get(lemma) or _regular(lemma, "ed")) if form == "past" else _regular(lemma, "ing")
    if lemma not in word_keys(result) or (lemma == lower and not _known_verb(lemma)):
        raise EditRefused(f"{word!r} is not a verb that can be re-inflected")
    return word.replace(bare, result, 1)


def _known_verb(lemma: str) -> bool:
    """Whether simplemma reads the -ing and -ed forms of `lemma` back as `lemma` (a noun's do not)."""
    forms = [_regular(lemma, suffix) for suffix in ("ing", "ed")]
    return all(simplemma.lemmatize(form, lang="en") == lemma for form in forms)


def _regular(lemma: str, suffix: str) -> str:
    vowels = "aeiou"
    if lemma.endswith("ie") and suffix == "ing":
        return lemma[:-2] + "ying"
    if lemma.endswith("e") and not lemma.endswith(("ee", "oe", "ye")):
        return lemma[:-1] + suffix
    if suffix == "ed" and lemma.endswith("y") and len(lemma) > 1 and lemma[-2] not in vowels:
        return lemma[:-1] + "ied"
    if (len(lemma) <= 4 and len(lemma) >= 3 and lemma[-1] not in vowels + "wxy" and lemma[-2] in vowels
            and lemma[-3] not in vowels):
        return lemma + lemma[-1] + suffix
    return lemma + suffix


# --- applying the model's answer --------------------------------------------------------------------------------


def apply(resume: TailoredResume, rephrasing: Rephrasing) -> tuple[TailoredResume, list[Offer]]:
    """`resume` with each bullet the model edited replaced by the assembled rewrite (citing the original's paths),
    and what was offered for each bullet. A refused edit leaves its bullet as it was."""
    originals = rephrasable_bullets(resume)
    offers: list[Offer] = []
    replaced: dict[int, Line] = {}
    for edit in rephrasing.bullets:
        if edit.index >= len(originals) or id(originals[edit.index]) in replaced:
            continue
        original = originals[edit.index]
        written = as_written(original.text, edit.pieces)
        try:
            text = assemble(original.text, edit.pieces)
        except EditRefused as exc:
            offers.append(Offer(original.paths[0], original.text, None, str(exc), written))
            continue
        offers.append(Offer(original.paths[0], original.text, text, None, written))
        if text and text != original.text:
            replaced[id(original)] = Line(text=text, provenance=[Provenance(path=p, transform="rephrased")
                                                                 for p in original.paths])

    def entry(e: Entry) -> Entry:
        return e.model_copy(update={"bullets": [replaced.get(id(b), b) for b in e.bullets]})

    def section(s: ResumeSection) -> ResumeSection:
        if s.kind not in REPHRASED_KINDS:
            return s
        return s.model_copy(update={"entries": [entry(e) for e in s.entries]})

    rephrased = resume.model_copy(update={"sections": [section(s) for s in resume.sections]})
    return rephrased, offers


async def ask(resume: TailoredResume, job: JobRequirements, gateway: AiGateway, *, user_id: str, cell: int
              ) -> tuple[Rephrasing, list[BudgetCrossed]] | None:
    """The model's edits for the resume's bullets, or None when there is nothing to ask or no answer."""
    bullets = rephrasable_bullets(resume)
    if not gateway.enabled or not bullets:
        return None
    messages = build_messages(instruction=INSTRUCTION, schema=Rephrasing,
                              data={"resume_bullets": numbered_bullets(bullets), "job_posting": _job_summary(job)})
    try:
        result = await gateway.complete(task=TASK, messages=messages, schema=Rephrasing, user_id=user_id, cell=cell)
    except AiGatewayError as exc:
        log.warning("rephrasing for user %s skipped: %s", user_id, type(exc).__name__)
        return None
    return result.value, list(result.budget_events)


async def rephrase(
    resume: TailoredResume, job: JobRequirements, gateway: AiGateway, *, user_id: str, cell: int
) -> tuple[TailoredResume, list[BudgetCrossed]]:
    """The resume with its bullets edited by the LLM, or unchanged when no provider is configured, the user is
    over budget, or every provider fails."""
    answer = await ask(resume, job, gateway, user_id=user_id, cell=cell)
    if answer is None:
        return resume, []
    rephrasing, crossed = answer
    rephrased, offers = apply(resume, rephrasing)
    if refused := [o for o in offers if o.refused]:
        log.info("rephrasing for user %s: %d of %d edits refused (%s)", user_id, len(refused), len(offers),
                 refused[0].refused)
    return rephrased, crossed

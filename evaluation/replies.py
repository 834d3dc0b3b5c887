"""`resumeflow eval replies`: the reply rules' precision and recall per kind, on labelled recruiter replies.

The corpus (`replies_corpus.jsonl`, one reply a line: id, part, language, kind, subject, body) was written by
hand for this project from the shapes of public examples (recruiting blogs' rejection, screening, interview and
offer templates; ATS default receipts), English and German, in formal and informal registers, several with a
quoted earlier mail. No mail data was available in ../shared. Its `tune` part is the one the rules were adjusted
on; `heldout` was written before the rules were tuned and is reported as it falls, never tuned on.

A held-out part is spent once its errors have been read. The first one (ids `heldout-*`, 35 replies) was, after
its errors were seen, moved into `tune` (marked `"moved_from": "heldout"`); the held-out part now is `heldout2-*`
(49 replies), committed alone before the rules changed again. A new round of tuning needs a new held-out part.

Only the rules are measured (`processors.outcomes.rules.classify`): the model fallback needs a provider, and the
rules' answer is what stands without one. "Unsure" counts the replies the model would have been asked about.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from processors.outcomes.rules import classify
from streams.messages import ResponseKind

PARTS = ("tune", "heldout")
KINDS = (ResponseKind.REJECTED, ResponseKind.SCREEN, ResponseKind.INTERVIEW, ResponseKind.OFFER,
         ResponseKind.ACKNOWLEDGED, ResponseKind.OTHER)


@dataclass(frozen=True, slots=True)
class Reply:
    id: str
    part: str
    language: str
    kind: ResponseKind
    subject: str
    body: str


@dataclass
class PartReport:
    name: str
    confusion: Counter[tuple[ResponseKind, ResponseKind]] = field(default_factory=Counter)
    unsure: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.confusion.values())

    @property
    def accuracy(self) -> float:
        right = sum(n for (truth, guess), n in self.confusion.items() if truth == guess)
        return right / self.total if self.total else 0.0

    def precision(self, kind: ResponseKind) -> float | None:
        guessed = sum(n for (_, guess), n in self.confusion.items() if guess == kind)
        return self.confusion[(kind, kind)] / guessed if guessed else None

    def recall(self, kind: ResponseKind) -> float | None:
        actual = sum(n for (truth, _), n in self.confusion.items() if truth == kind)
        return self.confusion[(kind, kind)] / actual if actual else None

    def support(self, kind: ResponseKind) -> int:
        return sum(n for (truth, _), n in self.confusion.items() if truth == kind)


def load_corpus(path: Path | None = None) -> list[Reply]:
    text = path.read_text(encoding="utf-8") if path else (
        resources.files("evaluation").joinpath("replies_corpus.jsonl").read_text(encoding="utf-8"))
    replies = []
    for line in text.splitlines():
        if line.strip():
            row = json.loads(line)
            replies.append(Reply(row["id"], row["part"], row["language"], ResponseKind(row["kind"]),
                                 row["subject"], row["body"]))
    return replies


def overlap(replies: list[Reply]) -> set[tuple[str, str]]:
    """The (subject, body) texts found in both the tuning and the held-out part: empty for a sound corpus."""
    def texts(part: str) -> set[tuple[str, str]]:
        return {(r.subject.strip().casefold(), r.body.strip().casefold()) for r in replies if r.part == part}
    return texts("tune") & texts("heldout")


def evaluate(replies: list[Reply]) -> dict[str, PartReport]:
    reports = {part: PartReport(part) for part in PARTS}
    for reply in replies:
        report = reports.setdefault(reply.part, PartReport(reply.part))
        verdict = classify(reply.subject, reply.body)
        report.confusion[(reply.kind, verdict.kind)] += 1
        report.unsure += not verdict.sure
        if verdict.kind != reply.kind:
            report.errors.append(f"{reply.id} ({reply.language}) {reply.kind.value} read as {verdict.kind.value} "
                                 f"[{verdict.confidence:.2f}; {', '.join(verdict.matched) or 'no rule'}]: "
                                 f"{reply.subject[:60]!r}")
    return reports


def _figure(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.2f}"


def report_lines(reports: dict[str, PartReport], *, errors: int = 10) -> list[str]:
    lines = []
    for report in reports.values():
        if not report.total:
            continue
        lines.append(f"{report.name}: {report.total} replies, accuracy {report.accuracy:.2f}, "
                     f"{report.unsure} unsure (the model would be asked)")
        lines.append(f"  {'kind':<13} {'precision':>9} {'recall':>7} {'n':>4}")
        for kind in KINDS:
            lines.append(f"  {kind.value:<13} {_figure(report.precision(kind)):>9} "
                         f"{_figure(report.recall(kind)):>7} {report.support(kind):>4}")
        lines += [f"  error: {line}" for line in report.errors[:errors]]
    return lines

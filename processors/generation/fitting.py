"""Honest page fitting: keep the most relevant lines that the real Typst layout holds, fill the pages, and never
leave an employer out silently.

Compile, measure, adjust:

1. Measure: compile the whole candidate résumé (every employer, every line tailoring wrote) on one endless page;
   the templates' marks give the height of every section heading, entry heading and line as it is really set
   (fonts, line breaks, spacing), so heights add up.
2. Choose: the fixed parts first (name, contact, summary, skills, education, and every employer's heading line);
   then the removable parts by `tailoring.priorities` (relevance to the job, recency, the strategy's lead
   section), each with its entry's and section's heading when it is the first of them, while the measured
   heights fit the pages.
3. Check and adjust: compile the choice on the real paper. Too long: leave out the least relevant parts until
   the measured overflow is covered. Room left: add every part whose measured height fits the blank space; if
   that overflows, undo it and add them one at a time, each checked by a compile (one that overflows is not
   tried again), until nothing more fits or `MAX_COMPILES` compiles are spent.

An employer whose lines all had to go stays as its heading line (position, employer, dates), and the report says
so; only when even the fixed parts overflow is the oldest employer left out, with a note, and then the summary's
"N+ years" is written again over the employers shown. Everything left out is in the `RenderReport`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from processors.generation.model import Entry, RenderReport, ResumeSection, TailoredResume, Template
from processors.generation.render_typst import Layout, MarkId, Paper, measure
from processors.generation.tailoring import priorities, summary_lines
from streams.messages import JobRequirements

MAX_COMPILES = 12  # ~10 ms each once the fonts are loaded
FIXED_KINDS = frozenset({"summary", "skills", "education"})
# Sections set as one paragraph an entry: an entry is kept or left out whole.
WHOLE_ENTRY_KINDS = frozenset({"summary", "skills", "languages", "interests", "references", "certificates"})
_EPSILON = 0.5  # pt: rounding in the marks' positions
_WORK_PATH = re.compile(r"^/work/(\d+)/")

Key = tuple[int, ...]


@dataclass
class _Choice:
    """Which entries and lines of the candidate résumé are kept."""

    entries: set[Key] = field(default_factory=set)
    lines: set[Key] = field(default_factory=set)
    dropped: list[Key] = field(default_factory=list)  # employers left out, in the order they were

    def sections(self) -> set[int]:
        return {key[0] for key in self.entries}


@dataclass(frozen=True)
class Fitted:
    resume: TailoredResume
    report: RenderReport


def fit(resume: TailoredResume, *, template: Template, job: JobRequirements, job_text: str = "",
        paper: Paper = "us-letter", drop: frozenset[str] = frozenset(), profile: dict[str, Any] | None = None,
        today: date | None = None) -> Fitted:
    """`resume` cut to its pages (`resume.pages`) on the real layout of `template`, and what was cut."""
    full = measure(resume, template=template, paper=paper, endless=True, drop=drop)
    heights = _heights(full)
    capacity = resume.pages * full.content_height - _EPSILON * resume.pages
    worth = priorities(resume, job, job_text=job_text)
    kinds = [section.kind for section in resume.sections]

    choice = _Choice()
    for si, section in enumerate(resume.sections):
        if section.kind in FIXED_KINDS or section.kind == "experience":
            choice.entries |= {(si, ei) for ei in range(len(section.entries))}
        if section.kind in FIXED_KINDS:
            choice.lines |= {(si, ei, bi) for ei, e in enumerate(section.entries) for bi in range(len(e.bullets))}
    optional = sorted(
        (key for key in worth
         if not (len(key) == 2 and kinds[key[0]] == "experience")  # an employer's heading is not optional
         and not (len(key) == 3 and kinds[key[0]] in WHOLE_ENTRY_KINDS)),
        key=lambda key: (-worth[key], key))

    experience = [si for si, kind in enumerate(kinds) if kind == "experience"]
    while _estimate(choice, heights) > capacity and experience and _drop_oldest_employer(choice, experience[0]):
        pass

    used = _estimate(choice, heights)
    for key in optional:
        cost = _cost(key, choice, heights)
        if cost is not None and used + cost <= capacity:
            _add(key, choice)
            used += cost

    def compile_choice() -> Layout:
        return measure(_build(resume, choice), template=template, paper=paper, drop=drop)

    # Check, and cut while too long (each cut covers the measured overflow).
    layout = compile_choice()
    compiles = 1
    while layout.pages > resume.pages:
        overflow = (layout.pages - resume.pages - 1) * layout.content_height + layout.end - layout.margin
        if not _cut(choice, optional, heights, overflow) and not (
                experience and _drop_oldest_employer(choice, experience[0])):
            break  # nothing left to cut: the fixed parts alone overflow (the report says how many pages)
        layout = compile_choice()
        compiles += 1
    # Fill: first every part whose measured height fits the blank at once, then (if that overflowed) one at a time,
    # each checked by a compile, until none fits or the compile budget is spent.
    rejected: set[Key] = set()
    batch = True
    while layout.pages <= resume.pages and compiles < MAX_COMPILES:
        blank = layout.blank + (resume.pages - layout.pages) * layout.content_height - _EPSILON
        before = _Choice(set(choice.entries), set(choice.lines), list(choice.dropped))
        added = []
        for key in optional:
            cost = None if key in rejected else _cost(key, choice, heights)
            if cost is not None and cost <= blank:
                _add(key, choice)
                blank -= cost
                added.append(key)
                if not batch:
                    break
        if not added:
            break
        trial = compile_choice()
        compiles += 1
        if trial.pages <= resume.pages:
            layout = trial
            continue
        choice.entries, choice.lines = before.entries, before.lines  # undo: the previous layout stands
        if not batch:
            rejected.update(added)
        batch = False
    assert layout is not None
    fitted = _build(resume, choice)
    summary_note = None
    if choice.dropped and profile is not None:
        fitted, summary_note = _summary_over_shown(fitted, profile, job, job_text, today)
        layout = measure(fitted, template=template, paper=paper, drop=drop)
    report = RenderReport(
        pages=layout.pages,
        fill=round(max(0.0, layout.end - layout.margin) / layout.content_height, 3),
        shortened=_shortened(resume, choice, experience),
        left_out_employers=[_entry_name(resume.sections[si].entries[ei]) for si, ei in choice.dropped],
        left_out=_left_out(resume, choice, experience),
        summary=summary_note,
    )
    return Fitted(fitted, report)


# --- heights --------------------------------------------------------------------------------------------------


def _heights(layout: Layout) -> dict[MarkId, float]:
    """The height from each mark to the next one, and "top" (name and contact) from the margin to the first."""
    ordered = sorted(layout.marks.items(), key=lambda item: (item[1][0], item[1][1]))
    heights: dict[MarkId, float] = {}
    for (key, (_, y)), (_, (_, y_next)) in itertools.pairwise(ordered):
        heights[key] = max(0.0, y_next - y)
    heights["top"] = ordered[0][1][1] - layout.margin if ordered else 0.0
    return heights


def _estimate(choice: _Choice, heights: dict[MarkId, float]) -> float:
    return (heights["top"] + sum(heights.get((si,), 0.0) for si in choice.sections())
            + sum(heights.get(key, 0.0) for key in choice.entries) + sum(heights.get(key, 0.0) for key in choice.lines))


def _cost(key: Key, choice: _Choice, heights: dict[MarkId, float]) -> float | None:
    """The height `key` adds with the headings it needs; None when it cannot be added (its employer was left out)."""
    if key in choice.entries or key in choice.lines:
        return None
    entry = key[:2]
    cost = heights.get(key, 0.0)
    if entry in choice.dropped:
        return None
    if len(key) == 3 and entry not in choice.entries:
        cost += heights.get(entry, 0.0)
    if key[0] not in choice.sections():
        cost += heights.get(key[:1], 0.0)
    return cost


def _add(key: Key, choice: _Choice) -> None:
    if len(key) == 3:
        choice.lines.add(key)
    choice.entries.add(key[:2])


def _cut(choice: _Choice, optional: list[Key], heights: dict[MarkId, float], overflow: float) -> set[Key]:
    """Leave out the least worth kept parts until their heights cover `overflow`; the parts left out (none when
    nothing removable is left)."""
    cut = 0.0
    removed: set[Key] = set()
    for key in reversed(optional):
        if cut >= overflow:
            break
        if len(key) == 3 and key in choice.lines:
            choice.lines.discard(key)
            cut += heights.get(key, 0.0)
            removed.add(key)
        elif len(key) == 2 and key in choice.entries:
            lines = {line for line in choice.lines if line[:2] == key}
            choice.lines -= lines
            choice.entries.discard(key)
            cut += heights.get(key, 0.0) + sum(heights.get(line, 0.0) for line in lines)
            removed |= {key, *lines}
    return removed


def _drop_oldest_employer(choice: _Choice, si: int) -> bool:
    """Leave out the oldest employer still shown (and its lines), keeping at least the newest."""
    shown = sorted(key for key in choice.entries if key[0] == si)
    if len(shown) <= 1:
        return False
    oldest = shown[-1]
    choice.entries.discard(oldest)
    choice.lines -= {line for line in choice.lines if line[:2] == oldest}
    choice.dropped.append(oldest)
    return True


# --- the result -------------------------------------------------------------------------------------------------


def _build(resume: TailoredResume, choice: _Choice) -> TailoredResume:
    sections = []
    for si, section in enumerate(resume.sections):
        whole = section.kind in WHOLE_ENTRY_KINDS
        entries = [entry.model_copy(update={"bullets": [b for bi, b in enumerate(entry.bullets)
                                                        if whole or (si, ei, bi) in choice.lines]})
                   for ei, entry in enumerate(section.entries) if (si, ei) in choice.entries]
        if entries:
            sections.append(ResumeSection(kind=section.kind, title=section.title, entries=entries))
    return resume.model_copy(update={"sections": sections})


def _entry_name(entry: Entry) -> str:
    parts = [line.text for line in (entry.heading, entry.subheading) if line is not None]
    dates = f" ({entry.dates.text})" if entry.dates is not None else ""
    return ", ".join(parts) + dates if parts else "an entry"


def _shortened(resume: TailoredResume, choice: _Choice, experience: Iterable[int]) -> list[str]:
    shortened = []
    for si in experience:
        for ei, entry in enumerate(resume.sections[si].entries):
            if (si, ei) in choice.entries and entry.bullets and not any(
                    (si, ei, bi) in choice.lines for bi in range(len(entry.bullets))):
                shortened.append(_entry_name(entry))
    return shortened


def _left_out(resume: TailoredResume, choice: _Choice, experience: Iterable[int]) -> list[str]:
    """One sentence per section with something left out (employers are reported on their own)."""
    employers = set(experience)
    out = []
    for si, section in enumerate(resume.sections):
        if section.kind in FIXED_KINDS:
            continue
        total = sum(len(e.bullets) for e in section.entries)
        kept_lines = sum(1 for key in choice.lines if key[0] == si)
        if si in employers:
            shown = [(ei, e) for ei, e in enumerate(section.entries) if (si, ei) in choice.entries]
            total = sum(len(e.bullets) for _, e in shown)
            if kept_lines < total:
                out.append(f"{total - kept_lines} of {total} {section.title.lower()} lines")
            continue
        missing = [e for ei, e in enumerate(section.entries) if (si, ei) not in choice.entries]
        if section.kind in WHOLE_ENTRY_KINDS:
            if missing:
                out.append(f"{section.title.lower()}: " + "; ".join(_entry_text(e) for e in missing))
            continue
        if missing:
            out.append(f"{section.title.lower()}: " + "; ".join(_entry_name(e) for e in missing))
        shown_lines = sum(len(e.bullets) for ei, e in enumerate(section.entries) if (si, ei) in choice.entries)
        if kept_lines < shown_lines:
            out.append(f"{shown_lines - kept_lines} of {total} {section.title.lower()} lines")
    return out


def _entry_text(entry: Entry) -> str:
    if entry.heading is not None:
        return _entry_name(entry)
    return " ".join(line.text for line in entry.bullets)[:120]


def _summary_over_shown(resume: TailoredResume, profile: dict[str, Any], job: JobRequirements, job_text: str,
                        today: date | None) -> tuple[TailoredResume, str | None]:
    """The summary written again over the employers the resume shows (their years only)."""
    shown = {int(match.group(1)) for section in resume.sections if section.kind == "experience"
             for entry in section.entries for line in entry.lines() for path in line.paths
             if (match := _WORK_PATH.match(path))}
    summary = resume.section("summary")
    if summary is None or not summary.entries or not summary.entries[0].bullets:
        return resume, None
    old = summary.entries[0].bullets[0]
    if old.transform != "template":
        return resume, None
    lines = summary_lines(profile, job, job_text=job_text, today=today, shown_work=shown)
    if not lines or lines[0].text == old.text:
        return resume, None
    entry = summary.entries[0].model_copy(update={"bullets": [lines[0], *summary.entries[0].bullets[1:]]})
    sections = [s.model_copy(update={"entries": [entry, *s.entries[1:]]}) if s.kind == "summary" else s
                for s in resume.sections]
    note = f"summary: {old.text!r} became {lines[0].text!r}, counting only the employers shown"
    return resume.model_copy(update={"sections": sections}), note

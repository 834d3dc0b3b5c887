"""The Glassdoor data-science export (`../shared/data/postings/glassdoor_ds_jobs.csv`, evaluation and benchmarks
only; never copied into the project) read into rows the benchmarks embed: `bench/analysis_throughput.py`."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from processors.analysis.embedding_text import dedup_locations, embedding_text
from textkit.html_text import normalize_text
from textkit.normalize import clean_line, detect_workplace, split_locations

_RATING = re.compile(r"\s*\n\s*\d(?:\.\d)?\s*$")


@dataclass(frozen=True)
class GlassdoorRow:
    posting_id: str
    title: str
    company: str
    locations: list[str]
    description: str
    cluster: str  # rows that repeat an earlier row exactly share its cluster

    @property
    def text(self) -> str:
        return embedding_text(self.title, self.company, self.locations, self.description)


def load_glassdoor(path: Path, limit: int | None = None) -> list[GlassdoorRow]:
    """The rows in file order; a row repeating an earlier row (every named column equal) joins its cluster."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if limit is not None:
        rows = rows[:limit]
    first_of: dict[tuple[str, ...], str] = {}
    postings: list[GlassdoorRow] = []
    for number, row in enumerate(rows):
        content = tuple(value for name, value in row.items() if name)  # the unnamed column is the row index
        posting_id = f"gd:{number}"
        title = clean_line(_value(row.get("Job Title")))
        locations = split_locations(_value(row.get("Location")))
        postings.append(GlassdoorRow(
            posting_id=posting_id, title=title,
            company=clean_line(_RATING.sub("", _value(row.get("Company Name")))),
            locations=dedup_locations(locations, detect_workplace(*locations, title)),
            description=normalize_text(_value(row.get("Job Description"))),
            cluster=first_of.setdefault(content, posting_id)))
    return postings


def _value(cell: str | None) -> str:
    return "" if cell is None or cell.strip() == "-1" else cell

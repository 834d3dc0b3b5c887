"""Real-shaped postings and users for the end-to-end benchmark (pure: files in, files and models out).

- `load_glassdoor(path)`: the Glassdoor data-science postings of `../shared/data/postings/glassdoor_ds_jobs.csv`
  (956 rows, 600 distinct): exact repeats dropped (every column but the row number), the rating cut off the
  company name ("Tecolote Research\\n3.8"), `-1` read as missing.
- `demo_postings(folder)`: the project's own sample boards (`demo/boards`), for a machine without `../shared`;
  repeated with a copy number in title and company when more are asked for than exist.
- `write_boards(postings, folder, per_board)`: the postings spread over Greenhouse-, Lever- and Ashby-shaped board
  files in turn, laid out as `demo.board_server` serves them. Greenhouse boards are applied to through the
  Greenhouse API (the run gives them apply keys); Lever and Ashby postings carry a `mailto:` apply link
  (email channel), so every posting has a sending channel.
- `bench_user(n, boards)`: a data-science JSON Resume profile built from a template with variation (name,
  skills, years, employers) and preferences following `boards`, AUTO, no caps that bind.
"""

from __future__ import annotations

import csv
import html
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

GLASSDOOR = Path("data") / "postings" / "glassdoor_ds_jobs.csv"
SOURCES = ("greenhouse", "lever", "ashby")
BOARD_TIME = "2026-11-20T10:00:00+00:00"
BOARD_TIME_MS = int(datetime.fromisoformat(BOARD_TIME).timestamp() * 1000)  # the same instant, as Lever writes it


@dataclass(frozen=True)
class BenchPosting:
    title: str
    company: str
    location: str
    description: str
    rating: float | None = None
    industry: str = ""


def _missing(value: str | None) -> str:
    value = (value or "").strip()
    return "" if value == "-1" else value


def shared_postings_file(project_root: Path) -> Path:
    """Where the Glassdoor file is looked for: `../shared` beside the project."""
    return project_root.parent / "shared" / GLASSDOOR


def shared_postings(project_root: Path) -> Path | None:
    """The Glassdoor file at `../shared` beside the project, or None when the machine has no `../shared`."""
    path = shared_postings_file(project_root)
    return path if path.is_file() else None


def load_glassdoor(path: Path) -> list[BenchPosting]:
    """Distinct postings in file order (a row repeating an earlier one exactly, bar its row number, is dropped)."""
    seen: set[tuple[str, ...]] = set()
    postings: list[BenchPosting] = []
    with path.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            identity = tuple(value for key, value in row.items() if key)  # the unnamed first column is the row number
            if identity in seen:
                continue
            seen.add(identity)
            name, _, rating_text = (row.get("Company Name") or "").partition("\n")
            rating = _missing(row.get("Rating")) or _missing(rating_text)
            title, description = _missing(row.get("Job Title")), _missing(row.get("Job Description"))
            if not title or not description:
                continue
            postings.append(BenchPosting(
                title=title, company=_missing(name) or "Unnamed company", location=_missing(row.get("Location")),
                description=description, rating=float(rating) if rating else None,
                industry=_missing(row.get("Industry"))))
    return postings


def demo_postings(folder: Path, count: int) -> list[BenchPosting]:
    """The sample boards' postings, `count` of them: repeated with a copy number when the boards hold fewer."""
    base: list[BenchPosting] = []
    for path in sorted((folder / "greenhouse").glob("*.json")):
        for job in json.loads(path.read_text())["jobs"]:
            text = re.sub(r"<[^>]+>", "\n", html.unescape(html.unescape(job.get("content", ""))))
            base.append(BenchPosting(job["title"], job.get("company_name") or path.stem,
                                     job.get("location", {}).get("name", ""), text.strip()))
    for path in sorted((folder / "lever").glob("*.json")):
        for job in json.loads(path.read_text()):
            base.append(BenchPosting(job["text"], path.stem, job.get("categories", {}).get("location", ""),
                                     job.get("descriptionPlain", "")))
    for path in sorted((folder / "ashby").glob("*.json")):
        for job in json.loads(path.read_text())["jobs"]:
            base.append(BenchPosting(job["title"], path.stem, job.get("location", ""), job.get("descriptionPlain", "")))
    if not base:
        raise ValueError(f"no postings in {folder}")
    out = []
    for i in range(count):
        posting, copy = base[i % len(base)], i // len(base)
        if copy:
            posting = BenchPosting(f"{posting.title} ({copy + 1})", f"{posting.company} {copy + 1}",
                                   posting.location, posting.description)
        out.append(posting)
    return out


@dataclass(frozen=True)
class Board:
    source: str  # "greenhouse", "lever", "ashby"
    token: str
    postings: int

    @property
    def key(self) -> str:
        return f"{self.source}:{self.token}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())[:30] or "employer"


def _paragraphs(description: str) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in description.splitlines() if line.strip())


def greenhouse_job(i: int, posting: BenchPosting, token: str) -> dict[str, Any]:
    return {
        "id": 9_000_000 + i, "internal_job_id": 8_000_000 + i, "title": posting.title,
        "updated_at": BOARD_TIME, "first_published": BOARD_TIME, "location": {"name": posting.location},
        "absolute_url": f"https://boards.example.org/{token}/jobs/{9_000_000 + i}", "company_name": posting.company,
        "requisition_id": f"DS-{i}", "language": "en", "departments": [{"id": 1, "name": "Data"}],
        "offices": [], "metadata": [],
        # The API sends `content` HTML-escaped once.
        "content": html.escape(_paragraphs(posting.description)),
    }


def lever_job(i: int, posting: BenchPosting, token: str) -> dict[str, Any]:
    job_id = f"bench-{i:06d}"
    return {
        "id": job_id, "text": posting.title,
        "categories": {"location": posting.location, "commitment": "Full-time", "team": "Data",
                       "allLocations": [posting.location] if posting.location else []},
        "descriptionPlain": posting.description, "description": _paragraphs(posting.description),
        "lists": [], "hostedUrl": f"https://jobs.lever.example/{token}/{job_id}",
        "applyUrl": f"mailto:jobs@{_slug(posting.company)}.example", "createdAt": BOARD_TIME_MS,
    }


def ashby_job(i: int, posting: BenchPosting, token: str) -> dict[str, Any]:
    job_id = f"00000000-0000-4000-8000-{i:012d}"
    return {
        "id": job_id, "title": posting.title, "department": "Data", "team": "Data", "employmentType": "FullTime",
        "location": posting.location, "secondaryLocations": [], "isListed": True, "publishedAt": BOARD_TIME,
        "jobUrl": f"https://jobs.ashby.example/{token}/{job_id}",
        "applyUrl": f"mailto:careers@{_slug(posting.company)}.example",
        "descriptionHtml": _paragraphs(posting.description), "descriptionPlain": posting.description,
    }


def write_boards(postings: Sequence[BenchPosting], folder: Path, per_board: int) -> list[Board]:
    """Posting i goes to source i mod 3, `per_board` postings a board; returns the boards written."""
    by_source: dict[str, list[tuple[int, BenchPosting]]] = {s: [] for s in SOURCES}
    for i, posting in enumerate(postings):
        by_source[SOURCES[i % len(SOURCES)]].append((i, posting))
    boards: list[Board] = []
    for source, items in by_source.items():
        (folder / source).mkdir(parents=True, exist_ok=True)
        for b in range(0, len(items), per_board):
            chunk = items[b : b + per_board]
            token = f"bench-{source[:2]}-{b // per_board:03d}"
            if source == "greenhouse":
                body: Any = {"jobs": [greenhouse_job(i, p, token) for i, p in chunk], "meta": {"total": len(chunk)}}
            elif source == "lever":
                body = [lever_job(i, p, token) for i, p in chunk]
            else:
                body = {"apiVersion": "1", "jobs": [ashby_job(i, p, token) for i, p in chunk]}
            (folder / source / f"{token}.json").write_text(json.dumps(body))
            boards.append(Board(source, token, len(chunk)))
    return boards


FIRST = ("Ada", "Sam", "Noor", "Lena", "Ravi", "Mei", "Tomas", "Ines", "Kofi", "Yara", "Jonas", "Priya", "Omar",
         "Sofia", "Hugo", "Aiko")
LAST = ("Park", "Okafor", "Silva", "Novak", "Haddad", "Chen", "Moreau", "Ibrahim", "Larsen", "Costa", "Tanaka",
        "Mensah", "Weber", "Rossi")
SKILLS = ("Python", "SQL", "R", "Machine Learning", "Statistics", "pandas", "scikit-learn", "TensorFlow",
          "PyTorch", "Spark", "Hadoop", "Tableau", "AWS", "Deep Learning", "NLP", "A/B testing", "Excel",
          "Data Visualization", "Big Data", "Hive", "Scala", "Java", "Docker", "Git")
EMPLOYERS = ("Tidewater Analytics", "Northwind Labs", "Bluefield Health", "Quanta Retail", "Harbor Insurance",
             "Crescent Bank", "Orbit Logistics")
HIGHLIGHTS = (
    "Built churn models in Python and scikit-learn that cut customer loss by 12%",
    "Ran A/B tests and statistical analyses for product launches reaching 2 million users",
    "Designed SQL and Spark pipelines processing 40 GB of events a day",
    "Trained deep learning NLP models in TensorFlow to classify support tickets",
    "Built Tableau dashboards on AWS data used by 30 analysts",
    "Forecast demand with time-series models in R, improving accuracy by 18%",
)


def bench_user(n: int, boards: Iterable[Board], *, seed: int = 13) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(email, JSON Resume profile, preferences) of bench user `n`: a data scientist, different per `n`."""
    rng = random.Random(seed * 100_003 + n)
    first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST)) % len(LAST)]
    email = f"bench.user{n:04d}@example.org"
    years = rng.randint(3, 10)
    skills = ["Python", "SQL", "Machine Learning", "Statistics", *rng.sample(SKILLS[4:], 7)]
    employers = rng.sample(EMPLOYERS, 2)
    profile = {
        "basics": {"name": f"{first} {last}", "label": "Data Scientist", "email": email,
                   "summary": f"Data scientist with {years} years of experience in Python, SQL, statistics and "
                              "machine learning.",
                   "location": {"city": "Austin", "region": "TX", "countryCode": "US"}},
        "work": [
            {"name": employers[0], "position": "Senior Data Scientist", "startDate": f"{2026 - years // 2}-01",
             "highlights": rng.sample(HIGHLIGHTS, 3)},
            {"name": employers[1], "position": "Data Scientist", "startDate": f"{2026 - years}-01",
             "endDate": f"{2026 - years // 2 - 1}-12", "highlights": rng.sample(HIGHLIGHTS, 2)},
        ],
        "education": [{"institution": "University of Texas", "area": rng.choice(("Statistics", "Computer Science",
                                                                                   "Mathematics")),
                       "studyType": rng.choice(("MSc", "PhD", "BSc")), "endDate": str(2026 - years)}],
        "skills": [{"name": "Data science", "keywords": skills}],
    }
    preferences = {
        "saved_searches": [{
            "name": "data science", "keywords": ["data", "machine learning", "analytics", "scientist"],
            "remote": "ANY", "boards": [{"source": b.source.upper(), "token": b.token} for b in boards],
        }],
        "submission_mode": "AUTO", "daily_cap": 1000, "company_cap": 0,
    }
    return email, profile, preferences

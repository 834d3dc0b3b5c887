"""The dedup evaluation set, built at evaluation time from real postings in `../shared/data` (never copied into
the project), every posting parsed by discovery's own adapters from a board's raw payload.

Real postings, as their boards serve them:
- `boards/ashby_cursor_jobs.json`: Cursor's Ashby board (54 postings with full text), parsed by the Ashby adapter;
- `boards/greenhouse_anthropic_jobs.json`: Anthropic's Greenhouse board (449 postings, list mode: no text),
  many roles in several cities and many similar titles (the hard negatives);
- `postings/jobspy_indeed_google_sample.csv`: Indeed and Google Jobs listings (text cut at 500 characters), one
  employer's role in several states, written as a CSV import;
- `postings/glassdoor_ds_jobs.csv`: Glassdoor data-science postings (a seeded sample), many with one title at
  many companies, read by the file-import adapter from its own export format.

Re-publications: each Cursor posting, and a seeded sample of the others, is written again as other boards would
serve it, and parsed back by the adapter of that board:
- **Greenhouse** (`/v1/boards/{token}/jobs?content=true`): the legal entity as `company_name` (Cursor's is
  Anysphere), the employer's careers URL as `absolute_url`, HTML content entity-escaped, the company paragraph
  moved last under "About <company>", an equal-opportunity footer, "City, ST; City, ST" locations;
- **Lever** (`/v0/postings/{site}`): the site token is the legal entity, the text split into `descriptionPlain`,
  `lists` (one per section) and `additional` (company paragraph and EEO), metro-area locations ("San Francisco
  Bay Area"), `workplaceType`;
- **Ashby** (`/posting-api/job-board/{name}`): the site token is the legal entity, `location` and
  `secondaryLocations`, the company paragraph last, a structured yearly compensation;
- **an aggregator's RSS feed**: the brand or the entity as author, several places abbreviated ("SF / NY"), the
  text cut at 500 characters;
- **an aggregator's CSV listing** (as JobSpy exports): "City, ST, US" locations, the text cut at 500 characters.
Per copy, seeded: the title's word order ("Manager, AI Deployment" / "AI Deployment Manager"), a "- Remote US"
suffix on remote roles, the role's sections in another order.

Truth, decided from the sources, never from the code under test:
- a re-publication is a **duplicate** of its original; so are postings of one board with one company, the same
  title and a place in common (a role posted twice; a bare "Remote" is no place in common), exact repeats in
  a listing, and two hand-checked pairs (Cursor's "AI Deployment Manager" and "Manager, AI Deployment", same
  text and places; Glassdoor's "Boys Town" and "Boys Town Hospital" Research Scientist in Omaha);
- postings of one board with one company and the same title but no location in common are the **same role**
  in another place (Anthropic's roles in several cities, Greenlane's role in several states, Cursor's
  Commercial Account Executive in New York and San Francisco);
- anything else is **different**.

The split into a tuning part and a held-out part is by **family** (postings of one company whose titles share
words are kept together, with all their copies), seeded, so no copy or sibling of a held-out posting is seen
in tuning.
"""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from processors.analysis.companies import compact, normalize_company
from processors.discovery.model import FetchedPosting
from processors.discovery.sources import ashby, feed, file_import, greenhouse, lever
from streams.messages import JobPosting, PostingStatus, utc_now

CUT_CHARS = 500  # what the aggregators in the data show of a description
EEO = ("{company} is an equal opportunity employer. We celebrate diversity and are committed to creating an "
       "inclusive environment for all employees. All qualified applicants will receive consideration for "
       "employment without regard to race, color, religion, sex, sexual orientation, gender identity, national "
       "origin, disability, or veteran status. We provide reasonable accommodation to applicants with "
       "disabilities; contact us to request one.")
# Real aliases: the legal entity behind a brand, and its careers site.
ENTITIES = {"cursor": ("Cursor", "Anysphere", "anysphere", "https://cursor.com/careers"),
            "anthropic": ("Anthropic", "Anthropic PBC", "anthropic-pbc", "https://www.anthropic.com/careers")}
# Hand-checked real duplicates with different titles or company names (source, id) pairs.
KNOWN_DUPLICATES = [
    ("ashby:cursor", "AI Deployment Manager", "Manager, AI Deployment"),
]
_US_STATES = {"CA": "California", "NY": "New York", "WA": "Washington", "TX": "Texas", "MA": "Massachusetts",
              "IL": "Illinois", "GA": "Georgia", "CO": "Colorado", "FL": "Florida", "VA": "Virginia",
              "DC": "District of Columbia", "PA": "Pennsylvania", "NJ": "New Jersey", "NC": "North Carolina",
              "OR": "Oregon", "MD": "Maryland", "OH": "Ohio", "MI": "Michigan", "MN": "Minnesota", "AZ": "Arizona",
              "UT": "Utah", "NE": "Nebraska", "TN": "Tennessee", "MO": "Missouri", "WI": "Wisconsin",
              "CT": "Connecticut", "IN": "Indiana", "AL": "Alabama", "SC": "South Carolina", "KY": "Kentucky"}
_CITY_STATES = {"SF": ("San Francisco", "CA"), "NY": ("New York", "NY"), "San Francisco": ("San Francisco", "CA"),
                "New York": ("New York", "NY"), "New York City": ("New York", "NY")}


@dataclass(frozen=True)
class EvalPosting:
    posting: JobPosting
    group: str  # postings of one group are one job (duplicates)
    role: str  # postings of one role in different groups are the same role elsewhere
    family: str  # the split unit
    origin: str  # where it comes from, in words


@dataclass
class _Original:
    fetched: FetchedPosting
    origin: str
    group: str
    role: str
    family: str = ""
    sections: list[str] = field(default_factory=list)


# --- reading the real boards ----------------------------------------------------------------------------------


def _catalog(fetched: FetchedPosting) -> JobPosting:
    return JobPosting(event_id=f"eval:{fetched.canonical_job_id}", occurred_at=utc_now(),
                      canonical_job_id=fetched.canonical_job_id, content_hash=fetched.content_hash,
                      status=PostingStatus.OPEN, **fetched.model_dump())


def _title_key(title: str, locations: Sequence[str] = ()) -> str:
    """One title however its words are ordered ("Manager, Customer Success" = "Customer Success Manager"), and
    without a trailing " - <city>" naming the posting's own location ("Research Engineer - London" in London)."""
    head, sep, tail = title.rpartition(" - ")
    if sep and any(place.casefold().startswith(tail.strip().casefold()) for place in locations if tail.strip()):
        title = head
    return " ".join(sorted(re.findall(r"[a-z0-9+#]+", title.casefold())))


def _label_same_titles(originals: list[_Original], source: str, everyone: list[_Original] | None = None) -> None:
    """Within one board: one company and one title is one role; with a location in common, one job (`everyone`:
    the postings whose labels follow a join, when more than `originals`)."""
    everyone = originals if everyone is None else everyone
    by_title: dict[tuple[str, str], list[_Original]] = {}
    for o in originals:
        by_title.setdefault((o.fetched.company.casefold(), _title_key(o.fetched.title, o.fetched.locations)),
                            []).append(o)
    for (company, title), members in by_title.items():
        role = f"{source}:{company}:{title}"
        for o in members:
            o.role = role
        for i, o in enumerate(members):
            for earlier in members[:i]:
                if {x.casefold() for x in _raw_locations(o)} & {x.casefold() for x in _raw_locations(earlier)}:
                    _join(o, earlier, everyone)


def _raw_locations(o: _Original) -> list[str]:
    """The places a posting names; a bare "Remote" names none (remote is not a wildcard: "SF / Remote" and
    "NY / Remote" of one title are the role in two cities, as "San Francisco" and "New York" are)."""
    return [x.strip() for x in o.fetched.locations if x.strip() and x.strip().casefold() != "remote"]


def _join(a: _Original, b: _Original, everyone: list[_Original]) -> None:
    """Make a and b one group (and one role), re-labelling every member of a's group."""
    old_group, old_role = a.group, a.role
    for o in everyone:
        if o.group == old_group:
            o.group = b.group
        if o.role == old_role:
            o.role = b.role


def load_ashby(path: Path) -> list[_Original]:
    payload = json.loads(path.read_text(encoding="utf-8"))
    sections = {job["id"]: job.get("descriptionHtml") or "" for job in payload["jobs"]}
    originals = [_Original(p, f"ashby board cursor ({p.source_job_id})", f"ashby:{p.source_job_id}",
                           f"ashby:{p.source_job_id}", sections=[sections.get(p.source_job_id, "")])
                 for p in ashby.parse(payload, board_token="cursor")]
    _label_same_titles(originals, "ashby")
    by_title = {_title_key(o.fetched.title): o for o in originals}
    for _, first, second in KNOWN_DUPLICATES:
        if _title_key(first) in by_title and _title_key(second) in by_title:
            _join(by_title[_title_key(second)], by_title[_title_key(first)], originals)
    return originals


def load_greenhouse(path: Path) -> list[_Original]:
    payload = json.loads(path.read_text(encoding="utf-8"))
    originals = [_Original(p, f"greenhouse board anthropic ({p.source_job_id})", f"gh:{p.source_job_id}",
                           f"gh:{p.source_job_id}") for p in greenhouse.parse(payload, board_token="anthropic")]
    _label_same_titles(originals, "greenhouse")
    return originals


def load_jobspy(path: Path) -> list[_Original]:
    """The listing as a CSV import (title, company, location, url, description, salary), one row per listing;
    a Job ID seen before is the same listing again."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["source_job_id", "title", "company", "location", "url", "description", "salary_min",
                     "salary_max", "salary_currency", "workplace"])
    seen: dict[str, int] = {}
    for number, row in enumerate(rows):
        job_id = row["Job ID"]
        seen.setdefault(job_id, number)
        place = ", ".join(part for part in (row["Location City"], row["Location State"], row["Location Country"])
                          if part and part != "Unknown")
        yearly = row["Salary Min"] and float(row["Salary Min"]) >= 1000
        writer.writerow([f"{number}", row["Job Title (Primary)"], row["Company Name"].strip(), place,
                         row["Job URL"], row["Job Description"],
                         row["Salary Min"] if yearly else "", row["Salary Max"] if yearly else "",
                         (row["Currency"] or "USD") if yearly else "",
                         "remote" if row["Is Remote"] == "True" else ""])
    parsed = file_import.parse(out.getvalue(), board_token="jobspy", fmt="csv").postings
    originals = [_Original(p, f"jobspy listing ({rows[int(p.source_job_id)]['Job Source']} "
                              f"{rows[int(p.source_job_id)]['Job ID']})", f"jobspy:{p.source_job_id}",
                           f"jobspy:{p.source_job_id}") for p in parsed]
    first_of = {str(number): str(seen[row["Job ID"]]) for number, row in enumerate(rows)}
    by_id = {o.fetched.source_job_id: o for o in originals}
    for o in originals:
        first = first_of[o.fetched.source_job_id]
        if first != o.fetched.source_job_id:
            _join(o, by_id[first], originals)
    _label_same_titles(originals, "jobspy")
    return originals


def load_glassdoor(path: Path, *, rows: int, seed: int) -> list[_Original]:
    """A seeded sample of `rows` rows of the Glassdoor export, through the file-import adapter (which reads
    Glassdoor's own columns). A row repeating an earlier row exactly is the same posting scraped again: it goes
    into a second import ("glassdoor-rescrape"), as a later import of the same listing would."""
    reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    header = next(reader)
    records = list(reader)
    chosen = sorted(random.Random(seed).sample(range(len(records)), min(rows, len(records))))
    first_of: dict[tuple[str, ...], int] = {}
    imports: dict[str, list[list[str]]] = {"glassdoor": [], "glassdoor-rescrape": []}
    for number in chosen:
        content = tuple(records[number][1:])  # the unnamed first column is the row number
        board = "glassdoor" if first_of.setdefault(content, number) == number else "glassdoor-rescrape"
        if board == "glassdoor-rescrape" and any(r[1:] == list(content) for r in imports[board]):
            continue  # a third copy adds nothing an import could hold
        imports[board].append([str(number), *content])
    originals: list[_Original] = []
    by_row: dict[int, _Original] = {}
    for board, lines in imports.items():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", *header[1:]])
        writer.writerows(lines)
        for p in file_import.parse(out.getvalue(), board_token=board, fmt="csv").postings:
            number = int(p.source_job_id)
            o = _Original(p, f"glassdoor export row {number} ({p.company}: {p.title})", f"gd:{number}",
                          f"gd:{number}")
            originals.append(o)
            by_row[number] = o
    for number in chosen:
        first = first_of[tuple(records[number][1:])]
        if first != number and number in by_row:
            _join(by_row[number], by_row[first], originals)
    firsts = [o for o in originals if o.fetched.board_token == "glassdoor"]
    _label_same_titles(firsts, "glassdoor", originals)
    for o in originals:
        if o.fetched.board_token == "glassdoor-rescrape":
            o.role = next(x.role for x in firsts if x.group == o.group)
    boys = [o for o in originals if normalize_company(o.fetched.company) in ("boys town", "boys town hospital")
            and _title_key(o.fetched.title) == "research scientist" and o.fetched.board_token == "glassdoor"]
    if len(boys) == 2:
        _join(boys[1], boys[0], originals)
    return originals


# --- writing a posting as another board serves it -------------------------------------------------------------


@dataclass(frozen=True)
class Copy:
    board: str
    company: str
    token: str
    careers: str | None
    title: str
    locations: list[str]
    sections: list[tuple[str, str]]  # (heading, text) of the role
    company_paragraph: str
    salary: tuple[int, int, str] | None
    remote: bool
    serial: int


_HEADING = re.compile(r"^(?:[A-Z][^\n.!?]{0,60})$")


def split_sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(the opening paragraph, [(heading, body)]) of a description: headings are short lines without a full
    stop; text before the first heading is the opening."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    opening: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    for block in blocks:
        if len(block.split()) <= 8 and "\n" not in block and _HEADING.match(block) and not block.startswith("-"):
            sections.append((block, []))
        elif sections:
            sections[-1][1].append(block)
        else:
            opening.append(block)
    if not sections and len(opening) > 1:  # no headings: the first paragraph opens, the rest is the role
        return opening[0], [("", "\n\n".join(opening[1:]))]
    if not sections:
        return "", [("", "\n\n".join(opening))]
    return "\n\n".join(opening), [(heading, "\n\n".join(body)) for heading, body in sections]


def _swap_title(title: str) -> str:
    """"Manager, AI Deployment" → "AI Deployment Manager" (a title "Role, Qualifier" written the other way)."""
    head, _, rest = title.partition(", ")
    if not rest or "(" in rest or "," in rest:
        return title
    return f"{rest} {head}"


def _gh_place(location: str) -> str:
    city, state = _CITY_STATES.get(location, (location, None))
    return f"{city}, {state}" if state else city


def _lever_place(location: str) -> str:
    if location in ("SF", "San Francisco") or location.startswith("San Francisco,"):
        return "San Francisco Bay Area"
    city, state = _CITY_STATES.get(location, (location, None))
    return f"{city}, {state}, US" if state else location


def _csv_place(location: str) -> str:
    city, state = _CITY_STATES.get(location, (location, None))
    if state:
        return f"{city}, {state}, US"
    parts = [p.strip() for p in location.split(",")]
    if len(parts) == 2 and parts[1] in _US_STATES:
        return f"{parts[0]}, {_US_STATES[parts[1]]}"  # the state spelled out
    return location


def _cut(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= CUT_CHARS else flat[:CUT_CHARS].rsplit(" ", 1)[0] + "…"


def _paragraphs_html(text: str) -> str:
    out: list[str] = []
    for block in (b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if all(line.startswith("- ") for line in lines):
            out.append("<ul>" + "".join(f"<li>{escape(line[2:])}</li>" for line in lines) + "</ul>")
        else:
            out.append(f"<p>{escape(' '.join(lines))}</p>")
    return "".join(out)


def greenhouse_payload(c: Copy) -> dict:
    body = "".join(f"<h3>{escape(h)}</h3>{_paragraphs_html(t)}" if h else _paragraphs_html(t) for h, t in c.sections)
    if c.company_paragraph:
        body += f"<h3>About {escape(c.company)}</h3>{_paragraphs_html(c.company_paragraph)}"
    if c.salary:
        body += f"<p>The annual base salary range for this role is ${c.salary[0]:,} - ${c.salary[1]:,} USD.</p>"
    body += f"<p>{escape(EEO.format(company=c.company))}</p>"
    url = (f"{c.careers}/{c.serial}?gh_jid={c.serial}" if c.careers
           else f"https://job-boards.greenhouse.io/{c.token}/jobs/{c.serial}")
    return {"jobs": [{"id": c.serial, "title": c.title, "company_name": c.company, "absolute_url": url,
                      "location": {"name": "; ".join(_gh_place(x) for x in c.locations) or "Remote"},
                      "metadata": [{"name": "Location Type", "value": "Remote" if c.remote else "On-Site"}],
                      "updated_at": "2026-03-01T12:00:00-05:00", "first_published": "2026-02-01T12:00:00-05:00",
                      "content": html.escape(body)}]}


def lever_payload(c: Copy) -> list:
    opening, *rest = c.sections or [("", "")]
    lists = []
    for heading, text in rest:
        items = [line[2:] for line in text.split("\n") if line.strip().startswith("- ")]
        if items:
            lists.append({"text": heading, "content": "".join(f"<li>{escape(i)}</li>" for i in items)})
        else:
            lists.append({"text": heading, "content": f"<li>{escape(' '.join(text.split()))}</li>"})
    additional = f"{c.company_paragraph}\n\n{EEO.format(company=c.company)}".strip()
    places = [_lever_place(x) for x in c.locations]
    item = {"id": f"0000{c.serial:08d}-eval", "text": c.title,
            "categories": {"location": places[0] if places else "Remote", "allLocations": places,
                           "commitment": "Full-time", "team": ""},
            "descriptionPlain": "\n\n".join(p for p in (opening[0], opening[1]) if p),
            "lists": lists, "additionalPlain": additional,
            "hostedUrl": f"https://jobs.lever.co/{c.token}/{c.serial}",
            "applyUrl": f"https://jobs.lever.co/{c.token}/{c.serial}/apply",
            "workplaceType": "remote" if c.remote else "onsite", "createdAt": 1767225600000}
    if c.salary:
        item["salaryRange"] = {"min": c.salary[0], "max": c.salary[1], "currency": c.salary[2],
                               "interval": "per-year-salary"}
    return [item]


def ashby_payload(c: Copy) -> dict:
    """Ashby's posting API (`/posting-api/job-board/{name}?includeCompensation=true`): the first place as
    `location`, the others as `secondaryLocations`, the company paragraph last, HTML and plain text."""
    body = "".join(f"<h2>{escape(h)}</h2>{_paragraphs_html(t)}" if h else _paragraphs_html(t) for h, t in c.sections)
    if c.company_paragraph:
        body += f"<h2>About {escape(c.company)}</h2>{_paragraphs_html(c.company_paragraph)}"
    places = c.locations or ["Remote"]
    job: dict = {"id": job_uuid(c.serial), "title": c.title, "department": "",
                 "team": "", "employmentType": "FullTime", "location": places[0],
                 "secondaryLocations": [{"location": x} for x in places[1:]], "isListed": True,
                 "isRemote": c.remote, "workplaceType": "Remote" if c.remote else "OnSite",
                 "publishedAt": "2026-02-01T17:00:00.000+00:00", "updatedAt": "2026-03-01T17:00:00.000+00:00",
                 "descriptionHtml": body, "descriptionPlain": _full_text(c),
                 "jobUrl": f"https://jobs.ashbyhq.com/{c.token}/{job_uuid(c.serial)}",
                 "applyUrl": f"https://jobs.ashbyhq.com/{c.token}/{job_uuid(c.serial)}/application"}
    if c.salary:
        job["compensation"] = {"compensationTierSummary": f"${c.salary[0] // 1000}K – ${c.salary[1] // 1000}K",
                               "summaryComponents": [{"compensationType": "Salary", "interval": "1 YEAR",
                                                      "currencyCode": c.salary[2], "minValue": c.salary[0],
                                                      "maxValue": c.salary[1]}]}
    return {"apiVersion": "1", "jobs": [job]}


def job_uuid(serial: int) -> str:
    return f"00000000-0000-4000-8000-{serial:012d}"


def _full_text(c: Copy) -> str:
    parts = [c.company_paragraph] + [f"{h}\n\n{t}" if h else t for h, t in c.sections]
    return "\n\n".join(p for p in parts if p)


_SHORT = {"San Francisco": "SF", "New York": "NY", "New York City": "NYC"}


def _feed_places(locations: Sequence[str]) -> str:
    """Several places the way aggregators abbreviate them ("SF / NY"); one place as "City, ST"."""
    if len(locations) > 1:
        return " / ".join(_SHORT.get(x.split(",")[0].strip(), x) for x in locations)
    return "; ".join(_gh_place(x) for x in locations) or "Remote"


def feed_payload(c: Copy) -> str:
    places = _feed_places(c.locations)
    return ("<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
            "<channel><title>Jobs aggregator</title><item>"
            f"<title>{escape(c.title)}</title><link>https://jobs.example-aggregator.net/view/{c.serial}</link>"
            f"<guid isPermaLink=\"false\">agg-{c.serial}</guid><dc:creator>{escape(c.company)}</dc:creator>"
            f"<location>{escape(places)}</location><description>{escape(_cut(_full_text(c)))}</description>"
            "</item></channel></rss>")


def csv_payload(c: Copy) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["source_job_id", "title", "company", "location", "url", "description", "salary_min",
                     "salary_max", "salary_currency", "workplace"])
    places = "; ".join(_csv_place(x) for x in c.locations) or "Remote"
    writer.writerow([str(c.serial), c.title, c.company, places,
                     f"https://www.indeed.com/viewjob?jk=eval{c.serial:08x}", _cut(_full_text(c)),
                     c.salary[0] if c.salary else "", c.salary[1] if c.salary else "",
                     c.salary[2] if c.salary else "", "remote" if c.remote else ""])
    return out.getvalue()


def parse_copy(c: Copy) -> FetchedPosting:
    """The copy's raw payload through the adapter of its board."""
    match c.board:
        case "greenhouse":
            [parsed] = greenhouse.parse(greenhouse_payload(c), board_token=c.token)
        case "lever":
            [parsed] = lever.parse(lever_payload(c), board_token=c.token)
        case "ashby":
            [parsed] = ashby.parse(ashby_payload(c), board_token=c.token)
        case "feed":
            [parsed] = feed.parse(feed_payload(c), board_token=f"https://jobs.example-aggregator.net/{c.token}.rss")
        case _:
            [parsed] = file_import.parse(csv_payload(c), board_token=f"listing-{c.token}", fmt="csv").postings
    return parsed


BOARDS = ("greenhouse", "lever", "ashby", "feed", "csv")


def republish(o: _Original, rng: random.Random, serial: int, boards: Sequence[str]) -> list[tuple[Copy, str]]:
    """The original written as each of `boards` would serve it, with the variations chosen by `rng`."""
    p = o.fetched
    brand, legal, token, careers = ENTITIES.get(p.board_token, (p.company or p.board_token, None, None, None))
    if legal is None:
        base = normalize_company(brand).title() or brand
        legal = base if re.search(r"\b(?:inc|llc|corp|ltd)\b", brand, re.I) else f"{base}, Inc."
        token = compact(base)[:30] or "employer"
        careers = None
    opening, sections = split_sections(p.description_text)
    copies: list[tuple[Copy, str]] = []
    remote = p.workplace.value == "REMOTE"
    for n, board in enumerate(boards):
        title = p.title
        variations: list[str] = []
        if rng.random() < 0.4 and _swap_title(title) != title:
            title, _ = _swap_title(title), variations.append("title word order")
        if remote and board in ("greenhouse", "csv") and rng.random() < 0.5:
            title, _ = f"{title} - Remote US", variations.append("'- Remote US' suffix")
        role_sections = list(sections)
        if len(role_sections) > 2 and rng.random() < 0.5:
            head, *tail = role_sections
            rng.shuffle(tail)
            role_sections = [head, *tail]
            variations.append("sections reordered")
        company = legal if board in ("greenhouse", "lever") or rng.random() < 0.5 else brand
        if board in ("lever", "ashby"):  # no company field: the site token names the employer
            company = token or company
        salary = (p.salary_min, p.salary_max or p.salary_min, p.salary_currency) if p.salary_min and \
            p.salary_currency else None
        copy = Copy(board=board, company=company, token=token or "employer",
                    careers=careers if board == "greenhouse" else None, title=title,
                    locations=[x for x in p.locations if x.casefold() != "remote"], sections=role_sections,
                    company_paragraph=opening, salary=salary, remote=remote, serial=serial * 10 + n)
        what = f"{board} shape of {o.origin}" + (f" ({', '.join(variations)})" if variations else "")
        copies.append((copy, what))
    return copies


# --- the set --------------------------------------------------------------------------------------------------


def _families(originals: Sequence[_Original]) -> None:
    """Postings of one company whose titles share a word (besides generic ones) are one family: they are split
    together, so hard negatives and siblings stay on one side."""
    generic = {"senior", "junior", "staff", "lead", "principal", "manager", "engineer", "i", "ii", "iii", "of",
               "and", "the", "a", "-", ",", "&", "sr", "sr.", "director", "specialist", "associate"}
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent.setdefault(i, i) != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    words = [{w for w in re.findall(r"[a-z0-9]+", o.fetched.title.casefold()) if w not in generic and len(w) > 2}
             for o in originals]
    by_company: dict[str, list[int]] = {}
    by_group: dict[str, int] = {}
    for i, o in enumerate(originals):
        find(i)
        for key in (o.group, o.role):
            if key in by_group:
                parent[find(i)] = find(by_group[key])
            by_group.setdefault(key, i)
        company = compact(o.fetched.company)
        for j in by_company.get(company, []):
            union = words[i] | words[j]
            if union and len(words[i] & words[j]) / len(union) >= 0.5:
                parent[find(i)] = find(j)
        by_company.setdefault(company, []).append(i)
    for i, o in enumerate(originals):
        o.family = f"family:{find(i)}"


@dataclass(frozen=True)
class EvalSet:
    tuning: list[EvalPosting]
    held_out: list[EvalPosting]
    sources: list[str]


def build(shared: Path, *, seed: int = 0, glassdoor_rows: int = 300, copy_share: float = 0.3) -> EvalSet:
    """Every source present under `shared/data`, the re-publications, and the seeded family split. The adapters'
    warnings about skipped lines are silenced: the data is read as it is."""
    adapters_log = logging.getLogger("processors.discovery")
    level = adapters_log.level
    adapters_log.setLevel(logging.ERROR)
    try:
        return _build(shared, seed=seed, glassdoor_rows=glassdoor_rows, copy_share=copy_share)
    finally:
        adapters_log.setLevel(level)


def _build(shared: Path, *, seed: int, glassdoor_rows: int, copy_share: float) -> EvalSet:
    data = shared / "data"
    loaders: list[tuple[Path, Callable[[Path], list[_Original]]]] = [
        (data / "boards" / "ashby_cursor_jobs.json", load_ashby),
        (data / "boards" / "greenhouse_anthropic_jobs.json", load_greenhouse),
        (data / "postings" / "jobspy_indeed_google_sample.csv", load_jobspy),
        (data / "postings" / "glassdoor_ds_jobs.csv", lambda p: load_glassdoor(p, rows=glassdoor_rows, seed=seed)),
    ]
    rng = random.Random(seed)
    originals: list[_Original] = []
    sources: list[str] = []
    for path, load in loaders:
        if path.is_file():
            loaded = load(path)
            originals += loaded
            sources.append(f"{path.relative_to(shared)} ({len(loaded)} postings)")
    _families(originals)
    postings = [EvalPosting(_catalog(o.fetched), o.group, o.role, o.family, o.origin) for o in originals]
    serial = 1
    for o in originals:
        everyone = o.fetched.board_token == "cursor"
        if not everyone and rng.random() >= copy_share:
            continue
        if o.fetched.board_token == "anthropic":
            boards = [rng.choice(("feed", "csv"))]  # a list-mode board has no text to re-publish but a listing
        else:
            others = [b for b in BOARDS if b != o.fetched.source.value.lower()]  # a copy is on another board
            boards = rng.sample(others, rng.choice((2, 3)) if everyone else 1)
        for copy, what in republish(o, rng, serial, boards):
            postings.append(EvalPosting(_catalog(parse_copy(copy)), o.group, o.role, o.family, what))
        serial += 1
    families = sorted({p.family for p in postings})
    random.Random(seed).shuffle(families)
    held_out_families = set(families[: len(families) // 2])
    tuning = [p for p in postings if p.family not in held_out_families]
    held_out = [p for p in postings if p.family in held_out_families]
    random.Random(seed + 1).shuffle(tuning)  # arrival order: originals and copies interleaved
    random.Random(seed + 2).shuffle(held_out)
    return EvalSet(tuning, held_out, sources)


def pair_truth(a: EvalPosting, b: EvalPosting) -> str:
    if a.group == b.group:
        return "duplicate"
    if a.role == b.role:
        return "same_role"
    return "different"


def describe_set(postings: Iterable[EvalPosting]) -> str:
    postings = list(postings)
    groups = {p.group for p in postings}
    return f"{len(postings)} postings, {len(groups)} jobs, {len({p.role for p in postings})} roles"

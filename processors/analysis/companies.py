"""Which company a posting is for, as an entity rather than a spelling. Pure.

Boards name one employer differently: the brand on one, the legal entity on another ("Cursor" / "Anysphere"),
"Boys Town" / "Boys Town Hospital", "Acme, Inc." / "acme" (Lever and Ashby have no company field: the site token
is the name). So a posting carries several **names** — its company field, its board token, the domain of its
apply or posting URL when that is the employer's own site (not a job board's), each also without a generic
organisation word at the end ("Hospital", "Group", "Technologies") — and the **mentions** in its description
(capitalised words and pairs). Two postings are:

- the SAME company when they share a name;
- ALIASES when a name of one is mentioned in the other's description, or a name of one is a word-prefix of a
  name of the other ("boys town" / "boys town national research hospital"), or another posting names both
  employers as its own ("Anysphere" with a cursor.com careers link);
- DIFFERENT otherwise.

Names and mentions are compact keys (lower case, letters and digits only, so "example corp" = "examplecorp"),
which is also how the vector store finds candidates across aliases (`&&` on arrays of keys).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from enum import StrEnum
from urllib.parse import urlsplit

_RATING = re.compile(r"\s*\n\s*\d(?:\.\d)?\s*$")  # Glassdoor's "Acme\n3.8" (file_import strips it too)
_DROPPED = re.compile(r"[.'’`]")  # "Inc." = "Inc", "L.L.C." = "LLC", "Macy's" = "Macys"
_WORDS = re.compile(r"[^\W_]+")
_LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "llc", "ltd", "limited", "corp", "corporation", "co", "company", "plc", "gmbh", "lp",
    "llp", "pllc", "pbc", "sa", "ag", "bv", "nv", "pty", "srl", "sas", "oy", "ab",
})
# Generic words an organisation's longer name ends with; the name without them is a name too.
_GENERIC_TAIL = frozenset({
    "hospital", "hospitals", "health", "healthcare", "medical", "center", "centre", "clinic", "group", "holdings",
    "technologies", "technology", "tech", "labs", "lab", "systems", "solutions", "software", "services", "ai",
    "inc", "international", "global", "usa", "us", "careers", "jobs", "hq", "team", "hiring", "io", "app",
})
# Hosts of job boards, applicant tracking systems and aggregators: their domain says nothing about the employer.
_JOB_HOSTS = frozenset({
    "greenhouse.io", "lever.co", "ashbyhq.com", "workable.com", "smartrecruiters.com", "myworkdayjobs.com",
    "myworkdaysite.com", "indeed.com", "linkedin.com", "glassdoor.com", "ziprecruiter.com", "bebee.com",
    "monster.com", "simplyhired.com", "jobvite.com", "icims.com", "bamboohr.com", "recruitee.com", "breezy.hr",
    "applytojob.com", "jazzhr.com", "teamtailor.com", "personio.de", "personio.com", "rippling.com",
    "wellfound.com", "angel.co", "builtin.com", "dice.com", "careerbuilder.com", "google.com", "adzuna.com",
    "jooble.org", "talent.com", "snagajob.com", "workatastartup.com", "ycombinator.com", "otta.com",
    "welcometothejungle.com", "remoteok.com", "weworkremotely.com", "remotive.com", "join.com", "recruiterbox.com",
    "successfactors.com", "taleo.net", "oraclecloud.com", "ultipro.com", "paylocity.com", "dayforcehcm.com",
    "example.com", "localhost",
})
_HOST_PREFIXES = frozenset({"www", "jobs", "careers", "career", "boards", "job-boards", "apply", "work", "talent",
                            "recruiting", "en", "us", "hire", "join"})
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu"})  # "acme.co.uk"
# Capitalised words that start sentences or name roles and places far more often than employers.
_NOT_NAMES = frozenset({
    "the", "we", "you", "our", "your", "us", "a", "an", "in", "at", "as", "this", "that", "if", "and", "or", "for",
    "with", "to", "of", "on", "by", "from", "about", "what", "who", "why", "how", "join", "role", "team",
    "responsibilities", "requirements", "qualifications", "benefits", "experience", "skills", "job", "jobs",
    "position", "location", "salary", "equal", "opportunity", "employer", "remote", "senior", "junior", "lead",
    "manager", "engineer", "engineering", "data", "software", "sales", "product", "design", "it", "is", "are",
    "all", "any", "each", "more", "must", "may", "will", "can", "here", "there", "they", "their", "it's", "you'll",
    "we're", "ai", "ml", "usa", "new", "york", "san", "francisco",
})
_CAPITALISED = re.compile(r"\b[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*)?")


class CompanyRelation(StrEnum):
    SAME = "same"
    ALIAS = "alias"
    DIFFERENT = "different"


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _WORDS.findall(_DROPPED.sub("", text.replace("&", " and ")))


def normalize_company(name: str) -> str:
    """"Acme, Inc." = "ACME Inc" = "acme" = "Acme LLC\\n3.8"; a leading "The" goes too. A name made only of a
    suffix ("Company") is kept as it is rather than emptied."""
    words = _words(_RATING.sub("", name))
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words = words[:-1]
    return " ".join(words)


def compact(name: str) -> str:
    return "".join(_words(name))


def _name_keys(name: str) -> list[str]:
    """A normalized name and, when it ends in generic words, the name without them ("boys town hospital" →
    "boystownhospital", "boystown")."""
    words = normalize_company(name).split()
    keys = ["".join(words)] if words else []
    while len(words) > 1 and words[-1] in _GENERIC_TAIL:
        words = words[:-1]
        keys.append("".join(words))
    return [key for key in keys if len(key) >= 2]


def board_name(token: str) -> str:
    """A board token as a name: "examplecorp-careers" → "examplecorp"; a feed's URL token → its host's name."""
    if "://" in token:
        return url_name(token) or ""
    words = [w for w in re.split(r"[^a-z0-9]+", token.casefold()) if w]
    while len(words) > 1 and words[-1] in _GENERIC_TAIL | _LEGAL_SUFFIXES:
        words = words[:-1]
    return "".join(words)


def url_name(url: str | None) -> str | None:
    """The employer's name in a URL's host ("https://cursor.com/careers/x" → "cursor", "jobs.abbott" → "abbott"),
    or None for a job board's or aggregator's host."""
    if not url:
        return None
    try:
        host = (urlsplit(url.strip()).hostname or "").casefold().rstrip(".")
    except ValueError:
        return None
    if not host or re.fullmatch(r"[\d.:]+", host):
        return None
    labels = host.split(".")
    if any(".".join(labels[i:]) in _JOB_HOSTS for i in range(len(labels))):
        return None
    while len(labels) > 1 and labels[0] in _HOST_PREFIXES:
        labels = labels[1:]
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        labels = labels[:-1]
    name = labels[-2] if len(labels) >= 2 else labels[0]
    return board_name(name) or None


def company_names(company: str, board_token: str = "", urls: Iterable[str | None] = ()) -> list[str]:
    """Every name a posting gives its employer, as compact keys, in a stable order."""
    keys: list[str] = [*_name_keys(company)]
    token = board_name(board_token) if board_token else ""
    if token:
        keys.append(token)
    for url in urls:
        name = url_name(url)
        if name:
            keys.append(name)
    return list(dict.fromkeys(key for key in keys if key))


def company_mentions(text: str, *, limit: int = 400) -> list[str]:
    """Capitalised words and word pairs of a description, as compact keys (the candidates for a name the
    posting mentions), most frequent first."""
    counts: dict[str, int] = {}
    for match in _CAPITALISED.finditer(text[:20_000]):
        words = [w.strip(".'’-") for w in match.group(0).split()]
        phrases = [words[0]] if len(words) == 1 else [words[0], words[1], " ".join(words)]
        for phrase in phrases:
            if phrase.casefold() in _NOT_NAMES:
                continue
            key = compact(phrase)
            if len(key) >= 3:
                counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts, key=lambda key: (-counts[key], key))
    return ranked[:limit]


def company_relation(names_a: Sequence[str], mentions_a: Sequence[str], names_b: Sequence[str],
                     mentions_b: Sequence[str], *, aliases_a: Sequence[str] = ()) -> tuple[CompanyRelation, str]:
    """The relation of two postings' employers, and the evidence in words. `aliases_a`: names another posting
    gives a's employer together with one of a's names."""
    shared = [name for name in names_a if name in names_b]
    if shared:
        return CompanyRelation.SAME, f"same company {shared[0]!r}"
    for name in names_b:
        if name in aliases_a:
            return CompanyRelation.ALIAS, f"company {name!r} is named with {_first(names_a)!r} by another posting"
    for name in names_a:
        if name in mentions_b:
            return CompanyRelation.ALIAS, f"company {name!r} is named in the other description"
    for name in names_b:
        if name in mentions_a:
            return CompanyRelation.ALIAS, f"company {name!r} is named in this description"
    for a in names_a:
        for b in names_b:
            shorter, longer = sorted((a, b), key=len)
            if len(shorter) >= 5 and longer.startswith(shorter):
                return CompanyRelation.ALIAS, f"company {shorter!r} is the start of {longer!r}"
    return CompanyRelation.DIFFERENT, f"company {_first(names_a)!r} vs {_first(names_b)!r}"


def _first(names: Sequence[str]) -> str:
    return names[0] if names else ""

"""Job titles as dedup compares them: the form normalized, the meaning kept. Pure.

Boards write one role as "Manager, AI Deployment" and "AI Deployment Manager", add "- Remote US" or
"(Washington, PA)", abbreviate "Sr."; those differences are form. The qualifier that tells two teams' roles apart
— "Architect, Applied AI (Industries)" vs "(Startups)", "Account Executive, Southeast" vs "Southwest" — is
meaning, and stays. So a title becomes the set of its words (order is form) after dropping how-you-work words
(remote, hybrid, on-site), a trailing place that is the posting's own location or a city with its state, and
words that only join ("of", "and"); abbreviations are spelled out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from enum import StrEnum

from processors.analysis.places import Kind, Place, Relation, relation, resolve

_WORDS = re.compile(r"[a-z0-9+#]+")
_ABBREVIATIONS = {
    "sr": "senior", "snr": "senior", "jr": "junior", "mgr": "manager", "engr": "engineer", "eng": "engineer",
    "swe": "software engineer", "sde": "software engineer", "dev": "developer", "devs": "developers",
    "mktg": "marketing", "acct": "account", "exec": "executive", "rep": "representative", "reps": "representative",
    "admin": "administrator", "assoc": "associate", "asst": "assistant", "coord": "coordinator", "dir": "director",
    "vp": "vice president", "svp": "senior vice president", "ml": "machine learning", "hr": "human resources",
    "ii": "2", "iii": "3", "iv": "4", "staff+": "staff", "&": "and", "e2e": "end to end",
}
_JOINING = frozenset({"of", "the", "and", "for", "a", "an", "to", "in", "with", "at", "on", "job"})
_WORKPLACE = frozenset({"remote", "hybrid", "onsite", "on site", "in office", "wfh", "work from home", "virtual",
                        "remote first", "remote friendly", "fully remote", "100 remote", "telecommute"})
_SEGMENTS = re.compile(r"\s+[-–—|]\s+|\s*[,(\[\]):/]\s*")


class TitleRelation(StrEnum):
    SAME = "same"  # the same words
    NARROWER = "narrower"  # one title is the other with a qualifier more ("Applied AI Engineer (Startups)")
    DIFFERENT = "different"  # each has words the other lacks


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[.'’`]", "", text.replace("&", " and "))


def _is_place(segments: Sequence[str], own: Sequence[Place]) -> bool:
    """Whether title segments are a place: the posting's own location, a city or state named with its state or
    country ("Liverpool, NY"), or a state alone ("(NY)"). A bare "Enterprise" or "Central" is a team."""
    places = resolve(", ".join(segments))
    if not places or places[0].kind not in (Kind.CITY, Kind.STATE, Kind.METRO):
        return False
    if own and relation(places, own) is Relation.OVERLAP:
        return True
    return len(segments) >= 2 or places[0].kind is Kind.STATE


def _is_workplace(segment: str) -> bool:
    """"remote", "Remote US", "hybrid - London": how and where, not what."""
    if segment in _WORKPLACE:
        return True
    words = segment.split()
    if not any(word in ("remote", "hybrid", "onsite", "wfh") for word in words):
        return False
    rest = " ".join(word for word in words if word not in ("remote", "hybrid", "onsite", "wfh", "only", "friendly"))
    return not rest or resolve(rest)[0].kind is not Kind.UNRESOLVED


def title_words(title: str, places: Sequence[Place] = ()) -> list[str]:
    """The title's meaningful words, sorted: its comparable form."""
    segments = [" ".join(_WORDS.findall(s)) for s in _SEGMENTS.split(_fold(title))]
    segments = [s for i, s in enumerate(segments) if s and not (i > 0 and _is_workplace(s))]
    for start in range(1, len(segments)):
        if _is_place(segments[start:], places):
            segments = segments[:start]
            break
    words: set[str] = set()
    for segment in segments:
        for word in _WORDS.findall(segment):
            for spelled in _ABBREVIATIONS.get(word, word).split():
                if spelled not in _JOINING and spelled not in ("remote", "hybrid", "onsite"):
                    words.add(spelled.rstrip("+") or spelled)
    return sorted(words)


def normalize_title(title: str, places: Sequence[Place] = ()) -> str:
    """"Manager, AI Deployment" = "AI Deployment Manager"; "Sr. Data Scientist (Remote)" = "Senior Data
    Scientist"; "Architect (Industries)" ≠ "Architect (Startups)"."""
    return " ".join(title_words(title, places))


def title_relation(a: str, b: str) -> TitleRelation:
    """Of two normalized titles (`normalize_title`)."""
    words_a, words_b = set(a.split()), set(b.split())
    if words_a == words_b:
        return TitleRelation.SAME
    if words_a and words_b and (words_a < words_b or words_b < words_a):
        return TitleRelation.NARROWER
    return TitleRelation.DIFFERENT


def title_overlap(a: str, b: str) -> float:
    words_a, words_b = set(a.split()), set(b.split())
    union = words_a | words_b
    return len(words_a & words_b) / len(union) if union else 0.0

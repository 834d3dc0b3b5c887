"""The manual channel: nothing is sent; the user gets a packet (the apply link, the chosen PDF, the cover letter,
and answers to the usual form questions prepared from the profile) and marks the application applied.

Pure: the answers come from the JSON Resume profile (https://jsonresume.org/schema), each with the path it was
read from so the user can check it. Nothing is invented: a question the profile cannot answer is left out.
"""

from __future__ import annotations

import json
from typing import Any

from streams.messages import PreparedAnswer

MAX_ANSWER_CHARS = 2000


def _text(value: Any) -> str:
    return " ".join(value.split())[:MAX_ANSWER_CHARS] if isinstance(value, str) else ""


def prepared_answers(profile_json: str) -> list[PreparedAnswer]:
    """Answers for the questions application forms usually ask, in form order. An unreadable profile gives none."""
    try:
        profile = json.loads(profile_json) if profile_json else {}
    except (ValueError, RecursionError):
        return []
    if not isinstance(profile, dict):
        return []
    answers: list[PreparedAnswer] = []

    def add(question: str, value: Any, source: str) -> None:
        text = _text(value)
        if text:
            answers.append(PreparedAnswer(question=question, answer=text, source=source))

    basics = profile.get("basics") if isinstance(profile.get("basics"), dict) else {}
    add("Full name", basics.get("name"), "basics.name")
    add("Email", basics.get("email"), "basics.email")
    add("Phone", basics.get("phone"), "basics.phone")
    location = basics.get("location") if isinstance(basics.get("location"), dict) else {}
    place = ", ".join(_text(location.get(k)) for k in ("city", "region", "countryCode") if _text(location.get(k)))
    add("Location", place, "basics.location")
    add("Website", basics.get("url"), "basics.url")
    profiles = basics.get("profiles") if isinstance(basics.get("profiles"), list) else []
    for network in ("LinkedIn", "GitHub"):
        for i, entry in enumerate(profiles):
            if isinstance(entry, dict) and _text(entry.get("network")).casefold() == network.casefold():
                add(f"{network} profile", entry.get("url"), f"basics.profiles[{i}].url")
                break
    work = profile.get("work") if isinstance(profile.get("work"), list) else []
    for i, job in enumerate(work):
        if isinstance(job, dict) and not job.get("endDate"):  # the current role
            add("Current title", job.get("position"), f"work[{i}].position")
            add("Current employer", job.get("name"), f"work[{i}].name")
            break
    education = profile.get("education") if isinstance(profile.get("education"), list) else []
    if education and isinstance(education[0], dict):
        school = education[0]
        degree = " in ".join(_text(school.get(k)) for k in ("studyType", "area") if _text(school.get(k)))
        add("Education", ", ".join(p for p in (degree, _text(school.get("institution"))) if p), "education[0]")
    languages = profile.get("languages") if isinstance(profile.get("languages"), list) else []
    spoken = [f"{_text(lang.get('language'))} ({_text(lang.get('fluency'))})" if _text(lang.get("fluency"))
              else _text(lang.get("language")) for lang in languages if isinstance(lang, dict)]
    add("Languages", ", ".join(s for s in spoken if s), "languages")
    add("Summary", basics.get("summary"), "basics.summary")
    return answers

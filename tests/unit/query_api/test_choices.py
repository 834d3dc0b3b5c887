"""The enumerated values (boards, statuses, channels, remote, submission modes) are named once, in
`streams.messages`: the API serves them (GET /api/choices) and no file of the web client lists them itself."""

from __future__ import annotations

import re

from query_api.app import STATIC_DIR
from query_api.choices import choices
from streams.messages import CHANNELS, ApplicationStatus, BoardSource, RemotePreference, SubmissionMode

# A literal list of two or more quoted strings, e.g. ["GREENHOUSE", "LEVER"] or ['a', 'b'].
_LIST_LITERAL = re.compile(r"""\[\s*(?:["'][^"'\n]*["']\s*,\s*)+["'][^"'\n]*["']\s*,?\s*\]""")
_QUOTED = re.compile(r"""["']([^"'\n]*)["']""")
_OPTION = re.compile(r"<option\b[^>]*>([^<]*)</option>", re.IGNORECASE)


def test_the_choices_are_the_enums_in_their_declared_order() -> None:
    assert choices() == {"boards": ["GREENHOUSE", "LEVER", "ASHBY", "FEED", "FILE"],
                         "statuses": [s.value for s in ApplicationStatus], "channels": sorted(CHANNELS),
                         "remote": [r.value for r in RemotePreference],
                         "submission_modes": [m.value for m in SubmissionMode]}
    assert choices()["boards"] == [b.value for b in BoardSource]
    assert choices()["statuses"][0] == "AWAITING_REVIEW"  # the order a person reads them in, not sorted


def test_no_page_of_the_web_client_lists_the_choices_itself() -> None:
    values = {value: name for name, listed in choices().items() for value in listed}
    html = (STATIC_DIR / "index.html").read_text()
    assert [o for o in _OPTION.findall(html) if o.strip() in values] == []
    for select in ("review-board", "app-board", "app-filter", "app-channel"):
        assert re.search(rf'<select id="{select}" data-choices="(\w+)"></select>', html), select
    for module in sorted(STATIC_DIR.glob("*.js")):
        for literal in _LIST_LITERAL.findall(module.read_text()):
            named = [values[v] for v in _QUOTED.findall(literal) if v in values]
            assert len(named) < 2, f"{module.name} lists choices itself: {literal}"


def test_the_checks_catch_a_copied_list() -> None:
    copied = 'const SOURCES = ["GREENHOUSE", "LEVER", "ASHBY"];'
    assert [values for values in _LIST_LITERAL.findall(copied)] == ['["GREENHOUSE", "LEVER", "ASHBY"]']
    assert _OPTION.findall('<option value="">all</option><option>LEVER</option>') == ["all", "LEVER"]

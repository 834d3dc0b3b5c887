"""JSON Resume facts people really write: calendar dates and the field names of JSON Resume before 1.0."""

from __future__ import annotations

import calendar
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from textkit.jsonresume import (
    calendar_problems,
    date_problem,
    parse_date,
    upgrade_legacy_names,
    years_of_experience,
)


def test_month_13_is_not_a_date_and_says_why() -> None:
    assert parse_date("2020-13") is None
    assert date_problem("2020-13", "endDate") == (
        "'2020-13' is not a date: there is no month 13 (months run from 01 to 12)")


def test_a_day_the_month_does_not_have_is_not_a_date() -> None:
    assert date_problem("2023-02-29", "startDate") == "'2023-02-29' is not a date: February 2023 has no day 29"
    assert date_problem("2024-02-29", "startDate") is None  # a leap year
    assert date_problem("2021-04-31", "date") == "'2021-04-31' is not a date: April 2021 has no day 31"


def test_a_current_role_is_told_to_leave_end_date_out() -> None:
    for word in ("Present", "present", "current", "now", ""):
        assert date_problem(word, "endDate") == f"{word!r} is not a date: for a current role, leave endDate out"
    assert "2024, 2024-06 or 2024-06-29" in str(date_problem("Present", "startDate"))


def test_calendar_problems_name_the_field_and_an_end_before_the_start() -> None:
    profile = {"work": [{"name": "A", "startDate": "2019-05", "endDate": "2020-13"},
                        {"name": "B", "startDate": "2021-06", "endDate": "2020-01"},
                        {"name": "C", "startDate": "2020", "endDate": "2020-06"}],
               "certificates": [{"name": "X", "date": "2022-00"}]}

    assert calendar_problems(profile) == [
        "/work/0/endDate: '2020-13' is not a date: there is no month 13 (months run from 01 to 12)",
        "/work/1: it ends (2020-01) before it starts (2021-06)",
        "/certificates/0/date: '2022-00' is not a date: there is no month 0 (months run from 01 to 12)",
    ]


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_every_calendar_date_is_accepted_at_every_precision(day: date) -> None:
    for text in (f"{day.year}", f"{day.year}-{day.month:02d}", day.isoformat()):
        assert date_problem(text, "startDate") is None
        assert parse_date(text) == (date(day.year, 1, 1) if len(text) == 4 else
                                    date(day.year, day.month, 1) if len(text) == 7 else day)


@given(st.integers(1900, 2099), st.integers(1, 12), st.integers(1, 39))
def test_a_day_past_the_month_is_refused(year: int, month: int, day: int) -> None:
    text = f"{year}-{month:02d}-{day:02d}"
    exists = day <= calendar.monthrange(year, month)[1]
    assert (date_problem(text, "endDate") is None) == exists
    assert (parse_date(text) is not None) == exists


def test_years_of_experience_read_full_dates_and_never_count_a_month_that_does_not_exist() -> None:
    profile = {"work": [{"startDate": "2015-06-15", "endDate": "2020-05-31"}, {"startDate": "2020-13"}]}

    assert years_of_experience(profile, today=date(2025, 6, 1)) == 5.0


def test_older_names_are_mapped_with_a_note_each() -> None:
    old = {"basics": {"name": "Ada", "website": "https://ada.example.org", "picture": "https://x/p.png"},
           "work": [{"company": "Northwind Labs", "website": "https://northwind.example", "position": "Engineer"}],
           "publications": [{"name": "Paper", "website": "https://doi.example/1"}],
           "education": [{"institution": "Porto", "gpa": "18/20"}]}

    upgraded = upgrade_legacy_names(old)

    assert upgraded.conflicts == []
    assert upgraded.profile["work"][0] == {"name": "Northwind Labs", "url": "https://northwind.example",
                                           "position": "Engineer"}
    assert upgraded.profile["basics"]["url"] == "https://ada.example.org"
    assert upgraded.profile["basics"]["image"] == "https://x/p.png"
    assert upgraded.profile["publications"][0]["url"] == "https://doi.example/1"
    assert upgraded.profile["education"][0]["score"] == "18/20"
    assert upgraded.notes == [
        "/basics/website: read as 'url' (the name JSON Resume 1.0 uses)",
        "/basics/picture: read as 'image' (the name JSON Resume 1.0 uses)",
        "/work/0/company: read as 'name' (the name JSON Resume 1.0 uses)",
        "/work/0/website: read as 'url' (the name JSON Resume 1.0 uses)",
        "/publications/0/website: read as 'url' (the name JSON Resume 1.0 uses)",
        "/education/0/gpa: read as 'score' (the name JSON Resume 1.0 uses)",
    ]
    assert old["work"][0]["company"] == "Northwind Labs"  # the input is not changed


def test_an_older_and_a_newer_name_that_disagree_are_a_conflict() -> None:
    upgraded = upgrade_legacy_names({"work": [{"company": "Northwind Labs", "name": "Tidewater Analytics"}],
                                     "hobbies": [{"name": "chess"}]})

    assert upgraded.conflicts == [
        "/work/0: both 'company' ('Northwind Labs') and 'name' ('Tidewater Analytics') are given; 'company' is the "
        "name before JSON Resume 1.0 for 'name': keep one"]
    assert upgraded.profile["interests"] == [{"name": "chess"}]
    assert upgraded.notes == ["/hobbies: the section is called 'interests' since JSON Resume 1.0; read as 'interests'"]
    same = upgrade_legacy_names({"work": [{"company": "Northwind Labs", "name": "Northwind Labs"}]})
    assert same.conflicts == [] and same.profile["work"] == [{"name": "Northwind Labs"}]

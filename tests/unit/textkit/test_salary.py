"""Salaries in every format boards and spreadsheets write: amounts in any locale's digit grouping, the currency
named without ambiguity, the period a year — else no salary, and the statement kept as text."""

from __future__ import annotations

import pytest

from textkit.salary import Salary, find_salary, find_salary_statement, parse_amount, parse_salary, read_salary


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The example: German grouping and decimal comma, the period in German.
        ("€45.000,00 – €55.000,00 pro Jahr", (45_000, 55_000, "EUR")),
        ("$120,000 - $150,000", (120_000, 150_000, "USD")),
        ("€70k–90k", (70_000, 90_000, "EUR")),
        ("USD 100000-140000 per year", (100_000, 140_000, "USD")),
        ("£45,000", (45_000, 45_000, "GBP")),
        ("$137K-$171K (Glassdoor est.)", (137_000, 171_000, "USD")),
        ("Employer Provided Salary:$120K-$140K", (120_000, 140_000, "USD")),
        ("$300,000—$405,000 USD", (300_000, 405_000, "USD")),
        ("$100,000 - $120,000 CAD", (100_000, 120_000, "CAD")),
        ("CA$90,000 to CA$110,000", (90_000, 110_000, "CAD")),
        ("$70-90k", (70_000, 90_000, "USD")),
        ("€ 55.000 - 65.000 per year", (55_000, 65_000, "EUR")),
        ("90k EUR", (90_000, 90_000, "EUR")),
        ("$8,000 a year", (8_000, 8_000, "USD")),
        ("US$ 85,000", (85_000, 85_000, "USD")),
        # Other locales' digit grouping: Swiss apostrophes (typographic too), French and Nordic spaces (NBSP,
        # narrow NBSP), Indian lakhs, a decimal comma before "k".
        ("CHF 120’000 – 140’000 pro Jahr", (120_000, 140_000, "CHF")),
        ("CHF 120'000", (120_000, 120_000, "CHF")),
        ("45 000 – 55 000 € brut par an", (45_000, 55_000, "EUR")),
        ("45\u00a0000\u00a0€ – 55\u202f000\u00a0€ par an", (45_000, 55_000, "EUR")),
        ("SEK 550 000 per år", (550_000, 550_000, "SEK")),
        ("₹12,00,000 - ₹18,00,000 per annum", (1_200_000, 1_800_000, "INR")),
        ("₹12-18 LPA", (1_200_000, 1_800_000, "INR")),
        ("£45,5k", (45_500, 45_500, "GBP")),
        ("$120.5K", (120_500, 120_500, "USD")),
        ("45.000 €", (45_000, 45_000, "EUR")),
        ("45–55k €", (45_000, 55_000, "EUR")),
        ("zwischen 45.000 und 55.000 € brutto/Jahr", (45_000, 55_000, "EUR")),
        ("R$ 120.000 por ano", (120_000, 120_000, "BRL")),
        ("Retribuzione: 35.000 - 42.000 EUR lordi annui", (35_000, 42_000, "EUR")),
        ("JPY 6,000,000", (6_000_000, 6_000_000, "JPY")),
        ("6.000.000 円", (6_000_000, 6_000_000, "JPY")),
        ("60.000 - 70.000 euros al año", (60_000, 70_000, "EUR")),
        # Open-ended statements keep only the end they state.
        ("up to £60k", (None, 60_000, "GBP")),
        ("ab 50.000 € jährlich", (50_000, None, "EUR")),
        # Equity on top of a salary is still the salary.
        ("$150,000 - $180,000 + equity", (150_000, 180_000, "USD")),
    ],
)
def test_annual_salaries_are_read(text: str, expected: tuple[int | None, int | None, str]) -> None:
    assert parse_salary(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Not yearly: hourly, daily, weekly, monthly — in several languages.
        "$50 - $70 per hour",
        "$17-$24 Per Hour(Glassdoor est.)",
        "$40/hr",
        "Hourly: $45 - $60",
        "$8,000 per month",
        "€4.500 monatlich",
        "4.500 € brutto/Monat",
        "R$ 8.000 por mês",
        "€600 per day",
        "€95/h",
        "£900 a week",
        # No period and too small to be a yearly pay in its currency (likely monthly).
        "$50-70",
        "€4.500",
        "2 300 000 ₩",
        # The currency is unknown or ambiguous: "kr" is SEK, NOK, DKK or ISK; "¥" is JPY or CNY.
        "100,000 - 150,000",
        "40 000 kr",
        "¥6,000,000",
        "€50,000 - £60,000",
        # Not money, or not a salary.
        "10,000 customers",
        "raised $10M",
        "401k match",
        "Competitive",
        "Compensation: a $20,000 signing bonus",
        "We pay a $5,000 learning budget per year",
        "Total pay includes $200,000 in equity",
        # A range whose ends disagree by ten times is two things, not a salary.
        "€45,000 - €4,500",
        "",
        None,
    ],
)
def test_unsure_or_non_annual_is_no_salary(text: str | None) -> None:
    assert parse_salary(text) is None


def test_the_statement_is_kept_when_the_salary_is_not_read() -> None:
    assert read_salary("  $17-$24 Per Hour(Glassdoor est.) ") == (None, "$17-$24 Per Hour(Glassdoor est.)")
    assert read_salary("Competitive") == (None, "Competitive")
    assert read_salary("€45.000,00 – €55.000,00 pro Jahr") == (
        Salary(45_000, 55_000, "EUR"), "€45.000,00 – €55.000,00 pro Jahr")
    assert read_salary(None) == (None, None)
    assert len(read_salary("€1 " * 500).text or "") == 300


def test_salary_unpacks_like_a_tuple() -> None:
    low, high, currency = parse_salary("$1,000,000") or Salary(0, 0, "")
    assert (low, high, currency) == (1_000_000, 1_000_000, "USD")


def test_find_salary_reads_only_near_a_cue() -> None:
    description = "We raised $200,000,000 last year.\n\nAnnual Salary:\n$180,000—$220,000 USD\nBenefits"
    assert find_salary(description) == (180_000, 220_000, "USD")
    assert find_salary_statement(description).text == "Annual Salary: $180,000—$220,000 USD"
    assert find_salary("We raised $200,000,000 last year.") is None
    assert find_salary_statement("We raised $200,000,000 last year.") == (None, None)


def test_a_description_s_salary_in_german_is_read_and_kept() -> None:
    description = "Backend (m/w/d)\n\nGehalt: €45.000,00 – €55.000,00 pro Jahr\nBenefits: Jobticket"
    assert find_salary_statement(description) == (
        Salary(45_000, 55_000, "EUR"), "Gehalt: €45.000,00 – €55.000,00 pro Jahr")


def test_a_description_s_unreadable_salary_is_kept_as_text() -> None:
    description = "Role\n\nCompensation: 40 000 kr per månad, plus bonus\nApply now"
    assert find_salary_statement(description) == (None, "Compensation: 40 000 kr per månad, plus bonus")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("45.000,00", 45_000), ("45,000.00", 45_000), ("120'000", 120_000), ("120’000", 120_000),
     ("45 000", 45_000), ("12,00,000", 1_200_000), ("30000", 30_000), ("1.234.567", 1_234_567), ("lots", None)],
)
def test_amounts_in_any_locale_s_format(text: str, expected: int | None) -> None:
    assert parse_amount(text) == expected

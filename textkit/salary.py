"""Salaries as postings state them, in any common format: "$120,000 - $150,000", "€45.000,00 – €55.000,00 pro
Jahr", "CHF 120'000", "₹12,00,000 per annum", "45–55k €", "up to £60k". Pure, no I/O.

A wrong salary is worse than none, so the reading is only given when it is sure: the amounts are parsed by
price-parser (which reads every locale's digit grouping and decimal mark), the currency must be named without
ambiguity (a symbol that several currencies share, like "kr" or "¥", needs a code beside it; "$" alone is taken
as USD, the convention of the boards this reads), and the period must be a year — stated ("per year", "p.a.",
"pro Jahr", "par an", "al año", ...) or, when none is stated, implied by an amount too large to be a monthly
pay in that currency. Anything else — hourly, monthly, daily rates, an unknown currency, a range whose ends
disagree — gives no salary, and the statement itself is kept as text for a person to read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from typing import NamedTuple

from price_parser import Price
from price_parser._currencies import CURRENCIES

from textkit.normalize import clean_line

MAX_SALARY_TEXT = 300


class Period(StrEnum):
    YEAR = "YEAR"
    MONTH = "MONTH"
    WEEK = "WEEK"
    DAY = "DAY"
    HOUR = "HOUR"


class Salary(NamedTuple):
    """An annual salary range, `(minimum, maximum, currency)`. A single figure has `minimum == maximum`; an
    open-ended one ("up to £60k", "ab 50.000 €") has only the end it states."""

    minimum: int | None
    maximum: int | None
    currency: str


class SalaryReading(NamedTuple):
    """What a salary statement says: the annual salary when it is sure (else None), and the statement as the
    source wrote it (kept either way, so a person can read what could not be parsed)."""

    salary: Salary | None
    text: str | None


# --- currencies ---------------------------------------------------------------------------------------------

# Symbols and words that name exactly one currency. A symbol several currencies share names none on its own
# ("kr": SEK, NOK, DKK, ISK; "¥": JPY or CNY), except "$", which the boards read here use for USD unless they say
# otherwise ("CA$", "$ ... CAD").
_SYMBOLS = {
    "US$": "USD", "USD$": "USD", "CA$": "CAD", "C$": "CAD", "CAD$": "CAD", "AU$": "AUD", "A$": "AUD", "AUD$": "AUD",
    "NZ$": "NZD", "S$": "SGD", "SG$": "SGD", "HK$": "HKD", "R$": "BRL", "MX$": "MXN", "NT$": "TWD", "$": "USD",
    "€": "EUR", "£": "GBP", "₹": "INR", "₩": "KRW", "₪": "ILS", "₽": "RUB", "₺": "TRY", "₴": "UAH", "₱": "PHP",
    "฿": "THB", "₫": "VND", "₦": "NGN", "zł": "PLN", "Kč": "CZK", "Fr.": "CHF", "SFr.": "CHF", "JP¥": "JPY",
    "円": "JPY", "万円": "JPY", "CN¥": "CNY", "元": "CNY", "RMB": "CNY", "RM": "MYR", "Rp": "IDR",
}  # fmt: skip
_AMBIGUOUS_SYMBOLS = ("¥", "￥", "kr.", "kr", "Kr", "Rs.", "Rs")
_WORDS = {
    "euro": "EUR", "euros": "EUR", "dollars": "USD", "us dollars": "USD", "pounds": "GBP", "pound sterling": "GBP",
    "sterling": "GBP", "franken": "CHF", "francs suisses": "CHF", "swiss francs": "CHF", "rupees": "INR",
    "yen": "JPY", "yuan": "CNY", "renminbi": "CNY", "złotych": "PLN", "zloty": "PLN", "kronor": "SEK",
}  # fmt: skip
# ISO 4217 codes from price-parser's currency table, less the few that are also English words in capitals.
_NOT_CODES = frozenset({"ALL", "TOP", "CUP", "MOP", "PEN", "BAM", "SOS", "VAL", "GEL", "AMD", "CUC", "USN", "PTE"})
_CODES = frozenset(code for code in CURRENCIES if re.fullmatch(r"[A-Z]{3}", code)) - _NOT_CODES

# Below this, an amount with no period stated is more likely a monthly (or hourly) pay than a yearly one.
_DEFAULT_ANNUAL_FLOOR = 10_000
_ANNUAL_FLOOR = {
    "JPY": 1_000_000, "KRW": 10_000_000, "INR": 100_000, "CNY": 100_000, "IDR": 50_000_000, "VND": 100_000_000,
    "HUF": 2_000_000, "CLP": 5_000_000, "COP": 20_000_000, "ARS": 5_000_000, "RUB": 300_000, "UAH": 200_000,
    "TWD": 300_000, "PHP": 150_000, "THB": 150_000, "CZK": 200_000, "SEK": 150_000, "NOK": 150_000,
    "DKK": 150_000, "ISK": 3_000_000, "PLN": 50_000, "BRL": 30_000, "MXN": 150_000, "ZAR": 100_000,
    "TRY": 200_000, "NGN": 2_000_000, "PKR": 1_000_000, "EGP": 100_000, "KES": 500_000,
}  # fmt: skip
_MAX_PLAUSIBLE = 10_000_000_000
_MAX_RANGE_RATIO = 10  # a range whose top is ten times its bottom is two different things, not a salary


def _alternatives(tokens: Iterable[str]) -> str:
    return "|".join(re.escape(token) for token in sorted(tokens, key=len, reverse=True))


_CURRENCY = (
    rf"(?:{_alternatives([*_SYMBOLS, *_AMBIGUOUS_SYMBOLS])}"
    rf"|\b(?:{_alternatives(_CODES)})\b"
    rf"|\b(?i:{_alternatives(_WORDS)})\b)"
)

# --- amounts ------------------------------------------------------------------------------------------------

# One amount as written: digits grouped by one separator (`45.000`, `120,000`, `120'000`, `45 000`), the Indian
# lakh grouping (`12,00,000`), or plain digits; an optional decimal part. price-parser then decides which mark is
# the decimal one.
_AMOUNT = (
    r"\d{1,3}(?:(?P<sep>[.,'’\u00a0\u202f\u2009 ])\d{3})(?:(?P=sep)\d{3})*(?:[.,]\d{1,2}(?!\d))?"
    r"|\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d{1,2})?"
    r"|\d+(?:[.,]\d{1,2}(?!\d))?"
)
_MULTIPLIERS = {"k": 1_000, "tsd": 1_000, "tsd.": 1_000, "thousand": 1_000, "lakh": 100_000, "lakhs": 100_000,
                "lac": 100_000, "lacs": 100_000, "lpa": 100_000, "crore": 10_000_000}  # fmt: skip
_MULTIPLIER = rf"(?i:{_alternatives(_MULTIPLIERS)})(?![a-zA-Z])"
_MONEY = re.compile(
    rf"(?P<pre>{_CURRENCY})?[\s\u00a0]?(?<![\d.,])(?P<amount>{_AMOUNT})(?![\d])"
    rf"(?:[\s\u00a0]?(?P<mult>{_MULTIPLIER}))?(?:[\s\u00a0]?(?P<post>{_CURRENCY}))?"
)
_RANGE_JOINER = re.compile(
    r"^\s*(?:-|–|—|‑|−|~|to|and|bis|und|à|a|au|et|y|hasta|e|tot|til|till|do)\s*$", re.IGNORECASE
)
_UP_TO = re.compile(r"(?:up\s+to|bis\s+zu|jusqu'?à|hasta|max(?:imum|\.)?|até)\s*$", re.IGNORECASE)
_FROM = re.compile(r"(?:from|starting\s+(?:at|from)|ab|à\s+partir\s+de|desde|a\s+partir\s+de|min(?:imum|\.)?)\s*$",
                   re.IGNORECASE)

# --- periods ------------------------------------------------------------------------------------------------

_PERIODS = {
    Period.YEAR: (
        r"per\s+(?:year|annum)|a\s+year|por\s+ano|ao\s+ano|/\s*(?:y(?:ea)?r|annum|jahr|an|año|ano|anno|jaar|år|rok)\b|annual(?:ly)?|"
        r"yearly|\bp\.?\s?a\.?(?![a-z])|pro\s+jahr|im\s+jahr|jährlich|jahres(?:gehalt|brutto)|brutto\s*(?:/|pro|im)"
        r"\s*jahr|par\s+an|annuel(?:le)?|al\s+año|por\s+año|anual|all'anno|annu[oi]|lordi\s+annui|per\s+jaar|"
        r"jaarlijks|rocznie|per\s+år|årlig|om\s+året|i\s+året|в\s+год|年収|年俸|/年|\blpa\b"
    ),
    Period.MONTH: (
        r"per\s+month|a\s+month|/\s*(?:mo(?:nth)?|monat|mois|mes|mês|mese|maand|mies(?:iąc)?|mån(?:ad)?|måned)\b|"
        r"monthly|pro\s+monat|im\s+monat|monatlich|monatsgehalt|brutto\s*(?:/|pro|im)\s*monat|par\s+mois|"
        r"mensuel(?:le)?|al\s+mes|por\s+mes|mensual|por\s+mês|mensal|al\s+mese|mensil[ei]|per\s+maand|maandelijks|"
        r"miesięcznie|per\s+månad|i\s+måneden|в\s+месяц|月給|/月"
    ),
    Period.WEEK: r"per\s+week|a\s+week|/\s*(?:w(?:ee)?k|woche|semaine|semana)\b|weekly|pro\s+woche|par\s+semaine",
    Period.DAY: (
        r"per\s+day|a\s+day|/\s*(?:day|tag|jour|día|dia|giorno)\b|daily|day\s+rate|pro\s+tag|tagessatz|"
        r"par\s+jour|por\s+día|al\s+giorno|日給"
    ),
    Period.HOUR: (
        r"per\s+h(?:ou)?r|an\s+hour|/\s*(?:h|hr|hour|std|stunde|heure|hora|ora|uur|godz)\b|hourly|pro\s+stunde|"
        r"stundenlohn|de\s+l'heure|par\s+heure|por\s+hora|all'ora|per\s+uur|時給|/時"
    ),
}
_PERIOD = re.compile("|".join(f"(?P<{period.value}>{pattern})" for period, pattern in _PERIODS.items()),
                     re.IGNORECASE)
_PERIOD_AFTER_CHARS, _PERIOD_BEFORE_CHARS = 40, 30
# Money a posting names that is not the pay: "$20,000 signing bonus", "$5,000 learning budget", "$2M in equity"
# (but "$150,000 + equity" is a salary with equity on top).
_NOT_PAY = re.compile(
    r"\s*(?:in\s+|of\s+|per\s+year\s+(?:in|of)\s+)?(?:signing|sign-on|bonus|stipend|budget|allowance|relocation|"
    r"equity|rsus?|stock|options|funding|revenue|arr|learning|education|training|home\s+office|wellness|"
    r"referral|401k|pension|matching)\b",
    re.IGNORECASE,
)

_SALARY_CUE = re.compile(
    r"salary|compensation|\bpay\b|pay range|base pay|\bote\b|wage|gehalt|vergütung|lohn|salaire|rémunération|"
    r"salario|sueldo|retribuzione|stipendio|salário|salaris|wynagrodzenie|lön|løn|給与|年収",
    re.IGNORECASE,
)


# --- reading ------------------------------------------------------------------------------------------------


def read_salary(text: object) -> SalaryReading:
    """A source's salary field ("€45.000,00 – €55.000,00 pro Jahr", "$17-$24 Per Hour", "Competitive"): the
    annual salary when sure, and the text as written (cut to 300 characters) whenever there is any."""
    line = clean_line(text)
    if not line:
        return SalaryReading(None, None)
    return SalaryReading(_first_annual(line), line[:MAX_SALARY_TEXT])


def parse_salary(text: object) -> Salary | None:
    """The first annual salary (range or single figure) with a known currency in `text`, or None."""
    return read_salary(text).salary


def find_salary_statement(description: object) -> SalaryReading:
    """The salary a long description states near a cue ("salary", "compensation", "Gehalt", "salaire", ...):
    the cue's line and the two after it are read, and the lines from the cue to the first amount are kept as the
    statement. Money elsewhere in a description (funding, revenue) is ignored."""
    if not isinstance(description, str) or not description:
        return SalaryReading(None, None)
    lines = description.splitlines()
    first_statement = None
    for number, line in enumerate(lines):
        if not _SALARY_CUE.search(line):
            continue
        window = lines[number: number + 3]
        with_money = next((i for i, part in enumerate(window) if _MONEY.search(part) and _has_currency(part)), None)
        if with_money is None:
            continue
        statement = clean_line(" ".join(window[: with_money + 1]))[:MAX_SALARY_TEXT]
        salary = _first_annual(clean_line(" ".join(window)))
        if salary is not None:
            return SalaryReading(salary, statement)
        first_statement = first_statement or statement
    return SalaryReading(None, first_statement)


def find_salary(description: object) -> Salary | None:
    """`find_salary_statement`'s salary alone."""
    return find_salary_statement(description).salary


def _has_currency(text: str) -> bool:
    return any(match["pre"] or match["post"] for match in _MONEY.finditer(text))


def _first_annual(line: str) -> Salary | None:
    tokens = list(_MONEY.finditer(line))
    index = 0
    while index < len(tokens):
        first = tokens[index]
        second = None
        if index + 1 < len(tokens) and _RANGE_JOINER.match(line[first.end(): tokens[index + 1].start()]):
            second = tokens[index + 1]
        index += 2 if second else 1
        next_start = tokens[index].start() if index < len(tokens) else len(line)
        salary = _salary_from(line, first, second, next_start)
        if salary is not None:
            return salary
    return None


def _salary_from(line: str, first: re.Match[str], second: re.Match[str] | None, next_start: int) -> Salary | None:
    matches = [first] if second is None else [first, second]
    currency = _currency_of(matches)
    if currency is None:
        return None
    values = [_amount_of(match) for match in matches]
    if any(value is None or value <= 0 for value in values):
        return None
    amounts = [float(value) for value in values if value is not None]
    if second is not None and bool(first["mult"]) != bool(second["mult"]):
        # "$70-90k", "45–55.000 €": the multiplier (or the thousands) on one end applies to a small bare other end.
        scale = _MULTIPLIERS[(first["mult"] or second["mult"]).lower()]
        amounts = [value * scale if value < 1000 and not match["mult"] else value
                   for value, match in zip(amounts, matches, strict=True)]
    elif second is not None and min(amounts) < 1000 <= max(amounts):
        amounts = [value * 1000 if value < 1000 else value for value in amounts]
    low, high = round(min(amounts)), round(max(amounts))
    if _NOT_PAY.match(line, matches[-1].end()):
        return None
    period = _period_near(line, first.start(), matches[-1].end(), next_start)
    if period is not None and period is not Period.YEAR:
        return None
    if period is None and high < _ANNUAL_FLOOR.get(currency, _DEFAULT_ANNUAL_FLOOR):
        return None
    if high > _MAX_PLAUSIBLE or high >= low * _MAX_RANGE_RATIO:
        return None
    if second is None:
        before = line[max(0, first.start() - 25): first.start()]
        if _UP_TO.search(before):
            return Salary(None, high, currency)
        if _FROM.search(before):
            return Salary(low, None, currency)
    return Salary(low, high, currency)


def _period_near(line: str, start: int, end: int, next_start: int) -> Period | None:
    """The period stated right after the amounts (before the next amount), else right before them."""
    after = _PERIOD.search(line[end: min(next_start, end + _PERIOD_AFTER_CHARS)])
    found = after or _PERIOD.search(line[max(0, start - _PERIOD_BEFORE_CHARS): start])
    if found is None:
        return None
    return Period(next(name for name, value in found.groupdict().items() if value))


def _currency_of(matches: list[re.Match[str]]) -> str | None:
    """The one currency the amounts name: a code beats a symbol ("$100,000 - $120,000 CAD" is CAD); two codes or
    symbols that disagree, an ambiguous symbol alone, or none at all give None."""
    found = [match[group] for match in matches for group in ("pre", "post") if match[group]]
    codes = {token.upper() for token in found if token.upper() in _CODES}
    if not codes:
        codes = {_WORDS[token.lower()] for token in found if token.lower() in _WORDS}
    if len(codes) == 1:
        return codes.pop()
    if codes:
        return None
    named = {_SYMBOLS[token] for token in found if token in _SYMBOLS}
    if len(named) == 1 and not any(token in _AMBIGUOUS_SYMBOLS for token in found):
        return named.pop()
    return None


def _amount_of(match: re.Match[str]) -> float | None:
    value = _parse_amount(match["amount"])
    if value is None:
        return None
    multiplier = _MULTIPLIERS[match["mult"].lower()] if match["mult"] else 1
    return value * multiplier


def parse_amount(text: str) -> float | None:
    """One amount in any locale's format ("45.000,00", "45,000.00", "120'000", "45 000", "12,00,000"), or None."""
    return _parse_amount(clean_line(text))


@cache
def _parse_amount(text: str) -> float | None:
    """price-parser's reading of one amount, with the typographic apostrophe and thin spaces it does not know
    turned into the ones it does ("120’000" → 120000, "45 000" → 45000, "45.000,00" → 45000)."""
    normalized = text.replace("’", "'").replace("\u202f", " ").replace("\u2009", " ").replace("\u00a0", " ")
    amount = Price.fromstring(normalized).amount_float
    return amount

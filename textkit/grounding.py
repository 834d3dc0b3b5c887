"""Grounding: whether every fact a text states comes from a source text, decided on normalized content.

A *candidate* (a rewritten resume bullet, a requirement a model extracted) is grounded in its *source* (the
profile line it rewrites, the posting it was read from) when every token of it comes from the source, or from a
small closed vocabulary of style words that carry no fact. Nothing here looks for bad words: a word, a name, a
number or a symbol is refused because the source does not have it, whatever it is, whatever its case or script.

Both texts are read the same way (`read`):

- Unicode NFKC, case folded, combining marks removed ("Ørsted", "ørsted" and "ØRSTED" are one word; "café" and
  "cafe" too). An invisible or control character is a token of its own, never in a source.
- Number words become numbers with text2num (`alpha2digit`, in the text's language: en, de, fr, es): "ninety
  percent" is "90 %", "vier" is 4. Digits are canonical values ("1,200", "1.2k" and "1200" are 1200; "3 million"
  is 3000000); a unit glued to a number is split off ("24h" is 24 hour, "10x" is 10 times, "90%" is 90 percent);
  a number glued behind letters ("p50", "x10", "v2", "k8s") is one token that must appear as it is.
- Words are compared by their keys: the folded word, its lemma (simplemma, in the text's language) and, in
  English, its regular inflections cut ("moving" = "moved" = "move"). Titles, seniority and degrees
  (`CLAIM_WORDS`) match only as written (plural aside): "Led" does not ground "lead", "managed" not "manager".
- A chunk with a symbol other than word joiners (`<`, `>`, `#`, `{`, `$`, `+`, `&`, `*`, `=`, ...) must appear
  as a whole chunk of the source: "C++" is fine when the source says C++; "</bullets>", "#read(...)" never are.
- Han, kana and Thai characters (scripts written without spaces) are one token each.

Then `ungrounded(candidate, source)` lists every reason the candidate says more than the source:

- a token the source does not have (and that is not a style word, or a verb of a class the source has a member
  of: "reduced" is grounded by "cutting", never by nothing);
- a number the source does not state; a number whose unit or relation differs ("2 hours" where the source says
  "24 hours ... 2 minutes"; "by 90 %" where it says "to 90 %");
- a relational word (to, from, at, for, in, of, ...) whose object differs from every one the source gives it
  ("moved Kafka streams to nightly jobs" from "moved nightly jobs to Kafka streams");
- a skill (vocabulary canonical name, so "Postgres" grounds "PostgreSQL") the source does not mention;
- a negation, hedge or approximation of the source left out ("not", "helped", "nearly": leaving them out
  changes the claim).

Pure, deterministic; the lemma tables and the skill vocabulary are package data loaded once per language.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

import simplemma
from text_to_num import alpha2digit

from textkit.skills import SkillMatcher, default_matcher

Language = Literal["en", "de", "fr", "es"]


def fold(text: str) -> str:
    """NFKC, case folded, combining marks removed."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _set(words: str) -> frozenset[str]:
    """A closed word list, folded as texts are read ("für" is "fur", "à" is "a")."""
    return frozenset(fold(word) for word in words.split())


LANGUAGES: tuple[Language, ...] = ("en", "de", "fr", "es")
TokenKind = Literal["word", "number", "glued", "symbol", "unit", "invisible"]

# --- the closed vocabularies ----------------------------------------------------------------------------------

# Words that carry no fact: articles, a few conjunctions, "by" before a means. Relational words (to, from, at,
# for, with, in, of, ...) are not here: they bind facts together, so they must come from the source.
STYLE_WORDS: dict[Language, frozenset[str]] = {
    "en": _set("a an the and or while by also thereby which that this its their our then as"),
    "de": _set("der die das den dem des ein eine einen einem einer eines und oder sowie wobei dabei dadurch als"),
    "fr": _set("le la les l un une des du et ou ainsi en tout"),
    "es": _set("el la los las un una unos unas y e o u lo así"),
}
# Verbs of doing that state no result, no role and no scale: a rewrite may lead with one.
NEUTRAL_VERBS: frozenset[str] = _set(
    "build built building develop developed developing implement implemented implementing ship shipped "
    "shipping create created creating deliver delivered delivering write wrote written writing work worked "
    "working contribute contributed contributing")
# Verbs that state a direction or a role: grounded only when the source has a member of the same class.
VERB_CLASSES: tuple[frozenset[str], ...] = tuple(_set(group) for group in (
    "reduce cut lower decrease shrink slash trim",
    "increase raise grow boost lift",
    "lead head direct",
    "move migrate port transfer shift",
    "serve handle process",
    "speed accelerate",
))
VERB_CLASS_FORMS: frozenset[str] = _set(
    "reduced reducing cutting lowered lowering decreased decreasing shrank shrunk shrinking slashed "
    "slashing trimmed trimming increased increasing raised raising grew grown growing boosted boosting lifted "
    "lifting led leading headed heading directed directing moved moving migrated migrating ported porting "
    "transferred transferring shifted shifting served serving handled handling processed processing sped "
    "speeding accelerated accelerating") | frozenset().union(*VERB_CLASSES)
# Titles, seniority, degrees and honours: facts on their own, matched only as written (a plural "s" aside).
CLAIM_WORDS: frozenset[str] = _set(
    "lead leads senior principal staff chief head director manager architect vp cto ceo cfo coo cio "
    "founder cofounder owner partner president intern junior fellow phd doctorate doctor dr msc bsc mba ba "
    "ma ms bs meng beng master masters bachelor bachelors degree diploma promotion promoted award awarded "
    "winner patent patented certified certification")
# Leaving one of these out of a rewrite changes the claim ("did not", "helped", "nearly").
MUST_KEEP: frozenset[str] = _set(
    "not no never without none nor cannot helped assisted assist contributed participated partly "
    "partially jointly nearly almost approximately about around roughly some up nicht kein keine keinen "
    "ohne nie ne pas sans jamais sin nunca ni")
# Relational words a rewrite may add around words of its source ("engineers on the platform"): they place, they
# do not attribute (unlike "at", "for", "with", "to", "from").
SOFT_RELATIONS: frozenset[str] = _set("on in")
# Words that relate what follows them to what comes before: their object must be the source's. Per language, so
# French "à" (folded "a") is relational in French and the English article "a" is not.
RELATIONAL_BY_LANGUAGE: dict[Language, frozenset[str]] = {
    "en": _set("to from into onto at for with in on of via over under within across per than between against "
               "toward towards"),
    "de": _set("zu von bei mit für nach aus über unter vor im am zum zur"),
    "fr": _set("pour avec chez dans sur à au aux de d vers"),
    "es": _set("para con en por del al sobre hacia de"),
}
RELATIONAL: frozenset[str] = frozenset().union(*RELATIONAL_BY_LANGUAGE.values())

# --- reading --------------------------------------------------------------------------------------------------

_EDGE = "\"'“”‘’«»()[].,;:!?…-–—•·"
_JOINERS = re.compile(r"[-/.'’]")
_WORDLIKE = re.compile(r"^[^\W_]+(?:[-/.'’][^\W_]+)*$")
_SPACE_LESS = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f])")
_CURRENCY = "$€£¥₹"
_NUMBER_CHUNK = re.compile(
    rf"^(?P<cur>[{_CURRENCY}])?(?P<num>\d+(?:[.,]\d+)*)(?P<suf>[^\W\d_]*)(?P<plus>\+)?(?P<pct>%)?$")
_SCALES = {"k": Decimal(1000), "mm": Decimal(10) ** 6, "mn": Decimal(10) ** 6, "mio": Decimal(10) ** 6,
           "bn": Decimal(10) ** 9}
_UNITS = {
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
    "ms": "millisecond", "s": "second", "sec": "second", "secs": "second", "second": "second", "seconds": "second",
    "d": "day", "day": "day", "days": "day", "wk": "week", "wks": "week", "week": "week", "weeks": "week",
    "mo": "month", "month": "month", "months": "month", "y": "year", "yr": "year", "yrs": "year", "year": "year",
    "years": "year", "jahre": "year", "jahren": "year", "jahr": "year", "an": "year", "ans": "year",
    "ano": "year", "anos": "year", "x": "times", "times": "times", "fold": "times", "%": "percent",
    "percent": "percent", "gb": "gb", "mb": "mb", "tb": "tb", "kb": "kb", "pb": "pb", "st": "th", "nd": "th",
    "rd": "th", "th": "th",
}
_PERCENT_WORDS = re.compile(r"\b(?:per\s*cent|percent|pct|prozent|pour\s*cent|por\s*ciento|por\s*cento)\b",
                            re.IGNORECASE)
_SCALE_WORDS = re.compile(
    r"(\d+(?:[.,]\d+)*)\s*(thousand|tausend|mille|mil|million|millions|millionen|millones|millón|millon|mio|"
    r"billion|billions|milliarden|milliards|milliard|mrd)\b", re.IGNORECASE)
# "3M users", "1.2B", "40K": a capital after digits is a scale (lower case "m" is minutes or metres).
_CAPITAL_SCALES = re.compile(r"(\d+(?:[.,]\d+)*)(K|M|B|MM|Mn|Bn)\b")
_CAPITAL_SCALE_VALUES = {"K": 3, "M": 6, "MM": 6, "Mn": 6, "B": 9, "Bn": 9}
_SCALE_VALUES = {"thousand": 3, "tausend": 3, "mille": 3, "mil": 3, "million": 6, "millions": 6, "millionen": 6,
                 "millones": 6, "millón": 6, "millon": 6, "mio": 6, "billion": 9, "billions": 9, "milliarden": 9,
                 "milliards": 9, "milliard": 9, "mrd": 9}


@dataclass(frozen=True, slots=True)
class Token:
    """One unit of meaning: a word, a number (its canonical value), a unit, a glued form ("p50"), a chunk with
    symbols ("c++", "</x>") or an invisible character. `keys` are what it may be matched by."""

    kind: TokenKind
    text: str  # as read (normalized and folded)
    keys: frozenset[str]
    shown: str = ""  # as written, for reasons a person reads

    @property
    def written(self) -> str:
        return self.shown or self.text


@dataclass(frozen=True, slots=True)
class Reading:
    """A text read into tokens, in its language."""

    language: Language
    tokens: tuple[Token, ...]
    words: frozenset[str] = field(default=frozenset())  # every key of every word
    surfaces: frozenset[str] = field(default=frozenset())  # every word as written (folded), for claim words
    chunks: frozenset[str] = field(default=frozenset())  # every folded chunk, for symbols and glued forms
    skills: dict[str, frozenset[str]] = field(default_factory=dict)  # canonical name (folded) -> its words here
    skill_names: dict[str, str] = field(default_factory=dict)  # canonical name (folded) -> as the vocabulary has it

    @property
    def numbers(self) -> frozenset[str]:
        return frozenset(t.text for t in self.tokens if t.kind == "number")

    @property
    def symbols(self) -> frozenset[str]:
        return frozenset(t.text for t in self.tokens if t.kind == "symbol")


def language_of(text: str) -> Language:
    """The language whose style and relational words the text uses most (English when none)."""
    words = re.findall(r"[^\W\d_]+", fold(text))
    best: tuple[int, Language] = (0, "en")
    for language in LANGUAGES:
        closed = STYLE_WORDS[language] | RELATIONAL_BY_LANGUAGE[language]
        hits = sum(1 for w in words if w in closed)
        if hits > best[0]:
            best = (hits, language)
    return best[1]


def read(text: str, *, language: Language | None = None, matcher: SkillMatcher | None = None) -> Reading:
    """`text` as tokens (see the module's docstring); `language` defaults to the text's own."""
    language = language or language_of(text)
    prepared = _numbers_as_digits(unicodedata.normalize("NFKC", text), language)
    tokens: list[Token] = []
    chunks: set[str] = set()
    for raw in prepared.split():
        read_tokens = _chunk_tokens(raw, language, chunks)
        if len(read_tokens) == 1:
            read_tokens = [replace(read_tokens[0], shown=unicodedata.normalize("NFC", raw).strip(_EDGE))]
        tokens += read_tokens
    skills: dict[str, frozenset[str]] = {}
    skill_names: dict[str, str] = {}
    for line in text.splitlines():
        for match in (matcher or default_matcher()).find(line):
            name = fold(match.term.name)
            skills[name] = skills.get(name, frozenset()) | frozenset(re.findall(r"[^\W_]+", fold(match.surface)))
            skill_names.setdefault(name, match.term.name)
    # A word of a skill is also known by the skill's canonical name, so "on Postgres" relates what "on PostgreSQL"
    # does.
    canonical = {word: {f"skill:{name}" for name, words in skills.items() if word in words}
                 for word in set().union(*skills.values())} if skills else {}
    tokens = [replace(t, keys=t.keys | canonical[t.text]) if t.text in canonical else t for t in tokens]
    words = frozenset(key for t in tokens if t.kind in ("word", "unit") for key in t.keys)
    surfaces = frozenset(form for t in tokens if t.kind == "word" for form in (t.text, t.text.removesuffix("s")))
    return Reading(language, tuple(tokens), words, surfaces, frozenset(chunks), skills, skill_names)


def _numbers_as_digits(text: str, language: Language) -> str:
    text = _PERCENT_WORDS.sub(" % ", text)
    text = _CAPITAL_SCALES.sub(lambda m: f"{m.group(1)}e{_CAPITAL_SCALE_VALUES[m.group(2)]}", text)
    text = _SCALE_WORDS.sub(lambda m: f"{m.group(1)}e{_SCALE_VALUES[m.group(2).lower()]}", text)
    with contextlib.suppress(Exception):  # text2num refuses some odd inputs; the digits already there still count
        text = alpha2digit(text, language, threshold=2)
    return _SCALE_WORDS.sub(lambda m: f"{m.group(1)}e{_SCALE_VALUES[m.group(2).lower()]}", text)


def _chunk_tokens(raw: str, language: Language, chunks: set[str]) -> list[Token]:
    invisible = [c for c in raw if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cn")]
    if invisible:
        return [Token("invisible", f"U+{ord(c):04X}", frozenset({f"U+{ord(c):04X}"})) for c in invisible]
    chunk = fold(raw).strip(_EDGE)
    if not chunk:
        return []
    chunks.add(chunk)
    if _SPACE_LESS.fullmatch(chunk):
        return [Token("word", chunk, frozenset({chunk}))]
    if _SPACE_LESS.search(chunk):
        parts = [p for p in _SPACE_LESS.split(chunk) if p]
        return [t for part in parts for t in _chunk_tokens(part, language, chunks)]
    if (number := _number_tokens(chunk)) is not None:
        return number
    if re.fullmatch(r"\d+(?:[-/–]\d+)+", chunk):  # ranges and dates: 2017-2021, 2021-03, 24/7
        return [_number(part) for part in re.split(r"[-/–]", chunk)]
    if _WORDLIKE.match(chunk):
        if re.search(r"\d", chunk):
            return [Token("glued", chunk, frozenset({chunk}))]
        if "." in chunk and all(len(p) <= 2 for p in chunk.split(".")):  # ph.d, b.sc, u.s
            return [_word(chunk.replace(".", ""), language)]
        parts = [p for p in _JOINERS.split(re.sub(r"['’]s$", "", chunk)) if p]
        return [_word(part, language) for part in parts]
    return [Token("symbol", chunk, frozenset({chunk}))]


def _number_tokens(chunk: str) -> list[Token] | None:
    if re.fullmatch(r"\d+(?:[.,]\d+)*e\d+", chunk):  # "3e6": a number with its scale word, see _SCALE_WORDS
        digits, exponent = chunk.split("e")
        value = _value(digits)
        return None if value is None else [_number_of(value * Decimal(10) ** int(exponent))]
    match = _NUMBER_CHUNK.match(chunk)
    if match is None:
        return None
    value = _value(match["num"])
    if value is None:
        return None
    suffix = match["suf"]
    tokens: list[Token] = []
    if match["cur"]:
        tokens.append(Token("symbol", match["cur"], frozenset({match["cur"]})))
    if suffix in _SCALES:
        value *= _SCALES[suffix]
        suffix = ""
    if suffix and suffix not in _UNITS:
        return None  # "10abc": a glued form, read by the caller
    tokens.append(_number_of(value))
    if suffix:
        tokens.append(Token("unit", _UNITS[suffix], frozenset({_UNITS[suffix]})))
    if match["plus"]:
        tokens.append(Token("symbol", "+", frozenset({"+"})))
    if match["pct"]:
        tokens.append(Token("unit", "percent", frozenset({"percent"})))
    return tokens


def _value(digits: str) -> Decimal | None:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", digits):
        digits = digits.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", digits):
        digits = digits.replace(".", "").replace(",", ".")
    else:
        digits = digits.replace(",", ".")
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def _number(text: str) -> Token:
    value = _value(text)
    return _number_of(value) if value is not None else Token("glued", text, frozenset({text}))


def _number_of(value: Decimal) -> Token:
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Token("number", text, frozenset({text}))


def _word(word: str, language: Language) -> Token:
    if word == "%":
        return Token("unit", "percent", frozenset({"percent"}))
    if word in _UNITS and len(word) > 2:
        return Token("unit", _UNITS[word], frozenset({_UNITS[word], word, *_keys(word, language)}))
    return Token("word", word, _keys(word, language))


def word_keys(word: str, language: Language = "en") -> frozenset[str]:
    """What one word is matched by: itself folded, its lemma and (English) its regular inflections cut."""
    return _keys(fold(word), language)


@lru_cache(maxsize=65536)
def _keys(word: str, language: Language) -> frozenset[str]:
    if word in CLAIM_WORDS or word.rstrip("s") in CLAIM_WORDS:
        return frozenset({word, word.removesuffix("s")})
    keys = {word, simplemma.lemmatize(word, lang=language).casefold()}
    if language == "en":
        keys |= _english_stems(word)
    return frozenset(keys)


def _english_stems(word: str) -> set[str]:
    """Regular inflections cut: "moving" → move, "cutting" → cut, "stopped" → stop, "engineers" → engineer."""
    stems = set()
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            base = word[: -len(suffix)]
            stems |= {base, base + "e"}
            if len(base) > 2 and base[-1] == base[-2]:
                stems.add(base[:-1])
            if base.endswith("i"):
                stems.add(base[:-1] + "y")
    if word.endswith("ies") and len(word) > 4:
        stems.add(word[:-3] + "y")
    elif word.endswith("es") and len(word) > 4:
        stems |= {word[:-2], word[:-1]}
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        stems.add(word[:-1])
    return stems


# --- judging --------------------------------------------------------------------------------------------------


def ungrounded(candidate: str | Reading, source: str | Reading, *, extra_words: Iterable[str] = (),
               qualifiers_kept: bool = True, matcher: SkillMatcher | None = None) -> list[str]:
    """Every reason `candidate` states something `source` does not (empty: grounded). `extra_words` are more
    fact-free words the caller's format allows (e.g. a requirement's "experience"). `qualifiers_kept`: the
    candidate stands for its whole source (a rewrite of a line), so the source's negations and hedges must stay;
    False when it is one part of a longer source (a requirement of a posting)."""
    src = source if isinstance(source, Reading) else read(source, matcher=matcher)
    cand = candidate if isinstance(candidate, Reading) else read(candidate, language=src.language, matcher=matcher)
    style = STYLE_WORDS[src.language] | STYLE_WORDS["en"] | NEUTRAL_VERBS | frozenset(extra_words)
    reasons: list[str] = []
    skill_keys = _skill_grounded_keys(cand, src, reasons)
    source_numbers = src.numbers
    verb_classes = [c for c in VERB_CLASSES if c & src.words]
    for index, token in enumerate(cand.tokens):
        if token.kind == "invisible":
            reasons.append(f"contains an invisible character ({token.text})")
        elif token.kind == "number":
            if token.text not in source_numbers:
                reasons.append(f"states the number {token.text}, which its source does not")
            else:
                reasons += _quantity_reasons(cand.tokens, index, src)
        elif token.kind in ("glued", "symbol"):
            if token.text not in src.chunks and not (token.kind == "symbol" and token.text in src.symbols):
                reasons.append(f"writes {token.written!r}, which its source does not")
        elif token.text in skill_keys:
            continue
        elif token.kind == "word" and (token.text in CLAIM_WORDS or token.text.removesuffix("s") in CLAIM_WORDS):
            if token.text not in src.surfaces and token.text.removesuffix("s") not in src.surfaces:
                reasons.append(f"claims {token.written!r}, which its source does not state as written")
        elif token.kind == "unit":
            if not token.keys & src.words:
                reasons.append(f"states the unit {token.text!r}, which its source does not")
        elif token.keys & src.words:
            if token.text in RELATIONAL_BY_LANGUAGE[src.language] and token.text in src.words:
                reasons += _relation_reasons(cand.tokens, index, src)
        elif token.text in style or token.text in SOFT_RELATIONS or (
                token.text in VERB_CLASS_FORMS and any(token.keys & c for c in verb_classes)):
            continue
        else:
            reasons.append(f"says {token.written!r}, which its source does not")
    if qualifiers_kept:
        reasons += _dropped(cand, src)
    return list(dict.fromkeys(reasons))


def _skill_grounded_keys(cand: Reading, src: Reading, reasons: list[str]) -> frozenset[str]:
    """Words of the candidate that name a skill its source names, in other words too ("PostgreSQL" for
    "Postgres"); a skill the source does not name is a reason."""
    grounded: set[str] = set()
    for name, words in cand.skills.items():
        if name in src.skills:
            grounded |= words
        else:
            reasons.append(f"names the skill {cand.skill_names.get(name, name)!r}, which its source does not")
    return frozenset(grounded)


def _next_content(tokens: Sequence[Token], index: int, step: int) -> Token | None:
    position = index + step
    while 0 <= position < len(tokens):
        token = tokens[position]
        if not (token.kind == "word" and any(token.text in s for s in STYLE_WORDS.values())):
            return token
        position += step
    return None


def _occurrences(tokens: Sequence[Token], keys: frozenset[str]) -> list[int]:
    return [i for i, t in enumerate(tokens) if t.keys & keys]


def _after_number(tokens: Sequence[Token], index: int) -> Token | None:
    """The token after the number at `index`, past a "+" ("12+ years")."""
    following = [t for t in tokens[index + 1:index + 3] if t.text != "+"]
    return following[0] if following else None


def _quantity_reasons(tokens: Sequence[Token], index: int, src: Reading) -> list[str]:
    """A number keeps its unit (the word after it) and its relation (a relational word before it)."""
    number = tokens[index]
    relational = RELATIONAL_BY_LANGUAGE[src.language]
    places = _occurrences(src.tokens, number.keys)
    after = _after_number(tokens, index)
    if after is not None and after.kind in ("unit", "word") and after.text not in relational \
            and not any(after.text in s for s in STYLE_WORDS.values()):
        units = [u for i in places if (u := _after_number(src.tokens, i)) is not None]
        if not any(after.keys & u.keys for u in units):
            return [f"states {number.text} {after.written}, which its source does not"]
    before = tokens[index - 1] if index else None
    if before is not None and before.kind == "word" and before.text in relational:
        relations = {src.tokens[i - 1].text for i in places if i and src.tokens[i - 1].text in relational}
        if relations and before.text not in relations:
            return [f"states {before.text} {number.text}, where its source says {' or '.join(sorted(relations))}"]
        left = _next_content(tokens, index - 1, -1)
        lead_ins = [_lead_in(src.tokens, i) for i in places if i and src.tokens[i - 1].text == before.text]
        if left is not None and lead_ins and not any(left.keys & keys for keys in lead_ins):
            return [f"states {left.written} {before.text} {number.text}, which its source does not"]
    return []


def _lead_in(tokens: Sequence[Token], index: int) -> frozenset[str]:
    """The keys of the words between the number before `index` (or the start) and the number at `index`: what a
    comparison such as "p99 under 400 ms" may be about ("under 400" cannot move to "p50 latency")."""
    start = index - 1
    while start > 0 and tokens[start - 1].kind != "number":
        start -= 1
    return frozenset(key for t in tokens[start:index] for key in t.keys)


def _relation_reasons(tokens: Sequence[Token], index: int, src: Reading) -> list[str]:
    """A relational word keeps one of the objects the source gives it."""
    word = tokens[index]
    obj = _next_content(tokens, index, 1)
    if obj is None:
        return []
    objects = [o for i in _occurrences(src.tokens, frozenset({word.text}))
               if (o := _next_content(src.tokens, i, 1)) is not None]
    if any(obj.keys & o.keys for o in objects):
        return []
    return [f"relates {obj.text!r} by {word.text!r}, which its source does not"]


def _dropped(cand: Reading, src: Reading) -> list[str]:
    kept = {key for t in cand.tokens for key in t.keys}
    return [f"leaves out {t.text!r}, which qualifies its source's claim"
            for t in src.tokens if t.kind == "word" and t.text in MUST_KEEP and t.text not in kept]


def closed_words() -> frozenset[str]:
    """What a rewrite may add to its source's words: style words (of every language read), verbs of doing and the
    classed verbs (which still need a member of their class in the source)."""
    return frozenset().union(*STYLE_WORDS.values()) | NEUTRAL_VERBS | VERB_CLASS_FORMS

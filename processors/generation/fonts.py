"""The fonts résumés are set in, and which characters they cannot draw.

Names, employers and schools come in every script. Typst embeds only Latin fonts (Libertinus Serif, New Computer
Modern, DejaVu Sans Mono), so a name like 王晓明 used to come out as boxes and lose its first character from the
PDF's text layer. The templates therefore set their Latin font first and then a fixed chain of Noto fonts, with
`fallback: false` so Typst never picks some other font on its own (it used to take DejaVu Sans *Mono* for Arabic):

- `manimgx-fonts` (PyPI, SIL Open Font License 1.1, Noto unmodified): Noto Sans (Latin, Greek, Cyrillic), Arabic,
  Hebrew, Devanagari, Thai, Bengali, Tamil, Telugu, Kannada, Malayalam, Gujarati, Gurmukhi, Oriya, Sinhala,
  Khmer, Lao, Myanmar, Armenian, Georgian, Ethiopic, Noto Sans Symbols and Noto Emoji (outline emoji, so they
  are drawn as text, and kept in the text layer);
- `noto-cjk-sans-otc` (PyPI, SIL Open Font License 1.1): Noto Sans CJK, the collection with the SC, TC, HK, JP
  and KR faces (Han, kana, hangul); the SC face comes first in the chain;
- `fontpkg-amiri` (PyPI, SIL Open Font License 1.1): Amiri, set before Noto Sans Arabic for Arabic. Noto Sans
  Arabic builds its letters from a dotless shape and shared dot glyphs, and a PDF maps each glyph to one text, so
  extracted text came back with letters doubled ("ببرمجج"); Amiri's letters are whole glyphs and read back right.

Both are pinned with hashes in `requirements.lock`, so a fresh machine gets them from `make venv` and every
machine sets the same text with the same font files (the same input gives the same PDF bytes). Typst shapes
Arabic and Hebrew right to left (Unicode bidi, HarfBuzz-compatible shaping).

What no font of the chain can draw is found before rendering (`undrawable`, from the fonts' character maps read
with fontTools): an emoji is left out of the PDF with a note; any other character is kept (the text layer keeps
it) and named in the render report, since a box must never appear silently.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import typst
from fontTools.ttLib import TTCollection, TTFont

# After the template's own Latin font, in this order (the first font that has a character draws it).
FALLBACK_FAMILIES: tuple[str, ...] = (
    "Noto Sans", "Amiri", "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari", "Noto Sans Bengali",
    "Noto Sans Gurmukhi", "Noto Sans Gujarati", "Noto Sans Oriya", "Noto Sans Tamil", "Noto Sans Telugu",
    "Noto Sans Kannada", "Noto Sans Malayalam", "Noto Sans Sinhala", "Noto Sans Thai", "Noto Sans Lao",
    "Noto Sans Khmer", "Noto Sans Myanmar", "Noto Sans Armenian", "Noto Sans Georgian", "Noto Sans Ethiopic",
    "Noto Sans CJK SC", "Noto Sans Symbols", "Noto Emoji",
)  # fmt: skip
# Package → the folder in it that holds the font files.
FONT_PACKAGES: dict[str, str] = {"manimgx_fonts": "", "noto_cjk_sans_otc": "", "fontpkg_amiri": "files"}
_FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
# Characters that draw nothing by design: joiners, variation selectors, bidi controls, tags. A font need not
# have them (Typst's shaping handles them), so they are never reported.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def font_dirs() -> list[Path]:
    """The folders of the packaged fonts (installed from the lock with the project)."""
    dirs = []
    for package, folder in FONT_PACKAGES.items():
        try:
            dirs.append(Path(str(resources.files(package))) / folder)
        except ModuleNotFoundError as exc:  # an install that skipped the lock: say what to do
            raise RuntimeError(f"the font package {package!r} is missing: run `make venv` (it installs "
                               "requirements.lock)") from exc
    return dirs


def font_files() -> list[Path]:
    return sorted(path for folder in font_dirs() for path in folder.iterdir() if path.suffix in _FONT_SUFFIXES)


@cache
def typst_fonts() -> typst.Fonts:
    """Typst's embedded fonts and the packaged ones, never the machine's: loaded once per process and shared by
    every compiler (loading them takes ~0.1 s, a compile with them loaded ~10 ms)."""
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=True,
                       font_paths=[str(folder) for folder in font_dirs()])


@cache
def _coverage() -> dict[str, frozenset[int]]:
    """Family name → the code points its character map covers, for the fallback chain's families."""
    wanted = set(FALLBACK_FAMILIES)
    covered: dict[str, frozenset[int]] = {}
    for path in font_files():
        faces = TTCollection(path, lazy=True).fonts if path.suffix in (".ttc", ".otc") else [TTFont(path, lazy=True)]
        for face in faces:
            family = face["name"].getBestFamilyName()
            if family in wanted and family not in covered:
                covered[family] = frozenset(face.getBestCmap())
    missing = wanted - covered.keys()
    if missing:
        raise RuntimeError(f"the packaged fonts lack {sorted(missing)}: run `make venv` to install the lock")
    return covered


@cache
def drawable() -> frozenset[int]:
    """Every code point some font of the chain has a glyph for (the Latin fonts embedded in Typst cover less than
    Noto Sans, which comes first after them, so the chain's union is what can be drawn)."""
    return frozenset().union(*_coverage().values())


@dataclass(frozen=True, slots=True)
class Undrawable:
    """A character no font of the chain has, where it is, and what rendering did with it."""

    char: str
    path: str  # the profile pointer of the line it is in
    emoji: bool

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.char):04X}"

    def describe(self) -> str:
        """`'ᱚ' (U+1C5A OL CHIKI LETTER LA) in /basics/summary` (a character newer than Python's Unicode data has
        no name here: its code point says enough)."""
        name = unicodedata.name(self.char, "")
        return f"'{self.char}' ({self.codepoint}{' ' + name if name else ''}) in {self.path or 'template text'}"


def is_emoji(char: str) -> bool:
    """Pictographs and the emoji blocks (a rough but stable test: Unicode's So category in the astral emoji
    planes, dingbats and the miscellaneous symbols)."""
    point = ord(char)
    return (0x1F000 <= point <= 0x1FAFF or 0x2600 <= point <= 0x27BF or 0x1F1E6 <= point <= 0x1F1FF
            or 0x2B00 <= point <= 0x2BFF)


def _invisible(char: str) -> bool:
    point = ord(char)
    return (unicodedata.category(char) in _INVISIBLE_CATEGORIES or char.isspace()
            or 0xFE00 <= point <= 0xFE0F or 0xE0000 <= point <= 0xE007F or 0x1F3FB <= point <= 0x1F3FF)


def undrawable(texts: Iterable[tuple[str, str]]) -> list[Undrawable]:
    """Each character of `(path, text)` pairs that no font of the chain draws, once per character and path, in
    reading order."""
    can = drawable()
    found: dict[tuple[str, str], Undrawable] = {}
    for path, text in texts:
        for char in text:
            if ord(char) in can or _invisible(char) or (char, path) in found:
                continue
            found[(char, path)] = Undrawable(char, path, is_emoji(char))
    return list(found.values())


def without_emoji(text: str, dropped: set[str]) -> str:
    """`text` without the emoji in `dropped`, and without the joiners, variation selectors and skin tones that
    belonged to them."""
    if not dropped or not any(char in dropped for char in text):
        return text
    out: list[str] = []
    after_dropped = False
    for char in text:
        if char in dropped:
            while out and out[-1] == "\u200d":  # the joiner that tied it to the emoji before
                out.pop()
            after_dropped = True
            continue
        if after_dropped and (char in "\u200d\ufe0f" or 0x1F3FB <= ord(char) <= 0x1F3FF):
            continue
        after_dropped = False
        out.append(char)
    return "".join(out)

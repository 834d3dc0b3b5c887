"""HTML from job boards turned into clean text, or into a small inert HTML subset — stdlib only, no I/O.

Boards hand us HTML we do not control. `html_to_text` gives the text analysis and matching read;
`sanitize_html` keeps a conservative allowlist of formatting so `description_html` stays inert even if a
consumer forgets to escape it. Neither ever lets a script, style, frame or event-handler attribute through.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Elements whose whole content is dropped, not just the tags.
_DROP_CONTENT = frozenset(
    {"script", "style", "template", "iframe", "object", "noscript", "svg", "math", "head", "title", "select"}
)
# Void elements never get an end tag, so they must not open a dropped region.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Blocks separated by a blank line, and blocks that only start a new line.
_PARAGRAPH_BLOCKS = frozenset(
    {"p", "ul", "ol", "section", "article", "blockquote", "pre", "table", "hr", "dl", "header", "footer"} | _HEADINGS
)
_LINE_BLOCKS = frozenset({"br", "li", "tr", "div", "dt", "dd", "main", "aside", "nav", "figure", "address"})

_SEPARATING = _PARAGRAPH_BLOCKS | _LINE_BLOCKS | {"td", "th"}
_ALLOWED_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "a", "blockquote"} | _HEADINGS)
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

_ESCAPED_TAG = re.compile(r"&lt;\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(?:\s[^&]*?)?\s*/?&gt;")
_REAL_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!]")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_ANY_SPACE = re.compile(r"\s+")
# Browsers ignore ASCII tab/newline anywhere in a URL and leading control characters or spaces.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]+")


def unescape_if_escaped(markup: str) -> str:
    """Unescape once when `markup` is entity-escaped HTML (`&lt;p&gt;Hi&lt;/p&gt;`, as Greenhouse sends
    `content`) and holds no real tags; otherwise return it unchanged.

    A plain-text description that merely mentions `&lt;div&gt;` and has no real tags would be unescaped too;
    the only cost is that the mentioned tag is then treated as markup.
    """
    if _ESCAPED_TAG.search(markup) and not _REAL_TAG.search(markup):
        return html.unescape(markup)
    return markup


_CDATA = re.compile(r"<!\[CDATA\[(.*?)(?:\]\]>|$)", re.DOTALL)


def unwrap_cdata(markup: str) -> str:
    """The content of every CDATA section in `markup`, as markup. A feed wraps a description's HTML in CDATA so
    XML leaves it alone; when it also escapes the wrapper (`&lt;![CDATA[&lt;p&gt;...]]&gt;`), the wrapper reaches
    us as text, and an HTML parser would drop it with everything inside (HTML has no CDATA outside SVG and
    MathML). An escaped description inside is unescaped once more; an unclosed section runs to the end."""
    markup = unescape_if_escaped(markup)
    if "<![CDATA[" not in markup:
        return markup
    return unescape_if_escaped(_CDATA.sub(lambda match: match[1], markup))


def looks_like_html(text: str) -> bool:
    """Whether `text` contains markup (real or entity-escaped tags), so it should go through `html_to_text`."""
    return bool(_REAL_TAG.search(text) or _ESCAPED_TAG.search(text))


def normalize_text(text: str) -> str:
    """Plain text tidied the way `html_to_text` tidies its output: spaces collapsed within each line, lines
    trimmed, any run of blank lines reduced to one, the whole stripped."""
    lines = [_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept).strip()


def html_to_text(markup: str) -> str:
    """Clean text from HTML: entities decoded, dropped elements (script, style, template, iframe, object,
    comments, ...) gone with their content, blocks on their own lines, list items prefixed with "- "."""
    if not markup:
        return ""
    markup = unwrap_cdata(markup)
    extractor = _TextExtractor()
    text = extractor.text() if _run(extractor, markup) else _strip_tags(markup)
    return normalize_text(text.replace("\xa0", " "))


def sanitize_html(markup: str) -> str:
    """Re-serialize HTML keeping only an inert allowlist: p, br, ul, ol, li, strong, b, em, i, h1-h6,
    blockquote, and a with an http/https/mailto href. Other tags are dropped but their text kept (except the
    content of script/style/...); every other attribute is dropped; text is escaped; open tags are closed."""
    if not markup:
        return ""
    markup = unwrap_cdata(markup)
    sanitizer = _Sanitizer()
    if not _run(sanitizer, markup):
        return html.escape(normalize_text(_strip_tags(markup)), quote=False)
    return sanitizer.result().strip()


def safe_href(value: str | None) -> str | None:
    """The href if its scheme is http, https or mailto (after the normalization browsers apply), else None."""
    if not value:
        return None
    compact = _URL_IGNORED.sub("", value)
    try:
        scheme = urlsplit(compact).scheme.lower()
    except ValueError:
        return None
    if scheme not in _SAFE_SCHEMES:
        return None
    return compact


class _LenientParser(HTMLParser):
    """The stdlib parser, made total: a malformed `<![...` section (which it asserts on) is skipped like a
    bogus comment instead of raising."""

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return len(self.rawdata) if end < 0 else end + 1


def _run(parser: _LenientParser, markup: str) -> bool:
    """Feed the whole document; False if the parser still gave up (then callers fall back to bare text)."""
    try:
        parser.feed(markup)
        parser.close()
    except AssertionError:
        return False
    return True


def _strip_tags(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>?", " ", re.sub(r"(?is)<(script|style)\b.*?(</\1\s*>|$)", " ", markup)))


class _TextExtractor(_LenientParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._drop_depth = 0
        self._pre_depth = 0
        self._li_depth = 0
        self._pending_breaks = 0
        self._pending_prefix = ""

    def text(self) -> str:
        return "".join(self._parts)

    def _want_break(self, count: int) -> None:
        if self._li_depth:
            count = min(count, 1)
        self._pending_breaks = max(self._pending_breaks, count)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            self._drop_depth += 1
            return
        if self._drop_depth:
            return
        if tag == "pre":
            self._pre_depth += 1
        if tag == "li":
            self._want_break(1)
            self._li_depth += 1
            self._pending_prefix = "- "
        elif tag in _PARAGRAPH_BLOCKS:
            self._want_break(2)
        elif tag in _LINE_BLOCKS:
            self._want_break(1)
        elif tag in ("td", "th"):
            self._parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # `<br/>`, `<script/>`: a self-closed element has no content to drop.
        if tag in _DROP_CONTENT:
            return
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            self._drop_depth = max(0, self._drop_depth - 1)
            return
        if self._drop_depth or tag in _VOID:
            return
        if tag == "pre":
            self._pre_depth = max(0, self._pre_depth - 1)
        if tag == "li":
            self._li_depth = max(0, self._li_depth - 1)
            self._want_break(1)
        elif tag in _PARAGRAPH_BLOCKS:
            self._want_break(2)
        elif tag in _LINE_BLOCKS:
            self._want_break(1)

    def handle_data(self, data: str) -> None:
        if self._drop_depth:
            return
        if not self._pre_depth:
            data = _ANY_SPACE.sub(" ", data)
        if not data.strip():
            if data and not self._pending_breaks:
                self._parts.append(" ")
            return
        if self._pending_breaks:
            if self._parts:
                self._parts.append("\n" * self._pending_breaks)
            self._pending_breaks = 0
            data = data.lstrip(" ")
        if self._pending_prefix:
            self._parts.append(self._pending_prefix)
            self._pending_prefix = ""
            data = data.lstrip(" ")
        self._parts.append(data)


class _Sanitizer(_LenientParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._open: list[str] = []
        self._drop_depth = 0

    def result(self) -> str:
        return "".join(self._parts) + "".join(f"</{tag}>" for tag in reversed(self._open))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            self._drop_depth += 1
            return
        if self._drop_depth:
            return
        if tag not in _ALLOWED_TAGS:
            self._separate(tag)
            return
        if tag == "br":
            self._parts.append("<br>")
            return
        if tag == "a":
            href = safe_href(next((value for name, value in attrs if name == "href"), None))
            if href is None:
                return
            self._parts.append(f'<a href="{html.escape(href, quote=True)}">')
        else:
            self._parts.append(f"<{tag}>")
        self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            return
        self.handle_starttag(tag, attrs)
        if tag != "br":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            self._drop_depth = max(0, self._drop_depth - 1)
            return
        if self._drop_depth:
            return
        if tag not in self._open:
            self._separate(tag)
            return
        while self._open:
            closed = self._open.pop()
            self._parts.append(f"</{closed}>")
            if closed == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._drop_depth:
            self._parts.append(html.escape(data, quote=False))

    def _separate(self, tag: str) -> None:
        """A dropped block element (`<div>`) still separates its text from its neighbours'."""
        if tag in _SEPARATING and self._parts and not self._parts[-1].endswith("\n"):
            self._parts.append("\n")

"""HTML and Markdown renderings of a tailored résumé, for previews, e-mail bodies and copy-paste into forms.

All text is user- or posting-derived, so it is escaped for the target format at the single point where it is
written (`_h` for HTML, `escape_markdown` for Markdown); the structure around it is fixed. The HTML is a
standalone document with no scripts and a Content-Security-Policy that forbids loading anything.
"""

from __future__ import annotations

import re
from html import escape

from processors.generation.model import Entry, Line, ResumeSection, TailoredResume, Template

CSP = "default-src 'none'; style-src 'unsafe-inline'"

_BASE_CSS = """
body { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #111; line-height: 1.4; }
h1 { margin: 0 0 .25rem; } h2 { margin: 1.2rem 0 .4rem; border-bottom: 1px solid #333; }
h3 { margin: .8rem 0 .1rem; font-size: 1rem; } .sub { font-style: italic; margin: 0; }
.dates { float: right; font-weight: normal; } ul { margin: .3rem 0; padding-left: 1.2rem; }
p { margin: .3rem 0; } .contact { margin: 0 0 1rem; }
"""
_CSS: dict[Template, str] = {
    "classic": "body { font-family: 'Libertinus Serif', Georgia, serif; font-size: 11pt; }"
    " header { text-align: center; }" + _BASE_CSS,
    "compact": "body { font-family: 'Helvetica Neue', Arial, sans-serif; font-size: 10pt; }" + _BASE_CSS
    + "h2 { font-size: 1.05rem; margin-top: .8rem; }",
}


def render_html(resume: TailoredResume, *, template: Template) -> str:
    """A complete HTML document; every piece of text is HTML-escaped."""
    contact = " | ".join(_h(line) for line in resume.contact)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(resume.name)}</title>",
        f"<style>{_CSS[template]}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_h(resume.name)}</h1>",
        f'<p class="contact">{contact}</p>' if contact else "",
        "</header>",
        *(_html_section(section) for section in resume.sections),
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def render_markdown(resume: TailoredResume) -> str:
    """CommonMark/GFM text; every piece of user text is escaped so it renders literally."""
    lines = [f"# {_m(resume.name)}", ""]
    if resume.contact:
        lines += [" | ".join(_m(line) for line in resume.contact), ""]
    for section in resume.sections:
        lines += [f"## {escape_markdown(section.title)}", ""]
        for entry in section.entries:
            lines += _markdown_entry(section, entry)
    return "\n".join(lines).rstrip("\n") + "\n"


# Characters with a meaning somewhere in CommonMark or GFM inline/block syntax. Backslash-escaping any ASCII
# punctuation is valid CommonMark, so escaping a few harmless ones too costs nothing but readability.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")
# At the start of a line these make a list item, thematic break, setext underline, ordered item or blockquote.
_MD_LEADING = re.compile(r"^([-+=>]|\d+(?=[.)]))")


def escape_markdown(text: str) -> str:
    """`text` as Markdown that renders literally, on one line (newlines would start new blocks)."""
    flat = " ".join(text.split())  # also strips leading spaces, which could make an indented code block
    escaped = _MD_SPECIAL.sub(r"\\\1", flat)
    match = _MD_LEADING.match(escaped)
    if match and match.group(1).isdigit():  # "1." -> "1\." (the digits themselves cannot be escaped)
        end = match.end()
        return f"{escaped[:end]}\\{escaped[end:]}"
    return _MD_LEADING.sub(r"\\\1", escaped, count=1)


# Sections set as paragraphs (no heading) or as "Heading: a, b, c" (skills, interests), as in the PDF templates.
_PARAGRAPH_KINDS = frozenset({"summary", "skills", "languages", "interests"})
_LIST_KINDS = frozenset({"skills", "interests"})


def _m(line: Line) -> str:
    return escape_markdown(line.text)


def _h(line: Line) -> str:
    return escape(line.text, quote=True)


def _html_section(section: ResumeSection) -> str:
    body = "\n".join(_html_entry(section, entry) for entry in section.entries)
    return f'<section class="{section.kind}">\n<h2>{escape(section.title)}</h2>\n{body}\n</section>'


def _html_entry(section: ResumeSection, entry: Entry) -> str:
    if section.kind in _PARAGRAPH_KINDS and entry.heading is None:
        return "\n".join(f"<p>{_h(b)}</p>" for b in entry.bullets)
    if section.kind in _LIST_KINDS and entry.heading is not None:
        return f"<p><strong>{_h(entry.heading)}</strong>: {', '.join(_h(b) for b in entry.bullets)}</p>"
    out = []
    if entry.heading is not None or entry.dates is not None:
        dates = f' <span class="dates">{_h(entry.dates)}</span>' if entry.dates is not None else ""
        heading = _h(entry.heading) if entry.heading is not None else ""
        out.append(f"<h3>{heading}{dates}</h3>")
    if entry.subheading is not None:
        out.append(f'<p class="sub">{_h(entry.subheading)}</p>')
    if entry.bullets:
        out.append("<ul>\n" + "\n".join(f"<li>{_h(b)}</li>" for b in entry.bullets) + "\n</ul>")
    return "\n".join(out)


def _markdown_entry(section: ResumeSection, entry: Entry) -> list[str]:
    if section.kind in _PARAGRAPH_KINDS and entry.heading is None:
        return [line for b in entry.bullets for line in (_m(b), "")]
    if section.kind in _LIST_KINDS and entry.heading is not None:
        return [f"**{_m(entry.heading)}**: {', '.join(_m(b) for b in entry.bullets)}", ""]
    out = []
    title = " — ".join(_m(x) for x in (entry.heading, entry.dates) if x is not None)
    if title:
        out += [f"### {title}", ""]
    if entry.subheading is not None:
        out += [f"*{_m(entry.subheading)}*", ""]
    if entry.bullets:
        out += [*(f"- {_m(b)}" for b in entry.bullets), ""]
    return out

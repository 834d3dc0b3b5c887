"""HTML and Markdown renderings: complete, in order, and every piece of user text escaped."""

from __future__ import annotations

import re

import pytest

from processors.generation.render_text import CSP, escape_markdown, render_html, render_markdown
from tests.unit.processors.generation.test_render_typst import line, sample_resume

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</style><style>body{display:none}</style>",
    "Tom & Jerry's \"quotes\"",
]


def hostile_resume():
    base = sample_resume(extra_bullets=XSS)
    return base.model_copy(update={"name": line("<b>Ada</b>"),
                                   "contact": [line('javascript:alert("x")'), line("</title><script>x</script>")]})


@pytest.mark.parametrize("template", ["classic", "compact"])
def test_html_is_a_standalone_document_with_a_locked_down_csp(template):
    html = render_html(sample_resume(), template=template)

    assert html.startswith("<!DOCTYPE html>")
    assert html.rstrip().endswith("</html>")
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in html
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'"
    assert "<script" not in html.lower()
    assert re.search(r"<h1>Ada Lovelace</h1>", html)
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings == ["Summary", "Experience", "Skills", "Education"]
    bullets = re.findall(r"<li>(.*?)</li>", html)
    assert bullets[:3] == ["Designed the Kafka stream processors for order matching.",
                           "Cut p95 latency from 800 ms to 120 ms.", "Maintained the billing service in Python."]


@pytest.mark.parametrize("template", ["classic", "compact"])
def test_html_escapes_every_piece_of_user_text(template):
    html = render_html(hostile_resume(), template=template)

    assert "<script" not in html.lower()
    assert "<img" not in html
    assert html.count("<style>") == 1  # only ours
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Tom &amp; Jerry&#x27;s &quot;quotes&quot;" in html
    assert "<title>&lt;b&gt;Ada&lt;/b&gt;</title>" in html
    assert "&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;" in html


def test_markdown_has_the_name_headings_and_bullets_in_order():
    md = render_markdown(sample_resume())

    assert md.startswith("# Ada Lovelace\n")
    assert re.findall(r"^## (.*)$", md, flags=re.M) == ["Summary", "Experience", "Skills", "Education"]
    assert re.findall(r"^- (.*)$", md, flags=re.M)[:2] == [
        "Designed the Kafka stream processors for order matching.",
        "Cut p95 latency from 800 ms to 120 ms.",
    ]


@pytest.mark.parametrize(("raw", "escaped"), [
    ("*bold* _it_", r"\*bold\* \_it\_"),
    ("# not a heading", r"\# not a heading"),
    ("[link](http://x)", r"\[link\]\(http://x\)"),
    ("![img](x)", r"\!\[img\]\(x\)"),
    ("<script>", r"\<script\>"),
    ("`code`", r"\`code\`"),
    ("a | b", r"a \| b"),
    ("- item", r"\- item"),
    ("+ item", r"\+ item"),
    ("1. first", r"1\. first"),
    ("12) twelfth", r"12\) twelfth"),
    ("> quote", r"\> quote"),
    ("---", r"\---"),
    ("===", r"\==="),
    ("back\\slash", r"back\\slash"),
    ("~~strike~~ &amp;", r"\~\~strike\~\~ \&amp;"),
    ("    indented\ncode\n- list", "indented code - list"),  # one line: a mid-line "-" is inert
    ("2021 - Present", "2021 - Present"),
])
def test_markdown_escaping_makes_metacharacters_literal(raw, escaped):
    assert escape_markdown(raw) == escaped


def test_markdown_escapes_user_text_in_every_position():
    resume = sample_resume(extra_bullets=["*x* [y](z) <b> `c` | d", "1. not a list"])
    resume = resume.model_copy(update={"name": line("_Ada_ #1"), "contact": [line("a|b")]})
    md = render_markdown(resume)

    assert md.startswith("# \\_Ada\\_ \\#1\n")
    assert "a\\|b" in md
    assert "- \\*x\\* \\[y\\]\\(z\\) \\<b\\> \\`c\\` \\| d\n" in md
    assert "- 1\\. not a list\n" in md

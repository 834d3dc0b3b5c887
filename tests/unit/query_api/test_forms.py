"""Every form of the web client submits through `submitting` (dom.js): one request at a time, its buttons
disabled meanwhile, its failure said. (tests/integration/test_web_client_e2e.py drives the helper in Chromium.)"""

from __future__ import annotations

import re

from query_api.app import STATIC_DIR


def test_every_form_is_wired_through_submitting_and_nothing_else_listens_for_submit() -> None:
    forms = re.findall(r'<form id="([\w-]+)"', (STATIC_DIR / "index.html").read_text())
    scripts = {module.name: module.read_text() for module in STATIC_DIR.glob("*.js")}
    wired = {form for text in scripts.values() for form in re.findall(r'submitting\(\$\("([\w-]+)"\)', text)}
    assert forms and set(forms) == wired
    listening = [name for name, text in scripts.items() if re.search(r"""addEventListener\(\s*["']submit""", text)]
    assert listening == ["dom.js"]

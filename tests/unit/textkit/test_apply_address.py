from __future__ import annotations

import pytest

from textkit.apply_address import apply_email


@pytest.mark.parametrize(("apply_url", "text", "expected"), [
    ("mailto:Jobs@Acme.EXAMPLE?subject=Backend%20Engineer", "", "Jobs@acme.example"),
    ("mailto:hr%2Bdev@acme.example", "", "hr+dev@acme.example"),
    ("https://boards.greenhouse.io/acme/jobs/1", "Please send your CV to careers@acme.example.",
     "careers@acme.example"),
    (None, "Bewerbungen bitte an bewerbung@firma.de senden.", "bewerbung@firma.de"),
    (None, "Envoyez votre candidature à rh@societe.fr", "rh@societe.fr"),
    (None, "To apply, email jobs@northwind.example with your résumé", "jobs@northwind.example"),
    # Addresses that are not where applications go.
    (None, "Questions about your data? Write to privacy@acme.example.", None),
    (None, "We are a team of 20. Contact: hello@acme.example", None),
    (None, "Send your application to noreply@acme.example", None),
    (None, "Informationen zum Datenschutz: bewerbung-datenschutz@firma.de (Bewerbung)", None),
    ("mailto:not-an-address", "", None),
    (None, "", None),
])
def test_apply_email(apply_url: str | None, text: str, expected: str | None) -> None:
    assert apply_email(apply_url, text) == expected


def test_the_first_application_address_wins_and_a_mailto_beats_the_text() -> None:
    text = "Apply via jobs@a.example. Or send your CV to cv@a.example."
    assert apply_email(None, text) == "jobs@a.example"
    assert apply_email("mailto:hr@a.example", text) == "hr@a.example"

"""A posting too large for a catalog record is cut to fit, and the cut is recorded."""

from __future__ import annotations

from processors.discovery.model import FetchedPosting
from processors.discovery.sources._common import MAX_DESCRIPTION_BYTES, MAX_HTML_BYTES, fit_to_record
from streams.messages import BoardSource


def posting(**fields: object) -> FetchedPosting:
    return FetchedPosting.model_validate({"source": BoardSource.FILE, "board_token": "big.jsonl",
                                          "source_job_id": "1", "title": "Engineer", "company": "Acme",
                                          "url": "https://acme.example/1", **fields})


def test_a_huge_description_is_cut_at_a_word_to_the_byte_limit_and_its_length_recorded() -> None:
    text = "Wir bauen Datenströme für Logistik. " * 200_000  # multi-byte characters
    fitted = fit_to_record(posting(description_text=text, description_html="<p>" + "x" * MAX_HTML_BYTES + "</p>"))
    assert len(fitted.description_text.encode()) <= MAX_DESCRIPTION_BYTES
    assert len(fitted.description_text.encode()) > MAX_DESCRIPTION_BYTES - 300
    assert text.startswith(fitted.description_text) and not fitted.description_text.endswith(" ")
    assert fitted.description_original_chars == len(text)
    assert fitted.description_html is None  # HTML cannot be cut safely: dropped, the text stays


def test_a_posting_that_fits_is_left_alone_and_absurd_fields_are_cut() -> None:
    normal = posting(description_text="Build things.")
    assert fit_to_record(normal) is normal
    fitted = fit_to_record(posting(title="T" * 5_000, locations=[f"City {n}" for n in range(500)]))
    assert len(fitted.title) == 500 and len(fitted.locations) == 50
    assert fitted.description_original_chars is None



def test_nul_from_a_board_becomes_the_replacement_character_in_every_field() -> None:
    """PostgreSQL cannot store NUL: a posting holding one crashed analysis's posting index write at every retry
    (seen in CI: CharacterNotInRepertoireError on job.catalog[0]@0). Greenhouse's JSON kept it in the text."""
    from processors.discovery.sources import greenhouse

    payload = {"jobs": [{"id": 1, "title": "Senior Engineer", "absolute_url": "https://boards.greenhouse.io/acme/jobs/1",
                         "location": {"name": "Berlin"}, "updated_at": "2025-01-01T00:00:00Z",
                         "content": "&lt;p&gt;Build\u0000 things, and more things, for a long while.&lt;/p&gt;"}]}
    [fetched] = greenhouse.parse(payload, board_token="acme")
    assert "\x00" in fetched.description_text  # what the adapter alone keeps
    assert fit_to_record(fetched).description_text.startswith("Build\ufffd things")
    fitted = fit_to_record(posting(title="A\x00B", locations=["Ber\x00lin"], description_text="x\x00"))
    assert (fitted.title, fitted.locations, fitted.description_text) == ("A\ufffdB", ["Ber\ufffdlin"], "x\ufffd")

"""The manual packet's answers come from the profile with their source; artifacts are read only from the store."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from processors.submission.channels import Files
from processors.submission.channels.manual import prepared_answers
from processors.submission.limits import company_key, over_limit
from processors.submission.model import SendApplication
from processors.submission.ports import ArtifactRefused, application_files, read_artifact
from streams.messages import Dispatch, Preferences, VariantOption
from tests.unit.processors.submission.builders import PROFILE
from tests.unit.processors.submission.test_channels import request


def test_answers_carry_their_profile_path_and_nothing_invented() -> None:
    answers = {a.question: (a.answer, a.source) for a in prepared_answers(json.dumps(PROFILE))}
    assert answers == {
        "Full name": ("Ada Park", "basics.name"),
        "Email": ("ada@example.org", "basics.email"),
        "Phone": ("+351 900 000 000", "basics.phone"),
        "Location": ("Lisbon, PT", "basics.location"),
        "LinkedIn profile": ("https://linkedin.com/in/ada", "basics.profiles[0].url"),
        "Current title": ("Engineer", "work[0].position"),
        "Current employer": ("Acme", "work[0].name"),
        "Education": ("MSc in Computer Science, IST", "education[0]"),
    }


@pytest.mark.parametrize("text", ["", "[]", "not json", json.dumps({"basics": "x", "work": {"a": 1}})])
def test_an_odd_profile_gives_no_answers_rather_than_a_crash(text: str) -> None:
    assert prepared_answers(text) == []


def test_hostile_text_stays_text_on_one_bounded_line() -> None:
    profile = {"basics": {"name": "Ada\n\nBcc: evil@example.org", "summary": "x" * 10_000}}
    answers = {a.question: a.answer for a in prepared_answers(json.dumps(profile))}
    assert answers["Full name"] == "Ada Bcc: evil@example.org"
    assert len(answers["Summary"]) == 2000


def test_artifacts_are_read_inside_the_store_and_checked(tmp_path: Path) -> None:
    store = tmp_path / "artifacts"
    store.mkdir()
    (store / "r.pdf").write_bytes(b"%PDF resume")
    (tmp_path / "secret.txt").write_bytes(b"secret")
    digest = hashlib.sha256(b"%PDF resume").hexdigest()
    assert read_artifact((store / "r.pdf").as_uri(), digest, store) == b"%PDF resume"
    for uri in [(tmp_path / "secret.txt").as_uri(), f"file://{store}/../secret.txt", "https://example.org/r.pdf",
                f"file://evil.example{store}/r.pdf"]:
        with pytest.raises(ArtifactRefused):
            read_artifact(uri, digest, store)
    (store / "link.pdf").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(ArtifactRefused, match="outside"):
        read_artifact((store / "link.pdf").as_uri(), digest, store)
    with pytest.raises(ArtifactRefused, match="SHA-256"):
        read_artifact((store / "r.pdf").as_uri(), "0" * 64, store)
    with pytest.raises(ArtifactRefused, match="no SHA-256"):  # no hash is no check: not read
        read_artifact((store / "r.pdf").as_uri(), "", store)


def test_an_application_reads_only_its_users_folder_and_only_checked_files(tmp_path: Path) -> None:
    def stored(owner: str, name: str, data: bytes) -> tuple[str, str]:
        path = tmp_path / owner / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path.as_uri(), hashlib.sha256(data).hexdigest()

    mine, other = stored("u-1", "r.pdf", b"%PDF mine"), stored("u-2", "r.pdf", b"%PDF someone else's")
    letter = stored("u-1", "letter.pdf", b"%PDF letter")

    def send(resume: tuple[str, str], cover: tuple[str, str] = ("", ""), user: str = "u-1") -> SendApplication:
        variant = VariantOption(variant_id="v", template="t", ats_score=0.5, artifact_uri=resume[0], sha256=resume[1])
        return request().model_copy(update={"user_id": user, "variant": variant, "cover_letter_uri": cover[0],
                                            "cover_letter_sha256": cover[1]})

    assert application_files(send(mine, letter), tmp_path) == Files(b"%PDF mine", b"%PDF letter")
    with pytest.raises(ArtifactRefused, match="outside"):  # inside the store, but another user's file
        application_files(send(other), tmp_path)
    with pytest.raises(ArtifactRefused, match="outside"):
        application_files(send(mine, other), tmp_path)
    assert application_files(send(mine, (letter[0], "")), tmp_path).cover_letter_pdf is None  # unchecked: not sent
    with pytest.raises(ArtifactRefused, match="folder"):  # a user id that would climb out of its folder
        application_files(send(mine, user=".."), tmp_path)


def test_company_names_compare_normalized() -> None:
    assert company_key("Acme, Inc.") == company_key("ACME") == company_key("Acme GmbH") == "acme"
    assert company_key("Société Générale SA") == "societe generale"
    assert company_key("Co") == "co"  # a name that is only a legal form keeps it


def test_a_daily_cap_of_zero_sends_nothing() -> None:
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    assert over_limit([], Preferences(daily_cap=0), "acme", now=now) is not None
    recent = [Dispatch(application_id=str(i), company="acme", at=now - timedelta(days=d)) for i, d in
              enumerate([1, 3, 9])]
    reason, until = over_limit(recent, Preferences(company_cap=2, company_cap_days=7), "acme", now=now) or ("", now)
    assert until == now - timedelta(days=3) + timedelta(days=7)  # the older of the two in the window must leave
    assert "2 applications to this company" in reason

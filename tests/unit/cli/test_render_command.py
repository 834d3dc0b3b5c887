"""`resumeflow render` without Kafka: the variants, and `report.json` with the render report and profile notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from tests.conftest import FIXTURES


def test_render_writes_the_render_report_and_the_notes_on_older_field_names(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    profile = json.loads((FIXTURES / "profiles" / "long_career.json").read_text(encoding="utf-8"))
    for job in profile["work"]:  # written for JSON Resume before 1.0
        job["company"] = job.pop("name")
    profile["certificates"] = [{"name": "Confluent Certified Developer for Apache Kafka", "issuer": "Confluent",
                                "date": "2023-03"}]
    profile["basics"]["name"] = "王晓明 (Marta Kowalczyk)"
    path = tmp_path / "resume.json"
    path.write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"

    code = main(["render", "--profile", str(path), "--job", str(FIXTURES / "jobs" / "backend_engineer.txt"),
                 "--out", str(out)])

    assert code == 0
    printed = capsys.readouterr().out
    assert "note: /work/0/company: read as 'name' (the name JSON Resume 1.0 uses)" in printed
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert len(report["profile_notes"]) == 5
    for variant in report["variants"]:
        render_report = variant["render_report"]
        assert render_report["pages"] == 1 and render_report["fill"] >= 0.85
        assert render_report["undrawable"] == [] and render_report["dropped_emoji"] == []
        assert any(note.startswith("left out to fit one page: ") for note in render_report["notes"])
        employers = [line["text"] for section in variant["resume"]["sections"] if section["kind"] == "experience"
                     for entry in section["entries"] for line in [entry["subheading"]] if line]
        assert employers == ["Vistula Payments", "Baltic Freight Systems", "Wawel Analytics", "Rynek Online",
                             "Politechnika Krakowska IT Centre"]
        kinds = [section["kind"] for section in variant["resume"]["sections"]]
        assert "certificates" in kinds
        assert (out / f"{variant['variant_id']}.pdf").read_bytes().startswith(b"%PDF")


def test_render_refuses_a_date_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = json.loads((FIXTURES / "profile_ada.json").read_text(encoding="utf-8"))
    profile["work"][1]["endDate"] = "2020-13"
    path = tmp_path / "resume.json"
    path.write_text(json.dumps(profile), encoding="utf-8")

    code = main(["render", "--profile", str(path), "--job", str(FIXTURES / "jobs" / "backend_engineer.txt"),
                 "--out", str(tmp_path / "out")])

    assert code == 2
    assert "/work/1/endDate: '2020-13' is not a date: there is no month 13" in capsys.readouterr().err

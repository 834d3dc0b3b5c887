"""The query API against the real PostgreSQL: views filled directly (the sink is not under test), artifacts in a
temporary folder, the app in an aiohttp test server. Each test seeds its own users and rows (shared database)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.artifacts import LocalArtifactStore
from processors.generation.model import Entry, Line, Provenance, ResumeSection, TailoredResume
from query_api.app import SECURITY_HEADERS, STATIC_DIR, create_account_tables, create_app
from query_api.auth import issue_token
from query_api.choices import choices
from query_api.publish import kafka_publisher
from sinks.views import create_views
from streams.settings import Settings

pytestmark = pytest.mark.integration

SECRET = "integration-test-secret-" + "x" * 16
XSS_TITLE = "<img src=x onerror=alert(1)>"
PDF_BYTES = b"%PDF-1.4\n% a tiny stand-in\n%%EOF\n"
API_ROUTES = ["/api/me", "/api/discoveries", "/api/matches", "/api/resumes", "/api/resumes/{a_resume}",
              "/api/resumes/{a_resume}/pdf", "/api/unknown", "/api/applications",
              "/api/applications/{a_application}", "/api/applications/{a_application}/variants/v1/pdf",
              "/api/applications/{a_application}/variants/v1/lines",
              "/api/applications/{a_application}/cover-letter", "/api/outcomes/unlinked", "/api/auth/session",
              "/api/tokens", "/api/operator/accounts"]


@dataclass(frozen=True)
class Seeded:
    user_a: str
    user_b: str
    job: str
    a_resume: str
    b_resume: str
    a_outside: str  # resume_json_uri is /etc/passwd
    a_traversal: str  # resume_json_uri climbs out of the artifact folder with ..
    a_pdf_outside: str  # artifact_uri points outside the artifact folder
    user_c: str
    c_points_at_b: str  # a row of user C naming user B's artifacts (inside the artifact folder)
    outside_file: Path
    a_application: str = ""
    b_application: str = ""
    a_command: str = ""  # a user command's outcome (view_commands)
    b_command: str = ""

    def headers(self, user_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(user_id, SECRET)}"}


def _resume(variant_id: str) -> TailoredResume:
    return TailoredResume(
        variant_id=variant_id, strategy="experience_first", pages=1,
        name=Line.verbatim("Ada Lovelace", "/basics/name"),
        contact=[Line.verbatim("ada@example.com", "/basics/email")],
        sections=[ResumeSection(kind="experience", title="Experience", entries=[Entry(
            heading=Line.selected("Engineer, Analytical Engines", ["/work/0/position", "/work/0/name"]),
            bullets=[Line.verbatim("Wrote the first program", "/work/0/highlights/1"),
                     Line(text="Built <b>engines</b>", provenance=[
                         Provenance(path="/work/0/highlights/0", transform="rephrased")])],
        )])],
    )


async def _seed(pool: asyncpg.Pool, artifact_dir: Path, outside_dir: Path) -> Seeded:
    tag = uuid.uuid4().hex[:10]
    user_a, user_b, user_c, job = f"ua-{tag}", f"ub-{tag}", f"uc-{tag}", f"job-{tag}"
    store = LocalArtifactStore(artifact_dir)
    store_a, store_b = store.for_owner(user_a), store.for_owner(user_b)
    resume_a, resume_b = (store.put(_resume(v).model_dump_json().encode(), suffix=".json",
                                    content_type="application/json") for store, v in ((store_a, f"va-{tag}"),
                                                                                      (store_b, f"vb-{tag}")))
    pdf = store_a.put(PDF_BYTES, suffix=".pdf", content_type="application/pdf")
    pdf_b = store_b.put(PDF_BYTES + b"% b", suffix=".pdf", content_type="application/pdf")
    # A perfectly valid resume just outside the folder: if the API ever read it, the request would succeed.
    outside_file = outside_dir / f"outside-{tag}.json"
    outside_file.write_text(_resume("outside").model_dump_json())
    traversal_uri = f"file://{artifact_dir.resolve()}/../{outside_file.name}"

    now = dt.datetime.now(dt.UTC)
    ago = [now - dt.timedelta(minutes=m) for m in range(4)]
    ids = {name: f"{name}-{tag}" for name in ("a_resume", "b_resume", "a_outside", "a_traversal", "a_pdf_outside",
                                              "c_points_at_b")}
    await create_account_tables(pool)
    async with pool.acquire() as conn:
        await create_views(conn)
        await conn.executemany(
            "INSERT INTO view_users (user_id, email, name, profile_version, updated_at) VALUES ($1, $2, $3, 1, $4)",
            [(user_a, f"a-{tag}@example.com", "Ada", now), (user_b, f"b-{tag}@example.com", "Bob", now)])
        await conn.execute(
            "INSERT INTO view_jobs (canonical_job_id, title, company, url, status, updated_at) "
            "VALUES ($1, $2, 'Acme', 'https://jobs.example.com/1', 'open', $3)", job, XSS_TITLE, now)
        await conn.executemany(
            "INSERT INTO view_discoveries (event_id, user_id, canonical_job_id, search_name, title, company, reasons,"
            " occurred_at) VALUES ($1, $2, $3, 'python', $4, 'Acme', $5, $6)",
            [(f"d1-{tag}", user_a, job, XSS_TITLE, json.dumps(["title matches"]), now - dt.timedelta(hours=1)),
             (f"d2-{tag}", user_a, job, XSS_TITLE, "[]", now),
             (f"d3-{tag}", user_b, job, XSS_TITLE, "[]", now)])
        await conn.executemany(
            "INSERT INTO view_matches (event_id, user_id, canonical_job_id, score, decision, matched_skills,"
            " occurred_at) VALUES ($1, $2, $3, $4, 'apply', $5, $6)",
            [(f"m1-{tag}", user_a, job, 0.8, json.dumps(["python"]), now),
             (f"m2-{tag}", user_b, job, 0.4, "[]", now)])
        resume_rows = [
            (ids["a_resume"], user_a, f"va-{tag}", pdf.uri, resume_a.uri, now),
            (ids["b_resume"], user_b, f"vb-{tag}", pdf_b.uri, resume_b.uri, now),
            (ids["c_points_at_b"], user_c, "theirs", pdf_b.uri, resume_b.uri, ago[3]),
            (ids["a_outside"], user_a, "outside", pdf.uri, "file:///etc/passwd", ago[1]),
            (ids["a_traversal"], user_a, "traversal", pdf.uri, traversal_uri, ago[2]),
            (ids["a_pdf_outside"], user_a, "pdfout", outside_file.as_uri(), resume_a.uri, ago[3]),
        ]
        await conn.executemany(
            "INSERT INTO view_resumes (event_id, user_id, canonical_job_id, variant_id, template, artifact_uri,"
            " resume_json_uri, sha256, ats_score, provenance_summary, occurred_at)"
            " VALUES ($1, $2, $7, $3, 'classic', $4, $5, 'abc', 0.7, '5 verbatim', $6)",
            [(*row, job) for row in resume_rows])
        letter = store_a.put(PDF_BYTES + b"% letter", suffix=".pdf", content_type="application/pdf")
        variants = [{"variant_id": v, "template": "classic", "ats_score": s, "artifact_uri": pdf.uri,
                     "sha256": pdf.sha256, "resume_json_uri": resume_a.uri} for v, s in (("v1", 0.9), ("v2", 0.7))]
        posting = {"source": "GREENHOUSE", "board_token": "acme", "source_job_id": "1", "title": XSS_TITLE,
                   "company": "Acme", "url": "https://jobs.example.com/1", "apply_url": None,
                   "apply_email": None, "posted_at": None, "locations": []}
        await conn.executemany(
            "INSERT INTO view_applications (application_id, user_id, canonical_job_id, status, reason, variants,"
            " recommended_variant_id, cover_letter_uri, posting, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'v2', $7, $8::jsonb, $9)",
            [(f"app-a-{tag}", user_a, job, "AWAITING_REVIEW", "waiting for your review", json.dumps(variants),
              letter.uri, json.dumps(posting), now),
             (f"app-b-{tag}", user_b, job, "SUBMITTED", "", json.dumps(variants), "", json.dumps(posting), now)])
        await conn.executemany(
            "INSERT INTO view_application_events (event_id, user_id, application_id, kind, detail, source,"
            " occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [(f"ev2-{tag}", user_a, f"app-a-{tag}", "INTERVIEW", "call on Monday", "INBOX", now),
             (f"ev1-{tag}", user_a, f"app-a-{tag}", "AWAITING_REVIEW", "waiting for your review", None, ago[1]),
             (f"ev3-{tag}", user_b, f"app-b-{tag}", "SUBMITTED", "", None, now)])
        await conn.executemany(
            "INSERT INTO view_unlinked_reports (report_id, user_id, source, reason, subject, occurred_at)"
            " VALUES ($1, $2, 'INBOX', 'no application matches the sender or the subject', $3, $4)",
            [(f"rep-a-{tag}", user_a, XSS_TITLE, now), (f"rep-b-{tag}", user_b, "Re: your application", now)])
        await conn.executemany(
            "INSERT INTO view_commands (command_id, user_id, kind, status, reasons, problems, occurred_at)"
            " VALUES ($1, $2, 'UPDATE_PROFILE', 'REJECTED', $3::jsonb, $4::jsonb, $5)",
            [(f"cmd-{who}-{tag}", user, json.dumps(["/basics/email: 'x' is not a 'email'"]),
              json.dumps([{"path": "/profile/basics/email", "message": "'x' is not a 'email'"}]), now)
             for who, user in (("a", user_a), ("b", user_b))])
    return Seeded(user_a=user_a, user_b=user_b, user_c=user_c, job=job, outside_file=outside_file,
                  a_application=f"app-a-{tag}", b_application=f"app-b-{tag}", a_command=f"cmd-a-{tag}",
                  b_command=f"cmd-b-{tag}", **ids)


Scenario = Callable[[TestClient, Seeded], Awaitable[None]]


def _run(stack: Settings, tmp_path: Path, scenario: Scenario) -> None:
    artifact_dir = tmp_path / "artifacts"
    artifact_dir.mkdir()
    settings = stack.model_copy(update={"artifact_dir_override": artifact_dir, "api_secret": SECRET})

    async def main() -> None:
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
        try:
            seeded = await _seed(pool, artifact_dir, tmp_path)
            app = create_app(settings, pool, kafka_publisher(settings))
            async with TestClient(TestServer(app)) as client:
                await scenario(client, seeded)
        finally:
            await pool.close()

    asyncio.run(main())


def test_every_api_route_refuses_a_missing_or_bad_token(stack: Settings, tmp_path: Path) -> None:
    async def scenario(client: TestClient, s: Seeded) -> None:
        forged = issue_token(s.user_a, "another-secret-" + "y" * 32)
        bad_headers = [{}, {"Authorization": "Bearer"}, {"Authorization": "Bearer nonsense"},
                       {"Authorization": f"Bearer {forged}"},
                       {"Authorization": f"Basic {issue_token(s.user_a, SECRET)}"}]
        posts = [f"/api/applications/{s.a_application}/approve", f"/api/applications/{s.a_application}/outcomes",
                 "/api/outcomes/unlinked/x/link", "/api/auth/signout", "/api/tokens"]
        for method, route in [*(("GET", r) for r in API_ROUTES), *(("POST", r) for r in posts),
                              ("DELETE", "/api/tokens/x")]:
            path = route.format(a_resume=s.a_resume, a_application=s.a_application)
            for headers in bad_headers:
                response = await client.request(method, path, headers=headers)
                assert response.status == 401, (path, headers)
                assert (await response.json()) == {"error": "missing or invalid bearer token"}
                assert response.headers["WWW-Authenticate"] == "Bearer"

    _run(stack, tmp_path, scenario)


def test_a_user_sees_only_their_own_rows_newest_first(stack: Settings, tmp_path: Path) -> None:
    async def scenario(client: TestClient, s: Seeded) -> None:
        a = s.headers(s.user_a)
        me = await (await client.get("/api/me", headers=a)).json()
        assert (me["user_id"], me["name"]) == (s.user_a, "Ada")

        discoveries = (await (await client.get("/api/discoveries", headers=a)).json())["items"]
        assert [d["event_id"].split("-")[0] for d in discoveries] == ["d2", "d1"]
        assert discoveries[1]["reasons"] == ["title matches"]
        assert discoveries[0]["url"] == "https://jobs.example.com/1"

        matches = (await (await client.get("/api/matches", headers=a)).json())["items"]
        assert [(m["score"], m["title"], m["company"], m["matched_skills"]) for m in matches] == [
            (0.8, XSS_TITLE, "Acme", ["python"])]

        resumes = (await (await client.get("/api/resumes", headers=a)).json())["items"]
        assert [r["event_id"] for r in resumes] == [s.a_resume, s.a_outside, s.a_traversal, s.a_pdf_outside]
        assert resumes[0]["pdf_url"] == f"/api/resumes/{s.a_resume}/pdf"
        assert resumes[0]["title"] == XSS_TITLE
        assert not {"artifact_uri", "resume_json_uri"} & resumes[0].keys()  # server paths stay server-side

        b_resumes = (await (await client.get("/api/resumes", headers=s.headers(s.user_b))).json())["items"]
        assert [r["event_id"] for r in b_resumes] == [s.b_resume]

    _run(stack, tmp_path, scenario)


def test_another_users_resume_is_not_found_rather_than_forbidden(stack: Settings, tmp_path: Path) -> None:
    async def scenario(client: TestClient, s: Seeded) -> None:
        a = s.headers(s.user_a)
        for path in (f"/api/resumes/{s.b_resume}", f"/api/resumes/{s.b_resume}/pdf",
                     "/api/resumes/no-such-resume", "/api/resumes/no-such-resume/pdf"):
            response = await client.get(path, headers=a)
            assert response.status == 404, path
            assert await response.json() == {"error": "not found"}
        # and the owner does get it
        assert (await client.get(f"/api/resumes/{s.b_resume}", headers=s.headers(s.user_b))).status == 200

    _run(stack, tmp_path, scenario)


def test_a_resume_comes_with_its_lines_and_their_provenance(stack: Settings, tmp_path: Path) -> None:
    async def scenario(client: TestClient, s: Seeded) -> None:
        response = await client.get(f"/api/resumes/{s.a_resume}", headers=s.headers(s.user_a))
        assert response.status == 200
        detail = await response.json()
        assert detail["event_id"] == s.a_resume
        assert detail["title"] == XSS_TITLE
        assert detail["lines"][0] == {"section": "header", "text": "Ada Lovelace",
                                      "provenance": [{"path": "/basics/name", "transform": "verbatim"}]}
        assert {"section": "Experience", "text": "Wrote the first program",
                "provenance": [{"path": "/work/0/highlights/1", "transform": "verbatim"}]} in detail["lines"]
        heading = next(line for line in detail["lines"] if line["text"].startswith("Engineer"))
        assert [p["path"] for p in heading["provenance"]] == ["/work/0/position", "/work/0/name"]
        assert len(detail["lines"]) == 5

    _run(stack, tmp_path, scenario)


def test_the_pdf_is_served_as_an_attachment(stack: Settings, tmp_path: Path) -> None:
    async def scenario(client: TestClient, s: Seeded) -> None:
        response = await client.get(f"/api/resumes/{s.a_resume}/pdf", headers=s.headers(s.user_a))
        assert response.status == 200
        assert await response.read() == PDF_BYTES
        assert response.headers["Content-Type"] == "application/pdf"
        variant = "va-" + s.user_a.removeprefix("ua-")
        assert response.headers["Content-Disposition"] == f'attachment; filename="{variant}.pdf"'
        assert response.headers["X-Frame-Options"] == "DENY"
        # ?inline=1 is the web client's preview frame: shown in place, framed by this origin only.
        inline = await client.get(f"/api/resumes/{s.a_resume}/pdf?inline=1", headers=s.headers(s.user_a))
        assert (inline.status, await inline.read()) == (200, PDF_BYTES)
        assert inline.headers["Content-Disposition"] == f'inline; filename="{variant}.pdf"'
        assert inline.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert inline.headers["Content-Security-Policy"].endswith("; frame-ancestors 'self'")
        assert inline.headers["X-Content-Type-Options"] == "nosniff"

    _run(stack, tmp_path, scenario)


def test_artifact_uris_outside_the_artifact_folder_are_never_served(
        stack: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[Path] = []
    original = Path.read_bytes

    def spy(self: Path) -> bytes:
        read.append(self)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", spy)

    async def scenario(client: TestClient, s: Seeded) -> None:
        a = s.headers(s.user_a)
        for path in (f"/api/resumes/{s.a_outside}", f"/api/resumes/{s.a_traversal}",
                     f"/api/resumes/{s.a_pdf_outside}/pdf"):
            response = await client.get(path, headers=a)
            assert response.status == 404, path
        # the same row's in-folder artifact is still served
        assert (await client.get(f"/api/resumes/{s.a_pdf_outside}", headers=a)).status == 200
        assert read  # the spy sees the reads the API does make
        assert not [p for p in read if p.name == "passwd" or p.resolve() == s.outside_file.resolve()]

    _run(stack, tmp_path, scenario)


def test_security_headers_health_and_the_web_client(stack: Settings, tmp_path: Path) -> None:
    async def scenario(client: TestClient, s: Seeded) -> None:
        health = await client.get("/healthz")
        assert await health.json() == {"ok": True}
        index = await client.get("/")
        assert index.status == 200
        html = await index.text()
        assert '<script type="module" src="/static/app.js"></script>' in html
        script = await client.get("/static/app.js")
        assert script.status == 200
        assert "javascript" in script.headers["Content-Type"]
        for module in STATIC_DIR.glob("*.js"):  # every module: text only, never parsed as HTML
            js = module.read_text()
            assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "document.write" not in js, module
        assert "textContent" in (STATIC_DIR / "dom.js").read_text()
        api = await client.get("/api/me", headers=s.headers(s.user_a))
        # The selects' values come from the API, which names them once (`query_api.choices`).
        listed = await client.get("/api/choices", headers=s.headers(s.user_a))
        assert await listed.json() == choices()
        assert (await client.get("/api/choices")).status == 401
        unauthorized = await client.get("/api/me")
        missing_static = await client.get("/static/../auth.py")
        assert missing_static.status == 404
        for response in (health, index, script, api, unauthorized, missing_static):
            for name, value in SECURITY_HEADERS.items():
                assert response.headers[name] == value, (response.url, name)
        assert api.headers["Cache-Control"] == "no-store"

    _run(stack, tmp_path, scenario)


def test_a_row_naming_another_users_artifact_and_odd_ids_are_not_found(stack: Settings, tmp_path: Path) -> None:
    async def scenario(client: TestClient, s: Seeded) -> None:
        a, c = s.headers(s.user_a), s.headers(s.user_c)
        for path in (f"/api/resumes/{s.c_points_at_b}", f"/api/resumes/{s.c_points_at_b}/pdf"):
            assert (await client.get(path, headers=c)).status == 404, path
        # B's own row serves the same files to B.
        assert (await client.get(f"/api/resumes/{s.b_resume}/pdf", headers=s.headers(s.user_b))).status == 200
        for odd in ("%00", f"{s.a_resume}%00", "x" * 500, "..%2F..%2Fetc%2Fpasswd"):
            for suffix in ("", "/pdf"):
                response = await client.get(f"/api/resumes/{odd}{suffix}", headers=a)
                assert response.status == 404 and (await response.json()) == {"error": "not found"}, odd

    _run(stack, tmp_path, scenario)


def test_applications_are_the_users_own_with_the_learners_pick_first_and_no_file_paths(
        stack: Settings, tmp_path: Path) -> None:
    async def scenario(client: TestClient, seeded: Seeded) -> None:
        listed = (await (await client.get("/api/applications", headers=seeded.headers(seeded.user_a))).json())["items"]
        assert [a["application_id"] for a in listed] == [seeded.a_application]
        [application] = listed
        assert [v["variant_id"] for v in application["variants"]] == ["v2", "v1"]
        assert application["posting"]["title"] == XSS_TITLE  # data as JSON; the client escapes it
        assert "file://" not in json.dumps(listed)
        only_review = await client.get("/api/applications?status=SUBMITTED", headers=seeded.headers(seeded.user_a))
        assert (await only_review.json())["items"] == []
        for query, found in (("board=GREENHOUSE", True), ("board=LEVER", False), ("q=aCm", True),
                             ("q=onerror", True), ("q=%25", False), ("q=_", False), ("q=zzz", False),
                             ("channel=email", False), ("status=AWAITING_REVIEW&board=GREENHOUSE&q=acme", True)):
            filtered = await client.get(f"/api/applications?{query}", headers=seeded.headers(seeded.user_a))
            ids = [a["application_id"] for a in (await filtered.json())["items"]]
            assert ids == ([seeded.a_application] if found else []), query
        # NUL (schemathesis sent q=%C2%B3%00M: PostgreSQL's text cannot hold it, and the API answered 500).
        for bad in ("board=NOPE", "channel=fax", "status=bogus", "q=", "q=" + "x" * 101, "q=%C2%B3%00M", "q=%00",
                    "status=SUBMITTED%00"):
            refused = await client.get(f"/api/applications?{bad}", headers=seeded.headers(seeded.user_a))
            assert refused.status == 400 and "error" in await refused.json(), bad

        detail = await (await client.get(f"/api/applications/{seeded.a_application}",
                                         headers=seeded.headers(seeded.user_a))).json()
        assert [(e["kind"], e["source"]) for e in detail["timeline"]] == [("AWAITING_REVIEW", None),
                                                                         ("INTERVIEW", "INBOX")]
        assert detail["submission"] is None and detail["outcome"] is None
        pdf = await client.get(detail["variants"][0]["pdf_url"], headers=seeded.headers(seeded.user_a))
        letter = await client.get(detail["cover_letter_url"], headers=seeded.headers(seeded.user_a))
        assert (pdf.status, await pdf.read()) == (200, PDF_BYTES)
        assert (letter.status, await letter.read()) == (200, PDF_BYTES + b"% letter")
        assert application["cover_letter_url"] == detail["cover_letter_url"]
        assert application["match_reasons"] == []  # the seeded match has none
        lines = await (await client.get(f"/api/applications/{seeded.a_application}/variants/v1/lines",
                                        headers=seeded.headers(seeded.user_a))).json()
        assert lines["variant_id"] == "v1"
        assert ("Built <b>engines</b>", [{"path": "/work/0/highlights/0", "transform": "rephrased"}]) in [
            (line["text"], line["provenance"]) for line in lines["lines"]]

        for path in (f"/api/applications/{seeded.b_application}",
                     f"/api/applications/{seeded.b_application}/variants/v1/pdf",
                     f"/api/applications/{seeded.b_application}/variants/v1/lines",
                     f"/api/applications/{seeded.a_application}/variants/nope/lines",
                     f"/api/applications/{seeded.a_application}/variants/nope/pdf"):
            assert (await client.get(path, headers=seeded.headers(seeded.user_a))).status == 404, path

    _run(stack, tmp_path, scenario)


def test_decisions_and_outcomes_become_commands_on_their_topics_and_only_for_ones_own_applications(
        stack: Settings, tmp_path: Path, read_topic: Callable[..., list[Any]]) -> None:
    published: dict[str, str] = {}

    async def scenario(client: TestClient, seeded: Seeded) -> None:
        a = seeded.headers(seeded.user_a)
        approve = await client.post(f"/api/applications/{seeded.a_application}/approve", json={"variant_id": "v1"},
                                    headers=a)
        assert approve.status == 202
        published["command"] = (await approve.json())["command_id"]
        outcome = await client.post(f"/api/applications/{seeded.a_application}/outcomes",
                                    json={"kind": "INTERVIEW", "date": "2026-11-27", "note": "Monday 10:00"},
                                    headers=a)
        assert outcome.status == 202
        published["report"] = (await outcome.json())["report_id"]
        published["user"] = seeded.user_a

        refused = [
            await client.post(f"/api/applications/{seeded.b_application}/approve", headers=a),  # B's
            await client.post(f"/api/applications/{seeded.b_application}/outcomes", json={"kind": "OFFER"},
                              headers=a),
            await client.post(f"/api/applications/{seeded.a_application}/launch", headers=a),  # no such action
        ]
        assert [r.status for r in refused] == [404, 404, 404]
        bad = [
            await client.post(f"/api/applications/{seeded.a_application}/approve", json={"variant_id": "v9"},
                              headers=a),
            await client.post(f"/api/applications/{seeded.a_application}/approve", data=b"[1", headers=a),
            await client.post(f"/api/applications/{seeded.a_application}/approve", data=b"[" * 60_000, headers=a),
            await client.post(f"/api/applications/{seeded.a_application}/outcomes", json={"kind": "HIRED"},
                              headers=a),
            await client.post(f"/api/applications/{seeded.a_application}/outcomes",
                              json={"kind": "OFFER", "date": "yesterday"}, headers=a),
        ]
        assert [r.status for r in bad] == [400, 400, 400, 400, 400]

    _run(stack, tmp_path, scenario)
    commands = read_topic("application.commands", lambda ms: any(
        m.value()["event_id"] == published["command"] for m in ms))
    reports = read_topic("outcome.reports", lambda ms: any(m.value()["event_id"] == published["report"] for m in ms))
    mine = [m for m in commands + reports if m.key() == published["user"]]
    assert sorted((m.topic().removeprefix(stack.topic_prefix), m.value().get("kind"), m.value().get("variant_id"))
                  for m in mine) == [("application.commands", "APPROVE", "v1"), ("outcome.reports", "INTERVIEW", None)]
    [report] = [m.value() for m in reports if m.value()["event_id"] == published["report"]]
    assert (report["source"], str(report["responded_on"]), report["note"]) == ("USER", "2026-11-27", "Monday 10:00")


def test_an_unlinked_answer_is_shown_to_its_user_only_and_linked_to_one_of_their_applications(
        stack: Settings, tmp_path: Path, read_topic: Callable[..., list[Any]]) -> None:
    sent: dict[str, str] = {}

    async def scenario(client: TestClient, seeded: Seeded) -> None:
        a = seeded.headers(seeded.user_a)
        listed = (await (await client.get("/api/outcomes/unlinked", headers=a)).json())["items"]
        assert [(r["report_id"], r["subject"]) for r in listed] == [(seeded.a_application.replace("app-a", "rep-a"),
                                                                     XSS_TITLE)]
        mine = listed[0]["report_id"]
        theirs = seeded.b_application.replace("app-b", "rep-b")
        link = f"/api/outcomes/unlinked/{mine}/link"
        assert (await client.post(f"/api/outcomes/unlinked/{theirs}/link",
                                  json={"application_id": seeded.a_application}, headers=a)).status == 404
        assert (await client.post(link, json={"application_id": seeded.b_application}, headers=a)).status == 400
        assert (await client.post(link, json={"application_id": seeded.a_application, "kind": "HIRED"},
                                  headers=a)).status == 400
        linked = await client.post(link, json={"application_id": seeded.a_application, "kind": "REJECTED"},
                                   headers=a)
        assert linked.status == 202
        sent.update(id=(await linked.json())["report_id"], links=mine)

    _run(stack, tmp_path, scenario)
    [record] = [m.value() for m in read_topic("outcome.reports", lambda ms: any(
        m.value()["event_id"] == sent["id"] for m in ms)) if m.value()["event_id"] == sent["id"]]
    assert (record["links_report_id"], record["kind"], record["source"]) == (sent["links"], "REJECTED", "USER")

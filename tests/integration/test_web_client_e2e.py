"""The web client end to end in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright, which
never downloads browsers of its own): the whole pipeline runs for a REVIEW user on the demo's local boards, the
user signs up in the browser (the confirm link mailed to the local SMTP server finishes it), sees the review
queue with a prepared job (one card, its variants side by side), opens a variant's lines and sources and its PDF
preview, approves another variant than the learner's pick, sees
the application sent (the local SMTP server has the mail) and its status become SUBMITTED with that variant,
records an interview in two clicks and sees the dashboard's funnel move (no interview before, one after), reads
the funnel chart with the arrow keys, signs out and signs in again with the keyboard only, then once more with a
sign-in link mailed to the local SMTP server. A second, quick test
(the API alone on seeded views) shows an IN_DOUBT application asking the user, and a hostile posting title and a
javascript: URL staying plain text. A third (no stack) drives `dom.js`'s `submitting`, the one submit handler of
every form, in the browser.

A screenshot of each page is saved under `test-artifacts/web/` (git-ignored; `RESUMEFLOW_TEST_ARTIFACTS` moves
it), with `timings.json`: how long each step took. Chromium comes from `deploy/install-system-packages.sh --tests`.
"""

from __future__ import annotations

import email
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.mail_server import MailServer
from adapters.maildir import messages
from query_api.app import STATIC_DIR
from streams.local_ports import free_local_port
from streams.settings import Settings
from tests.integration.conftest import (
    REPO_ROOT,
    SIGNIN_MARKER,
    SIGNUP_MARKER,
    Worker,
    pipeline_env,
    run_cli,
    wait_for_link,
)

pytestmark = pytest.mark.integration
CHROMIUM = Path("/usr/bin/chromium")
PREPARED_TIMEOUT_S = 300.0  # the pipeline, from the user's creation to a prepared application
SENT_TIMEOUT_S = 120.0
ARTIFACTS = Path(os.environ.get("RESUMEFLOW_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts")) / "web"
PASSWORD = "correct horse battery staple"

sync_api = pytest.importorskip("playwright.sync_api", reason="the dev extra's playwright drives the browser")


@pytest.fixture
def browser() -> Iterator[sync_api.Browser]:
    """Debian's Chromium, headless, driven by Playwright; the test is skipped on a machine without it."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: run deploy/install-system-packages.sh --tests")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def api_server(stack: Settings, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The pipeline in a namespace of its own (sink, every processor, a local SMTP server) and the query API
    serving the web client over plain http on 127.0.0.1 (hence RESUMEFLOW_API_COOKIE_SECURE=false).
    Yields (the API's base URL, the environment the CLI needs)."""
    app_id = f"web-{uuid.uuid4().hex[:8]}"
    board_folder = tmp_path / "boards"
    shutil.copytree(REPO_ROOT / "demo" / "boards", board_folder)
    board_port, smtp_port, api_port = free_local_port(), free_local_port(), free_local_port()
    board = f"http://127.0.0.1:{board_port}"
    env = {**pipeline_env(app_id, board, smtp_port, tmp_path, partitions=2, worker_id="web"),
           "RESUMEFLOW_API_SECRET": "web-client-e2e-secret-" + "x" * 16, "RESUMEFLOW_API_COOKIE_SECURE": "false"}
    run_cli("topics", "apply", env=env)
    mail = MailServer(tmp_path / "mail", port=smtp_port).start()
    processes: list[subprocess.Popen[bytes]] = []
    worker: Worker | None = None

    def spawn(name: str, *args: str) -> None:
        log = (tmp_path / f"{name}.log").open("wb")
        processes.append(subprocess.Popen([sys.executable, "-m", *args], cwd=REPO_ROOT, stdout=log,
                                          stderr=subprocess.STDOUT, env={**os.environ, **env}))

    try:
        spawn("boards", "demo.board_server", "--dir", str(board_folder), "--port", str(board_port))
        spawn("sink", "cli.main", "sink")
        spawn("api", "cli.main", "api", "--port", str(api_port))
        worker = Worker(["all"], env, tmp_path / "worker.log").start()
        base = f"http://127.0.0.1:{api_port}"
        _wait_for(f"{base}/healthz", processes)
        _wait_for(f"{board}/v0/postings/example", processes)
        yield base, env
    finally:
        if worker is not None:
            worker.stop()
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        mail.stop()


def _wait_for(url: str, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline and all(p.poll() is None for p in processes), f"{url} did not start"
            time.sleep(0.3)


def test_sign_up_review_approve_and_see_the_application_sent(
        api_server: tuple[str, dict[str, str]], browser: sync_api.Browser, tmp_path: Path) -> None:
    base, env = api_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    address = f"web-{uuid.uuid4().hex[:8]}@example.net"
    profile = json.loads((REPO_ROOT / "demo" / "sam.profile.json").read_text())
    mistaken = {**profile, "basics": {**profile["basics"], "email": "sam at example"}}
    timings: dict[str, float] = {}
    started = time.monotonic()

    def mark(step: str) -> None:
        timings[step] = round(time.monotonic() - started, 2)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base + "/")
    page.get_by_role("heading", name="Sign in").wait_for()
    assert page.locator("#nav").is_hidden() and page.locator("#signout").is_hidden()
    page.screenshot(path=ARTIFACTS / "1-sign-in.png", full_page=True)

    page.get_by_label("Email").nth(1).fill(address)
    page.locator("#signup-password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    _confirm_sign_up(page, base, Path(env["RESUMEFLOW_SUBMISSION_MAILBOX_DIR"]), address)
    page.get_by_role("heading", name="Review queue").wait_for()
    mark("signed up")

    # Onboarding in the browser: a resume with a mistake, named at its field; fixed; then the saved search.
    page.get_by_role("link", name="Resume and searches").click()
    page.get_by_label("or paste it here").fill(json.dumps(mistaken, indent=2))
    page.get_by_role("button", name="Send resume").click()
    page.locator('#resume-problems li[data-path="/profile/basics/email"]').wait_for(timeout=90_000)
    page.get_by_label("or paste it here").fill(json.dumps(profile, indent=2))
    page.get_by_role("button", name="Send resume").click()
    page.get_by_text("Accepted: your profile is version 1.").wait_for(timeout=90_000)
    mark("resume accepted")
    page.get_by_role("button", name="Add a saved search").click()
    page.get_by_label("Name").fill("data science")
    page.get_by_label("Keywords (comma-separated)").fill("data scientist, machine learning, forecasting")
    page.get_by_label("Places (comma-separated)").fill("Toronto, Remote")
    page.get_by_label("Exclusions (comma-separated)").fill("unpaid")
    for n, (source, token) in enumerate((("ASHBY", "examplecorp"), ("FILE", "community-jobs.jsonl"))):
        page.get_by_role("button", name="Add board").click()
        page.get_by_label("Board type").nth(n).select_option(source)
        page.get_by_label("Board name or feed URL").nth(n).fill(token)
    page.get_by_label("Submission mode").select_option("REVIEW")
    page.get_by_role("button", name="Save searches and sending").click()
    page.get_by_text("Accepted: preferences saved (profile version 2).").wait_for(timeout=90_000)
    mark("search saved")
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("heading", name="Review queue").wait_for()

    # The pipeline prepares the job in the background: the page shows it once it is there.
    deadline = time.monotonic() + PREPARED_TIMEOUT_S
    while not page.locator("article.card").count():
        assert time.monotonic() < deadline, "no job reached the review queue"
        time.sleep(2)
        page.reload()
        page.get_by_role("heading", name="Review queue").wait_for()
        page.wait_for_load_state("networkidle")
    mark("review queue shows a job")
    card = page.locator("article.card").first
    variants = card.locator(".variant")
    assert variants.count() >= 2, "one card per job, its variants side by side"
    assert card.locator(".variant.pick").count() == 1, "the learner's pick is highlighted"
    page.screenshot(path=ARTIFACTS / "2-review-queue.png", full_page=True)

    card.get_by_role("button", name="Lines and sources").first.click()
    page.locator("#panel .line").first.wait_for()
    assert "from /" in page.locator("#panel .line").first.inner_text()
    page.screenshot(path=ARTIFACTS / "3-lines-and-sources.png")
    page.keyboard.press("Escape")
    assert page.locator("#panel").is_hidden()

    card.get_by_role("button", name="Preview PDF").first.click()
    frame = card.locator("iframe.preview")
    frame.wait_for()
    assert "?inline=1" in (frame.get_attribute("src") or "")

    chosen = variants.nth(1).get_attribute("data-variant")
    variants.nth(1).locator("input[type=radio]").check()
    card.get_by_role("button", name="Approve and send").click()
    card.get_by_text("Now ").wait_for(timeout=SENT_TIMEOUT_S * 1000)
    mark("approved: the card shows the new status")
    page.screenshot(path=ARTIFACTS / "4-approved.png", full_page=True)

    page.get_by_role("link", name="Applications").click()
    row = page.locator("tr[data-application]").first
    deadline = time.monotonic() + SENT_TIMEOUT_S
    while row.get_attribute("data-status") != "SUBMITTED":
        assert time.monotonic() < deadline, f"still {row.get_attribute('data-status')}"
        time.sleep(1)
        page.reload()
        row = page.locator("tr[data-application]").first
        row.wait_for()
    mark("applications: SUBMITTED")
    assert row.locator("td").nth(3).inner_text() == chosen  # sent with the variant the user chose
    # The list's filters: a search that matches nothing, then the channel it was sent by.
    page.locator("#app-search").fill("no such employer")
    page.get_by_text("No applications match these filters.").wait_for()
    page.locator("#app-search").fill("")
    page.locator("#app-channel").select_option("lever")
    page.get_by_text("No applications match these filters.").wait_for()
    page.locator("#app-channel").select_option("email")
    row.wait_for()
    shown = page.locator("tr[data-application]")
    assert {shown.nth(i).locator("td").nth(2).inner_text() for i in range(shown.count())} == {"email"}
    page.locator("#app-channel").select_option("")
    page.get_by_role("link", name="Dashboard").click()
    interview = page.locator("#dashboard-funnel tr[data-stage=interview]")
    interview.wait_for()
    assert interview.get_attribute("data-total") == "0", "no interview before one is recorded"
    page.get_by_role("link", name="Applications").click()
    row.wait_for()
    row.get_by_role("button", name="Timeline").click()
    page.locator("tr.detail ol.timeline li").first.wait_for()
    row.get_by_text("Record outcome").click()
    row.get_by_role("button", name="Interview").click()
    row.get_by_text("Interview recorded.").wait_for()
    mark("interview recorded")
    page.screenshot(path=ARTIFACTS / "5-applications.png", full_page=True)

    page.emulate_media(color_scheme="dark")
    page.screenshot(path=ARTIFACTS / "6-applications-dark.png", full_page=True)
    page.emulate_media(color_scheme="light")

    # The funnel moves: the recorded interview reaches the dashboard (outcomes processor, then the sink).
    page.get_by_role("link", name="Dashboard").click()
    interview.wait_for()
    deadline = time.monotonic() + SENT_TIMEOUT_S
    while interview.get_attribute("data-total") != "1":
        assert time.monotonic() < deadline, "the recorded interview never reached the dashboard's funnel"
        time.sleep(1)
        page.reload()
        interview.wait_for()
    mark("dashboard: the funnel shows the interview")
    totals = {stage: page.locator(f"#dashboard-funnel tr[data-stage={stage}]").get_attribute("data-total")
              for stage in ("submitted", "responded", "interview", "offer")}
    assert totals == {"submitted": "1", "responded": "1", "interview": "1", "offer": "0"}, totals
    page.locator("#dashboard-funnel svg.chart[tabindex]").focus()  # the chart, read with the keyboard
    page.keyboard.press("End")
    assert "Interview 1" in page.locator("#dashboard-funnel .readout").inner_text()
    page.screenshot(path=ARTIFACTS / "8-dashboard.png", full_page=True)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=ARTIFACTS / "9-dashboard-dark.png", full_page=True)
    page.emulate_media(color_scheme="light")
    page.get_by_role("link", name="Applications").click()
    page.get_by_role("heading", name="Applications").wait_for()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    assert page.request.get(base + "/api/applications").status == 401  # the session is gone

    # Signing in again with the keyboard only: labelled fields, Tab between them, Enter submits.
    page.get_by_label("Email").first.focus()
    page.keyboard.type(address)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Applications").wait_for()  # back on the page the user was on
    page.locator("tr[data-status=SUBMITTED]").wait_for()
    mark("signed in again with the keyboard")

    # A one-time link by mail: asked for on the sign-in page, followed from the local SMTP server's copy.
    page.get_by_role("button", name="Sign out").click()
    page.locator("#link-email").fill(address)
    page.get_by_role("button", name="Mail me a sign-in link").click()
    page.get_by_text("Sent: ").wait_for()
    link = wait_for_link(Path(env["RESUMEFLOW_SUBMISSION_MAILBOX_DIR"]), address, SIGNIN_MARKER)
    assert link.startswith(base + "/" + SIGNIN_MARKER)
    page.goto(link)
    page.get_by_role("heading", name="Dashboard").wait_for()
    assert "#signin-link" not in page.url  # the token is taken off the address at once
    mark("signed in with a mailed link")
    assert not errors, errors
    maildir = Path(env["RESUMEFLOW_SUBMISSION_MAILBOX_DIR"])
    sent = [box.name for box in maildir.iterdir() if box.name != address
            for raw in messages(maildir, box.name) if address in str(email.message_from_bytes(raw)["From"])]
    assert len(sent) == 1, f"one mail from {address} at an employer's box: {sent}"
    mark("done")
    (ARTIFACTS / "timings.json").write_text(json.dumps(timings, indent=2))
    print("web client e2e timings (s since the user was created):", timings)


def _confirm_sign_up(page: sync_api.Page, base: str, maildir: Path, address: str) -> None:
    """After "Create account": the form says to check the mail; the confirm link the local SMTP server kept is
    followed in the same tab, which takes the token off the address and lands on the page the form was on."""
    page.get_by_text("Sent: check your email").wait_for()
    link = wait_for_link(maildir, address, SIGNUP_MARKER)
    assert link.startswith(base + "/" + SIGNUP_MARKER)
    page.goto(link)
    page.locator("#signout").wait_for()
    assert SIGNUP_MARKER not in page.url


XSS_TITLE = '<img src=x onerror="window.injected=1">Data Engineer'


@pytest.fixture
def api_only(stack: Settings, tmp_path: Path) -> Iterator[str]:
    """The query API alone (no workers) on the session's namespace, for pages fed by seeded views, and a local
    SMTP server keeping the account mails under `tmp_path / "mail"` (sign-up's confirm link)."""
    port, smtp_port = free_local_port(), free_local_port()
    env = {"RESUMEFLOW_API_SECRET": "web-client-e2e-secret-" + "x" * 16, "RESUMEFLOW_API_COOKIE_SECURE": "false",
           "RESUMEFLOW_ARTIFACT_DIR": str(tmp_path / "artifacts"), "RESUMEFLOW_SMTP_HOST": "127.0.0.1",
           "RESUMEFLOW_SMTP_PORT": str(smtp_port), "RESUMEFLOW_SMTP_SECURITY": "none"}
    mail = MailServer(tmp_path / "mail", port=smtp_port).start()
    log = (tmp_path / "api.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "cli.main", "api", "--port", str(port)], cwd=REPO_ROOT,
                               stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env})
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", [process])
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        mail.stop()


@pytest.fixture
def in_doubt(stack: Settings) -> tuple[str, str]:
    """(an email, the IN_DOUBT application seeded for it). A fixture, so it is seeded before the browser's
    fixture starts Playwright's event loop in this thread (asyncio.run cannot run inside it)."""
    from streams.ids import user_id_for_email

    tag = uuid.uuid4().hex[:8]
    address = f"doubt-{tag}@example.net"
    return address, _seed_in_doubt(stack, user_id_for_email(address), tag)


def _seed_in_doubt(stack: Settings, user_id: str, tag: str) -> str:
    import asyncio
    import datetime as dt

    import asyncpg

    from sinks.views import create_views

    posting = {"source": "LEVER", "board_token": "acme", "source_job_id": tag, "title": XSS_TITLE,
               "company": "Acme", "url": "javascript:alert(1)", "apply_url": None, "apply_email": None,
               "posted_at": None, "locations": []}

    async def seed() -> None:
        connection = await asyncpg.connect(stack.database_url)
        try:
            await create_views(connection)
            await connection.execute(
                "INSERT INTO view_applications (application_id, user_id, canonical_job_id, status, reason, channel,"
                " posting, updated_at) VALUES ($1, $2, $3, 'IN_DOUBT', 'no confirmation after a crash', 'email',"
                " $4::jsonb, $5)", f"doubt-{tag}", user_id, f"lever:acme:{tag}", json.dumps(posting),
                dt.datetime.now(dt.UTC))
        finally:
            await connection.close()

    asyncio.run(seed())
    return f"doubt-{tag}"


def test_an_in_doubt_application_asks_the_user_and_a_hostile_title_stays_text(
        api_only: str, in_doubt: tuple[str, str], browser: sync_api.Browser, tmp_path: Path) -> None:
    address, application_id = in_doubt
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 700})
    page.goto(api_only + "/#applications")
    page.locator("#signup-email").fill(address)
    page.locator("#signup-password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    _confirm_sign_up(page, api_only, tmp_path / "mail", address)  # back on #applications
    row = page.locator(f"tr[data-application='{application_id}']")
    row.wait_for()
    # The title is text, the javascript: URL no link, and nothing ran.
    assert XSS_TITLE in row.locator("td").first.inner_text()
    assert row.locator("img").count() == 0 and row.locator("a").count() == 0
    assert page.evaluate("window.injected") is None
    row.get_by_text("Did it reach the employer?").wait_for()
    page.screenshot(path=ARTIFACTS / "7-in-doubt.png", full_page=True)
    row.get_by_role("button", name="Yes, it was sent").click()
    row.get_by_text("Confirmed as sent.").wait_for()  # the command was accepted (202)


@pytest.fixture
def onboarding_api(api_only: str, profiles_worker: Worker, tmp_path: Path) -> Iterator[str]:
    """The query API with what onboarding needs behind it: the session's profiles worker and a sink of its own
    (its own consumer group) keeping the command outcomes."""
    log = (tmp_path / "sink.log").open("wb")
    sink = subprocess.Popen([sys.executable, "-m", "cli.main", "sink"], cwd=REPO_ROOT, stdout=log,
                            stderr=subprocess.STDOUT,
                            env={**os.environ, "RESUMEFLOW_APP_ID": f"onboard-{uuid.uuid4().hex[:8]}"})
    try:
        yield api_only
    finally:
        sink.terminate()
        sink.wait(timeout=30)


HOSTILE_EMAIL = '<img src=x onerror="window.injected=1">'


def test_sign_up_upload_a_resume_with_a_mistake_see_it_at_its_field_fix_it_and_save_a_search(
        onboarding_api: str, browser: sync_api.Browser, tmp_path: Path) -> None:
    profile = json.loads((REPO_ROOT / "demo" / "ada.profile.json").read_text())
    broken = tmp_path / "resume.json"
    broken.write_text(json.dumps({**profile, "basics": {**profile["basics"], "email": HOSTILE_EMAIL}}, indent=2))
    address = f"onboard-{uuid.uuid4().hex[:8]}@example.net"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(onboarding_api + "/#profile")
    page.locator("#signup-email").fill(address)
    page.locator("#signup-password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    _confirm_sign_up(page, onboarding_api, tmp_path / "mail", address)  # back on #profile
    page.get_by_role("heading", name="Resume and searches").wait_for()

    # Upload the file: its text lands in the editable box; send it with the keyboard.
    page.get_by_label("Upload a file").set_input_files(str(broken))
    page.get_by_text("Loaded resume.json").wait_for()
    # Checked at once, before it is sent: the problem at its field (the profiles processor's own check).
    problem = page.locator('#resume-problems li[data-path="/profile/basics/email"]')
    problem.wait_for(timeout=10_000)
    assert "to fix before sending" in page.locator("#resume-check").inner_text()
    page.get_by_role("button", name="Send resume").focus()
    page.keyboard.press("Enter")
    page.locator("#resume-status", has_text="Not accepted").wait_for(timeout=90_000)
    assert "basics › email" in problem.inner_text() and HOSTILE_EMAIL in problem.inner_text()
    assert page.locator("#resume-problems img").count() == 0 and page.evaluate("window.injected") is None
    assert "Not accepted" in page.locator("#resume-status").inner_text()
    page.screenshot(path=ARTIFACTS / "10-resume-refused.png", full_page=True)

    # Fix it in place and send again.
    text = page.get_by_label("or paste it here").input_value()
    assert json.dumps(HOSTILE_EMAIL) in text
    page.get_by_label("or paste it here").fill(text.replace(json.dumps(HOSTILE_EMAIL), '"ada@example.org"'))
    page.get_by_role("button", name="Send resume").click()
    page.get_by_text("Accepted: your profile is version 1.").wait_for(timeout=90_000)
    assert page.locator("#resume-problems li").count() == 0
    # The header names the new profile without a reload.
    page.locator("#who", has_text=profile["basics"]["name"]).wait_for(timeout=10_000)

    # A saved search with a board name that is not one: refused next to that field, then fixed.
    page.get_by_role("button", name="Add a saved search").click()
    page.get_by_label("Name").fill("backend")
    page.get_by_label("Keywords (comma-separated)").fill("python, kafka")
    page.get_by_label("Places (comma-separated)").fill("Lisbon, Remote")
    page.get_by_label("Remote").select_option("REMOTE_OR_HYBRID")
    page.get_by_label("Salary floor (yearly, empty for none)").fill("70000")
    page.get_by_label("Exclusions (comma-separated)").fill("unpaid")
    page.get_by_role("button", name="Add board").click()
    page.get_by_label("Board name or feed URL").fill("not a board")
    page.get_by_label("Submission mode").select_option("AUTO")
    page.get_by_label("Daily cap (applications a day)").fill("4")
    page.get_by_role("button", name="Save searches and sending").click()
    board = page.locator('[data-path="/preferences/saved_searches/0/boards/0/token"]')
    board.locator(".problem").wait_for(timeout=90_000)
    assert "'not a board' is not a board name" in board.inner_text()
    assert board.locator("input").get_attribute("aria-invalid") == "true"
    page.screenshot(path=ARTIFACTS / "11-search-refused.png", full_page=True)
    page.get_by_label("Board name or feed URL").fill("examplecorp")
    page.get_by_role("button", name="Save searches and sending").click()
    page.get_by_text("Accepted: preferences saved (profile version 2).").wait_for(timeout=90_000)
    assert board.locator(".problem").count() == 0

    # Reloaded, the form shows what was accepted.
    page.reload()
    page.get_by_label("Keywords (comma-separated)").wait_for()
    assert page.get_by_label("Keywords (comma-separated)").input_value() == "python, kafka"
    assert page.get_by_label("Daily cap (applications a day)").input_value() == "4"
    assert page.get_by_label("Submission mode").input_value() == "AUTO"
    page.screenshot(path=ARTIFACTS / "12-profile-saved.png", full_page=True)
    assert not errors, errors


_FORM = """<form><input name="email"><button type="submit">Go</button><button type="button">Other</button></form>
<p id="error" class="error">an old error</p>"""
# Submits the form twice through `submitting` (dom.js, imported as it is served): once failing, once succeeding,
# and notes the buttons, the error line and the address while the request is pending and after it settled.
_DRIVE = """async (source) => {
  const dom = await import("data:text/javascript;charset=utf-8," + encodeURIComponent(source));
  const form = document.querySelector("form"), error = document.getElementById("error");
  const buttons = () => [...form.querySelectorAll("button")].map((b) => b.disabled);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  let finish = null, calls = 0;
  dom.submitting(form, (got) => { calls += 1; return new Promise((ok, fail) => { finish = { ok, fail, got }; }); },
                 { error, verb: "Could not sign in" });
  const seen = {};
  form.requestSubmit();
  seen.pending = { buttons: buttons(), error: error.textContent, same_form: finish.got === form };
  form.requestSubmit();  // submitted again while pending (a script, or Enter in a field): ignored
  finish.fail(new Error("wrong email or password"));
  await settle();
  seen.failed = { buttons: buttons(), error: error.textContent, kind: error.className };
  form.requestSubmit();
  finish.ok();
  await settle();
  seen.succeeded = { buttons: buttons(), error: error.textContent, calls, address: location.href };
  return seen;
}"""


def test_every_form_submits_once_at_a_time_and_says_why_it_failed(browser: sync_api.Browser) -> None:
    page = browser.new_page()
    page.set_content(_FORM)
    seen = page.evaluate(_DRIVE, (STATIC_DIR / "dom.js").read_text())
    assert seen["pending"] == {"buttons": [True, True], "error": "", "same_form": True}
    assert seen["failed"] == {"buttons": [False, False], "error": "Could not sign in: wrong email or password",
                              "kind": "error"}
    assert seen["succeeded"]["buttons"] == [False, False] and seen["succeeded"]["error"] == ""
    assert seen["succeeded"]["calls"] == 2  # three submits, one of them while the first was pending
    assert seen["succeeded"]["address"] == "about:blank"  # no page load

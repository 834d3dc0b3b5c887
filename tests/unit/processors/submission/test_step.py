"""Submission's step, one scenario at a time: review, auto, off, caps, channels, failures, doubt, commands."""

from __future__ import annotations

from datetime import timedelta

import pytest

from processors.submission.model import SendApplication, SendFailed
from processors.submission.step import Config, message_id, step_for
from processors.submission.step import options as options_of
from streams.errors import PoisonRecord
from streams.messages import (
    ApplicationCommandKind,
    ApplicationFailed,
    ApplicationStatus,
    ApplicationSubmitted,
    ApplicationUpdated,
    ArmPosterior,
    LearningUpdated,
    SegmentPosterior,
    SubmissionMode,
    SubmissionTick,
    SubmissionUser,
    choose_variant,
)
from tests.support.redelivery import assert_redelivery_changes_nothing, process
from tests.unit.processors.submission.builders import (
    EMAIL,
    NOW,
    USER,
    Crash,
    World,
    application_id,
    command,
    decision,
    profile,
    resumes,
)

K = ApplicationCommandKind
S = ApplicationStatus
EMAIL_CONFIG = Config(email=True, reconcile_email=True)
STEP = step_for(EMAIL_CONFIG)


def updates(outputs: list[object]) -> list[ApplicationUpdated]:
    return [o for o in outputs if isinstance(o, ApplicationUpdated)]


def statuses(outputs: list[object]) -> list[S]:
    return [u.status for u in updates(outputs)]


def submitted(outputs: list[object]) -> list[ApplicationSubmitted]:
    return [o for o in outputs if isinstance(o, ApplicationSubmitted)]


def tick(at=NOW) -> SubmissionTick:
    return SubmissionTick(event_id=f"tick-{at.isoformat()}", user_id=USER, occurred_at=at)


def test_review_mode_waits_for_approval_with_the_variants_and_the_learners_pick() -> None:
    world = World()
    events = [profile(SubmissionMode.REVIEW), decision("gh:acme:1", apply_email="jobs@acme.example"),
              *resumes("gh:acme:1")]
    cell, outputs = process(STEP, None, events, world.port)
    [review] = updates(outputs)
    assert review.status == S.AWAITING_REVIEW
    assert [v.variant_id for v in review.variants] == ["experience-first", "skills-first", "projects-first"]
    assert review.recommended_variant_id == choose_variant([v.variant_id for v in review.variants], None,
                                                           seed=application_id("gh:acme:1"))
    assert review.posting is not None and review.posting.company == "Acme"
    assert (review.score, review.matched_skills, review.seniority) == (0.8, ["python"], "Senior")
    assert world.sent == {}
    cell, outputs = process(STEP, cell, [command(K.APPROVE, "gh:acme:1", variant="skills-first")], world.port)
    assert statuses(outputs) == [S.SENDING, S.SUBMITTED]
    [sent] = submitted(outputs)
    assert (sent.variant_id, sent.channel, sent.message_id) == ("skills-first", "email",
                                                                message_id(cell.applications[sent.application_id]))
    assert sent.resume_sha256 == f"{1:064x}" and sent.cover_letter_sha256 == "c" * 64
    assert (sent.seniority, sent.segment, sent.template) == ("Senior", "Senior", "classic")
    assert world.sent == {"gh:acme:1": 1}


def test_the_learners_posterior_decides_the_recommendation() -> None:
    strong = LearningUpdated(event_id="l1", user_id=USER, occurred_at=NOW, segments=[SegmentPosterior(
        segment="Senior", arms=[ArmPosterior(variant_id="projects-first", alpha=500, beta=1),
                                ArmPosterior(variant_id="experience-first", alpha=1, beta=500),
                                ArmPosterior(variant_id="skills-first", alpha=1, beta=500)])])
    events = [strong, profile(SubmissionMode.REVIEW), decision("gh:acme:1"), *resumes("gh:acme:1")]
    _, outputs = process(STEP, None, events, World().port)
    [review] = updates(outputs)
    posterior = strong.segment("Senior")
    expected = choose_variant(["experience-first", "skills-first", "projects-first"], posterior,
                              seed=application_id("gh:acme:1"))
    assert review.recommended_variant_id == expected


def test_auto_mode_sends_once_all_variants_are_in_and_not_before() -> None:
    world = World()
    events = [profile(SubmissionMode.AUTO), decision("gh:acme:1", apply_email="jobs@acme.example"),
              *resumes("gh:acme:1")[:2]]
    cell, outputs = process(STEP, None, events, world.port)
    assert outputs == [] and world.sent == {}  # 2 of 3 variants
    cell, outputs = process(STEP, cell, resumes("gh:acme:1")[2:], world.port)
    assert statuses(outputs) == [S.SENDING, S.SUBMITTED]
    assert len(submitted(outputs)) == 1 and world.sent == {"gh:acme:1": 1}


def test_a_dry_run_send_is_submitted_and_says_it_was_only_recorded() -> None:
    from processors.submission.model import Sent

    def dry_port(request: object) -> list[object]:
        assert isinstance(request, SendApplication)
        return [Sent(application_id=request.application_id, idempotency_key=request.idempotency_key,
                     message_id=request.message_id, dry_run=True)]

    events = [profile(SubmissionMode.AUTO), decision("gh:acme:1", apply_email="jobs@acme.example"),
              *resumes("gh:acme:1")]
    _, outputs = process(STEP, None, events, dry_port)
    [done] = submitted(outputs)
    assert done.dry_run and done.channel == "email"
    assert "dry run" in updates(outputs)[-1].reason and "not sent" in updates(outputs)[-1].reason


def test_variants_before_their_decision_and_before_the_profile_wait_for_them() -> None:
    world = World()
    events = [*resumes("gh:acme:1"), decision("gh:acme:1", apply_email="jobs@acme.example"), profile()]
    _, outputs = process(STEP, None, events, world.port)
    assert statuses(outputs) == [S.SENDING, S.SUBMITTED]


def test_off_mode_skips() -> None:
    world = World()
    events = [profile(SubmissionMode.OFF), decision("gh:acme:1", apply_email="jobs@acme.example"),
              *resumes("gh:acme:1")]
    _, outputs = process(STEP, None, events, world.port)
    assert statuses(outputs) == [S.SKIPPED] and world.sent == {}


def test_switching_to_off_holds_auto_approved_sends_until_the_user_approves() -> None:
    world = World()
    events = [profile(SubmissionMode.AUTO, daily_cap=1), decision("gh:acme:1", apply_email="a@x.example"),
              *resumes("gh:acme:1"), decision("gh:beta:2", apply_email="b@x.example"), *resumes("gh:beta:2")]
    cell, _ = process(STEP, None, events, world.port)
    assert world.sent == {"gh:acme:1": 1}  # the second waits for tomorrow's cap
    cell, outputs = process(STEP, cell, [profile(SubmissionMode.OFF, version=2, daily_cap=1)], world.port)
    tomorrow = NOW + timedelta(days=1)
    cell, outputs = process(STEP, cell, [tick(tomorrow)], world.port, now=tomorrow)
    assert statuses(outputs) == [S.WAITING] and "OFF" in outputs[0].reason and world.sent == {"gh:acme:1": 1}
    held, outputs = process(STEP, cell, [tick(tomorrow + timedelta(hours=1))], world.port,
                            now=tomorrow + timedelta(hours=1))
    assert outputs == []  # told once
    _, outputs = process(STEP, held, [command(K.APPROVE, "gh:beta:2", at=tomorrow)], world.port, now=tomorrow)
    assert statuses(outputs) == [S.SENDING, S.SUBMITTED] and world.sent == {"gh:acme:1": 1, "gh:beta:2": 1}
    _, outputs = process(STEP, held, [profile(SubmissionMode.AUTO, version=3, daily_cap=1)], World().port,
                         now=tomorrow)
    assert statuses(outputs) == [S.SENDING, S.SUBMITTED]


def test_a_re_analysis_while_variants_arrive_takes_the_new_decisions_variants_under_the_same_ids() -> None:
    """Rendering is deterministic: the new decision's variants carry the old ones' event ids."""
    world = World()
    first = decision("gh:acme:1", apply_email="a@x.example")
    again = first.model_copy(update={"event_id": "decision-gh:acme:1-v2"})
    old, new = resumes("gh:acme:1"), resumes("gh:acme:1", decision_id=again.event_id)
    assert [r.event_id for r in old] == [r.event_id for r in new]
    cell, _ = process(STEP, None, [profile(SubmissionMode.REVIEW), first, *old[:2], again, old[2], *new],
                      world.port)
    app = cell.applications[application_id("gh:acme:1")]
    assert app.status == S.AWAITING_REVIEW
    assert {r.decision_id for r in options_of(app)} == {again.event_id} and len(options_of(app)) == 3


def test_a_command_replayed_from_far_back_changes_nothing() -> None:
    """Beyond the ids `seen_commands` keeps, an old APPROVE must not send a failed application again, nor an old
    WITHDRAW undo what came after it, nor an old command publish anything."""
    world = World(fail_next=[SendFailed(application_id="x", reason="550 no such user", permanent=True)])
    events = [profile(SubmissionMode.REVIEW), decision("gh:acme:1", apply_email="a@x.example"),
              *resumes("gh:acme:1"), decision("gh:beta:2"), *resumes("gh:beta:2")]
    cell, _ = process(STEP, None, events, world.port)
    approve = command(K.APPROVE, "gh:acme:1")
    cell, outputs = process(STEP, cell, [approve], world.port)
    assert statuses(outputs) == [S.SENDING, S.FAILED] and world.sent == {}
    later = [command(K.WITHDRAW, "gh:beta:2", n=n, at=NOW + timedelta(seconds=n)) for n in range(1, 502)]
    cell, _ = process(STEP, cell, later, world.port, now=NOW + timedelta(minutes=10))
    assert approve.event_id not in cell.seen_commands
    again, outputs = process(STEP, cell, [approve, later[0]], world.port, now=NOW + timedelta(minutes=11))
    assert outputs == [] and world.sent == {} and again.applications == cell.applications


def test_commands_at_the_same_instant_all_apply_once() -> None:
    world = World()
    events = [profile(SubmissionMode.REVIEW), decision("gh:acme:1", apply_email="a@x.example"),
              *resumes("gh:acme:1")]
    cell, _ = process(STEP, None, events, world.port)
    reject, approve = command(K.REJECT, "gh:acme:1"), command(K.APPROVE, "gh:acme:1")
    cell, outputs = process(STEP, cell, [reject, approve], world.port)
    assert statuses(outputs) == [S.DECLINED, S.DECLINED] and "does not apply" in outputs[-1].reason
    cell = cell.model_copy(update={"seen_commands": []})
    _, outputs = process(STEP, cell, [reject, approve], world.port)
    assert outputs == []


def test_a_duplicate_posting_on_another_board_is_the_same_application() -> None:
    world = World()
    events = [profile(), decision("gh:acme:1", apply_email="jobs@acme.example"), *resumes("gh:acme:1"),
              decision("lever:acme:9", duplicate_of="gh:acme:1", apply_email="jobs@acme.example"),
              *resumes("lever:acme:9")]
    cell, outputs = process(STEP, None, events, world.port)
    assert len(submitted(outputs)) == 1 and world.sent == {"gh:acme:1": 1}
    assert list(cell.applications) == [application_id("gh:acme:1")]


def test_over_the_daily_cap_an_application_waits_until_the_next_utc_day() -> None:
    world = World()
    events = [profile(daily_cap=1)]
    for job in ("gh:acme:1", "gh:beta:2"):
        events += [decision(job, company=job, apply_email="jobs@x.example"), *resumes(job)]
    cell, outputs = process(STEP, None, events, world.port)
    assert len(submitted(outputs)) == 1
    [waiting] = [u for u in updates(outputs) if u.status == S.WAITING]
    assert waiting.wait_until == (NOW + timedelta(days=1)).replace(hour=0)
    assert "daily cap of 1" in waiting.reason
    _, outputs = process(STEP, cell, [tick()], world.port, now=NOW + timedelta(hours=11, minutes=59))
    assert outputs == []  # same day: still waiting, nothing new to say
    _, outputs = process(STEP, cell, [tick()], world.port, now=NOW + timedelta(hours=12))
    assert statuses(outputs) == [S.SENDING, S.SUBMITTED] and world.sent == {"gh:acme:1": 1, "gh:beta:2": 1}


def test_the_company_cap_compares_normalized_names_over_its_window() -> None:
    world = World()
    events = [profile(company_cap=1, company_cap_days=7),
              decision("gh:acme:1", company="Acme, Inc.", apply_email="a@acme.example"), *resumes("gh:acme:1"),
              decision("gh:acme:2", company="ACME", apply_email="a@acme.example"), *resumes("gh:acme:2")]
    cell, outputs = process(STEP, None, events, world.port)
    assert world.sent == {"gh:acme:1": 1}
    [waiting] = [u for u in updates(outputs) if u.status == S.WAITING]
    assert waiting.wait_until == NOW + timedelta(days=7)
    _, outputs = process(STEP, cell, [tick()], world.port, now=NOW + timedelta(days=7, seconds=1))
    assert world.sent == {"gh:acme:1": 1, "gh:acme:2": 1}


def test_a_transient_failure_retries_with_backoff_then_fails_with_the_reason() -> None:
    config = Config(email=True, reconcile_email=True, retry=timedelta(minutes=1), max_attempts=3)
    step = step_for(config)
    world = World(fail_next=[SendFailed(application_id="x", reason="451 try later", permanent=False)] * 3)
    cell, outputs = process(step, None, [profile(), decision("gh:acme:1", apply_email="a@x.example"),
                                         *resumes("gh:acme:1")], world.port)
    assert statuses(outputs) == [S.SENDING, S.WAITING]
    assert updates(outputs)[-1].wait_until == NOW + timedelta(minutes=1)
    cell, outputs = process(step, cell, [tick()], world.port, now=NOW + timedelta(minutes=1))
    assert statuses(outputs) == [S.SENDING, S.WAITING]
    assert updates(outputs)[-1].wait_until == NOW + timedelta(minutes=3)  # doubled
    cell, outputs = process(step, cell, [tick()], world.port, now=NOW + timedelta(minutes=3))
    assert statuses(outputs) == [S.SENDING, S.FAILED]
    [failed] = [o for o in outputs if isinstance(o, ApplicationFailed)]
    assert (failed.reason, failed.attempts, failed.retryable) == ("451 try later", 3, True)
    assert cell.dispatches == []  # nothing went out: the caps do not count it


def test_a_permanent_refusal_fails_at_once() -> None:
    world = World(fail_next=[SendFailed(application_id="x", reason="550 no such mailbox", permanent=True)])
    _, outputs = process(STEP, None, [profile(), decision("gh:acme:1", apply_email="a@x.example"),
                                      *resumes("gh:acme:1")], world.port)
    assert statuses(outputs) == [S.SENDING, S.FAILED]
    [failed] = [o for o in outputs if isinstance(o, ApplicationFailed)]
    assert (failed.attempts, failed.retryable, failed.reason) == (1, False, "550 no such mailbox")


def test_without_an_automated_channel_the_user_gets_a_packet_and_marks_it_applied() -> None:
    world = World()
    cell, outputs = process(STEP, None, [profile(), decision("gh:acme:1"), *resumes("gh:acme:1")], world.port)
    [packet] = updates(outputs)
    assert (packet.status, packet.channel) == (S.AWAITING_MANUAL, "manual")
    assert packet.posting is not None and packet.posting.apply_url == "https://jobs.example/gh:acme:1/apply"
    assert packet.cover_letter_uri == "file:///art/gh:acme:1/letter.pdf"
    assert {a.question: (a.answer, a.source) for a in packet.answers}["Email"] == (EMAIL, "basics.email")
    cell, outputs = process(STEP, cell, [command(K.MARK_APPLIED, "gh:acme:1")], world.port)
    [sent] = submitted(outputs)
    assert sent.channel == "manual" and sent.variant_id == packet.variant_id and world.sent == {}


def test_greenhouse_is_used_where_the_deployment_holds_the_boards_key() -> None:
    step = step_for(Config(email=True, greenhouse_boards=frozenset({"acme"})))
    requests: list[SendApplication] = []
    world = World()

    def port(request):  # type: ignore[no-untyped-def]
        requests.append(request)
        return world.port(request)

    process(step, None, [profile(), decision("gh:acme:1", apply_email="a@x.example"), *resumes("gh:acme:1")],
            port)
    assert [r.channel for r in requests] == ["greenhouse"]
    assert requests[0].applicant.first_name == "Ada" and requests[0].applicant.last_name == "Park"


def crashed_while_sending(step, world: World):  # type: ignore[no-untyped-def]
    """The last variant arrives, the email goes out, the worker dies before the confirmation: the cell as it was
    before that record, and the records (the last is redelivered after the restart)."""
    events = [profile(), decision("gh:acme:1", apply_email="a@x.example"), *resumes("gh:acme:1")]
    cell, _ = process(step, None, events[:-1], world.port)
    with pytest.raises(Crash):
        process(step, cell, events[-1:], world.port)
    return events, cell


def test_a_crash_between_sending_and_confirming_is_reconciled_from_the_mailbox_not_resent() -> None:
    world = World(crash_after_send=1)
    events, cell = crashed_while_sending(STEP, world)
    cell, outputs = process(STEP, cell, events[-1:], world.port)  # redelivered after the restart
    assert statuses(outputs) == [S.SENDING, S.IN_DOUBT, S.SUBMITTED]
    assert world.sent == {"gh:acme:1": 1}
    assert submitted(outputs)[0].message_id == message_id(cell.applications[application_id("gh:acme:1")])


def test_no_copy_after_the_grace_period_asks_the_user_and_only_confirm_not_sent_sends_again() -> None:
    world = World(crash_after_send=1)
    events, cell = crashed_while_sending(STEP, world)
    world.mailbox.clear()  # the copy never showed (a delayed relay, a provider hiding the sender's own copy)
    world.sent.clear()
    world.grace_over = False
    cell2, outputs = process(STEP, cell, events[-1:], world.port)
    assert statuses(outputs) == [S.SENDING, S.IN_DOUBT] and world.sent == {}
    assert updates(outputs)[-1].wait_until is None
    world.grace_over = True
    cell2, outputs = process(STEP, cell2, [tick()], world.port, now=NOW + timedelta(minutes=2))
    assert statuses(outputs) == [S.IN_DOUBT] and world.sent == {}  # not sent again on a missing copy
    assert "no copy in your mailbox 5 minutes after sending" in outputs[-1].reason
    assert "confirm-not-sent" in outputs[-1].reason
    first = cell2.applications[application_id("gh:acme:1")]
    # Still looked for later, without telling the user again.
    cell2, outputs = process(STEP, cell2, [tick()], world.port, now=NOW + timedelta(minutes=10))
    assert outputs == [] and world.sent == {}
    cell2, outputs = process(STEP, cell2, [command(K.CONFIRM_NOT_SENT, "gh:acme:1", at=NOW + timedelta(minutes=11))],
                             world.port, now=NOW + timedelta(minutes=11))
    assert statuses(outputs) == [S.WAITING, S.SENDING, S.SUBMITTED] and world.sent == {"gh:acme:1": 1}
    app = cell2.applications[application_id("gh:acme:1")]
    assert app.claim_round == first.claim_round + 1 and submitted(outputs)[0].message_id == message_id(app)
    assert message_id(app) != message_id(first)


def test_a_late_copy_after_the_user_was_asked_still_settles_it() -> None:
    world = World(crash_after_send=1, hide_copies=True)
    events, cell = crashed_while_sending(STEP, world)
    cell, outputs = process(STEP, cell, events[-1:], world.port)
    assert statuses(outputs) == [S.SENDING, S.IN_DOUBT, S.IN_DOUBT] and "confirm-sent" in outputs[-1].reason
    world.mailbox.add(message_id(cell.applications[application_id("gh:acme:1")]))  # greylisted, then delivered
    cell, outputs = process(STEP, cell, [tick()], world.port, now=NOW + timedelta(hours=1))
    assert statuses(outputs) == [S.SUBMITTED] and world.sent == {"gh:acme:1": 1}


def test_a_failure_after_handing_it_over_is_in_doubt_with_its_cause_and_never_retried_blindly() -> None:
    step = step_for(Config(email=True, greenhouse_boards=frozenset({"acme"})))
    world = World(in_doubt_next=[True])
    cell, outputs = process(step, None, [profile(), decision("gh:acme:1", apply_email="a@x.example"),
                                         *resumes("gh:acme:1")], world.port)
    assert statuses(outputs) == [S.SENDING, S.IN_DOUBT]
    assert "stopped answering after it was handed" in outputs[-1].reason and "confirm-sent" in outputs[-1].reason
    cell, outputs = process(step, cell, [tick(NOW + timedelta(days=1))], world.port, now=NOW + timedelta(days=1))
    assert outputs == [] and world.sent == {"gh:acme:1": 1}
    _, outputs = process(step, cell, [command(K.CONFIRM_SENT, "gh:acme:1")], world.port)
    assert statuses(outputs) == [S.SUBMITTED] and world.sent == {"gh:acme:1": 1}


def test_every_released_claim_starts_a_new_round() -> None:
    world = World(fail_next=[SendFailed(application_id="x", reason="451 try later", permanent=False)])
    requests: list[SendApplication] = []

    def port(request):  # type: ignore[no-untyped-def]
        requests.append(request)
        return world.port(request)

    cell, _ = process(STEP, None, [profile(), decision("gh:acme:1", apply_email="a@x.example"),
                                   *resumes("gh:acme:1")], port)
    process(STEP, cell, [tick()], port, now=NOW + timedelta(minutes=5))
    assert len(requests) == 2
    assert len({r.idempotency_key for r in requests}) == 2 and len({r.message_id for r in requests}) == 2


def test_in_doubt_without_reconciliation_waits_for_the_users_confirmation() -> None:
    step = step_for(Config(email=True, reconcile_email=False))
    world = World(crash_after_send=1)
    events, cell = crashed_while_sending(step, world)
    cell, outputs = process(step, cell, events[-1:], world.port)
    assert statuses(outputs) == [S.SENDING, S.IN_DOUBT]
    process(step, cell, [command(K.CONFIRM_NOT_SENT, "gh:acme:1")], world.port)
    assert world.sent == {"gh:acme:1": 2}  # the user said the first never arrived (here: wrongly)
    _, outputs = process(step, cell, [command(K.CONFIRM_SENT, "gh:acme:1")], world.port)
    assert statuses(outputs) == [S.SUBMITTED] and world.sent == {"gh:acme:1": 2}


def test_reject_withdraw_and_commands_that_do_not_apply() -> None:
    world = World()
    events = [profile(SubmissionMode.REVIEW), decision("gh:acme:1", apply_email="a@x.example"),
              *resumes("gh:acme:1")]
    cell, _ = process(STEP, None, events, world.port)
    declined, outputs = process(STEP, cell, [command(K.REJECT, "gh:acme:1")], world.port)
    assert statuses(outputs) == [S.DECLINED]
    _, outputs = process(STEP, declined, [command(K.APPROVE, "gh:acme:1")], world.port)
    assert statuses(outputs) == [S.DECLINED] and "does not apply" in outputs[0].reason and world.sent == {}
    _, outputs = process(STEP, cell, [command(K.WITHDRAW, "gh:acme:1")], world.port)
    assert statuses(outputs) == [S.WITHDRAWN]
    _, outputs = process(STEP, cell, [command(K.APPROVE, "gh:acme:1", variant="nope")], world.port)
    assert statuses(outputs) == [S.AWAITING_REVIEW] and "no variant 'nope'" in outputs[0].reason
    with pytest.raises(PoisonRecord):
        process(STEP, cell, [command(K.APPROVE, "gh:other:9")], world.port)


def test_redelivered_inputs_change_nothing() -> None:
    events = [profile(SubmissionMode.REVIEW), decision("gh:acme:1", apply_email="a@x.example"),
              *resumes("gh:acme:1"), command(K.APPROVE, "gh:acme:1"), decision("gh:beta:2"), *resumes("gh:beta:2"),
              command(K.MARK_APPLIED, "gh:beta:2")]
    for start in range(len(events)):
        assert_redelivery_changes_nothing(STEP, None, events, start, World().port)


def test_posting_text_cannot_add_mail_headers() -> None:
    requests: list[SendApplication] = []
    hostile = decision("gh:acme:1", apply_email="a@x.example")
    assert hostile.posting is not None
    hostile = hostile.model_copy(update={"posting": hostile.posting.model_copy(update={
        "title": "Dev\r\nBcc: everyone@example.org", "company": "Acme\nX-Spam: yes"})})

    def port(request):  # type: ignore[no-untyped-def]
        requests.append(request)
        return World().port(request)

    process(STEP, None, [profile(), hostile, *resumes("gh:acme:1")], port)
    [send] = requests
    assert "\n" not in send.subject and "\r" not in send.subject
    assert send.subject.startswith("Application for Dev Bcc: everyone@example.org")
    assert "Dear Acme X-Spam: yes hiring team," in send.body


def test_the_timer_passes_over_a_cell_it_cannot_read_and_keeps_going() -> None:
    from processors.submission.agent import due_users

    cells = [("broken", {"user_id": "u-1", "applications": "not a mapping"}),
             ("idle", SubmissionUser(user_id="u-2").model_dump())]
    assert due_users(cells, NOW) == []  # and nothing raised


def test_a_send_replayed_later_repeats_when_the_ledger_says_it_went_out() -> None:
    """The application's submission time is when the ledger confirmed the send, recorded once: its records
    processed again a month later (a replay from before the cell stored them) send nothing and give the very same
    events; a send that really happens later is dated then."""
    world = World()
    events = [profile(SubmissionMode.AUTO), decision("gh:acme:1", apply_email="a@x.example"), *resumes("gh:acme:1")]
    _, first = process(STEP, None, events, world.port)
    [submitted] = [o for o in first if isinstance(o, ApplicationSubmitted)]
    assert submitted.occurred_at == NOW and world.sent == {"gh:acme:1": 1}
    world.clock = NOW + timedelta(days=30)
    _, replayed = process(STEP, None, events, world.port, now=NOW + timedelta(days=30))
    assert replayed == first and world.sent == {"gh:acme:1": 1}
    _, later = process(STEP, None, [profile(SubmissionMode.AUTO), decision("gh:beta:2", apply_email="b@x.example"),
                                    *resumes("gh:beta:2")], world.port, now=NOW + timedelta(days=30))
    assert [o.occurred_at for o in later if isinstance(o, ApplicationSubmitted)] == [NOW + timedelta(days=30)]

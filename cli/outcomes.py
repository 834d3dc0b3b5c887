"""The outcomes commands: `inbox read`, `outcomes record`, `outcomes link` and `eval replies`.

They only parse input and hand a message on (`outcome.reports`); the outcomes processor links and decides.
"""

from __future__ import annotations

import argparse
import logging
import time
from datetime import date
from pathlib import Path

from streams.dates import EARLIEST, plausible_day
from streams.errors import UserError
from streams.messages import OutcomeReport, ResponseKind
from streams.settings import Settings, load_settings

log = logging.getLogger(__name__)
USER_KINDS = [k.value for k in ResponseKind if k is not ResponseKind.OTHER]


def _publish(settings: Settings, reports: list[OutcomeReport]) -> None:
    from streams.kafka_clients import RecordPublisher, Serdes, registry_client
    from streams.topics import OUTCOME_REPORTS

    publisher = RecordPublisher(settings, Serdes(registry_client(settings)))
    for report in reports:
        publisher.publish(OUTCOME_REPORTS, report.user_id, report)
    publisher.flush()


def _inbox_read(args: argparse.Namespace) -> int:
    from processors.outcomes.inbox import read_folder
    from streams.messages import utc_now

    path, kind = (args.maildir, "maildir") if args.maildir else (args.mbox, "mbox")
    _user_id(args.email)  # refuses a value that is no address before anything is read
    settings = load_settings()
    sent: set[str] = set()  # with --watch, each report goes out once per run (the processor dedups anyway)
    while True:
        try:
            read = list(read_folder(path, kind, user_email=args.email, now=utc_now()))
        except FileNotFoundError as exc:
            raise UserError(str(exc)) from exc
        new = [r.report for r in read if r.report is not None and r.report.event_id not in sent]
        _publish(settings, new)
        sent.update(r.event_id for r in new)
        skipped = [r for r in read if r.report is None]
        print(f"read {len(read)} mails from {path}: {len(new)} reports sent to outcome.reports, "
              f"{len(skipped)} skipped", flush=True)
        for mail in skipped:
            print(f"  skipped {mail.key}: {mail.skipped}", flush=True)
        if not args.watch:
            return 0
        try:
            time.sleep(args.watch)
        except KeyboardInterrupt:  # the way to stop --watch
            return 0


def _user_id(email: str) -> str:
    from streams.ids import user_id_for_email

    if "@" not in email:
        raise UserError(f"not an email address: {email!r}")
    return user_id_for_email(email)


def _outcomes_record(args: argparse.Namespace) -> int:
    from streams.messages import ResponseSource, new_event_id, utc_now

    try:
        responded_on = date.fromisoformat(args.date) if args.date else None
    except ValueError as exc:
        raise UserError(f"--date must be YYYY-MM-DD, not {args.date!r}") from exc
    if responded_on is not None and not plausible_day(responded_on, now=utc_now()):
        raise UserError(f"--date {args.date} is not plausible: from {EARLIEST} to tomorrow")
    report = OutcomeReport(event_id=new_event_id(), user_id=_user_id(args.email), occurred_at=utc_now(),
                           source=ResponseSource.USER, application_id=args.application_id,
                           kind=ResponseKind(args.kind), responded_on=responded_on, note=args.note[:2000])
    _publish(load_settings(), [report])
    print(f"report_id={report.event_id}")
    return 0


def _outcomes_link(args: argparse.Namespace) -> int:
    from streams.messages import ResponseSource, new_event_id, utc_now

    report = OutcomeReport(event_id=new_event_id(), user_id=_user_id(args.email), occurred_at=utc_now(),
                           source=ResponseSource.USER, application_id=args.application_id,
                           links_report_id=args.report_id, kind=ResponseKind(args.kind) if args.kind else None)
    _publish(load_settings(), [report])
    print(f"report_id={report.event_id}")
    return 0


def _eval_replies(args: argparse.Namespace) -> int:
    from evaluation.replies import evaluate, load_corpus, report_lines

    report = evaluate(load_corpus(args.data) if args.data else load_corpus())
    for line in report_lines(report, errors=args.errors):
        print(line)
    return 0


def add_parsers(commands: argparse._SubParsersAction, eval_actions: argparse._SubParsersAction) -> None:
    """`inbox`, `outcomes` and `eval replies`, added to the main parser's subcommands."""
    inbox = commands.add_parser("inbox", help="read employers' replies from a mail folder")
    inbox_actions = inbox.add_subparsers(dest="action", required=True, metavar="ACTION")
    read = inbox_actions.add_parser("read", help="send each mail of a Maildir or mbox to outcome.reports "
                                    "(idempotent: the same mail, the same report)")
    folder = read.add_mutually_exclusive_group(required=True)
    folder.add_argument("--maildir", type=Path, help="a Maildir folder (with cur/ and new/)")
    folder.add_argument("--mbox", type=Path, help="an mbox file")
    read.add_argument("--email", required=True,
                      help="whose mailbox the folder is: every mail in it is theirs (a mail's To or Delivered-To "
                      "is not used: a CC or a forward names someone else)")
    read.add_argument("--watch", type=float, metavar="SECONDS", help="read the folder again every SECONDS")
    read.set_defaults(run=_inbox_read)

    outcomes = commands.add_parser("outcomes", help="report what happened to an application")
    outcome_actions = outcomes.add_subparsers(dest="action", required=True, metavar="ACTION")
    record = outcome_actions.add_parser("record", help="record an answer (or your own withdrawal or acceptance)")
    record.add_argument("application_id")
    record.add_argument("--email", required=True)
    record.add_argument("--kind", required=True, choices=USER_KINDS)
    record.add_argument("--date", help="when it happened, YYYY-MM-DD (default: today)")
    record.add_argument("--note", default="")
    record.set_defaults(run=_outcomes_record)
    link = outcome_actions.add_parser("link", help="link a report shown on outcome.unlinked to an application")
    link.add_argument("report_id")
    link.add_argument("application_id")
    link.add_argument("--email", required=True)
    link.add_argument("--kind", choices=USER_KINDS, help="its kind, if the classification was wrong")
    link.set_defaults(run=_outcomes_link)

    replies = eval_actions.add_parser(
        "replies", help="the reply classifier's precision and recall per kind on a tuning and a held-out part of "
        "labelled recruiter replies (rules only)")
    replies.add_argument("--data", type=Path, help="a JSON Lines corpus (default: the project's own)")
    replies.add_argument("--errors", type=int, default=10, help="misclassified replies listed per part")
    replies.set_defaults(run=_eval_replies)

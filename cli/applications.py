"""`resumeflow applications ACTION APPLICATION_ID --email E`: a user's decision about one application, published as
an ApplicationCommand on `application.commands` (the submission processor applies it in the user's cell and
answers on `application.updates`); `resumeflow applications list|show`, read from the views the sink keeps (as the
web client is); and `resumeflow mail serve`, the local SMTP server of tests and the demo."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("resumeflow")

ACTIONS = {
    "approve": ("APPROVE", "send it (with --variant, or the learner's pick)"),
    "reject": ("REJECT", "do not send it"),
    "withdraw": ("WITHDRAW", "you withdrew (tracked; nothing is sent to the employer)"),
    "mark-applied": ("MARK_APPLIED", "you applied by hand (the manual packet, or outside resumeflow)"),
    "confirm-sent": ("CONFIRM_SENT", "an application in doubt did reach the employer"),
    "confirm-not-sent": ("CONFIRM_NOT_SENT", "an application in doubt did not reach the employer: send it again"),
}


def _command(args: argparse.Namespace) -> int:
    from streams.ids import user_id_for_email
    from streams.kafka_clients import RecordPublisher, Serdes, registry_client
    from streams.messages import ApplicationCommand, ApplicationCommandKind, new_event_id, utc_now
    from streams.settings import load_settings
    from streams.topics import APPLICATION_COMMANDS

    kind = ApplicationCommandKind(ACTIONS[args.action][0])
    command = ApplicationCommand(event_id=new_event_id(), user_id=user_id_for_email(args.email),
                                 occurred_at=utc_now(), application_id=args.application_id, kind=kind,
                                 variant_id=args.variant, note=args.note or "")
    settings = load_settings()
    publisher = RecordPublisher(settings, Serdes(registry_client(settings)))
    publisher.publish(APPLICATION_COMMANDS, command.user_id, command)
    publisher.flush()
    print(f"command_id={command.event_id}")
    return 0


async def _read(query: Any, *args: Any) -> Any:
    import asyncpg

    from streams.errors import UserError
    from streams.settings import load_settings

    connection = await asyncpg.connect(load_settings().database_url)
    try:
        return await query(connection, *args)
    except asyncpg.UndefinedTableError as exc:
        raise UserError("no application views yet: `resumeflow sink` keeps them (make dev and make demo run it)"
                        ) from exc
    finally:
        await connection.close()


def _posting(record: Any) -> dict[str, Any]:
    return json.loads(record["posting"]) if record["posting"] else {}


def _list(args: argparse.Namespace) -> int:
    from query_api.reads import ApplicationFilter, list_applications
    from streams.ids import user_id_for_email

    chosen = ApplicationFilter(status=args.status)
    records = asyncio.run(_read(lambda db, user: list_applications(db, user, filter=chosen, limit=args.limit),
                                user_id_for_email(args.email)))
    for record in records:
        posting = _posting(record)
        variant = record["variant_id"] or record["recommended_variant_id"] or "-"
        print(f"{record['application_id']}  {record['status']:15} {record['channel'] or '-':10} {variant:20} "
              f"{posting.get('title', record['canonical_job_id'])} at {posting.get('company', '?')}")
        if record["reason"]:
            print(f"{'':38}{record['reason']}")
    if not records:
        print("no applications" + (f" with status {args.status}" if args.status else ""))
    return 0


def _show(args: argparse.Namespace) -> int:
    from query_api.reads import application_history, own_application
    from streams.errors import UserError
    from streams.ids import user_id_for_email

    async def both(db: Any, user: str, application_id: str) -> tuple[Any, dict[str, Any]]:
        return await own_application(db, user, application_id), await application_history(db, user, application_id)

    record, history = asyncio.run(_read(both, user_id_for_email(args.email), args.application_id))
    if record is None:
        raise UserError(f"{args.email} has no application {args.application_id}")
    posting = _posting(record)
    print(f"{posting.get('title', '')} at {posting.get('company', '')}  ({record['canonical_job_id']})")
    print(f"  status {record['status']}: {record['reason']}")
    print(f"  channel {record['channel'] or '-'}, variant {record['variant_id'] or '-'} "
          f"(the learner's pick: {record['recommended_variant_id'] or '-'})")
    for url in (posting.get("url"), posting.get("apply_url"), posting.get("apply_email")):
        if url:
            print(f"  {url}")
    for variant in json.loads(record["variants"] or "[]"):
        print(f"  variant {variant['variant_id']:20} ATS {variant['ats_score']:.2f}  {variant['artifact_uri']}")
    if record["cover_letter_uri"]:
        print(f"  cover letter {record['cover_letter_uri']}")
    for answer in json.loads(record["answers"] or "[]"):
        print(f"  {answer['question']}: {answer['answer']}  (from {answer['source'] or 'the profile'})")
    print("  timeline:")
    for event in history["timeline"]:
        print(f"    {event['occurred_at']:%Y-%m-%d %H:%M} {event['kind']:16} {event['detail']}")
    if history["outcome"]:
        print(f"  outcome {history['outcome']['outcome']}")
    return 0


def _mail_serve(args: argparse.Namespace) -> int:
    from adapters.mail_server import MailServer

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with MailServer(args.maildir, host=args.host, port=args.port) as server:
        print(f"SMTP on {server.host}:{server.port}, every message delivered under {args.maildir}/<recipient>/",
              flush=True)
        stop.wait()
    return 0


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    applications = commands.add_parser("applications", help="list, show, approve, reject, withdraw or mark "
                                       "applications")
    actions = applications.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="a user's applications, newest change first (from the views)")
    listing.add_argument("--email", required=True, help="the user's email")
    listing.add_argument("--status", help="only this status, e.g. AWAITING_REVIEW")
    listing.add_argument("--limit", type=int, default=200)
    listing.set_defaults(run=_list)
    show = actions.add_parser("show", help="one application: variants, packet, timeline, outcome (from the views)")
    show.add_argument("application_id", metavar="APPLICATION_ID")
    show.add_argument("--email", required=True, help="the user's email")
    show.set_defaults(run=_show)
    for name, (_, text) in ACTIONS.items():
        action = actions.add_parser(name, help=text)
        action.add_argument("application_id", metavar="APPLICATION_ID")
        action.add_argument("--email", required=True, help="the user's email")
        if name in ("approve", "mark-applied"):
            action.add_argument("--variant", help="the resume variant (approve: instead of the learner's pick)")
        action.add_argument("--note", help="a note kept with the application")
        action.set_defaults(run=_command, variant=None)
    mail = commands.add_parser("mail", help="the local SMTP server of tests and the demo")
    mail_actions = mail.add_subparsers(dest="action", required=True, metavar="ACTION")
    serve = mail_actions.add_parser("serve", help="accept every message and keep it in a Maildir per recipient")
    serve.add_argument("--maildir", type=Path, required=True, help="the folder of the recipients' Maildirs")
    serve.add_argument("--port", type=int, default=2525)
    serve.add_argument("--host", default="127.0.0.1")
    serve.set_defaults(run=_mail_serve)

"""`resumeflow applications ACTION APPLICATION_ID --email E`: a user's decision about one application, published as
an ApplicationCommand on `application.commands` (the submission processor applies it in the user's cell and
answers on `application.updates`); and `resumeflow mail serve`, the local SMTP server of tests and the demo."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path

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
    applications = commands.add_parser("applications", help="approve, reject, withdraw or mark an application")
    actions = applications.add_subparsers(dest="action", required=True, metavar="ACTION")
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

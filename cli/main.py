"""`resumeflow`: the one command. Parses arguments, builds what the subcommand needs, hands over, prints.

Errors the user must fix (`UserError`) are printed without a traceback and exit 2.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from cli import dlq, outcomes, replay
from cli.applications import add_parsers as add_application_parsers
from streams import bounded_json
from streams.errors import ResumeflowError, UserError
from streams.log_control import use_format
from streams.messages import BOARD_NAME, UserCommand
from streams.messages.users import MAX_PROFILE_BYTES
from streams.settings import Settings, load_settings, resumeflow_home

if TYPE_CHECKING:
    from evaluation.distill import Distillation
    from evaluation.skill_model import TrainingData

log = logging.getLogger("resumeflow")


# --- stack ----------------------------------------------------------------------------------------------------


def _stack_up(args: argparse.Namespace) -> int:
    from localstack.stack import Stack

    for key, value in Stack(resumeflow_home(), brokers=args.brokers).up().items():
        print(f"{key}={value}")
    return 0


def _stack_down(args: argparse.Namespace) -> int:
    from localstack.stack import Stack

    stopped = Stack(resumeflow_home()).down(wipe=args.wipe)
    print(f"stopped: {', '.join(stopped) or 'nothing was running'}" + ("; data wiped" if args.wipe else ""))
    return 0


def _stack_stop(args: argparse.Namespace) -> int:
    from localstack.stack import Stack

    stopped = Stack(resumeflow_home()).stop_service(args.service)
    print(f"{args.service}: {'stopped (data kept)' if stopped else 'was not running'}")
    return 0


def _stack_start(args: argparse.Namespace) -> int:
    from localstack.stack import Stack

    print(f"{args.service}: {Stack(resumeflow_home()).start_service(args.service)}")
    return 0


def _stack_status(args: argparse.Namespace) -> int:
    from localstack.stack import Stack

    states = Stack(resumeflow_home()).status()
    for name, (address, state) in states.items():
        print(f"{name:16} {address:50} {state}")
    return 0 if all("healthy" in s and "NOT" not in s and "UNREACHABLE" not in s for _, s in states.values()) else 1


# --- topics ---------------------------------------------------------------------------------------------------


def _topics_apply(args: argparse.Namespace) -> int:
    from streams.admin import admin_client, apply_topics, register_subjects
    from streams.kafka_clients import Serdes, registry_client

    settings = load_settings()
    changes = apply_topics(settings, admin_client(settings))
    for change in changes:
        print(change)
    subjects = register_subjects(settings, Serdes(registry_client(settings)))
    print(f"{len(changes)} topics created, {len(subjects)} subjects registered")
    if args.verbose:
        print("\n".join(subjects))
    return 0


def _topics_list(args: argparse.Namespace) -> int:
    from streams.admin import admin_client, topic_states

    settings = load_settings()
    print(f"{'topic':40} {'scope':12} {'parts':>5} {'live':>5} {'policy':8} {'key':17} value")
    for state in topic_states(settings, admin_client(settings)):
        spec = state.spec
        live = "-" if state.partitions is None else str(state.partitions)
        policy = "compact" if spec.compacted else ("forever" if spec.retention_ms < 0 else
                                                    f"{spec.retention_ms // 86_400_000}d")
        print(f"{spec.name:40} {spec.scope.value:12} {spec.partitions(settings):>5} {live:>5} {policy:8} "
              f"{spec.key_schema or 'raw bytes':17} {spec.value_schema}")
    return 0


def _schemas_release(args: argparse.Namespace) -> int:
    from streams.avro_schemas import release_changed

    written = release_changed()
    print("\n".join(written) if written else "every schema matches its latest release")
    return 0


# --- worker ---------------------------------------------------------------------------------------------------


def _run_worker(settings: Settings, names: list[str], loglevel: str) -> int:
    from cli.processors import PROCESSORS, resolve
    from cli.worker import run_in_process, supervise
    from streams.admin import admin_client, check_copartitioning, session_the_broker_allows

    try:
        processors = resolve(names)
    except KeyError as exc:
        raise UserError(f"unknown processor {exc.args[0]}; choose from: all, {', '.join(PROCESSORS)}") from exc
    if len(processors) > 1:
        return supervise([p.name for p in processors], loglevel, settings.metrics_port)
    admin = admin_client(settings)
    check_copartitioning(settings, admin)
    return run_in_process(session_the_broker_allows(settings, admin), processors[0], loglevel)


def _worker(args: argparse.Namespace) -> int:
    return _run_worker(load_settings(), args.processors, args.loglevel)


def _discover(args: argparse.Namespace) -> int:
    if not args.once:
        raise UserError("discovery polls inside `resumeflow worker discovery`; `discover --once` runs one cycle")
    # Its own table directory, so it can run beside a worker of this machine; it joins the same consumer group
    # (and so only forces the boards of the partitions it is given while another discovery worker runs).
    settings = load_settings().model_copy(update={"discovery_once": True, "worker_id": "discover-once"})
    return _run_worker(settings, ["discovery"], args.loglevel)


def _discover_import(args: argparse.Namespace) -> int:
    """Check the file as discovery will read it (a file it would refuse is refused here, saying what was seen;
    lines it would skip are listed), then put it where FILE boards are read."""
    import shutil

    from processors.discovery.errors import SourceParseError
    from processors.discovery.sources import file_import

    settings = load_settings()
    name = args.name or args.file.name
    if not BOARD_NAME.match(name) or Path(name).suffix.lower() not in (".jsonl", ".csv"):
        raise UserError(f"{name!r} is not a board name ending in .jsonl or .csv (letters, digits, '.', '_', '-')")
    if not args.file.is_file():
        raise UserError(f"no file {args.file}")
    try:
        imported = file_import.parse(args.file.read_bytes(), board_token=name,
                                     fmt="csv" if Path(name).suffix.lower() == ".csv" else "jsonl")
    except SourceParseError as exc:
        raise UserError(f"{exc}; nothing imported") from exc
    settings.import_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.file, settings.import_dir / name)
    postings, skipped = len(imported.postings), len(imported.rejected)
    print(f"imported as FILE board {name!r} ({settings.import_dir / name}): {postings} posting"
          f"{'' if postings == 1 else 's'}, {skipped} line{'' if skipped == 1 else 's'} skipped; users follow it with "
          f'{{"source": "FILE", "token": "{name}"}} and the next poll reads it')
    for rejected in imported.rejected:
        print(f"  line {rejected.line_number}: {rejected.reason}")
    return 0


# --- sink -----------------------------------------------------------------------------------------------------


def _sink(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from sinks.runner import run_sink
    from streams import metrics

    settings = load_settings()
    metrics.serve(settings.metrics_port, settings.metrics_host)

    async def keep_views() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run_sink(settings, stop=stop)

    asyncio.run(keep_views())
    return 0


# --- query API ------------------------------------------------------------------------------------------------


def _api(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from query_api.app import serve
    from streams import metrics

    settings = load_settings()
    metrics.serve(settings.metrics_port, settings.metrics_host)

    async def serve_until_signalled() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve(settings, args.host, args.port, stop=stop)

    try:
        asyncio.run(serve_until_signalled())
    except OSError as exc:  # port taken, or the database unreachable
        raise UserError(f"the query API cannot start on {args.host}:{args.port}: {exc}") from exc
    return 0


def _user_password(args: argparse.Namespace) -> int:
    import asyncio
    import secrets

    import asyncpg

    from query_api import accounts
    from streams.messages import utc_now

    password = secrets.token_urlsafe(12)  # 16 characters, 96 random bits

    async def run() -> None:
        connection = await asyncpg.connect(load_settings().database_url)
        try:
            await accounts.create_schema(connection)
            await accounts.set_password(connection, args.email, password, now=utc_now())
        finally:
            await connection.close()

    asyncio.run(run())
    print(f"{args.email}: password {password}")
    return 0


def _user_token(args: argparse.Namespace) -> int:
    from query_api.auth import issue_token, require_secret
    from streams.ids import user_id_for_email

    print(issue_token(user_id_for_email(args.email), require_secret(load_settings())))
    return 0


def _user_role(args: argparse.Namespace) -> int:
    import asyncio

    import asyncpg

    from query_api import accounts

    async def run() -> bool:
        connection = await asyncpg.connect(load_settings().database_url)
        try:
            await accounts.create_schema(connection)
            return await accounts.set_role(connection, args.email, args.role)
        finally:
            await connection.close()

    if not asyncio.run(run()):
        raise UserError(f"{args.email} has no web account: sign up first (POST /api/auth/signup, or the web client)")
    print(f"{args.email}: {args.role}")
    return 0


# --- users ----------------------------------------------------------------------------------------------------


def _read_json_file(path: Path, what: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read the {what} file {path}: {exc.strerror}") from exc
    try:
        bounded_json.loads(text, max_bytes=MAX_PROFILE_BYTES)
    except bounded_json.JsonRefused as exc:
        raise UserError(f"the {what} file {path} is refused: {exc}") from exc
    return text


def _publish_user_command(settings: Settings, command: UserCommand) -> None:
    from streams.kafka_clients import RecordPublisher, Serdes, registry_client
    from streams.topics import USER_COMMANDS

    publisher = RecordPublisher(settings, Serdes(registry_client(settings)))
    publisher.publish(USER_COMMANDS, command.user_id, command)
    publisher.flush()


def _user_command(args: argparse.Namespace) -> int:
    from streams.ids import user_id_for_email
    from streams.messages import Preferences, new_event_id, user_command, utc_now
    from streams.messages.users import NothingToUpdate

    profile_json = _read_json_file(args.profile, "profile") if args.profile else None
    preferences = None
    if args.prefs:
        try:
            preferences = Preferences.model_validate_json(_read_json_file(args.prefs, "preferences"))
        except ValidationError as exc:
            raise UserError(f"the preferences file {args.prefs} is not valid:\n{exc}") from exc
    try:
        command = user_command(
            event_id=new_event_id(), user_id=user_id_for_email(args.email), occurred_at=utc_now(),
            register=args.action == "create", email=args.email, profile_json=profile_json, preferences=preferences)
    except NothingToUpdate:
        raise UserError("nothing to update: give --profile and/or --prefs") from None
    _publish_user_command(load_settings(), command)
    print(f"user_id={command.user_id}")
    print(f"command_id={command.event_id}")
    return 0


def _topics_tail(args: argparse.Namespace) -> int:
    from streams.kafka_clients import Serdes, registry_client
    from streams.topic_reader import read_topic, shown
    from streams.topics import by_name

    settings = load_settings()
    try:
        topic = by_name(settings, args.topic)
    except KeyError as exc:
        raise UserError(f"{args.topic} is not in the topic catalog (see `resumeflow topics list`)") from exc
    records = read_topic(settings, Serdes(registry_client(settings)), topic, timeout_s=args.timeout)
    for record in records[-args.max:]:
        value = shown(record.value, full=args.full)
        line = {"partition": record.partition, "offset": record.offset, "key": record.key, "value": value}
        print(json.dumps(line, default=str, ensure_ascii=False))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from demo import run
    from streams.kafka_clients import Serdes, registry_client

    settings = load_settings()
    for line in run(settings, Serdes(registry_client(settings))):
        print(line)
    return 0


# --- render ---------------------------------------------------------------------------------------------------


def _render(args: argparse.Namespace) -> int:
    from cli.job_file import job_from_file
    from processors.generation.pipeline import prepare, render
    from streams.messages import utc_now
    from textkit.profile_check import check_profile

    profile_json = _read_json_file(args.profile, "profile")
    checked = check_profile(profile_json)
    if checked.problems:
        raise UserError(f"{args.profile} is not a usable JSON Resume:\n  " + "\n  ".join(checked.problems))
    for note in checked.notes:
        print(f"note: {note}")
    profile = json.loads(checked.profile_json or profile_json)
    job, job_text = job_from_file(args.job)
    today = utc_now().date()
    result = render(prepare(profile, job, job_text=job_text, pages=args.pages, today=today),
                    job=job, job_text=job_text, profile=profile, today=today)
    args.out.mkdir(parents=True, exist_ok=True)
    report = []
    for variant in result.variants:
        stem = args.out / variant.resume.variant_id
        stem.with_suffix(".pdf").write_bytes(variant.pdf)
        stem.with_suffix(".html").write_text(variant.html, encoding="utf-8")
        stem.with_suffix(".md").write_text(variant.markdown, encoding="utf-8")
        report.append({"variant_id": variant.resume.variant_id, "template": variant.template,
                       "ats": variant.ats.model_dump(), "provenance_summary": variant.provenance_summary,
                       "render_report": {**variant.report.model_dump(), "notes": variant.report.notes()},
                       "resume": variant.resume.model_dump()})
        print(f"{variant.resume.variant_id:22} {variant.template:8} ATS {variant.ats.before.score:.2f} -> "
              f"{variant.ats.after.score:.2f}  missing: {', '.join(variant.ats.after.required_missing) or 'none'}"
              f"  ({variant.provenance_summary}; page filled {variant.report.fill:.0%})  {stem.with_suffix('.pdf')}")
        for note in variant.report.notes():
            print(f"  {note}")
    (args.out / "cover-letter.pdf").write_bytes(result.letter_pdf)
    document = {"profile_notes": checked.notes, "variants": report}
    (args.out / "report.json").write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"cover letter: {args.out / 'cover-letter.pdf'}; every line's provenance and the render report: "
          f"{args.out / 'report.json'}")
    return 0


# --- eval -----------------------------------------------------------------------------------------------------


def _eval_skills(args: argparse.Namespace) -> int:
    import zipfile

    from adapters.skill_student import StudentTagger, read_student
    from evaluation.skills import evaluate, format_report, load_skillspan, matcher_predictor, model_predictor
    from textkit.skill_spans import SpanModel, load_span_model, read_model

    if not args.data.is_file():
        raise UserError(f"no file {args.data} (a SkillSpan split: one JSON object a line with tokens and BIO tags)")
    if args.limit is not None and args.limit < 1:
        raise UserError("--limit must be at least 1")
    try:
        sentences = load_skillspan(args.data, limit=args.limit)
    except (ValueError, KeyError) as exc:
        raise UserError(f"{args.data} is not SkillSpan JSON Lines: {exc}") from exc
    if args.tagger is not None and (args.model is not None or args.extractor != "model"):
        raise UserError("--tagger measures the MiniLM tagger: give it without --model or --extractor vocabulary")
    if args.extractor == "vocabulary":
        print(format_report(evaluate(sentences, matcher_predictor()), f"{args.data} (vocabulary matcher)"))
        return 0
    if args.tagger is not None:
        from adapters.skill_tagger import read_tagger
        from evaluation.skills import tagger_predictor

        try:
            tagger = read_tagger(args.tagger.resolve())
        except (OSError, ValueError) as exc:
            raise UserError(str(exc)) from exc
        _warn_if_trained_on(args.data, tagger.card)
        print(format_report(evaluate(sentences, tagger_predictor(tagger)), f"{args.data} (MiniLM tagger)"))
        return 0
    model: SpanModel | StudentTagger | None
    if args.model is not None:
        try:  # a zip is a student (adapters/skill_student.py), anything else read as the CRF's gzip'd JSON
            model = read_student(args.model) if zipfile.is_zipfile(args.model) else read_model(args.model)
        except (OSError, ValueError, KeyError) as exc:
            raise UserError(f"{args.model} is not a skill span model: {exc}") from exc
    else:
        model = load_span_model()
        if model is None:
            raise UserError("no skill span model is installed: train one with `resumeflow train skills --data DIR`, "
                            "or measure the vocabulary matcher with --extractor vocabulary")
    card = model.card
    print(f"model: {model.name}, trained on {', '.join(d['file'] for d in card.get('training_data', []))} "
          f"(commit {str(card.get('git_commit', '?'))[:12]}, seed {card.get('seed')})")
    _warn_if_trained_on(args.data, card)
    print(format_report(evaluate(sentences, model_predictor(model)), f"{args.data} (span model)"))
    return 0


def _warn_if_trained_on(data: Path, card: dict[str, Any]) -> None:
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    if any(d.get("sha256") == digest for d in card.get("training_data", [])):
        print(f"warning: the model was trained on {data.name}: these figures measure nothing (its card holds "
              "the dev figures of the model trained without it)")


# --- train ----------------------------------------------------------------------------------------------------


def _train_skills(args: argparse.Namespace) -> int:
    from evaluation.skill_model import TrainingData, train
    from evaluation.skills import format_report

    try:
        data = TrainingData.from_arguments(args.data, dev=args.dev, test=args.test)
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from exc
    if args.approach == "conv-student":
        return _train_student(args, data)
    if args.approach != "crf":
        from evaluation.skill_transformer import train_transformer

        if data.dev is None:
            raise UserError(f"--approach {args.approach} reports on a dev split: give --dev or a folder with dev.json")
        if args.refit_on_dev and data.test is None:
            raise UserError("--refit-on-dev reports test once: give --test or a folder with test.json")
        if args.refit_on_dev and args.approach != "minilm-full":
            raise UserError("--refit-on-dev with a MiniLM approach: only minilm-full (the tagger analysis can use)")
        reports = train_transformer(data.train, data.dev, approach=args.approach, seed=args.seed,
                                    epochs=args.epochs, out=args.out,
                                    refit_test=data.test if args.refit_on_dev else None)
        for split, report in reports.items():
            trained_on = "train" if split == "dev" else "train + dev"
            print(format_report(report, f"{split} ({getattr(data, split).name}), {args.approach}, {args.epochs} "
                                        f"epoch(s), trained on {trained_on}"))
        return 0
    try:
        import pycrfsuite  # noqa: F401
    except ImportError as exc:
        raise UserError("training needs python-crfsuite (in the project's dependencies: reinstall with `make venv`)"
                        ) from exc
    if args.refit_on_dev and data.dev is None:
        raise UserError("--refit-on-dev needs a dev split: give --dev or a folder with dev.json")
    distill = _distillation(args)
    if args.silver_only:
        from evaluation.distill import label_postings

        if distill is None or distill.postings is None or distill.silver_out is None:
            raise UserError("--silver-only needs --distill-postings and --silver-out")
        label_postings(distill, data.train, data.dev, print)
        return 0
    try:
        trained = train(data, seed=args.seed, out=args.out, refit_on_dev=args.refit_on_dev, distill=distill,
                        progress=print)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    size = trained.path.stat().st_size
    print(f"wrote {trained.path} ({size / 1024:,.0f} KiB); commit {trained.card['git_commit']}, seed {args.seed}")
    for split, report in trained.reports.items():
        print(format_report(report, f"{split} ({getattr(data, split).name})"))
    return 0


def _train_student(args: argparse.Namespace, data: TrainingData) -> int:
    from evaluation.distill import chosen_silver
    from evaluation.skill_student import train_student
    from evaluation.skills import format_report

    if data.dev is None:
        raise UserError("--approach conv-student reports on a dev split: give --dev or a folder with dev.json")
    if args.out is None:
        raise UserError("--approach conv-student writes the student to --out FILE (nothing ships it: README)")
    if args.refit_on_dev and data.test is None:
        raise UserError("--refit-on-dev reports test once: give --test or a folder with test.json")
    distill = _distillation(args)
    if args.silver_only:
        raise UserError("--silver-only labels postings for a CRF or a student: run it without --approach")
    out: Path = args.out
    try:
        silver, teacher = chosen_silver(distill, data.train, data.dev, print) if distill is not None else ([], {})
        reports = train_student(data, silver, out, seed=args.seed, refit_on_dev=args.refit_on_dev,
                                teacher=teacher, progress=print)
    except ValueError as exc:  # a silver file too small, a tagger that has seen dev, nothing to train on
        raise UserError(str(exc)) from exc
    print(f"wrote {out} ({out.stat().st_size / 1024:,.0f} KiB)")
    for split, report in reports.items():
        trained_on = "train" if split == "dev" else "train + dev"
        print(format_report(report, f"{split} ({getattr(data, split).name}), conv-student, trained on {trained_on} "
                                    f"and {len(silver)} silver sentences"))
    return 0


def _distillation(args: argparse.Namespace) -> Distillation | None:
    from evaluation.distill import Distillation

    if args.distill_tagger is not None and args.distill_postings is None:
        raise UserError("--distill-tagger labels --distill-postings: give both")
    if args.distill_postings is None and args.silver is None:
        if args.silver_out is not None:
            raise UserError("--silver-out needs --distill-postings")
        return None
    if args.distill_postings is not None and args.silver is not None:
        raise UserError("give --distill-postings (label postings) or --silver (a file labelled before), not both")
    if args.distill_tagger is not None and args.distill_confidence > 0:
        raise UserError("--distill-confidence reads the LoRA tagger's probabilities: a saved tagger's labels carry "
                        "none")
    for path in (args.distill_postings, args.silver, args.distill_tagger):
        if path is not None and not path.is_file():
            raise UserError(f"{path} is not a file")
    return Distillation(count=args.distill_count, seed=args.seed, postings=args.distill_postings, silver=args.silver,
                        silver_out=args.silver_out, epochs=args.distill_epochs,
                        min_confidence=args.distill_confidence, tagger=args.distill_tagger)


def _eval_dedup(args: argparse.Namespace) -> int:
    from adapters.embeddings import MiniLmEmbedder
    from evaluation.dedup import evaluate, report_lines

    data = args.shared / "data"
    if not (data / "boards").is_dir() and not (data / "postings").is_dir():
        print(f"skipped: no {data}/boards or {data}/postings (the shared evaluation data is not part of the "
              "project; pass --shared DIR)")
        return 0
    cache = None if args.no_cache else resumeflow_home() / "eval-cache" / "dedup"
    report = evaluate(args.shared, MiniLmEmbedder(), seed=args.seed, fit_model=args.fit, cache=cache,
                      glassdoor_rows=args.glassdoor_rows)
    for line in report_lines(report, errors=None if args.errors == "all" else int(args.errors)):
        print(line)
    return 0


def _eval_truthfulness(args: argparse.Namespace) -> int:
    import asyncio

    from evaluation.truthfulness import evaluate, report_lines

    for chatty in ("LiteLLM", "adapters.ai_gateway.gateway", "processors.generation.rephrase",
                   "processors.analysis.requirements"):
        logging.getLogger(chatty).setLevel(logging.ERROR)  # every case is a provider failure or a drop on purpose
    report = asyncio.run(evaluate(load_settings().redis_url))
    for line in report_lines(report):
        print(line)
    return 0 if report.targets_met else 1


# --- learning -------------------------------------------------------------------------------------------------


def _learning_report(args: argparse.Namespace) -> int:
    from processors.learning.report import rates, table_lines
    from streams.ids import user_id_for_email
    from streams.kafka_clients import Serdes, registry_client
    from streams.messages import WorkflowCompleted
    from streams.topic_reader import read_topic
    from streams.topics import WORKFLOW_COMPLETED

    settings = load_settings()
    records = read_topic(settings, Serdes(registry_client(settings)), WORKFLOW_COMPLETED, timeout_s=args.timeout)
    completed, unreadable = [], 0
    for record in records:
        try:
            completed.append(WorkflowCompleted.model_validate(record.value))
        except ValidationError:  # a record that does not decode (DecodeError) or validate: counted, not shown
            unreadable += 1
    user_id = user_id_for_email(args.email) if args.email else None
    for line in table_lines(rates(completed, user_id=user_id)):
        print(line)
    if unreadable:
        print(f"{unreadable} records of {WORKFLOW_COMPLETED.name} could not be read and are not counted")
    return 0


def _learning_simulate(args: argparse.Namespace) -> int:
    from evaluation.learning_simulation import report_lines, simulate, write_results

    summary = simulate(range(args.seed, args.seed + args.runs), args.outcomes)
    for line in report_lines(summary):
        print(line)
    print(f"written to {write_results(summary)}")
    return 0 if summary.target_met else 1


# --- parser ---------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="resumeflow", description="Resume automation as Kafka stream processors.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    stack = commands.add_parser("stack", help="the local Kafka, schema registry, PostgreSQL and Redis")
    stack_actions = stack.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = stack_actions.add_parser("up", help="start what is not running; print the addresses as KEY=value")
    up.add_argument("--brokers", type=int, help="Kafka nodes of a new stack (default 1; 3: a cluster with "
                    "replication factor 3 and min.insync.replicas 2); an existing stack keeps its count")
    up.set_defaults(run=_stack_up)
    down = stack_actions.add_parser("down", help="stop the local services (data is kept)")
    down.add_argument("--wipe", action="store_true", help="also delete their data")
    down.set_defaults(run=_stack_down)
    stack_actions.add_parser("status", help="each service's address and health").set_defaults(run=_stack_status)
    services = "kafka (every broker), kafka-1, kafka-2, ... (one broker of a cluster), schema-registry, postgres, redis"
    stop = stack_actions.add_parser("stop", help="stop one service, keeping its data (for fault drills)")
    stop.add_argument("service", help=services)
    stop.set_defaults(run=_stack_stop)
    start = stack_actions.add_parser("start", help="start one stopped service again on its data")
    start.add_argument("service", help=services)
    start.set_defaults(run=_stack_start)

    topics = commands.add_parser("topics", help="the topic catalog on the cluster")
    topic_actions = topics.add_subparsers(dest="action", required=True, metavar="ACTION")
    topic_actions.add_parser("apply", help="create or update every topic and register every schema (idempotent)"
                             ).set_defaults(run=_topics_apply)
    topic_actions.add_parser("list", help="the catalog with each topic's live partition count"
                             ).set_defaults(run=_topics_list)

    schemas = commands.add_parser("schemas", help="the Avro schemas in schemas/")
    schema_actions = schemas.add_subparsers(dest="action", required=True, metavar="ACTION")
    schema_actions.add_parser("release", help="freeze every changed schema as its next released version "
                              "(tests then hold each release BACKWARD compatible with the one before)"
                              ).set_defaults(run=_schemas_release)

    tail = topic_actions.add_parser("tail", help="print a topic's last records, decoded, as JSON lines")
    tail.add_argument("topic")
    tail.add_argument("--max", type=int, default=20, help="how many of the last records (default 20)")
    tail.add_argument("--timeout", type=float, default=10.0, help="seconds to read for (default 10)")
    tail.add_argument("--full", action="store_true", help="show personal data whole (resumes, mail text)")
    tail.set_defaults(run=_topics_tail)

    commands.add_parser("demo", help="run the pipeline on the sample people against the running stack"
                        ).set_defaults(run=_demo)

    worker = commands.add_parser("worker", help="run stream processors: one in this process, several as one process "
                                 "each (each processor is its own consumer group)")
    worker.add_argument("processors", nargs="+", metavar="PROCESSOR", help="processor names, or `all`")
    worker.add_argument("--loglevel", default="info", choices=["debug", "info", "warning", "error"])
    worker.set_defaults(run=_worker)

    sink = commands.add_parser("sink", help="keep the PostgreSQL views the query API reads")
    sink.set_defaults(run=_sink)

    api = commands.add_parser("api", help="serve the query API and the web client (needs RESUMEFLOW_API_SECRET)")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8080)
    api.set_defaults(run=_api)

    discover = commands.add_parser("discover", help="job discovery outside the long-running worker")
    discover.add_argument("--once", action="store_true",
                          help="catch up on subscriptions, poll every followed board once, then exit")
    discover.add_argument("--loglevel", default="warning", choices=["debug", "info", "warning", "error"])
    discover.set_defaults(run=_discover)
    discover_actions = discover.add_subparsers(dest="action", metavar="ACTION")
    file_import = discover_actions.add_parser("import", help="add a JSON Lines or CSV file of postings as a FILE board")
    file_import.add_argument("file", type=Path)
    file_import.add_argument("--name", help="the board's name (default: the file's name)")
    file_import.set_defaults(run=_discover_import)

    render = commands.add_parser("render", help="tailored resume variants for one job, without Kafka")
    render.add_argument("--profile", type=Path, required=True, help="a JSON Resume file")
    render.add_argument("--job", type=Path, required=True,
                        help="a JSON Resume job-schema file (title, company, skills, ...) or a plain-text posting")
    render.add_argument("--out", type=Path, required=True, help="folder for the PDFs, HTML, Markdown and report")
    render.add_argument("--pages", type=int, choices=[1, 2], default=1)
    render.set_defaults(run=_render)

    evaluation = commands.add_parser("eval", help="measure analysis against annotated data")
    eval_actions = evaluation.add_subparsers(dest="action", required=True, metavar="ACTION")
    skills = eval_actions.add_parser("skills", help="span precision, recall and F1 of skill extraction on SkillSpan")
    skills.add_argument("--data", required=True, type=Path, help="a SkillSpan file, e.g. skillspan/dev.json")
    skills.add_argument("--limit", type=int, help="only the first N sentences")
    skills.add_argument("--extractor", choices=["model", "vocabulary"], default="model",
                        help="the span model (default) or the vocabulary matcher alone")
    skills.add_argument("--model", type=Path, help="a span model artifact: a student (.npz) or a CRF (.json.gz) "
                                                   "(default: the shipped CRF)")
    skills.add_argument("--tagger", type=Path,
                        help="a fine-tuned MiniLM tagger (`train skills --approach minilm-full --out FILE`) instead")
    skills.set_defaults(run=_eval_skills)
    dedup = eval_actions.add_parser(
        "dedup", help="dedup on real postings written as each board's raw payload: confusion matrix, precision and "
        "recall on a tuning and a held-out part, every error with its evidence")
    dedup.add_argument("--shared", type=Path, default=Path("../shared"),
                       help="the folder holding data/boards and data/postings (default ../shared)")
    dedup.add_argument("--seed", type=int, default=0, help="seeds the sample, the copies and the split")
    dedup.add_argument("--glassdoor-rows", type=int, default=300, help="rows sampled from the Glassdoor export")
    dedup.add_argument("--fit", action="store_true", help="also fit the model on the tuning part and report it")
    dedup.add_argument("--errors", default="20", help="errors listed per part: a number or 'all'")
    dedup.add_argument("--no-cache", action="store_true", help="embed everything again (no <home>/eval-cache)")
    dedup.set_defaults(run=_eval_dedup)
    truthfulness = eval_actions.add_parser(
        "truthfulness", help="an adversarial model through the AI gateway (a local server): per kind of invented "
        "fact, faithful paraphrase and requirement, how many were offered, kept and rejected (needs the stack's "
        "Redis for the gateway's budgets)")
    truthfulness.set_defaults(run=_eval_truthfulness)
    outcomes.add_parsers(commands, eval_actions)

    training = commands.add_parser("train", help="train analysis's models from annotated data")
    train_actions = training.add_subparsers(dest="action", required=True, metavar="ACTION")
    train_skills = train_actions.add_parser(
        "skills", help="a skill span model (the CRF, the student, a MiniLM tagger) from SkillSpan; writes the "
                       "artifact with its card")
    train_skills.add_argument("--data", required=True, type=Path, nargs="+",
                              help="a SkillSpan folder (train.json to train on; dev.json and test.json scored) or "
                                   "SkillSpan files to train on")
    train_skills.add_argument("--dev", type=Path, help="a split to score for the card (default: the folder's dev.json)")
    train_skills.add_argument("--test", type=Path,
                              help="a split to report once (default: the folder's test.json); never tune on it")
    train_skills.add_argument("--seed", type=int, default=13, help="seeds the word clusters (default 13)")
    train_skills.add_argument("--out", type=Path,
                              help="where to write the artifact (default: the shipped CRF's, "
                                   "textkit/models/skill_spans.json.gz; required for conv-student)")
    train_skills.add_argument("--refit-on-dev", action="store_true",
                              help="after scoring dev, train again on train and dev with the same settings and ship "
                                   "that model (the card keeps the first model's dev figures); test is scored once, "
                                   "for the model written (the CRF, a conv-student or a minilm-full tagger)")
    train_skills.add_argument("--approach", choices=["crf", "minilm-lora", "minilm-full", "minilm-frozen",
                                                     "conv-student"],
                              default="crf",
                              help="crf (the shipped model), conv-student (a small convolutional tagger that also "
                                   "learns from --silver or --distill-tagger's sentences, read by eval skills --model "
                                   "and the throughput bench, not by analysis) or a MiniLM token-classification head: "
                                   "minilm-full fine-tunes every weight (with --out, a tagger analysis can use: "
                                   "RESUMEFLOW_SKILL_TAGGER), minilm-lora and minilm-frozen are measured on dev only")
    train_skills.add_argument("--epochs", type=int, default=1, help="passes for the MiniLM approaches (default 1)")
    train_skills.add_argument("--distill-postings", type=Path, metavar="CSV",
                              help="distillation: a MiniLM + LoRA tagger trained on the same files labels sentences "
                                   "of these postings (a Glassdoor CSV, e.g. "
                                   "../shared/data/postings/glassdoor_ds_jobs.csv) and the CRF learns from them too")
    train_skills.add_argument("--distill-tagger", type=Path, metavar="FILE",
                              help="label --distill-postings with this saved minilm-full tagger (trained on train "
                                   "only) instead of training a LoRA tagger")
    train_skills.add_argument("--distill-count", type=int, default=100,
                              help="postings labelled, chosen by a shuffle seeded by --seed (default 100)")
    train_skills.add_argument("--distill-epochs", type=int, default=6, help="the tagger's passes (default 6)")
    train_skills.add_argument("--distill-confidence", type=float, default=0.0,
                              help="only silver sentences whose every word's label the tagger gives at least this "
                                   "probability (default 0: all)")
    train_skills.add_argument("--silver-out", type=Path, help="write the labelled sentences there (JSON Lines)")
    train_skills.add_argument("--silver", type=Path,
                              help="silver sentences written before by --silver-out, instead of --distill-postings "
                                   "(its first --distill-count postings)")
    train_skills.add_argument("--silver-only", action="store_true",
                              help="label the postings (training the LoRA tagger first, unless --distill-tagger), "
                                   "write the silver sentences to --silver-out and stop (no CRF)")
    train_skills.set_defaults(run=_train_skills)

    learning = commands.add_parser("learning", help="what the learner knows: rates of outcomes, a simulation")
    learning_actions = learning.add_subparsers(dest="action", required=True, metavar="ACTION")
    report = learning_actions.add_parser(
        "report", help="response, interview and offer rates by variant, template, ATS band, board, seniority and "
        "days since posting, read from workflow.completed: a user's own (--email) and across users (rows from 20 "
        "applications of 5 users only)")
    report.add_argument("--email", help="also the rates of this user's own applications")
    report.add_argument("--timeout", type=float, default=15.0, help="seconds to read the topic for (default 15)")
    report.set_defaults(run=_learning_report)
    simulate = learning_actions.add_parser(
        "simulate", help="a hidden truth (one variant better for Senior postings): outcomes until the learner "
        "prefers it and the regret, over several seeds; writes bench/results/learning_simulation.json")
    simulate.add_argument("--seed", type=int, default=1, help="the first seed (default 1)")
    simulate.add_argument("--runs", type=int, default=9, help="seeds, from --seed on (default 9)")
    simulate.add_argument("--outcomes", type=int, default=1500, help="applications per run (default 1500)")
    simulate.set_defaults(run=_learning_simulate)

    user = commands.add_parser("user", help="register users, change their profile or preferences, get their API token")
    user_actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = user_actions.add_parser("create", help="register a user with a JSON Resume profile")
    create.add_argument("--email", required=True)
    create.add_argument("--profile", required=True, type=Path, help="a JSON Resume file")
    create.add_argument("--prefs", type=Path, help="a preferences JSON file (saved searches, submission mode, cap)")
    create.set_defaults(run=_user_command)
    update = user_actions.add_parser("update", help="replace a user's profile and/or preferences")
    update.add_argument("--email", required=True)
    update.add_argument("--profile", type=Path, help="a JSON Resume file")
    update.add_argument("--prefs", type=Path, help="a preferences JSON file")
    update.set_defaults(run=_user_command)
    token = user_actions.add_parser(
        "token", help="print the operator-issued query API token of a user (stateless, never expires; revoked only "
                      "by rotating RESUMEFLOW_API_SECRET; users make their own revocable tokens at POST /api/tokens)")
    token.add_argument("--email", required=True)
    token.set_defaults(run=_user_token)
    password = user_actions.add_parser(
        "password", help="give a web account a new random password, printed once (the account is made if missing; "
                         "its sessions end): for the demo and for operators")
    password.add_argument("--email", required=True)
    password.set_defaults(run=_user_password)
    role = user_actions.add_parser("role", help="give a web account the operator role (or back to user)")
    role.add_argument("--email", required=True)
    role.add_argument("role", choices=["operator", "user"])
    role.set_defaults(run=_user_role)
    add_application_parsers(commands)
    dlq.add_parsers(commands)
    replay.add_parsers(commands)
    return parser


def settings_problems(exc: ValidationError) -> str:
    """One line per setting the environment (or stack.env) gives a wrong value, by its variable's name. The value
    itself is not repeated: it may be a secret."""
    lines = [f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()]
    return "invalid settings:\n  " + "\n  ".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("httpx", "httpx2"):  # one INFO line per registry request drowns the output
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except ValidationError as exc:
        print(f"resumeflow: {settings_problems(exc)}", file=sys.stderr)
        return 2
    use_format(settings.log_format)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except UserError as exc:
        print(f"resumeflow: {exc}", file=sys.stderr)
        return 2
    except ResumeflowError as exc:
        log.error("%s", exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())

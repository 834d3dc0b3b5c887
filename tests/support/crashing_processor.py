"""A processor whose `step` raises on some records, run by the real generic cell agent on the real broker: the
integration tests use it to show what a record that crashes the worker becomes (retried, never skipped, dead-
lettered with its traceback after `MAX_CRASHES` crashes) — a real failing step, not a simulated agent.

It reads `user.commands` in its own consumer group (app id from the environment) and answers each command with a
`ProfileRejected` whose reason is "seen"; a command whose email starts with `crash` makes `step` raise.

    python -m tests.support.crashing_processor        # a worker, like `resumeflow worker NAME`
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime

from streams.ids import derived_id
from streams.messages import ProfileRejected, UserCell, UserCommand
from streams.processor import CellAgentSpec, CellInput, ProcessorSpec, Route
from streams.topics import PROFILE_CELLS, PROFILE_REJECTED, USER_COMMANDS


def step(cell: UserCell | None, command: UserCommand, *, now: datetime) -> tuple[UserCell | None, list[object]]:
    if (command.email or "").startswith("crash"):
        raise RuntimeError(f"cannot handle {command.email}")
    seen = ProfileRejected(event_id=derived_id("seen", command.event_id), user_id=command.user_id, occurred_at=now,
                           command_id=command.event_id, command_kind=command.kind, reasons=["seen"])
    return cell, [seen]


CRASHING = ProcessorSpec(
    name="crashing",
    doc="Answers commands with 'seen'; raises on emails starting with 'crash'.",
    agents=(CellAgentSpec(
        name="crashing.commands", table=PROFILE_CELLS, cell_model=UserCell,
        inputs=(CellInput(USER_COMMANDS, UserCommand, key=lambda command: command.user_id),),
        routes={ProfileRejected: Route(PROFILE_REJECTED, key=lambda rejected: rejected.user_id)}, step=step),),
)


def run_worker(*faults: Callable[[], None]) -> int:
    """Run `CRASHING` as a worker in this process, like `resumeflow worker NAME`, after installing `faults` (the
    other support modules' patches of Faust or the agent); its exit code."""
    import logging

    from cli.worker import run_in_process
    from streams.settings import load_settings

    logging.basicConfig(level=logging.INFO)
    for fault in faults:
        fault()
    return run_in_process(load_settings(), CRASHING, "info")


def main() -> int:
    return run_worker()


if __name__ == "__main__":
    sys.exit(main())

"""Faust wiring of the profiles processor: decode, load the cell, `step`, store the cell, send keyed by user."""

from __future__ import annotations

import logging

from faust.types import EventT, StreamT
from pydantic import ValidationError

from processors.profiles.step import step
from streams.faust_wiring import Processor, ResumeflowApp
from streams.messages import ProfileRejected, UserCell, UserCommand, UserProfile, utc_now
from streams.topics import PROFILE_CELLS, PROFILE_REJECTED, USER_COMMANDS, USER_PROFILES

log = logging.getLogger(__name__)


def install(app: ResumeflowApp) -> None:
    commands = app.catalog_topic(USER_COMMANDS)
    profiles = app.catalog_topic(USER_PROFILES)
    rejected = app.catalog_topic(PROFILE_REJECTED)
    cells = app.cell_table(PROFILE_CELLS, help="Each user's accepted profile and preferences.")

    async def handle(event: EventT) -> None:
        try:
            command = UserCommand.model_validate(event.value)
            if command.user_id != event.key:
                raise ValueError(f"key {event.key!r} is not the command's user_id: it would land in another cell")
        except (ValidationError, ValueError) as exc:
            await app.dead_letter_event(USER_COMMANDS, event, exc)
            return
        stored = cells.get(command.user_id)
        cell = UserCell.model_validate(stored) if stored is not None else None
        new_cell, outputs = step(cell, command, now=utc_now())
        if new_cell is not None and new_cell != cell:
            cells[command.user_id] = new_cell
        for output in outputs:
            match output:
                case UserProfile():
                    await profiles.send(key=command.user_id, value=output)
                case ProfileRejected():
                    log.info("refused %s for user %s: %d reasons", command.kind, command.user_id, len(output.reasons))
                    await rejected.send(key=command.user_id, value=output)

    @app.agent(commands, name="profiles.commands")
    async def process_commands(stream: StreamT) -> None:
        async for event in stream.events():
            try:
                await handle(event)
            except Exception:
                message = event.message
                log.exception("profiles failed on %s[%d]@%d", message.topic, message.partition, message.offset)
                raise


PROCESSOR = Processor(
    name="profiles",
    install=install,
    doc="Validates user commands (JSON Resume profile, preferences), keeps each user's cell, publishes profiles.",
    consumes=(USER_COMMANDS,),
)

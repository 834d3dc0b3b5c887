"""The profiles processor's wiring: its one cell agent, declared (`streams.processor`)."""

from __future__ import annotations

from processors.profiles.step import step
from streams.messages import ProfileRejected, UserCell, UserCommand, UserProfile
from streams.processor import CellAgentSpec, CellInput, ProcessorSpec, Route
from streams.topics import PROFILE_CELLS, PROFILE_REJECTED, USER_COMMANDS, USER_PROFILES

COMMANDS = CellAgentSpec(
    name="profiles.commands",
    table=PROFILE_CELLS,
    cell_model=UserCell,
    inputs=(CellInput(USER_COMMANDS, UserCommand, key=lambda command: command.user_id),),
    step=step,
    routes={
        UserProfile: Route(USER_PROFILES, key=lambda profile: profile.user_id),
        ProfileRejected: Route(PROFILE_REJECTED, key=lambda rejected: rejected.user_id),
    },
)

PROCESSOR = ProcessorSpec(
    name="profiles",
    doc="Validates user commands (JSON Resume profile, preferences), keeps each user's cell, publishes profiles.",
    agents=(COMMANDS,),
)

"""The values the API takes for each enumerated filter and form field, read from `streams.messages` (the one place
that names them): served at GET /api/choices for the web client's selects and written into the OpenAPI document."""

from __future__ import annotations

from streams.messages import CHANNELS, ApplicationStatus, BoardSource, RemotePreference, SubmissionMode


def choices() -> dict[str, list[str]]:
    """`{"boards", "statuses", "channels", "remote", "submission_modes"}`, each in the order its enum declares it
    (the channels, a set, sorted)."""
    return {"boards": [b.value for b in BoardSource], "statuses": [s.value for s in ApplicationStatus],
            "channels": sorted(CHANNELS), "remote": [r.value for r in RemotePreference],
            "submission_modes": [m.value for m in SubmissionMode]}

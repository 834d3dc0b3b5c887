"""Every stream processor by name, for `resumeflow worker NAME...`."""

from __future__ import annotations

from processors.analysis.agent import PROCESSOR as ANALYSIS
from processors.discovery.agent import PROCESSOR as DISCOVERY
from processors.generation.agent import PROCESSOR as GENERATION
from processors.learning.agent import PROCESSOR as LEARNING
from processors.outcomes.agent import PROCESSOR as OUTCOMES
from processors.profiles.agent import PROCESSOR as PROFILES
from processors.submission.agent import PROCESSOR as SUBMISSION
from streams.processor import ProcessorSpec

PROCESSORS: dict[str, ProcessorSpec] = {p.name: p for p in (PROFILES, DISCOVERY, ANALYSIS, GENERATION, SUBMISSION,
                                                            OUTCOMES, LEARNING)}


def resolve(names: list[str]) -> list[ProcessorSpec]:
    """`all` means every processor; an unknown name is the caller's error."""
    if "all" in names:
        return list(PROCESSORS.values())
    unknown = sorted(set(names) - set(PROCESSORS))
    if unknown:
        raise KeyError(", ".join(unknown))
    return [PROCESSORS[name] for name in dict.fromkeys(names)]

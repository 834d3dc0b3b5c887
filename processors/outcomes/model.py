"""The outcomes processor's port request and result (never published)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from streams.messages import BudgetCrossed, OutcomeReport, ResponseKind
from streams.processor import PortRequest, PortResult


class ClassifyReply(PortRequest):
    """Ask the AI gateway for a mail's kind: the rules were unsure. `rules_kind` stands if no model answers."""

    report: OutcomeReport
    application_id: str
    linked_by: str
    rules_kind: ResponseKind
    rules_confidence: float


class ReplyClassified(PortResult):
    """The model's kind (one of `rules.MAIL_KINDS`), or None: no provider, over budget, or every provider failed."""

    report: OutcomeReport
    application_id: str
    linked_by: str
    rules_kind: ResponseKind
    rules_confidence: float
    kind: ResponseKind | None = None
    model: str = ""
    confidence: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    budget_events: tuple[BudgetCrossed, ...] = ()  # a daily budget this call crossed, for ai.budget

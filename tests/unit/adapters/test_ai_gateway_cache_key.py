"""The exact cache key: equal for the same call, different whenever anything deciding the answer differs."""

from __future__ import annotations

from pydantic import BaseModel

from adapters.ai_gateway import ChatMessage, cache_key, job_posting_messages, schema_name
from adapters.ai_gateway.cache import semantic_text
from processors.analysis.model import JobRequirements

MESSAGES = job_posting_messages(instruction="Extract.", schema=JobRequirements, job_text="Python engineer")


def key(**changes: object) -> str:
    call: dict[str, object] = {"chain": ["openai/gpt-4o-mini", "ollama/llama3.1"], "task": "extract_requirements",
                               "messages": MESSAGES, "schema": JobRequirements}
    return cache_key(**{**call, **changes})  # type: ignore[arg-type]


class Other(BaseModel):
    title: str


def test_the_same_call_has_the_same_key() -> None:
    copied = [ChatMessage(role=m.role, content=m.content) for m in MESSAGES]

    assert key() == key(messages=copied)
    assert len(key()) == 64


def test_chain_task_messages_and_schema_each_change_the_key() -> None:
    other_messages = job_posting_messages(instruction="Extract.", schema=JobRequirements, job_text="Go engineer")

    keys = {key(), key(chain=["ollama/llama3.1", "openai/gpt-4o-mini"]), key(task="tailor_resume"),
            key(messages=other_messages), key(schema=Other)}

    assert len(keys) == 5


def test_the_schema_name_changes_with_the_fields() -> None:
    class Other(BaseModel):  # same name, one more field
        title: str
        company: str

    assert schema_name(JobRequirements).startswith("JobRequirements@")
    assert schema_name(Other) != schema_name(globals()["Other"])


def test_near_duplicates_are_judged_on_the_user_text_only() -> None:
    assert semantic_text(MESSAGES) == MESSAGES[1].content
    assert "Extract." not in semantic_text(MESSAGES)

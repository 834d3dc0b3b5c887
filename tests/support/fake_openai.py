"""A local HTTP server speaking OpenAI's chat-completions protocol, scriptable per test.

Tests drive the real litellm path against it: `POST /v1/chat/completions` answers with the next scripted
`Reply` (valid JSON, invalid JSON, an HTTP error, a delay longer than the caller's timeout), or with the
default reply when the script is empty. Every request is recorded, so a test can tell whether a call reached
the server at all (the cache tests) and what it was sent (the prompt tests).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass(frozen=True)
class Reply:
    """One scripted answer: `content` as the assistant message, after `delay_s`, or an HTTP `status` error."""

    content: str = "{}"
    status: int = 200
    delay_s: float = 0.0
    model: str = "test-model"
    prompt_tokens: int = 11
    completion_tokens: int = 7


@dataclass
class FakeOpenAi:
    """The server's state: the scripted replies still to give and the requests received (JSON bodies)."""

    script: list[Reply] = field(default_factory=list)
    default: Reply = field(default_factory=Reply)
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""

    def then(self, *replies: Reply) -> FakeOpenAi:
        self.script.extend(replies)
        return self

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        reply = self.script.pop(0) if self.script else self.default
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        if reply.status != 200:
            return web.json_response({"error": {"message": f"scripted failure {reply.status}", "type": "server_error",
                                                "code": None}}, status=reply.status)
        return web.json_response({
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": reply.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
                      "total_tokens": reply.prompt_tokens + reply.completion_tokens},
        })


def json_reply(value: Any, **kwargs: Any) -> Reply:
    return Reply(content=json.dumps(value), **kwargs)


@asynccontextmanager
async def fake_openai_server() -> AsyncIterator[FakeOpenAi]:
    """Serve a `FakeOpenAi` on 127.0.0.1 (a free port); `base_url` is its `/v1` root, litellm's `api_base`."""
    fake = FakeOpenAi()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", fake._chat)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.base_url = f"http://127.0.0.1:{server.port}/v1"
    try:
        yield fake
    finally:
        await server.close()

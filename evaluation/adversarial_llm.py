"""A local OpenAI-compatible chat-completions server that lies on purpose, for `resumeflow eval truthfulness`.

It listens on 127.0.0.1 (a free port) and answers `POST /v1/chat/completions` with whatever the current case
scripts: for a rephrasing request, it finds the case's bullet among the numbered bullets of the request and
answers the case's edit (or raw answer) for that index; for a requirements request, the case's requirements. The
AI gateway reaches it through litellm like any provider, so everything between the model and the resume — the
gateway's validation, the edit check, the verifier — is the production path.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from evaluation.truthfulness_corpus import RequirementCase, RewriteCase
from streams.local_ports import free_local_port

_BULLETS = re.compile(r"<resume_bullets>\n(.*?)\n</resume_bullets>", re.DOTALL)


@dataclass
class AdversarialModel:
    """The server's state: the case being played and the requests received."""

    case: RewriteCase | RequirementCase | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""

    def answer(self, body: dict[str, Any]) -> str:
        case = self.case
        user = next((m["content"] for m in body.get("messages", []) if m.get("role") == "user"), "")
        if isinstance(case, RequirementCase):
            return json.dumps(case.answer)
        if isinstance(case, RewriteCase):
            index = _index_of(user, case.source)
            if index is None:
                return json.dumps({"bullets": []})
            answer = case.answer(index)
            return answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        return "{}"

    async def chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        return web.json_response({
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": "adversarial",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": self.answer(body)},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        })


def _index_of(user_message: str, source: str) -> int | None:
    block = _BULLETS.search(user_message)
    if block is None:
        return None
    for line in block.group(1).splitlines():
        try:
            bullet = json.loads(line)
        except json.JSONDecodeError:
            continue
        if " ".join(bullet.get("words", [])) == " ".join(source.split()):
            return int(bullet["index"])
    return None


@asynccontextmanager
async def adversarial_server() -> AsyncIterator[AdversarialModel]:
    """Serve an `AdversarialModel` on 127.0.0.1; `base_url` is its `/v1` root (litellm's `api_base`)."""
    model = AdversarialModel()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", model.chat)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", free_local_port()))
    site = web.SockSite(runner, sock)
    await site.start()
    model.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    try:
        yield model
    finally:
        await runner.cleanup()
        sock.close()

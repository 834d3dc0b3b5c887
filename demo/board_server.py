"""A local job-board server speaking the public APIs' documented shapes, for the demo and the tests.

Serves files from a folder laid out as `greenhouse/<token>.json`, `lever/<site>.json` (a JSON array),
`ashby/<name>.json`, `feeds/<name>.xml`, at the paths the real hosts use:

    GET /v1/boards/{token}/jobs                  Greenhouse Job Board API
    GET /v0/postings/{site}?mode=json&skip&limit  Lever Postings API (paged)
    GET /posting-api/job-board/{name}             Ashby Posting API
    GET /feeds/{name}                             an RSS/Atom feed

with ETag / If-None-Match (304), and a request log so tests can see what was fetched. The files are read on
every request, so a test changes the board by editing them.

    python -m demo.board_server --dir demo/boards --port 18090
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

from aiohttp import web

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class BoardServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.requests: list[str] = []  # "GET /path?query" in order, for tests

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/boards/{name}/jobs", self._file("greenhouse", ".json"))
        app.router.add_get("/v0/postings/{name}", self._lever)
        app.router.add_get("/posting-api/job-board/{name}", self._file("ashby", ".json"))
        app.router.add_get("/feeds/{name}", self._file("feeds", ".xml", "application/rss+xml"))
        return app

    def _path(self, kind: str, name: str, suffix: str) -> Path:
        if not NAME.match(name):
            raise web.HTTPNotFound()
        path = self.folder / kind / f"{name}{suffix}"
        if not path.is_file():
            raise web.HTTPNotFound(text=json.dumps({"error": "board not found"}), content_type="application/json")
        return path

    @staticmethod
    def _answer(request: web.Request, body: bytes, content_type: str) -> web.Response:
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type=content_type, headers={"ETag": etag})

    def _file(self, kind: str, suffix: str, content_type: str = "application/json"):
        async def handle(request: web.Request) -> web.Response:
            self.requests.append(f"GET {request.path_qs}")
            body = self._path(kind, request.match_info["name"], suffix).read_bytes()
            return self._answer(request, body, content_type)

        return handle

    async def _lever(self, request: web.Request) -> web.Response:
        self.requests.append(f"GET {request.path_qs}")
        postings = json.loads(self._path("lever", request.match_info["name"], ".json").read_bytes())
        skip = int(request.query.get("skip", 0))
        limit = int(request.query.get("limit", 100))
        return self._answer(request, json.dumps(postings[skip : skip + limit]).encode(), "application/json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18090)
    args = parser.parse_args()
    web.run_app(BoardServer(args.dir).app(), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()

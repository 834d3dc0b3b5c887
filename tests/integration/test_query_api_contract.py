"""The OpenAPI document against the app: every route documented, every documented operation answering (not 404 or
405) on the real PostgreSQL, and every error a JSON body. (tests/integration/test_query_api_schemathesis.py
generates requests from the same document.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from query_api.app import CSRF_HEADER
from query_api.openapi import openapi_document
from streams.settings import Settings
from tests.integration.test_query_api_accounts import Api, run_api

pytestmark = pytest.mark.integration

METHODS = {"get", "post", "put", "patch", "delete"}


def _app_operations(api: Api) -> set[tuple[str, str]]:
    """(method, path template) of every route; the static files' prefix is a folder, documented as the client."""
    operations = set()
    for route in api.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        template = info.get("formatter") or info.get("path")
        if route.method == "HEAD" or "directory" in info:
            continue
        operations.add((route.method.lower(), template))
    return operations


def test_every_route_is_documented_and_every_documented_operation_answers(stack: Settings, tmp_path: Path) -> None:
    document = openapi_document()
    documented = {(method, path) for path, item in document["paths"].items() for method in item if method in METHODS}

    async def scenario(api: Api) -> None:
        served = await api.client.get("/openapi.json")
        assert served.status == 200 and (await served.json())["openapi"] == "3.1.0"
        assert _app_operations(api) == documented

        s = api.seeded
        csrf = await api.sign_in(await api.account(s.user_a))
        token = await (await api.client.post("/api/tokens", json={"name": "t"}, headers={CSRF_HEADER: csrf})).json()
        values = {"event_id": s.a_resume, "application_id": s.a_application, "variant_id": "v1",
                  "report_id": s.a_application.replace("app-a", "rep-a"), "token_id": token["token_id"],
                  "action": "approve", "provider": "greenhouse", "name": "app.js", "command_id": s.a_command}
        bodies: dict[str, Any] = {
            "/api/auth/signup": {"email": f"new-{api.tag}@example.com", "password": "a long enough password"},
            "/api/auth/signin": {"email": f"{s.user_a}@example.com", "password": "correct horse battery staple"},
            "/api/applications/{application_id}/outcomes": {"kind": "INTERVIEW"},
            "/api/outcomes/unlinked/{report_id}/link": {"application_id": s.a_application},
        }
        # Sign-up and sign-in replace the session and sign-out ends it: those go last, with a fresh CSRF token.
        order = sorted(documented, key=lambda op: op[1].startswith("/api/auth/") and op[1] != "/api/auth/session")
        for method, template in order:
            path = template.format(**{name: values[name] for name in re.findall(r"{(\w+)}", template)})
            response = await api.client.request(method.upper(), path, json=bodies.get(template, {}),
                                                headers={CSRF_HEADER: csrf})
            assert response.status not in (404, 405), (method, template, response.status, await response.text())
            assert str(response.status) in document["paths"][template][method]["responses"], (method, template,
                                                                                               response.status)
            if response.status >= 400:
                assert set(await response.json()) == {"error"}, (method, template)
            if template == "/api/auth/signin":  # sign-up signs nobody in: its mail's confirm link does
                csrf = (await response.json())["csrf_token"]

    run_api(stack, tmp_path, scenario)


def test_errors_outside_the_api_are_json_too(stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        for method, path, status in (("GET", "/nowhere", 404), ("POST", "/healthz", 405),
                                     ("GET", "/static/missing.js", 404), ("POST", "/api/auth/signin", 400)):
            response = await api.client.request(method, path, data=b"[")
            assert response.status == status, path
            assert set(await response.json()) == {"error"}, path
        too_big = await api.client.post("/api/auth/signin", data=b" " * 70_000,
                                        headers={"Content-Type": "application/json"})
        assert (too_big.status, set(await too_big.json())) == (413, {"error"})

    run_api(stack, tmp_path, scenario)

"""The layout says what may import what, and this test keeps it true.

Layers, downward only (see README, "Architecture"):
    cli, bench, tests                       the composition root and its checks: anything
    evaluation                              offline measurement: processors and everything below
    processors.<name>, sinks, query_api,    one use case each; never each other (a processor learns what
    demo, localstack, schema_registry       another decided from a topic, not an import)
    adapters, textkit                       runtime adapters (stores, AI gateway, HTTP, embeddings) and shared
                                            pure text helpers; textkit imports no adapter
    streams, schemas                        the backbone: settings, catalog, codec, messages, the cell agent
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("cli", "evaluation", "processors", "sinks", "query_api", "demo", "localstack", "schema_registry",
            "adapters", "textkit", "streams", "schemas", "bench")
BACKBONE = {"streams", "schemas"}
SHARED = BACKBONE | {"textkit"}
RUNTIME = SHARED | {"adapters"}
# For each component, the components it may import besides itself.
ALLOWED: dict[str, set[str]] = {
    "streams": {"schemas"},
    "schemas": set(),
    "textkit": BACKBONE,
    "adapters": SHARED,
    "sinks": RUNTIME,
    "query_api": RUNTIME,
    "localstack": BACKBONE,
    "schema_registry": set(),
    "demo": BACKBONE,
    "evaluation": RUNTIME | {"processors"},
}


def component(module: str) -> str | None:
    """`processors.analysis.step` -> `processors.analysis`; `streams.codec` -> `streams`; others None."""
    parts = module.split(".")
    if parts[0] not in PACKAGES:
        return None
    if parts[0] == "processors" and len(parts) > 1:
        return f"processors.{parts[1]}"
    return parts[0]


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every absolute import in a file, with its line (lazy imports inside functions count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def allowed(source: str, target: str) -> bool:
    if source == target:
        return True
    if source in ("cli", "bench"):
        return True
    if source.startswith("processors."):
        return target in RUNTIME or target == "processors"  # `processors/__init__.py` holds no code
    if target.startswith("processors."):
        return "processors" in ALLOWED.get(source, set())
    return target in ALLOWED[source]


def violations() -> list[str]:
    problems = []
    for path in sorted(ROOT.glob("**/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in (".venv", "tests", ".git") or relative.parts[0].startswith("."):
            continue
        source = component(".".join(relative.with_suffix("").parts))
        if source is None:
            continue
        for line, module in imports_of(path):
            target = component(module)
            if target is not None and not allowed(source, target):
                problems.append(f"{relative}:{line}: {source} may not import {module}")
    return problems


def test_every_import_points_down_the_layers() -> None:
    assert violations() == []


@pytest.mark.parametrize("arrow", [("processors.analysis", "processors.discovery"), ("streams", "adapters"),
                                   ("adapters", "processors.analysis"), ("textkit", "adapters"),
                                   ("query_api", "processors.generation"), ("sinks", "query_api")])
def test_a_wrong_arrow_is_caught(arrow: tuple[str, str]) -> None:
    assert not allowed(*arrow)


@pytest.mark.parametrize("arrow", [("cli", "processors.analysis"), ("processors.analysis", "adapters"),
                                   ("evaluation", "processors.analysis"), ("adapters", "textkit")])
def test_a_right_arrow_is_allowed(arrow: tuple[str, str]) -> None:
    assert allowed(*arrow)

"""Loads `schemas/*.avsc` into self-contained schemas.

A file may name a type defined in another file (`dev.resumeflow.Preferences`); the registry needs each
subject's schema whole, so the first use of a named type is replaced by its definition (Avro allows a name
to be defined once per schema, later uses stay references).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import fastavro

from streams.errors import SchemaError

NAMED_TYPES = ("record", "enum", "fixed")
AvroSchema = Any  # a JSON value: str, list (union) or dict


def schema_dir() -> Path:
    return Path(str(resources.files("schemas")))


def schema_names() -> list[str]:
    return sorted(path.stem for path in schema_dir().glob("*.avsc"))


def _read(path: Path) -> AvroSchema:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SchemaError(f"cannot read Avro schema {path}: {exc}") from exc


def _full_name(node: dict[str, Any], namespace: str | None) -> tuple[str, str | None]:
    name = node["name"]
    if "." in name:
        return name, name.rsplit(".", 1)[0]
    ns = node.get("namespace", namespace)
    return (f"{ns}.{name}" if ns else name), ns


def _walk_named(node: AvroSchema, namespace: str | None) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """Every named type defined inside `node`, with its full name and enclosing namespace."""
    if isinstance(node, list):
        for branch in node:
            yield from _walk_named(branch, namespace)
    elif isinstance(node, dict):
        kind = node.get("type")
        if kind in NAMED_TYPES:
            full, ns = _full_name(node, namespace)
            yield full, node, namespace
            namespace = ns
        if kind == "record":
            for field in node.get("fields", []):
                yield from _walk_named(field["type"], namespace)
        elif kind == "array":
            yield from _walk_named(node["items"], namespace)
        elif kind == "map":
            yield from _walk_named(node["values"], namespace)
        elif isinstance(kind, (dict, list)):
            yield from _walk_named(kind, namespace)


@cache
def _named_type_index() -> dict[str, tuple[dict[str, Any], str | None]]:
    index: dict[str, tuple[dict[str, Any], str | None]] = {}
    for name in schema_names():
        for full, node, namespace in _walk_named(_read(schema_dir() / f"{name}.avsc"), None):
            if full in index and index[full][0] != node:
                raise SchemaError(f"named type {full} is defined twice, differently")
            index[full] = (node, namespace)
    return index


def _expand(node: AvroSchema, namespace: str | None, defined: set[str]) -> AvroSchema:
    index = _named_type_index()
    if isinstance(node, str):
        full = node if "." in node else (f"{namespace}.{node}" if namespace else node)
        if full in index and full not in defined:
            definition, def_namespace = index[full]
            return _expand(definition, def_namespace, defined)
        return node
    if isinstance(node, list):
        return [_expand(branch, namespace, defined) for branch in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    out = dict(node)
    if kind in NAMED_TYPES:
        full, ns = _full_name(node, namespace)
        if full in defined:  # defined earlier in this schema (e.g. inside another inlined type): refer to it
            return full
        defined.add(full)
        namespace = ns
        if "." not in node["name"] and ns and "namespace" not in node:
            out["namespace"] = ns  # keep the name resolvable once lifted out of its file
    if kind == "record":
        out["fields"] = [dict(field, type=_expand(field["type"], namespace, defined)) for field in node["fields"]]
    elif kind == "array":
        out["items"] = _expand(node["items"], namespace, defined)
    elif kind == "map":
        out["values"] = _expand(node["values"], namespace, defined)
    elif kind not in NAMED_TYPES:  # {"type": <a schema>}, e.g. a named type's name or a logical type's base
        out["type"] = _expand(kind, namespace, defined)
    return out


@cache
def load_schema(name: str) -> AvroSchema:
    """The self-contained schema of `schemas/<name>.avsc`, checked by fastavro."""
    path = schema_dir() / f"{name}.avsc"
    if not path.exists():
        raise SchemaError(f"no schema file {path}")
    expanded = _expand(_read(path), None, set())
    try:
        fastavro.parse_schema(expanded, _write_hint=False)
    except Exception as exc:  # fastavro raises several unrelated types for a bad schema
        raise SchemaError(f"schema {name} is not valid Avro: {exc}") from exc
    return expanded


def schema_text(name: str) -> str:
    """The JSON text registered for `name`: stable, so re-registering finds the same version."""
    return json.dumps(load_schema(name), sort_keys=True, separators=(",", ":"))


def released_versions(name: str) -> list[AvroSchema]:
    """Every released version of `name`, oldest first (`schemas/released/<name>/v<N>.avsc`)."""
    folder = schema_dir() / "released" / name
    paths = sorted(folder.glob("v*.avsc"), key=lambda p: int(p.stem[1:]))
    return [_read(path) for path in paths]


def release_changed() -> list[str]:
    """Write each schema that differs from its latest release as the next `released/<name>/v<N>.avsc`."""
    written = []
    for name in schema_names():
        current = load_schema(name)
        versions = released_versions(name)
        if versions and versions[-1] == current:
            continue
        path = schema_dir() / "released" / name / f"v{len(versions) + 1}.avsc"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(current, indent=2) + "\n")
        written.append(str(path.relative_to(schema_dir())))
    return written

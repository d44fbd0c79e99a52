"""JSON documents nested deeper than the budget allows, and their depth."""

from __future__ import annotations

from typing import Any

import orjson


def nested(depth: int, leaf: Any = "x", wrap: str = "list") -> Any:
    """``depth`` levels of arrays (or objects) around ``leaf``: ``nested(1) == ["x"]``."""
    value = leaf
    for _ in range(depth):
        value = [value] if wrap == "list" else {"k": value}
    return value


def nested_raw(depth: int, leaf: bytes = b'"x"', wrap: str = "list") -> bytes:
    """The JSON text of :func:`nested` (orjson itself writes only 254 levels)."""
    if wrap == "list":
        return b"[" * depth + leaf + b"]" * depth
    return b'{"k":' * depth + leaf + b"}" * depth



def with_raw(document: dict[str, Any], field: str, raw_value: bytes) -> bytes:
    """``document`` as JSON with ``field`` set to the JSON text ``raw_value``."""
    return orjson.dumps({**document, field: None}).replace(
        f'"{field}":null'.encode(), f'"{field}":'.encode() + raw_value)



def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0

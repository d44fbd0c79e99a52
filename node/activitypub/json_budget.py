"""A depth and size budget for JSON from other servers, checked as it is parsed.

Why (issue 7, 2.1): orjson parses up to 1,024 levels, but Python's ``json`` recurses once
per level and stops near 1,000, and orjson's own serialiser stops at 254. An activity
whose ``tag`` was 1,000 nested arrays passed the parser, was answered 202, and then could
never be stored; every worker that claimed it fell. Whatever the inbox accepts, or the
fetcher returns, must be something storage can always write, so the budget sits at the
door and is far below every serialiser's limit.

The budget (RFC 8259 section 9 lets a parser limit depth and size):

* :data:`MAX_DEPTH` = 32 levels of arrays and objects, the root being level 1. The
  deepest real documents are an ``Announce{Create{Note{tag[{icon{}}]}}}`` or an object
  with its FEP-8b32 proof, about 6-8 levels (JSON-LD's expanded form about doubles
  that); 32 leaves four times that and stays an eighth of orjson's 254, so a stored
  document can even be embedded a few times over (an Announce of an Announce) and
  still be written.
* :data:`MAX_VALUES` = 10,000 members in all (object entries plus array items). A
  Mastodon ``Create(Note)`` has 50 to 300, an actor document with its inline context a
  few hundred; ten thousand bounds the work any handler can be made to do per document.

The check is pure and iterative (no recursion to exhaust), and it skips the walk when a
count of brackets and commas in the raw bytes already proves the document within budget
(each container opens with a bracket, each member after a container's first follows a
comma, so brackets bound the depth and brackets plus commas bound the members).
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 32
MAX_VALUES = 10_000


def budget_problem(document: Any, raw: bytes | None = None, *, max_depth: int = MAX_DEPTH,
                   max_values: int = MAX_VALUES) -> str | None:
    """Why parsed ``document`` is over budget, or None; ``raw`` is its JSON text, if known.

    The reason names the limit, for a sender's 400 or a fetch's failure.
    """
    if not isinstance(document, (dict, list)):
        return None
    if raw is not None:
        containers = raw.count(b"[") + raw.count(b"{")
        if containers <= max_depth and containers + raw.count(b",") <= max_values:
            return None
    stack: list[tuple[Any, int]] = [(document, 1)]
    values = 0
    while stack:
        value, depth = stack.pop()
        members = value.values() if isinstance(value, dict) else value
        if depth > max_depth:
            return f"JSON nested deeper than {max_depth} levels"
        values += len(members)
        if values > max_values:
            return f"JSON with more than {max_values} values"
        stack.extend((member, depth + 1) for member in members
                     if isinstance(member, (dict, list)))
    return None

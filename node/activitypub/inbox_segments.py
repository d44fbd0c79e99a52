"""How the inbox worker cuts a claimed batch into segments, and what their items share.

Follows of distinct actors run side by side (their actor fetches overlap, their works are
committed together); the other new items run one after the other, their handlers' last
works deferred into one transaction; an item tried before runs alone (issue 7, 1.13).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import RowMapping

from node.activitypub.db_batch import DbBatch, SharedReads

Outcome = dict[str, Any]
#: Item types whose items from distinct actors never depend on each other.
INDEPENDENT = frozenset({"Follow"})
#: Item types whose processing never changes what handlers read about their actor with
#: ``ctx.read_about`` (whether a local actor, a hub or the newswire follows them): those
#: answers are kept for the rest of the batch; any other item drops its actor's.
KEEPS_FACTS = frozenset({"Create"})


@dataclass
class Shared:
    """What the items of one batch share: the group commit, the reads of items processed
    side by side, the reads about their actors, and the works deferred by ordered items
    (each with the outcome its handler gave, settled once the works ran)."""

    batch: DbBatch | None = None
    reads: SharedReads | None = None
    facts: SharedReads | None = None
    pending: list[tuple[RowMapping, list[asyncio.Future[Any]], Outcome]] = field(
        default_factory=list)


def segments(rows: list[RowMapping]) -> list[tuple[str, list[RowMapping]]]:
    """``rows`` cut into runs, the order kept: ``side_by_side`` for two or more consecutive
    new items of an :data:`INDEPENDENT` type; ``retry`` for an item tried before, alone;
    ``ordered`` for a run of the other new items (processed one after the other)."""
    runs: list[tuple[str, list[RowMapping]]] = []
    for row in rows:
        kind = "retry" if row["attempts"] else (
            "side_by_side" if row["type"] in INDEPENDENT else "ordered")
        if runs and kind != "retry" and runs[-1][0] == kind:
            runs[-1][1].append(row)
        else:
            runs.append((kind, [row]))
    merged: list[tuple[str, list[RowMapping]]] = []
    for kind, run in runs:  # a lone Follow runs in order with its neighbours
        kind = "ordered" if kind == "side_by_side" and len(run) == 1 else kind
        if merged and kind == "ordered" and merged[-1][0] == "ordered":
            merged[-1][1].extend(run)
        else:
            merged.append((kind, run))
    return merged


def forget_facts(shared: Shared, rows: list[RowMapping]) -> None:
    """Drop what the batch read about the actors of ``rows`` that may change it."""
    if shared.facts is not None:
        for row in rows:
            if row["type"] not in KEEPS_FACTS:
                shared.facts.forget(row["actor"])

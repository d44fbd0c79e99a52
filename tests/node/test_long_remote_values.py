"""Values from remote documents fit their columns: PostgreSQL refuses a string longer
than a ``VARCHAR(n)`` (SQLite stores anything, so only the PostgreSQL pass shows it).

- The directory's ``sort_key`` is the lowered title, and lowering can lengthen it
  (``"İ".lower()`` is two characters); a placeholder hub, known only by its id, is
  titled by its id, up to 1,024 characters in a 300-character column.
- An Event's region is lowered after it was cut to 200 characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from node.clock import Clock
from node.network.directory import heard_of, learn_group
from node.network.event_index import index_event
from node.network.models import NetworkEvent, NetworkHub
from node.settings import Settings
from tests.node.harness import Harness, rows, running_node

_hub = NetworkHub.__table__  # type: ignore[attr-defined]
_event = NetworkEvent.__table__  # type: ignore[attr-defined]
LONG_TITLE = "İstanbul " * 40  # 360 characters, cut to 300; 600 once lowered


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with running_node(settings, clock) as harness:
        yield harness


def test_a_group_with_a_very_long_title_and_url_is_listed(h: Harness) -> None:
    uri = "https://far.example/hubs/long"
    document: dict[str, Any] = {
        "id": uri,
        "type": "Group",
        "preferredUsername": "long",
        "name": LONG_TITLE,
        "url": "https://far.example/" + "p" * 1100,
    }
    with h.node.engine.begin() as conn:
        learn_group(conn, document, h.now)
    (row,) = rows(h, _hub, _hub.c.actor_uri == uri)
    assert row["title"] == " ".join(LONG_TITLE.split())[:300]
    assert len(row["sort_key"]) == 300 and row["sort_key"].startswith("i̇stanbul")
    assert row["url"] == uri  # a page address longer than the column is not kept


def test_a_placeholder_hub_with_a_very_long_id_is_listed(h: Harness) -> None:
    uri = "https://far.example/hubs/" + "x" * 900  # fits actor_uri, not title
    with h.node.engine.begin() as conn:
        heard_of(conn, uri, h.now, h.now)
    (row,) = rows(h, _hub, _hub.c.actor_uri == uri)
    assert row["title"] == uri[:300] and row["sort_key"] == uri[:300]
    too_long = "https://far.example/hubs/" + "y" * 1100  # no actor can have it: skipped
    with h.node.engine.begin() as conn:
        heard_of(conn, too_long, h.now, h.now)
        learn_group(conn, {"id": too_long, "type": "Group", "name": "Y"}, h.now)
    assert rows(h, _hub, _hub.c.actor_uri == too_long) == []


def test_an_event_whose_region_lengthens_when_lowered_is_indexed(h: Harness) -> None:
    uri = "https://far.example/events/1"
    document = {
        "id": uri,
        "type": "Event",
        "name": "Assembly",
        "startTime": "2026-12-12T10:00:00Z",
        "endTime": "2026-12-12T12:00:00Z",
        "location": {"type": "Place", "address": {"addressRegion": "İ" * 200}},
    }
    with h.node.engine.begin() as conn:
        assert index_event(conn, uri, document, hub=None, origin_host="far.example")
    (row,) = rows(h, _event, _event.c.object_uri == uri)
    assert len(row["region"]) == 200

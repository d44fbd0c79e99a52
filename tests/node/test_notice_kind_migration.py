"""Migration 0030 records the kind of the notices made before it (``hub_item.notice_kind``),
read once from their English opening, on every backend; anything else keeps "", and the
hub page then says each old notice in its reader's language from the column
(:mod:`node.hubs.hub.notices`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from node.activitypub.vocab import PUBLIC
from node.db import alembic_config, make_engine, migrate
from node.text import post_html
from tests.storage import (
    backends,
    create_postgres_database,
    drop_postgres_database_later,
    run_database_name,
)

WHEN = datetime(2026, 11, 1, tzinfo=UTC)
BASE = "https://h.example"
EVENT = f"{BASE}/objects/event"

#: (Markdown the notice was made from, with or without a Markdown source kept, item
#: kind, the kind 0030 gives it)
NOTES = [
    ("**Moved:** March is now Tue, Nov 24, 6:00 PM CET", False, "update", "moved"),
    ("**Cancelled:** Dinner, Wed, Nov 25, 1:00 PM CET", False, "update", "cancelled"),
    ("**Cancelled:** National call, every week. There will be no further calls.", False,
     "update", "ended"),
    ("**New way to join:** National call. Join: https://meet.example/x", False, "update",
     "joining"),
    ("**Moved:** Feed fair is now Sat, Nov 28, 10:00 AM CET", False, "feed", "moved"),
    ("Movido: algo que otra instancia escribió", False, "update", ""),
    ("The march moved: see below", False, "update", ""),
    ("**Moved:** an organizer's own update, written in Markdown", True, "update", ""),
]


@pytest.fixture(params=backends())
def at_0029(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of this test's own, migrated to 0029 only."""
    from alembic import command

    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
        command.upgrade(alembic_config(engine), "0029")
        yield engine
        engine.dispose()
        return
    name = run_database_name("at0029")
    engine = make_engine(create_postgres_database(name))
    try:
        command.upgrade(alembic_config(engine), "0029")
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database_later(name)


def _note(n: int, markdown: str, with_source: bool) -> dict[str, object]:
    """A notice as this software stored it before 0030: its words, then the event's
    address on a line of its own; no ``noticeKind``."""
    uri = f"{BASE}/objects/{n}"
    document: dict[str, object] = {
        "id": uri, "type": "Note", "attributedTo": f"{BASE}/users/nate", "to": [PUBLIC],
        "content": post_html(f"{markdown}\n<{EVENT}>")}
    if with_source:
        document["source"] = {"content": markdown, "mediaType": "text/markdown"}
    return document


def test_0030_records_the_kind_of_each_earlier_notice(at_0029: Engine) -> None:
    # Given notices stored before 0030 (moved, cancelled, a series ended, a new way to
    # join, a feed's move) beside Notes that are no notice of ours, when the node
    # upgrades, then each notice's items carry its kind and every other item "".
    from node.hubs.hub.service import create_hub

    with at_0029.begin() as conn:
        create_hub(conn, base_url=BASE, name="h", title="H", now=WHEN)
        hub_id = conn.execute(text("SELECT id FROM hub")).scalar_one()
        for n, (markdown, with_source, kind, _) in enumerate(NOTES):
            document = _note(n, markdown, with_source)
            conn.execute(text(
                "INSERT INTO stored_object (uri, type, attributed_to, local, document,"
                " published, received_at) VALUES (:u, 'Note', :a, :t, :d, :w, :w)"),
                {"u": document["id"], "a": document["attributedTo"], "t": True,
                 "d": json.dumps(document), "w": WHEN})
            conn.execute(text(
                "INSERT INTO hub_item (hub_id, object_uri, kind, author_uri, origin, state,"
                " pinned, created_at, updated_at, published_at) VALUES (:h, :u, :k, 'a',"
                " 'local', 'published', :f, :w, :w, :w)"),
                {"h": hub_id, "u": document["id"], "k": kind, "f": False, "w": WHEN})
        conn.execute(text(
            "INSERT INTO hub_item (hub_id, object_uri, kind, author_uri, origin, state,"
            " pinned, created_at, updated_at, published_at) VALUES (:h, :u, 'event', 'a',"
            " 'local', 'published', :f, :w, :w, :w)"),
            {"h": hub_id, "u": EVENT, "f": False, "w": WHEN})
    migrate(at_0029)
    with at_0029.connect() as conn:
        found = {uri: kind for uri, kind in conn.execute(text(
            "SELECT object_uri, notice_kind FROM hub_item"))}
        stored = [json.loads(d) if isinstance(d, str) else d for d in conn.execute(text(
            "SELECT document FROM stored_object ORDER BY id")).scalars()]
    assert [found[f"{BASE}/objects/{n}"] for n in range(len(NOTES))] == [
        kind for *_, kind in NOTES]
    assert found[EVENT] == ""
    assert all("noticeKind" not in d for d in stored)  # signed documents stay as they were

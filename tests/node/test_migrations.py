"""The migrations build exactly the schema the models declare, on every backend."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlmodel import SQLModel

from node.activitypub.local_actors import create_local_actor
from node.activitypub.vocab import PUBLIC
from node.db import alembic_config, current_revision, make_engine, migrate
from node.network.timeline import Filters, timeline_page
from tests.storage import (
    backends,
    create_postgres_database,
    drop_postgres_database_later,
    run_database_name,
)


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_migrate_twice_is_a_no_op(engine: Engine) -> None:
    # Given a migrated database, when `ionode migrate` runs again on start,
    # then nothing changes and nothing fails.
    migrate(engine)
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    assert current == ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def test_hubs_created_before_0002_get_a_settings_row(tmp_path: Path) -> None:
    # Given a node migrated to 0001 with a hub, when it upgrades, then the hub has
    # its settings row with the defaults.
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as conn:
        create_local_actor(conn, base_url="https://philly.example", kind="group",
                           username="oldhub", now=datetime(2026, 1, 1, tzinfo=UTC))
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT follow_policy, posting_policy FROM hub")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("open", "members")]


def test_feed_notes_filed_as_events_before_0006_become_feed_posts(tmp_path: Path) -> None:
    # Issue 7, item 1.1: a republished calendar entry was a Note filed as kind="event",
    # which broke every calendar; 0006 files it as the feed post it is. Real Events and
    # feed Notes stay as they are.
    from alembic import command

    from node.hubs.hub.service import create_hub

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0005")
    now = "2026-11-21 12:00:00"
    with engine.begin() as conn:
        create_hub(conn, base_url="https://h.example", name="h", title="H",
                   now=datetime(2026, 11, 21, 12, tzinfo=UTC))
        hub_id = conn.execute(text("SELECT id FROM hub")).scalar_one()
        for uri, kind in (("https://h.example/objects/note", "Note"),
                          ("https://h.example/objects/event", "Event")):
            conn.execute(text("INSERT INTO stored_object (uri, type, local, received_at) "
                              "VALUES (:uri, :kind, 1, :now)"),
                         {"uri": uri, "kind": kind, "now": now})
            conn.execute(text(
                "INSERT INTO hub_item (hub_id, object_uri, kind, author_uri, origin, state, "
                "pinned, starts_at, created_at, updated_at) VALUES (:hub, :uri, 'event', "
                "'https://h.example/hubs/h', 'feed', 'published', 0, :now, :now, :now)"),
                {"hub": hub_id, "uri": uri, "now": now})
    migrate(engine)
    with engine.connect() as conn:
        items = conn.execute(text("SELECT object_uri, kind, starts_at FROM hub_item "
                                  "ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in items] == [
        ("https://h.example/objects/note", "feed", None),
        ("https://h.example/objects/event", "event", "2026-11-21 12:00:00")]


def test_received_times_stored_without_their_offset_are_reindexed_in_utc(
        tmp_path: Path) -> None:
    # Issue 7, item 1.2: SQLite stored a remote `18:15-06:00` as 18:15; 0006 stores
    # 00:15 the next day, the instant.
    from alembic import command

    from node.hubs.hub.service import create_hub

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0005")
    uri = "https://mobilizon.example/events/1"
    document = json.dumps({"id": uri, "type": "Event",
                           "startTime": "2026-12-12T18:15:00-06:00",
                           "endTime": "2026-12-12T20:00:00-06:00"})
    with engine.begin() as conn:
        create_hub(conn, base_url="https://h.example", name="h", title="H",
                   now=datetime(2026, 11, 21, 12, tzinfo=UTC))
        hub_id = conn.execute(text("SELECT id FROM hub")).scalar_one()
        conn.execute(text("INSERT INTO stored_object (uri, type, local, document, received_at)"
                          " VALUES (:uri, 'Event', 0, :doc, '2026-11-21 12:00:00')"),
                     {"uri": uri, "doc": document})
        conn.execute(text(
            "INSERT INTO hub_item (hub_id, object_uri, kind, author_uri, origin, state, "
            "pinned, starts_at, ends_at, created_at, updated_at) VALUES (:hub, :uri, 'event', "
            "'https://mobilizon.example/users/rosa', 'remote', 'published', 0, "
            "'2026-12-12 18:15:00.000000', '2026-12-12 20:00:00.000000', "
            "'2026-11-21 12:00:00', '2026-11-21 12:00:00')"), {"hub": hub_id, "uri": uri})
    migrate(engine)
    with engine.connect() as conn:
        item = conn.execute(text("SELECT starts_at, ends_at FROM hub_item")).one()
    engine.dispose()
    assert tuple(item) == ("2026-12-13 00:15:00.000000", "2026-12-13 02:00:00.000000")


@pytest.fixture(params=backends())
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of this test's own: downgrading the shared one would break
    the tests after it if this one failed half-way."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
        migrate(engine)
        yield engine
        engine.dispose()
        return
    name = run_database_name("downgrade")
    engine = make_engine(create_postgres_database(name))
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database_later(name)


def _populate(engine: Engine) -> None:
    from node.hubs.hub.service import create_hub

    when = datetime(2026, 11, 21, 12, tzinfo=UTC)
    with engine.begin() as conn:
        rosa = create_local_actor(conn, base_url="https://h.example", kind="person",
                                  username="rosa", now=when)
        conn.execute(text("INSERT INTO account (actor_id, password_hash, is_admin, "
                          "created_at) VALUES (:a, 'x', :t, :now)"),
                     {"a": rosa.id, "t": True, "now": when})
        create_hub(conn, base_url="https://h.example", name="h", title="H", now=when)
        hub_id = conn.execute(text("SELECT id FROM hub")).scalar_one()
        conn.execute(text("UPDATE hub SET timezone = 'America/Chicago'"))
        uri = "https://h.example/objects/1"
        conn.execute(text("INSERT INTO stored_object (uri, type, local, authors, document, "
                          "received_at) VALUES (:uri, 'Event', :t, :authors, :doc, :now)"),
                     {"uri": uri, "t": True, "authors": json.dumps(["https://h.example/rosa"]),
                      "doc": json.dumps({"id": uri, "type": "Event"}), "now": when})
        conn.execute(text(
            "INSERT INTO hub_item (hub_id, object_uri, kind, author_uri, origin, state, "
            "pinned, starts_at, created_at, updated_at, published_at) VALUES (:hub, :uri, "
            "'event', 'https://h.example/hubs/h', 'feed', 'published', :f, :now, :now, :now, "
            ":now)"),
            {"hub": hub_id, "uri": uri, "f": False, "now": when})
        subscription = conn.execute(text(
            "INSERT INTO feed_subscription (hub_id, url, title, next_poll_at, failures, "
            "created_at) VALUES (:hub, 'https://cal.example/c.ics', 'Cal', :now, 0, :now) "
            "RETURNING id"), {"hub": hub_id, "now": when}).scalar_one()
        conn.execute(text("INSERT INTO feed_entry (subscription_id, entry_key, object_uri, "
                          "seen_at, digest) VALUES (:s, 'uid-1', :uri, :now, 'abc')"),
                     {"s": subscription, "uri": uri, "now": when})


_SURVIVES = {
    "account": "SELECT count(*) FROM account",
    "local_actor": "SELECT count(*) FROM local_actor",
    "hub": "SELECT count(*) FROM hub",
    "hub_item": "SELECT object_uri, kind FROM hub_item",
    "stored_object": "SELECT uri, type FROM stored_object",
    "feed_entry": "SELECT entry_key, object_uri FROM feed_entry",
}


def _snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {table: [tuple(r) for r in conn.execute(text(query)).all()]
                for table, query in _SURVIVES.items()}


def test_downgrade_to_0003_and_back_keeps_a_populated_node(own_database: Engine) -> None:
    # A node with users, a hub, items, stored objects and feed entries downgrades to
    # 0003 and upgrades again: on SQLite, rebuilding `hub` with foreign keys on failed
    # ("FOREIGN KEY constraint failed"); every row must survive the round trip.
    from alembic import command

    _populate(own_database)
    before = _snapshot(own_database)
    command.downgrade(alembic_config(own_database), "0003")
    assert current_revision(own_database) == "0003"
    assert _snapshot(own_database) == before
    migrate(own_database)
    assert _snapshot(own_database) == before
    with own_database.connect() as conn:
        assert conn.execute(text("SELECT timezone FROM hub")).scalar_one() == ""
        assert conn.execute(text("SELECT digest FROM feed_entry")).scalar_one() is None
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_network_items_before_0025_take_their_publication_time(
        tmp_path: Path) -> None:
    # Given items received before the timeline was ordered by publication, when the
    # node upgrades, then each takes its object's published time, never one after it
    # arrived, and one with no object its arrival time.
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0024")
    arrived = "2026-11-21 12:00:00.000000"
    with engine.begin() as conn:
        for n, published in ((1, "2026-11-01 10:00:00.000000"),
                             (2, "2030-01-01 00:00:00.000000")):
            conn.execute(text(
                "INSERT INTO stored_object (uri, type, attributed_to, local, document,"
                " published, received_at) VALUES (:uri, 'Note', 'a', 0, '{}', :p, :r)"),
                {"uri": f"https://a.example/{n}", "p": published, "r": arrived})
        for n in (1, 2, 3):
            conn.execute(text(
                "INSERT INTO network_item (object_uri, object_type, origin_host, via,"
                " received_at) VALUES (:uri, 'Note', 'a.example', 'v', :r)"),
                {"uri": f"https://a.example/{n}", "r": arrived})
    migrate(engine)
    with engine.connect() as conn:
        found = conn.execute(text(
            "SELECT published_at, region FROM network_item ORDER BY id")).all()
    engine.dispose()
    assert [str(r[0])[:19] for r in found] == [
        "2026-11-01 10:00:00", "2026-11-21 12:00:00", "2026-11-21 12:00:00"]
    assert {r[1] for r in found} == {""}


@pytest.fixture(params=backends())
def at_0026(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of this test's own, migrated to 0026 only."""
    from alembic import command

    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
        command.upgrade(alembic_config(engine), "0026")
        yield engine
        engine.dispose()
        return
    name = run_database_name("at0026")
    engine = make_engine(create_postgres_database(name))
    try:
        command.upgrade(alembic_config(engine), "0026")
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database_later(name)


def _received(conn: Connection, n: int, document: dict[str, object], hub: str | None,
              published: datetime, arrived: datetime) -> None:
    """A network item as the receive path stored it before 0025 indexed tags and
    regions: its object, and its row with no region and no tags."""
    uri = f"https://oak.example/objects/{n}"
    conn.execute(text(
        "INSERT INTO stored_object (uri, type, attributed_to, local, document, published,"
        " received_at) VALUES (:uri, 'Note', 'https://oak.example/users/ana', :f, :doc,"
        " :p, :r)"), {"uri": uri, "f": False, "p": published, "r": arrived,
                      "doc": json.dumps({"id": uri, "type": "Note", "to": [PUBLIC],
                                         **document})})
    conn.execute(text(
        "INSERT INTO network_item (object_uri, object_type, hub_uri, origin_host, via,"
        " received_at, published_at, region) VALUES (:uri, 'Note', :hub, 'oak.example',"
        " 'v', :r, :p, '')"), {"uri": uri, "hub": hub, "r": arrived, "p": published})


def test_items_of_before_0025_get_tags_and_region_and_hub_items_their_publication(
        at_0026: Engine) -> None:
    # Given a node at 0026 holding network items received before 0025 (no region, no
    # tags) and hub items of a link's backfill, when it upgrades, then the items have
    # the tags and region the receive path gives them, the hub items their object's
    # publication time (never after they arrived), and the timeline filters find them.
    from node.hubs.hub.service import create_hub

    arrived = datetime(2026, 11, 21, 12, tzinfo=UTC)
    early = datetime(2026, 10, 1, 9, tzinfo=UTC)
    hub = "https://oak.example/hubs/tenants"
    with at_0026.begin() as conn:
        conn.execute(text(
            "INSERT INTO remote_actor (uri, host, kind, preferred_username, display_name,"
            " inbox, multikeys, document, fetched_at, gone) VALUES (:u, 'oak.example',"
            " 'Group', 'tenants', 'Tenants', :i, '{}', :d, :t, :f)"),
            {"u": hub, "i": f"{hub}/inbox", "t": arrived, "f": False, "d": json.dumps(
                {"id": hub, "type": "Group", "location": {"type": "Place",
                                                          "name": "California"}})})
        tags = [{"type": "Hashtag", "name": "#RentStrike"},
                {"type": "Hashtag", "name": "#rentstrike"}, {"type": "Mention", "name": "x"}]
        _received(conn, 1, {"tag": tags, "location": {"type": "Place", "address": {
            "type": "PostalAddress", "addressRegion": " Bay  Area "}}}, hub, early, arrived)
        _received(conn, 2, {"tag": [{"type": "Hashtag", "name": "#housing"}]}, hub,
                  early, arrived)
        _received(conn, 3, {}, None, early, arrived)
        create_hub(conn, base_url="https://h.example", name="h", title="H", now=arrived)
        hub_id = conn.execute(text("SELECT id FROM hub")).scalar_one()
        for n, published in ((1, early), (2, datetime(2030, 1, 1, tzinfo=UTC)), (9, None)):
            if n == 9:  # an item whose object is not stored: its arrival
                uri = "https://oak.example/objects/gone"
            else:
                uri = f"https://oak.example/objects/{n}"
                conn.execute(text("UPDATE stored_object SET published = :p WHERE uri = :u"),
                             {"p": published, "u": uri})
            conn.execute(text(
                "INSERT INTO hub_item (hub_id, object_uri, kind, author_uri, origin, state,"
                " pinned, created_at, updated_at, linked_from) VALUES (:hub, :uri,"
                " 'update', 'a', 'linked', 'published', :f, :now, :now, :via)"),
                {"hub": hub_id, "uri": uri, "f": False, "now": arrived, "via": hub})
    migrate(at_0026)
    with at_0026.connect() as conn:
        regions = conn.execute(text(
            "SELECT object_uri, region FROM network_item ORDER BY id")).all()
        tags = conn.execute(text(
            "SELECT i.object_uri, t.tag FROM network_item_tag t JOIN network_item i"
            " ON i.id = t.item_id ORDER BY t.id")).all()
        published = conn.execute(text(
            "SELECT published_at FROM hub_item ORDER BY id")).scalars().all()
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        found = timeline_page(conn, Filters(tag="rentstrike", region="bay area"))
    assert [r[1] for r in regions] == ["bay area", "california", ""]
    assert [(uri[-1], tag) for uri, tag in tags] == [
        ("1", "rentstrike"), ("2", "housing")]
    assert [_utc(p) for p in published] == [early, arrived, arrived]
    assert [item.uri[-1] for item in found.items] == ["1"]
    assert diff == []


def _utc(value: object) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def test_0027_fills_hub_items_in_batches_each_committed(at_0026: Engine) -> None:
    # Given a node at 0026 with more hub items than one batch, when it upgrades, then
    # the fill runs a batch a transaction (BEGIN, one UPDATE, COMMIT), not one for all.
    from sqlalchemy import event

    from node.hubs.hub.service import create_hub

    when = datetime(2026, 11, 1, tzinfo=UTC)
    with at_0026.begin() as conn:
        create_hub(conn, base_url="https://h.example", name="h", title="H", now=when)
        hub_id = conn.execute(text("SELECT id FROM hub")).scalar_one()
        conn.execute(text(
            "INSERT INTO hub_item (hub_id, object_uri, kind, author_uri, origin, state,"
            " pinned, created_at, updated_at) VALUES (:h, :u, 'update', 'a', 'local',"
            " 'published', :f, :n, :n)"),
            [{"h": hub_id, "u": f"https://h.example/objects/{n}", "f": False, "n": when}
             for n in range(2500)])
    seen: list[str] = []

    def keep(conn: object, cursor: object, statement: str, *rest: object) -> None:
        if statement in ("BEGIN", "COMMIT") or statement.startswith("UPDATE hub_item"):
            seen.append(statement.split()[0])

    event.listen(at_0026, "before_cursor_execute", keep)
    try:
        migrate(at_0026)
    finally:
        event.remove(at_0026, "before_cursor_execute", keep)
    assert seen[:9] == ["BEGIN", "UPDATE", "COMMIT"] * 3
    with at_0026.connect() as conn:
        assert conn.execute(text(
            "SELECT count(*) FROM hub_item WHERE published_at IS NULL")).scalar_one() == 0


@pytest.fixture(params=backends())
def at_0028(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of this test's own, migrated to 0028 only."""
    from alembic import command

    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
        command.upgrade(alembic_config(engine), "0028")
        yield engine
        engine.dispose()
        return
    name = run_database_name("at0028")
    engine = make_engine(create_postgres_database(name))
    try:
        command.upgrade(alembic_config(engine), "0028")
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database_later(name)


def test_0029_fills_the_directorys_hub_tags(at_0028: Engine) -> None:
    # Given a directory of listed hubs with tags, a placeholder and a hub without tags,
    # when the node upgrades, then each listed hub's tags are rows the tag list reads.
    from node.network.directory_query import facets

    now = datetime(2026, 12, 1, tzinfo=UTC)
    with at_0028.begin() as conn:
        for n, tags, refreshed in ((1, " housing rent ", now), (2, " housing ", now),
                                   (3, "", now), (4, " stale ", None)):
            conn.execute(text(
                "INSERT INTO network_hub (actor_uri, local, handle, title, sort_key, summary,"
                " summary_text, region, tags, host, url, refreshed_at, created_at) VALUES"
                " (:u, :f, '', 'T', 't', '', '', '', :tags, 'oak.example', :u, :r, :now)"),
                {"u": f"https://oak.example/hubs/{n}", "f": False, "tags": tags,
                 "r": refreshed, "now": now})
    migrate(at_0028)
    with at_0028.connect() as conn:
        rows = conn.execute(text(
            "SELECT h.actor_uri, t.tag FROM network_hub_tag t JOIN network_hub h"
            " ON h.id = t.hub_id ORDER BY h.id, t.tag")).all()
        found = facets(conn)
    assert [(uri[-1], tag) for uri, tag in rows] == [
        ("1", "housing"), ("1", "rent"), ("2", "housing")]
    assert found.tags == ["housing", "rent"]
    assert found.nodes == ["oak.example"]
